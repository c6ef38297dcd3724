package backup

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSaveListPruneRestore(t *testing.T) {
	dir := t.TempDir()
	clock := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	s := &Store{Dir: filepath.Join(dir, "backups"), Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	file := filepath.Join(dir, ".claude.json")

	first, err := s.Save(file, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if _, err := s.Save(file, []byte{byte('a' + i)}, true); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.List(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != Keep {
		t.Fatalf("%d backups kept, want %d", len(all), Keep)
	}
	if data, _ := all[0].Data(); string(data) != "l" {
		t.Errorf("newest backup holds %q, want \"l\"", data)
	}
	if _, err := s.Find(file, first.ID()); err == nil {
		t.Error("the oldest backup was not pruned")
	}
	files, _ := s.Files()
	if len(files) != 1 || files[0] != file {
		t.Errorf("Files() = %v", files)
	}

	os.WriteFile(file, []byte("current"), 0o600)
	b, err := s.Find(file, all[3].ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := Put(b); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(file); string(data) != "i" {
		t.Errorf("restored %q, want \"i\"", data)
	}

	// An absent backup removes the file.
	absent, _ := s.Save(file, nil, false)
	if err := Put(absent); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("file still there after restoring an absent backup: %v", err)
	}
}

// TestSaveFromLinks checks that a backup of a file about to be replaced
// is a hard link when it can be, that it keeps the old bytes after the
// file is replaced by a rename, and that a file that no longer holds the
// planned bytes is copied from those bytes instead.
func TestSaveFromLinks(t *testing.T) {
	dir := t.TempDir()
	s := &Store{Dir: filepath.Join(dir, "backups")}
	file := filepath.Join(dir, "f.json")
	os.WriteFile(file, []byte("old"), 0o600)
	b, err := s.SaveFrom(file, file, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	fi1, _ := os.Stat(file)
	fi2, _ := os.Stat(b.file)
	if !os.SameFile(fi1, fi2) {
		t.Error("the backup is not a hard link of the file")
	}
	os.WriteFile(file+".tmp", []byte("new"), 0o600)
	os.Rename(file+".tmp", file)
	if data, _ := b.Data(); string(data) != "old" {
		t.Errorf("backup holds %q after the rename, want \"old\"", data)
	}

	// The file changed since it was read: the backup holds what was read.
	b2, err := s.SaveFrom(file, file, []byte("planned"), true)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := b2.Data(); string(data) != "planned" {
		t.Errorf("backup holds %q, want the planned bytes", data)
	}
	fi3, _ := os.Stat(b2.file)
	if fi3.Mode().Perm() != 0o600 {
		t.Errorf("copied backup mode %v, want 0600", fi3.Mode().Perm())
	}
}
