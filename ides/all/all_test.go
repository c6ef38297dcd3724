package all

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

func TestLookup(t *testing.T) {
	for in, want := range map[string]string{"claude-code": "claude-code", "ClaudeCode": "claude-code", "cursor": "cursor",
		"code": "vscode", " VSCode ": "vscode", "code-insiders": "vscode-insiders", "vscode-insiders": "vscode-insiders",
		"open-code": "opencode"} {
		a, err := Lookup(in)
		if err != nil || a.ID() != want {
			t.Errorf("Lookup(%q) = %v, %v; want %s", in, a, err, want)
		}
	}
	if _, err := Lookup("emacs"); err == nil || err.Error() != `unknown IDE "emacs" (supported: `+supported()+`)` {
		t.Errorf("Lookup(emacs) error = %v", err)
	}
}

func TestDetect(t *testing.T) {
	root := t.TempDir()
	home := filepath.Join(root, "home")
	bin := filepath.Join(root, "bin")
	for _, d := range []string{filepath.Join(home, ".cursor"), filepath.Join(home, ".config", "Code - Insiders"), bin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A command on PATH counts only when it is executable.
	if err := os.WriteFile(filepath.Join(bin, "claude"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "code"), []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := ides.Env{GOOS: "linux", Home: home, Vars: map[string]string{"PATH": bin + ":" + filepath.Join(root, "missing")}}
	var got []string
	for _, f := range Detect(env) {
		got = append(got, f.Adapter.ID()+" "+f.Evidence)
	}
	want := []string{
		"claude-code " + filepath.Join(bin, "claude"),
		"cursor ~/.cursor",
		"vscode-insiders ~/.config/Code - Insiders",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Detect (-want +got):\n%s", d)
	}
	if got := Detect(ides.Env{GOOS: "linux", Home: filepath.Join(root, "nobody")}); len(got) != 0 {
		t.Errorf("empty machine: Detect = %v", got)
	}
}

// TestTargetSchemasExist: every schema a target names is embedded, so a
// typo cannot silently turn validation off.
func TestTargetSchemasExist(t *testing.T) {
	env := ides.Env{GOOS: "linux", Home: "/h", WorkDir: "/h/p", ProjectRoot: "/h/p", Vars: map[string]string{}}
	names := schemas.Names()
	for _, a := range Adapters() {
		for _, s := range a.Scopes() {
			tg, err := a.Target(env, s)
			if err != nil {
				t.Fatalf("%s %s: %v", a.ID(), s, err)
			}
			if tg.Format == "" {
				t.Errorf("%s %s: no format", a.ID(), s)
			}
			if tg.Schema != "" && !slices.Contains(names, tg.Schema) {
				t.Errorf("%s %s: schema %q is not embedded", a.ID(), s, tg.Schema)
			}
		}
	}
}

// supported is the list Lookup's error names: every adapter id.
func supported() string {
	var ids []string
	for _, a := range Adapters() {
		ids = append(ids, a.ID())
	}
	return strings.Join(ids, ", ")
}
