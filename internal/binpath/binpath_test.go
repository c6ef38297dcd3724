package binpath

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsTemporaryAndVersioned(t *testing.T) {
	for _, tt := range []struct {
		path            string
		temp, versioned bool
	}{
		{"/tmp/go-build123/b001/exe/latchgate-mcp", true, false},
		{"/home/u/.cache/go-build/ab/exe/latchgate-mcp", true, false},
		{"/var/folders/xy/T/go-build1/exe/latchgate-mcp", true, false},
		{"/opt/homebrew/Cellar/latchgate-mcp/0.3.1/bin/latchgate-mcp", false, true},
		{"/nix/store/abc-latchgate-mcp-0.3.1/bin/latchgate-mcp", false, true},
		{"/home/u/.asdf/installs/latchgate/1.2.0/bin/latchgate-mcp", false, true},
		{"/usr/local/lib/latchgate/v1.4.2/latchgate-mcp", false, true},
		{"/usr/local/bin/latchgate-mcp", false, false},
		{"/home/u/go/bin/latchgate-mcp", false, false},
	} {
		if got := IsTemporary(tt.path, "/nonexistent-tmp"); got != tt.temp {
			t.Errorf("IsTemporary(%s) = %v", tt.path, got)
		}
		if got := IsVersioned(tt.path); got != tt.versioned {
			t.Errorf("IsVersioned(%s) = %v", tt.path, got)
		}
	}
}

func TestStablePrefersPathLink(t *testing.T) {
	dir := t.TempDir()
	cellar := filepath.Join(dir, "Cellar", "latchgate-mcp", "0.3.1", "bin")
	bin := filepath.Join(dir, "bin")
	must(t, os.MkdirAll(cellar, 0o755))
	must(t, os.MkdirAll(bin, 0o755))
	real := filepath.Join(cellar, Name)
	must(t, os.WriteFile(real, []byte("#!/bin/sh\n"), 0o755))
	must(t, os.Symlink(real, filepath.Join(bin, Name)))

	if got := Stable(real, bin); got != filepath.Join(bin, Name) {
		t.Errorf("Stable = %s, want the PATH link", got)
	}
	if got := Stable(real, filepath.Join(dir, "elsewhere")); got != real {
		t.Errorf("Stable without a PATH link = %s, want the file itself", got)
	}
	if p, ok := LookPath(bin); !ok || p != filepath.Join(bin, Name) {
		t.Errorf("LookPath = %s %v", p, ok)
	}
	if _, ok := LookPath(filepath.Join(dir, "elsewhere")); ok {
		t.Error("LookPath found a binary that is not there")
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
