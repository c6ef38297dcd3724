package filelock

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
)

func TestLockExcludes(t *testing.T) {
	dir := t.TempDir()
	l1, err := Acquire(context.Background(), dir, "/home/u/.claude.json")
	if err != nil {
		t.Fatal(err)
	}
	// Another file is not blocked.
	other, err := Acquire(context.Background(), dir, "/home/u/.mcp.json")
	if err != nil {
		t.Fatal(err)
	}
	must(t, other.Unlock())

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, dir, "/home/u/.claude.json"); err == nil {
		t.Fatal("a second lock on the same file was granted")
	}
	got := make(chan error, 1)
	go func() {
		l2, err := Acquire(context.Background(), dir, "/home/u/.claude.json")
		if err == nil {
			err = l2.Unlock()
		}
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	must(t, l1.Unlock())
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting lock was not granted after Unlock")
	}
}

// TestLockDirIsAFile: the error names the file in the way (merge shortens
// *fs.PathError values to their cause, so it must not be one).
func TestLockDirIsAFile(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "latchgate-mcp")
	must(t, os.WriteFile(state, nil, 0o644))
	_, err := Acquire(context.Background(), filepath.Join(state, "locks"), "/home/u/.claude.json")
	var pe *fs.PathError
	if err == nil || !strings.Contains(err.Error(), state+" is not a directory") || errors.As(err, &pe) {
		t.Fatalf("err = %v, want a plain error naming %s", err, state)
	}
}

// TestLockKeepsTheHomeOwner is sudo taking a lock in a user's state
// directory: the user's next run must still open the lock file.
func TestLockKeepsTheHomeOwner(t *testing.T) {
	t.Parallel()
	if !fileattr.IsRoot() {
		t.Skip("needs root to give files away")
	}
	someone := fileattr.Owner{UID: 4242, GID: 4343}
	home := t.TempDir()
	must(t, os.Chown(home, someone.UID, someone.GID))
	dir := filepath.Join(home, ".local", "state", "latchgate-mcp", "locks")
	l, err := Acquire(context.Background(), dir, "/x")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, l.Unlock()) }()
	entries, _ := os.ReadDir(dir)
	paths := []string{filepath.Join(home, ".local"), dir}
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	if len(paths) != 3 {
		t.Fatalf("lock dir holds %v", entries)
	}
	for _, p := range paths {
		info, _ := os.Stat(p)
		if o, _ := fileattr.OwnerOf(info); o != someone {
			t.Errorf("%s is owned by %v, want %v", p, o, someone)
		}
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
