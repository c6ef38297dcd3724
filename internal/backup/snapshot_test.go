package backup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
)

func mustRead(t *testing.T, b Backup) string {
	t.Helper()
	data, err := b.Data()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// editInPlace is an editor that writes the file without replacing it.
func editInPlace(t *testing.T, p, text string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(text)
	must(t, errors.Join(err, f.Close()))
}

// replace is our write: a new file renamed over the old.
func replace(t *testing.T, p, text string) {
	t.Helper()
	must(t, os.WriteFile(p+".tmp", []byte(text), 0o600))
	if err := os.Rename(p+".tmp", p); err != nil {
		t.Fatal(err)
	}
}

// TestSaveFromIsASnapshot is the failed write of the issue: the backup
// was taken, the write failed (nothing replaced the file), and an editor
// then changed the file in place. The backup must still hold what was
// there.
func TestSaveFromIsASnapshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := &Store{Dir: filepath.Join(dir, "backups")}
	file := filepath.Join(dir, "f.json")
	must(t, os.WriteFile(file, []byte("old"), 0o600))
	b, err := s.SaveFrom(file, file, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	// The write fails; the IDE saves its own change in place.
	editInPlace(t, file, "edited by the IDE")
	if got := mustRead(t, b); got != "old" {
		t.Errorf("the backup holds %q, want the snapshot \"old\"", got)
	}
}

// TestPrepareCommit: a file replaced by a rename is backed up by a hard
// link that becomes the old inode's only name, and is a snapshot.
func TestPrepareCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := &Store{Dir: filepath.Join(dir, "backups")}
	file := filepath.Join(dir, "f.json")
	must(t, os.WriteFile(file, []byte("old"), 0o640))
	before, _ := os.Stat(file)

	p, err := s.Prepare(file, file, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := s.List(file); len(all) != 0 {
		t.Errorf("a pending backup is listed: %v", all)
	}
	replace(t, file, "new")
	b, err := p.Commit()
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(b.file)
	if !os.SameFile(info, before) {
		t.Error("the backup is not the old inode (a copy was made where a link would do)")
	}
	if got := mustRead(t, b); got != "old" {
		t.Errorf("backup holds %q", got)
	}
	editInPlace(t, file, "edited")
	if got := mustRead(t, b); got != "old" {
		t.Errorf("after an in-place edit of the file, the backup holds %q", got)
	}
	if all, _ := s.List(file); len(all) != 1 || all[0].ID() != b.ID() {
		t.Errorf("List = %v", all)
	}
	assertNoPending(t, s, file)
}

// TestPrepareAbort: the write did not happen. No backup is kept, and no
// link to the live file is left behind for an editor to change.
func TestPrepareAbort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := &Store{Dir: filepath.Join(dir, "backups")}
	file := filepath.Join(dir, "f.json")
	must(t, os.WriteFile(file, []byte("old"), 0o600))
	p, err := s.Prepare(file, file, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	p.Abort(file)
	if all, _ := s.List(file); len(all) != 0 {
		t.Errorf("backups after an aborted write: %v", all)
	}
	assertNoPending(t, s, file)
	if info, _ := os.Stat(file); fileattr.Links(info) != 1 {
		t.Errorf("the file still has %d links", fileattr.Links(info))
	}
	var nilPending *Pending
	nilPending.Abort(file) // no backups configured: a no-op
}

// TestCommitWhenStillLive: Commit after a write that did not replace the
// file (written in place, or a caller that got it wrong) copies instead
// of keeping a link to the live file.
func TestCommitWhenStillLive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := &Store{Dir: filepath.Join(dir, "backups")}
	file := filepath.Join(dir, "f.json")
	must(t, os.WriteFile(file, []byte("old"), 0o600))
	p, err := s.Prepare(file, file, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	editInPlace(t, file, "written in place")
	b, err := p.Commit()
	if err != nil {
		t.Fatal(err)
	}
	editInPlace(t, file, "again")
	if got := mustRead(t, b); got != "old" {
		t.Errorf("backup holds %q, want \"old\"", got)
	}
	assertNoPending(t, s, file)
}

// TestPrepareHardLinkedFile: a file with another name is copied at once;
// after our rename the other name still is the old inode, so a link would
// not be a snapshot.
func TestPrepareHardLinkedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := &Store{Dir: filepath.Join(dir, "backups")}
	file, other := filepath.Join(dir, "f.json"), filepath.Join(dir, "other.json")
	must(t, os.WriteFile(file, []byte("old"), 0o600))
	must(t, os.Link(file, other))
	p, err := s.Prepare(file, file, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	replace(t, file, "new")
	b, err := p.Commit()
	if err != nil {
		t.Fatal(err)
	}
	editInPlace(t, other, "edited through the other name")
	if got := mustRead(t, b); got != "old" {
		t.Errorf("backup holds %q, want \"old\"", got)
	}

	// PrepareCopy (for a write in place): a copy, kept even when the
	// write failed half way.
	must(t, os.WriteFile(file, []byte("v2"), 0o600))
	p, err = s.PrepareCopy(file, file, []byte("v2"), true)
	if err != nil {
		t.Fatal(err)
	}
	editInPlace(t, file, "v")
	p.Abort(file)
	all, _ := s.List(file)
	if len(all) != 2 || mustRead(t, all[0]) != "v2" {
		t.Errorf("the copy of a half-written file was dropped: %v", all)
	}
}

func assertNoPending(t *testing.T, s *Store, file string) {
	t.Helper()
	entries, _ := os.ReadDir(s.folderOf(key(file)))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefixPending) || strings.HasSuffix(e.Name(), ".clone") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestPhysicalKeys: a backup taken through a linked home directory is
// found by the physical path, by an unclean path and the other way round.
func TestPhysicalKeys(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	realHome := filepath.Join(root, "data", "home")
	must(t, os.MkdirAll(realHome, 0o755))
	linkHome := filepath.Join(root, "home")
	must(t, os.Symlink(realHome, linkHome))
	s := &Store{Dir: filepath.Join(root, "backups")}
	viaLink := filepath.Join(linkHome, ".claude.json")
	must(t, os.WriteFile(viaLink, []byte("old"), 0o600))
	b, err := s.Save(viaLink, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{viaLink, filepath.Join(realHome, ".claude.json"), linkHome + "//./.claude.json"} {
		got, err := s.Find(p, "")
		if err != nil || got.ID() != b.ID() {
			t.Errorf("Find(%s) = %v, %v", p, got.ID(), err)
		}
	}
	if files, _ := s.Files(); len(files) != 1 || files[0] != viaLink {
		t.Errorf("Files() = %v, want the path as it was named", files)
	}
}

// TestStateDirIsAFile: the error names the file in the way.
func TestStateDirIsAFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	state := filepath.Join(root, "latchgate-mcp")
	must(t, os.WriteFile(state, nil, 0o644))
	s := &Store{Dir: filepath.Join(state, "backups")}
	_, err := s.Save(filepath.Join(root, "f"), []byte("x"), true)
	if err == nil || !strings.Contains(err.Error(), state+" is not a directory") || !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("err = %v, want it to name %s", err, state)
	}
}

