package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// TestExitCodes checks the one table that maps errors to exit codes:
// 0 ok, 1 failure, 2 usage error.
func TestExitCodes(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("CLAUDE_CONFIG_DIR", "") // restored after the test
	if err := os.Unsetenv("CLAUDE_CONFIG_DIR"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	install := []string{"install", "--ide", "claude-code", "--binary-path", "/usr/local/bin/latchgate-mcp", "--gate-url", "http://127.0.0.1:1"}
	tests := []struct {
		name   string
		setup  func(t *testing.T)
		args   []string
		code   int
		stderr string
	}{
		{"unknown flag", nil, []string{"install", "--nope"}, 2, "unknown flag: --nope"},
		{"missing --ide", nil, []string{"install"}, 2, "--ide is required"},
		{"unknown command", nil, []string{"instal"}, 2, "unknown command"},
		{"unexpected argument", nil, []string{"install", "extra", "--ide", "claude-code"}, 2, "unknown command \"extra\""},
		{"dry run", nil, append(install, "--dry-run"), 0, "dry run: nothing was written"},
		{"malformed file", func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(home, ".claude.json"), []byte("{\"a\" 1}"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
			install, 1, "parse ~/.claude.json: line 1, column 6"},
		{"ok", func(t *testing.T) {
			if err := os.Remove(filepath.Join(home, ".claude.json")); err != nil {
				t.Fatal(err)
			}
		}, install, 0, ""},
		{"restore --at without file", nil, []string{"restore", "--at", "x"}, 2, "--at needs a FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			io, _, _, stderr := iostreams.Test()
			if code := Main(tt.args, io); code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
		})
	}
}
