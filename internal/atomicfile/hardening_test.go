package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
)

// asOtherUser makes the test binary write a file and report, so a test
// running as root can see what happens to a user who is not.
const asOtherUser = "LATCHGATE_ATOMICFILE_WRITE"

func TestMain(m *testing.M) {
	if p := os.Getenv(asOtherUser); p != "" {
		err := WriteFile(p, []byte("new"), Options{})
		fmt.Print(err)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dotfiles is a dotfile manager's layout: ~/.config is a link into
// ~/dotfiles, and a path goes through it and back up with "..".
func dotfiles(t *testing.T) (home, dots string) {
	t.Helper()
	home = t.TempDir()
	dots = filepath.Join(home, "dotfiles")
	if err := os.MkdirAll(filepath.Join(dots, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dots, "config"), filepath.Join(home, ".config")); err != nil {
		t.Fatal(err)
	}
	return home, dots
}

// TestResolvePhysicalDotDot: "~/.config/../mcp.json" is, to the kernel
// and so to the IDE, ~/dotfiles/mcp.json; ~/mcp.json is an unrelated file
// that must not be overwritten.
func TestResolvePhysicalDotDot(t *testing.T) {
	t.Parallel()
	home, dots := dotfiles(t)
	unrelated := filepath.Join(home, "mcp.json")
	theirs := filepath.Join(dots, "mcp.json")
	must(t, os.WriteFile(unrelated, []byte("unrelated"), 0o644))
	must(t, os.WriteFile(theirs, []byte("old"), 0o644))
	path := filepath.Join(home, ".config") + "/../mcp.json"

	got, err := Resolve(path)
	if err != nil || got != theirs {
		t.Fatalf("Resolve(%s) = %s, %v; want %s", path, got, err, theirs)
	}
	if err := WriteFile(path, []byte("new"), Options{}); err != nil {
		t.Fatal(err)
	}
	if read(t, unrelated) != "unrelated" {
		t.Errorf("the unrelated file was overwritten")
	}
	// What the kernel (and so the IDE) reads through the same path.
	if read(t, path) != "new" || read(t, theirs) != "new" {
		t.Errorf("the file the path names holds %q", read(t, path))
	}

	// The file does not exist yet where the IDE looks, but an unrelated
	// one is where the text points: the IDE's file is created, the other
	// left alone.
	must(t, os.Remove(theirs))
	if err := WriteFile(path, []byte("created"), Options{}); err != nil {
		t.Fatal(err)
	}
	if read(t, unrelated) != "unrelated" {
		t.Errorf("the unrelated file was overwritten")
	}
	if read(t, path) != "created" {
		t.Errorf("the IDE's path reads %q", read(t, path))
	}

	// Nothing on either side: created where the IDE will look for it,
	// not next to the link.
	path2 := filepath.Join(home, ".config") + "/../new.json"
	if err := WriteFile(path2, []byte("x"), Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, "new.json")); err == nil {
		t.Errorf("created %s, which the IDE never reads", filepath.Join(home, "new.json"))
	}
	if read(t, path2) != "x" {
		t.Errorf("the IDE's path reads %q", read(t, path2))
	}
}

// TestResolveMissingUnderLinkedDir: the last components do not exist yet,
// under a linked directory.
func TestResolveMissingUnderLinkedDir(t *testing.T) {
	t.Parallel()
	home, dots := dotfiles(t)
	tests := []struct{ path, want string }{
		{filepath.Join(home, ".config", "mcp.json"), filepath.Join(dots, "config", "mcp.json")},
		{filepath.Join(home, ".config", "Code", "User", "mcp.json"), filepath.Join(dots, "config", "Code", "User", "mcp.json")},
		{filepath.Join(home, ".config") + "/./a//b/../c.json", filepath.Join(dots, "config", "a", "c.json")},
		{filepath.Join(home, "nope", "x.json"), filepath.Join(home, "nope", "x.json")},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.path)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%s) = %s, %v; want %s", tt.path, got, err, tt.want)
		}
	}
	p := filepath.Join(home, ".config", "Code", "User", "mcp.json")
	if err := WriteFile(p, []byte("{}"), Options{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(home, ".config")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the linked directory was replaced")
	}
	if read(t, filepath.Join(dots, "config", "Code", "User", "mcp.json")) != "{}" {
		t.Error("not written in the link's target")
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	must(t, os.WriteFile(file, nil, 0o644))
	if _, err := Resolve(file + "/x.json"); !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("through a file: err = %v, want ENOTDIR", err)
	}
	self := filepath.Join(dir, "self")
	must(t, os.Symlink("self", self))
	if _, err := Resolve(self + "/x"); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("loop: err = %v, want ELOOP", err)
	}
	// A relative link is relative to the link's directory.
	must(t, os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	must(t, os.Symlink("b/../../file", filepath.Join(dir, "a", "rel")))
	if got, err := Resolve(filepath.Join(dir, "a", "rel")); err != nil || got != file {
		t.Errorf("relative link: %s, %v; want %s", got, err, file)
	}
}

