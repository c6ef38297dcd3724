package claudecode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func TestManagedSettingsPath(t *testing.T) {
	for goos, want := range map[string]string{
		"linux":   "/etc/claude-code/managed-settings.json",
		"darwin":  "/Library/Application Support/ClaudeCode/managed-settings.json",
		"windows": `C:\Program Files\ClaudeCode\managed-settings.json`,
	} {
		if got := ManagedSettingsPath(ides.Env{GOOS: goos}); got != want {
			t.Errorf("%s: %s, want %s", goos, got, want)
		}
	}
}

// TestSandboxUnavailable: missing helpers are named; a bubblewrap that
// cannot make a sandbox is reported with its first line.
func TestSandboxUnavailable(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	env := ides.Env{GOOS: "linux", Vars: map[string]string{"PATH": bin}}
	if got := SandboxUnavailable(env); got != "bubblewrap (bwrap) and socat not found on PATH" {
		t.Errorf("no helpers: %q", got)
	}
	write := func(name, script string) {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("socat", "#!/bin/sh\nexit 0\n")
	write("bwrap", "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
	if got := SandboxUnavailable(env); !strings.Contains(got, "bubblewrap cannot make a sandbox here (bwrap: No permissions to create new namespace") {
		t.Errorf("broken bwrap: %q", got)
	}
	write("bwrap", "#!/bin/sh\nexit 0\n")
	if got := SandboxUnavailable(env); got != "" {
		t.Errorf("working helpers: %q", got)
	}
	for goos, want := range map[string]string{"darwin": "", "windows": "Claude Code has no shell sandbox on Windows"} {
		if got := SandboxUnavailable(ides.Env{GOOS: goos}); got != want {
			t.Errorf("%s: %q", goos, got)
		}
	}
}

// TestEnforceChecks: what doctor says about a settings file, by its
// allowlist, sandbox and denies.
func TestEnforceChecks(t *testing.T) {
	entry := &ides.StoredEntry{Command: "/usr/local/bin/latchgate-mcp", Args: []string{"serve", "--gate-url", "http://127.0.0.1:3000"}}
	tests := []struct {
		name, settings string
		want           []string // "level id: text fragment"
	}{
		{"pinned", `{"allowedMcpServers": [{"serverCommand": ["/usr/local/bin/latchgate-mcp", "serve", "--gate-url", "http://127.0.0.1:3000"]}]}`,
			[]string{"info allowlist: admits the entry by its exact command line"}},
		{"stale pin", `{"allowedMcpServers": [{"serverCommand": ["/usr/local/bin/latchgate-mcp", "serve", "--gate-socket", "/run/x.sock"]}]}`,
			[]string{"error allowlist: the allowlist pins /usr/local/bin/latchgate-mcp serve --gate-socket /run/x.sock, the entry runs /usr/local/bin/latchgate-mcp serve --gate-url http://127.0.0.1:3000"}},
		{"by name", `{"allowedMcpServers": [{"serverName": "latchgate"}]}`,
			[]string{"warn allowlist: by name only"}},
		{"sandbox fails open", `{"sandbox": {"enabled": true}}`,
			[]string{"error sandbox: without failIfUnavailable Claude Code runs commands unsandboxed"}},
		{"sandbox fails closed", `{"sandbox": {"enabled": true, "failIfUnavailable": true}}`,
			[]string{"error sandbox: configured but cannot run"}},
		{"monitor left", `{"permissions": {"deny": ["WebFetch"]}}`,
			[]string{"warn monitor: Monitor is not"}},
		{"nothing", `{}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: filepath.Join(home, "proj"), Vars: map[string]string{"PATH": ""},
				SysRoot: filepath.Join(home, "sys")}
			if err := os.MkdirAll(filepath.Join(home, ".claude"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(SettingsPath(env), []byte(tt.settings), 0o600); err != nil {
				t.Fatal(err)
			}
			notes := Adapter{}.EnforceChecks(env, "latchgate", entry)
			if len(notes) != len(tt.want) {
				t.Fatalf("notes: %+v, want %v", notes, tt.want)
			}
			for i, w := range tt.want {
				head, frag, _ := strings.Cut(w, ": ")
				if got := notes[i].Level + " " + notes[i].ID; got != head || !strings.Contains(notes[i].Text, frag) {
					t.Errorf("note %d: %s: %s\nwant %s: ...%s...", i, got, notes[i].Text, head, frag)
				}
			}
		})
	}
}
