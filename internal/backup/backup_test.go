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

	must(t, os.WriteFile(file, []byte("current"), 0o600))
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

// must stops the test when a setup step fails, so that it never goes on
// to check the wrong thing.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