var someone = fileattr.Owner{UID: 4242, GID: 4343}

func ownerOf(t *testing.T, p string) fileattr.Owner {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := fileattr.OwnerOf(fi)
	return o
}

// TestWriteKeepsOwnerAsRoot is sudo editing a user's file: the file, and
// anything created next to it, stays the user's.
func TestWriteKeepsOwnerAsRoot(t *testing.T) {
	t.Parallel()
	if !fileattr.IsRoot() {
		t.Skip("needs root to give files away")
	}
	home := t.TempDir()
	must(t, os.Chown(home, someone.UID, someone.GID))
	p := filepath.Join(home, ".claude.json")
	must(t, os.WriteFile(p, []byte("old"), 0o600))
	must(t, os.Chown(p, someone.UID, someone.GID))
	if err := WriteFile(p, []byte("new"), Options{}); err != nil {
		t.Fatal(err)
	}
	if got := ownerOf(t, p); got != someone {
		t.Errorf("the file is now owned by %v, want %v", got, someone)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// A new file in new directories under the home.
	n := filepath.Join(home, ".cursor", "sub", "mcp.json")
	if err := WriteFile(n, []byte("{}"), Options{DirMode: 0o700}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{n, filepath.Dir(n), filepath.Join(home, ".cursor")} {
		if got := ownerOf(t, q); got != someone {
			t.Errorf("%s is owned by %v, want the home's owner %v", q, got, someone)
		}
	}
}

// TestWriteRefusesToChangeOwner is a user who is not root replacing a
// file they may write but do not own (group-writable): the rename would
// make it theirs, so the write is refused with the reason.
func TestWriteRefusesToChangeOwner(t *testing.T) {
	t.Parallel()
	if !fileattr.IsRoot() {
		t.Skip("needs root to run the test binary as another user")
	}
	// A directory tree the other user can reach, holding a copy of this
	// test binary.
	dir, err := os.MkdirTemp("", "afown")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	must(t, os.Chmod(dir, 0o777))
	exe, _ := os.Executable()
	bin := filepath.Join(dir, "atomicfile.test")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(bin, data, 0o755))
	p := filepath.Join(dir, "shared.json")
	must(t, os.WriteFile(p, []byte("old"), 0o666))
	must(t, os.Chown(p, 1, someone.GID)) // owned by "daemon", writable by all

	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), asOtherUser+"="+p)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(someone.UID), Gid: uint32(someone.GID)}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := "cannot keep the owner of " + p + " (uid 1, gid 4343) as uid 4242: operation not permitted"
	if string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if read(t, p) != "old" || ownerOf(t, p).UID != 1 {
		t.Errorf("the file was replaced")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

// TestWriteHardLinked: a file with another hard link. Replaced by
// rename, the other link keeps the old contents, and Write says so; in
// place, both names see the new contents.
func TestWriteHardLinked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, other := filepath.Join(dir, "settings.json"), filepath.Join(dir, "backup-of-settings.json")
	must(t, os.WriteFile(p, []byte("old contents"), 0o640))
	must(t, os.Link(p, other))

	res, err := Write(p, []byte("new"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.OtherLinks != 1 || res.InPlace {
		t.Errorf("result %+v, want one other link", res)
	}
	if note := res.Note("~/settings.json"); !strings.Contains(note, "~/settings.json had 1 other hard link(s), which still hold the old contents") {
		t.Errorf("note = %q", note)
	}
	if read(t, other) != "old contents" || read(t, p) != "new" {
		t.Fatalf("p %q other %q", read(t, p), read(t, other))
	}

	// In place: the link is kept in step, and no empty moment.
	must(t, os.Remove(p))
	must(t, os.Link(other, p))
	res, err = Write(p, []byte("in place"), Options{InPlace: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.InPlace || res.Note("x") != "" {
		t.Errorf("result %+v", res)
	}
	if read(t, other) != "in place" || read(t, p) != "in place" {
		t.Errorf("p %q other %q", read(t, p), read(t, other))
	}
	fi1, _ := os.Stat(p)
	fi2, _ := os.Stat(other)
	if !os.SameFile(fi1, fi2) || fi1.Mode().Perm() != 0o640 {
		t.Errorf("the in-place write broke the link or the mode")
	}

	// In place, changed meanwhile: nothing written.
	_, err = Write(p, []byte("x"), Options{InPlace: true, Unchanged: func(string) bool { return false }})
	if !errors.Is(err, ErrChanged) || read(t, p) != "in place" {
		t.Errorf("err = %v, file %q", err, read(t, p))
	}
}

// TestSameContentDoesNotBlock: a FIFO (or a device) where the file was is
// different, and found so without blocking.
func TestSameContentDoesNotBlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero")
	must(t, os.Symlink("/dev/zero", zero))
	for _, p := range []string{fifo, zero} {
		done := make(chan bool, 1)
		go func() { done <- SameContent(p, make([]byte, 16)) }()
		select {
		case same := <-done:
			if same {
				t.Errorf("%s: same content reported", p)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: SameContent blocked", p)
		}
	}
}
