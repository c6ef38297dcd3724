package fileattr

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// someone is a user and group that are not ours (nor root's).
var someone = Owner{UID: 4242, GID: 4343}

func needRoot(t *testing.T) {
	t.Helper()
	if !IsRoot() {
		t.Skip("needs root to give files away")
	}
}

func ownerOfPath(t *testing.T, p string) Owner {
	t.Helper()
	info, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := OwnerOf(info)
	return o
}

// TestMkdirAllAsRootGivesDirectoriesBack is sudo creating
// ~/.local/state/latchgate-mcp/locks in a user's home.
func TestMkdirAllAsRootGivesDirectoriesBack(t *testing.T) {
	t.Parallel()
	needRoot(t)
	home := filepath.Join(t.TempDir(), "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	must(t, os.Chown(home, someone.UID, someone.GID))
	dir := filepath.Join(home, ".local", "state", "latchgate-mcp", "locks")
	if err := MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for d := dir; d != home; d = filepath.Dir(d) {
		if got := ownerOfPath(t, d); got != someone {
			t.Errorf("%s is owned by %v, want the home's owner %v", d, got, someone)
		}
	}
	if got := ownerOfPath(t, filepath.Dir(home)); got == someone {
		t.Errorf("the directory above the home was given away")
	}
}

func TestMkdirAllNamesAFileInTheWay(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	state := filepath.Join(root, "state", "latchgate-mcp")
	must(t, os.MkdirAll(filepath.Dir(state), 0o755))
	must(t, os.WriteFile(state, []byte("x"), 0o644))
	err := MkdirAll(filepath.Join(state, "backups", "abc"), 0o700)
	var nd *NotDirError
	if !errors.As(err, &nd) || nd.Path != state || !errors.Is(err, syscall.ENOTDIR) || !strings.Contains(err.Error(), state) {
		t.Fatalf("err = %v, want a NotDirError naming %s", err, state)
	}
	if err := MkdirAll(state, 0o700); !errors.As(err, &nd) || nd.Path != state {
		t.Fatalf("the file itself: err = %v", err)
	}
	// Existing directories are fine, and left alone.
	if err := MkdirAll(root, 0o700); err != nil {
		t.Fatal(err)
	}
}

func TestFchownKeepsOwner(t *testing.T) {
	t.Parallel()
	needRoot(t)
	dir := t.TempDir()
	f, err := os.CreateTemp(dir, "x")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, f.Close()) }()
	if err := Fchown(f, f.Name(), someone); err != nil {
		t.Fatal(err)
	}
	if got := ownerOfPath(t, f.Name()); got != someone {
		t.Errorf("owner %v, want %v", got, someone)
	}
}

func TestInherit(t *testing.T) {
	t.Parallel()
	needRoot(t)
	home := t.TempDir()
	must(t, os.Chown(home, someone.UID, someone.GID))
	o, ok := Inherit(filepath.Join(home, "a", "b", "c.json"))
	if !ok || o != someone {
		t.Errorf("Inherit = %v, %v; want %v", o, ok, someone)
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	must(t, os.WriteFile(a, nil, 0o644))
	must(t, os.Link(a, b))
	info, _ := os.Stat(a)
	if n := Links(info); n != 2 {
		t.Errorf("Links = %d, want 2", n)
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
