package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

// doctorHome is a temporary HOME and project for the doctor command,
// with a Claude Code entry in settings.json, which Claude Code never
// reads: one error, and one fix.
func doctorHome(t *testing.T) (home string) {
	t.Helper()
	root := t.TempDir()
	home = filepath.Join(root, "home")
	proj := filepath.Join(root, "proj")
	for _, d := range []string{filepath.Join(home, ".claude"), filepath.Join(proj, ".git")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	t.Setenv("CLAUDE_CONFIG_DIR", "") // restored after the test
	if err := os.Unsetenv("CLAUDE_CONFIG_DIR"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(root, "run"))
	t.Chdir(proj)
	settings := `{"mcpServers": {"latchgate": {"command": "latchgate-mcp", "args": ["serve", "--gate-url", "http://127.0.0.1:1"]}}}`
	if err := os.WriteFile(filepath.Join(home, ".claude", "settings.json"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestDoctorUsage(t *testing.T) {
	doctorHome(t)
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"doctor", "--fix"}, "pass --yes to apply the fixes without asking"},
		{[]string{"doctor", "--approve"}, "--yes and --approve go with --fix"},
		{[]string{"doctor", "--yes"}, "--yes and --approve go with --fix"},
		{[]string{"doctor", "--scope", "global"}, `invalid --scope "global"`},
		{[]string{"doctor", "--ide", "emacs"}, "emacs"},
		{[]string{"doctor", "--timeout", "0s"}, "invalid --timeout 0s"},
		{[]string{"doctor", "--name", "a b"}, `invalid --name "a b"`},
		{[]string{"doctor", "--gate-url", "http://a:1", "--gate-socket", "/s"}, "mutually exclusive"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			io, _, out, stderr := iostreams.Test()
			if code := Main(tt.args, io); code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
			if out.Len() > 0 {
				t.Errorf("a usage error printed a report:\n%s", out)
			}
		})
	}
}

// TestDoctorFixPrompt answers the y/N question on a (pretend) terminal.
func TestDoctorFixPrompt(t *testing.T) {
	home := doctorHome(t)
	settings := filepath.Join(home, ".claude", "settings.json")
	before, _ := os.ReadFile(settings)

	io, in, out, stderr := iostreams.Test()
	io.SetTTY(true, true, true)
	in.WriteString("n\n")
	if code := Main([]string{"doctor", "--ide", "claude-code", "--fix", "--timeout", "1s"}, io); code != exitError {
		t.Errorf("declined fix: exit code %d, want 1 (the stray entry is still there); stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "Apply these fixes? [y/N]") || !strings.Contains(stderr.String(), "nothing was written") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if after, _ := os.ReadFile(settings); string(after) != string(before) {
		t.Errorf("declined, yet settings.json changed:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(home, ".claude.json")); err == nil {
		t.Error("declined, yet ~/.claude.json was created")
	}
	if !strings.Contains(out.String(), `move "latchgate" from ~/.claude/settings.json to ~/.claude.json (user scope)`) {
		t.Errorf("the fix is not described:\n%s", out)
	}

	io, in, out, stderr = iostreams.Test()
	io.SetTTY(true, true, true)
	in.WriteString("y\n")
	// The gate at 127.0.0.1:1 does not answer: still exit 1 after the fix.
	if code := Main([]string{"doctor", "--ide", "claude-code", "--fix", "--timeout", "1s"}, io); code != exitError {
		t.Errorf("exit code %d, want 1; stderr:\n%s", code, stderr)
	}
	state, err := os.ReadFile(filepath.Join(home, ".claude.json"))
	if err != nil || !strings.Contains(string(state), `"latchgate"`) {
		t.Errorf("~/.claude.json after the fix: %s (%v)", state, err)
	}
	if after, _ := os.ReadFile(settings); strings.Contains(string(after), "latchgate") {
		t.Errorf("the entry is still in settings.json:\n%s", after)
	}
	if !strings.Contains(out.String(), "After the fixes:") || strings.Count(out.String(), "never reads servers") != 1 {
		t.Errorf("the report after the fixes should no longer show the stray entry:\n%s", out)
	}
}

// TestDoctorJSONFix keeps stdout to the one JSON report, after the fix;
// the diff goes to stderr.
func TestDoctorJSONFix(t *testing.T) {
	doctorHome(t)
	io, _, out, stderr := iostreams.Test()
	if code := Main([]string{"doctor", "--ide", "claude-code", "--fix", "--yes", "--json", "--timeout", "1s"}, io); code != exitError {
		t.Errorf("exit code %d, want 1 (the gate is down); stderr:\n%s", code, stderr)
	}
	if err := schemas.Validate(schemas.DoctorReport, out.Bytes()); err != nil {
		t.Fatalf("stdout is not one report: %v\n%s", err, out)
	}
	var rep struct {
		Checks []struct{ ID, Status string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.ID == "config.stray" {
			t.Errorf("the report is from before the fix: %+v", rep.Checks)
		}
	}
	if !strings.Contains(stderr.String(), "+++ b/~/.claude.json") {
		t.Errorf("the diff should be on stderr:\n%s", stderr)
	}
}
