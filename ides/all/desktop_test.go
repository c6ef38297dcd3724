package all

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func TestLookupDesktopClients(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"claude-desktop": "claude-desktop", "Claude_Desktop": "claude-desktop",
		"windsurf": "windsurf", "zed": "zed", "cline": "cline", "roo-code": "roo-code", "roo": "roo-code", "RooCode": "roo-code",
		"antigravity": "antigravity", "agy": "antigravity", "openclaw": "openclaw", "open-claw": "openclaw"} {
		a, err := Lookup(in)
		if err != nil || a.ID() != want {
			t.Errorf("Lookup(%q) = %v, %v; want %s", in, a, err, want)
		}
	}
	// "claude" names two clients (the Rust installer meant Claude Desktop):
	// never silently one of them.
	if a, err := Lookup("claude"); err == nil {
		t.Errorf("Lookup(claude) = %s, want an error", a.ID())
	}
}

func TestDetectDesktopClients(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	bin := filepath.Join(root, "bin")
	for _, d := range []string{
		filepath.Join(home, ".config", "Claude"),
		filepath.Join(home, ".config", "zed"),
		filepath.Join(home, ".config", "Cursor", "User", "globalStorage", "saoudrizwan.claude-dev"),
		filepath.Join(home, ".gemini", "antigravity"),
		// Roo Code's folder is absent: only Cline has run.
		filepath.Join(home, ".config", "Code", "User", "globalStorage", "github.copilot-chat"),
		bin,
	} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "openclaw"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := ides.Env{GOOS: "linux", Home: home, Vars: map[string]string{"PATH": bin}}
	var got []string
	for _, f := range Detect(env) {
		got = append(got, f.Adapter.ID()+" "+f.Evidence)
	}
	want := []string{
		"vscode ~/.config/Code",
		"gemini-cli ~/.gemini", // Antigravity's folder is in Gemini CLI's
		"claude-desktop ~/.config/Claude",
		"zed ~/.config/zed",
		"cline ~/.config/Cursor/User/globalStorage/saoudrizwan.claude-dev",
		"antigravity ~/.gemini/antigravity",
		"openclaw " + filepath.Join(bin, "openclaw"),
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Detect (-want +got):\n%s", d)
	}
}