// TestBackupsKeepTheHomeOwner is sudo installing into a user's home: the
// backup directories and files are the user's, not root's.
func TestBackupsKeepTheHomeOwner(t *testing.T) {
	t.Parallel()
	if !fileattr.IsRoot() {
		t.Skip("needs root to give files away")
	}
	someone := fileattr.Owner{UID: 4242, GID: 4343}
	home := t.TempDir()
	must(t, os.Chown(home, someone.UID, someone.GID))
	s := &Store{Dir: filepath.Join(home, ".local", "state", "latchgate-mcp", "backups")}
	file := filepath.Join(home, ".claude.json")
	must(t, os.WriteFile(file, []byte("old"), 0o600))
	must(t, os.Chown(file, someone.UID, someone.GID))
	p, err := s.Prepare(file, file, []byte("old"), true)
	if err != nil {
		t.Fatal(err)
	}
	editInPlace(t, file, "x") // forces a copy on Commit
	b, err := p.Commit()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{filepath.Join(home, ".local"), s.Dir, filepath.Dir(b.file), b.file, filepath.Join(filepath.Dir(b.file), pathFile)} {
		info, err := os.Stat(q)
		if err != nil {
			t.Fatal(err)
		}
		if o, _ := fileattr.OwnerOf(info); o != someone {
			t.Errorf("%s is owned by %v, want %v", q, o, someone)
		}
	}
}
