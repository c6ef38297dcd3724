package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileKeepsModeAndFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "claude.json")
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".claude.json")
	if err := os.Symlink("dotfiles/claude.json", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("new"), Options{NewMode: 0o600}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
	}
	data, _ := os.ReadFile(target)
	fi, _ := os.Stat(target)
	if string(data) != "new" || fi.Mode().Perm() != 0o640 {
		t.Errorf("target = %q mode %v, want \"new\" 0640", data, fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(target))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileNewFileModeAndDirs(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "settings.json")
	if err := WriteFile(p, []byte("{}"), Options{NewMode: 0o600, DirMode: 0o700}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	di, _ := os.Stat(filepath.Dir(p))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes %v %v", fi.Mode().Perm(), di.Mode().Perm())
	}
	// A dangling link: the file is created at the link's target.
	link := filepath.Join(dir, "dangling.json")
	must(t, os.Symlink(filepath.Join(dir, "real.json"), link))
	if err := WriteFile(link, []byte("x"), Options{}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "real.json")); string(data) != "x" {
		t.Errorf("target holds %q", data)
	}
}

func TestWriteFileUnchangedAborts(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.json")
	must(t, os.WriteFile(p, []byte("mine"), 0o644))
	err := WriteFile(p, []byte("ours"), Options{Unchanged: func(string) bool { return false }})
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("err = %v, want ErrChanged", err)
	}
	if data, _ := os.ReadFile(p); string(data) != "mine" {
		t.Errorf("file = %q, want it untouched", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

func TestResolveLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	must(t, os.Symlink(b, a))
	must(t, os.Symlink(a, b))
	if _, err := Resolve(a); err == nil {
		t.Fatal("no error for a symlink loop")
	}
	if err := WriteFile(a, []byte("x"), Options{}); err == nil {
		t.Fatal("wrote through a symlink loop")
	}
}

func TestSameContent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	data := make([]byte, 200<<10)
	for i := range data {
		data[i] = byte(i)
	}
	must(t, os.WriteFile(p, data, 0o644))
	if !SameContent(p, data) {
		t.Error("same data reported different")
	}
	for _, other := range [][]byte{data[:len(data)-1], append(append([]byte(nil), data...), 0), nil} {
		if SameContent(p, other) {
			t.Errorf("different data (len %d) reported same", len(other))
		}
	}
	changed := append([]byte(nil), data...)
	changed[150<<10] ^= 1
	if SameContent(p, changed) {
		t.Error("a changed byte was not noticed")
	}
	if SameContent(filepath.Join(filepath.Dir(p), "missing"), nil) {
		t.Error("a missing file matched")
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

// TestWritePiecesLarge: a file larger than two writeback chunks is
// written in chunks across pieces of every size (empty, small, larger
// than a chunk) and holds exactly their concatenation.
func TestWritePiecesLarge(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "big.json")
	var pieces [][]byte
	var want []byte
	for i, n := range []int{0, 3, writebackChunk + 17, 0, 1, 2*writebackChunk - 5, 4096} {
		b := bytes.Repeat([]byte{byte('a' + i)}, n)
		pieces = append(pieces, b)
		want = append(want, b...)
	}
	if _, err := WritePieces(p, pieces, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("wrote %d bytes, want %d (or other bytes)", len(got), len(want))
	}
}
