package qwencode

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func TestPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  ides.Env
		want []string // user, project, approvals, approval key
	}{
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u", WorkDir: "/src/app"},
			[]string{"/home/u/.qwen/settings.json", "/src/app/.qwen/settings.json", "/home/u/.qwen/mcpApprovals.json", "/src/app"}},
		{"macos", ides.Env{GOOS: "darwin", Home: "/Users/u", WorkDir: "/Users/u/App"},
			[]string{"/Users/u/.qwen/settings.json", "/Users/u/App/.qwen/settings.json", "/Users/u/.qwen/mcpApprovals.json", "/Users/u/App"}},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`, WorkDir: `D:\Src\App`},
			[]string{`C:\Users\u\.qwen\settings.json`, `D:\Src\App\.qwen\settings.json`, `C:\Users\u\.qwen\mcpApprovals.json`, `d:\src\app`}},
		{"QWEN_HOME is the .qwen directory", ides.Env{GOOS: "linux", Home: "/home/u", WorkDir: "/p",
			Vars: map[string]string{"QWEN_HOME": "~/q", "QWEN_CODE_MCP_APPROVALS_PATH": "/etc/a.json"}},
			[]string{"/home/u/q/settings.json", "/p/.qwen/settings.json", "/etc/a.json", "/p"}},
	}
	for _, tt := range tests {
		user, _ := Adapter{}.Target(tt.env, ides.ScopeUser)
		proj, err := Adapter{}.Target(tt.env, ides.ScopeProject)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{user.Path, proj.Path, ApprovalsPath(tt.env), approvalKey(tt.env)}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
	home := ides.Env{GOOS: "linux", Home: "/home/u", WorkDir: "/home/u"}
	if _, err := (Adapter{}).Target(home, ides.ScopeProject); !errors.Is(err, ides.ErrNoFileHere) ||
		!strings.Contains(err.Error(), "Qwen Code reads no project settings there") {
		t.Errorf("project scope in the home directory: %v", err)
	}
	// list and doctor show the user file only there.
	if locs, err := ides.Locations(Adapter{}, home); err != nil || len(locs) != 1 || locs[0].Scope != ides.ScopeUser {
		t.Errorf("Locations in home = %+v (%v), want the user file only", locs, err)
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	env := ides.Env{Vars: map[string]string{"A": "a", "SESSION_ID": "s"}}
	var missing []string
	got := Expand("$A ${A} ${B:-d} $SESSION_ID ${NOPE}", env, &missing)
	if want := "a a ${B:-d} $SESSION_ID ${NOPE}"; got != want || !slices.Equal(missing, []string{"B:-d", "NOPE"}) {
		t.Errorf("Expand = %q, missing %v; want %q", got, missing, want)
	}
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestClientView: a project entry is active only with an approval bound
// to its own hash; Claude Code's .mcp.json shadows the user entry.
func TestClientView(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: filepath.Join(home, "app"), Vars: map[string]string{"V": "x"}}
	entry := `{"command": "lg", "args": ["serve", "$V"]}`
	write(t, ProjectSettingsPath(env), `{"mcpServers": {"latchgate": `+entry+`}}`)
	view := func(states ...ides.EntryState) []string {
		Adapter{}.ClientView(env, "latchgate", states)
		var out []string
		for _, s := range states {
			out = append(out, s.Client)
		}
		return out
	}
	proj := ides.EntryState{Scope: ides.ScopeProject, Configured: true}
	user := ides.EntryState{Scope: ides.ScopeUser, Configured: true}
	if got := view(user, proj); !slices.Equal(got, []string{"shadowed", "pending-approval"}) {
		t.Errorf("no approval: %v", got)
	}
	v, _ := config.FromJSON([]byte(`{"command": "lg", "args": ["serve", "x"]}`)) // as Qwen holds it: $V expanded
	write(t, ApprovalsPath(env), `{"`+env.WorkDir+`": {"latchgate": {"hash": "`+Hash(v)+`", "status": "approved"}}}`)
	if got := view(proj); !slices.Equal(got, []string{"active"}) {
		t.Errorf("approved: %v", got)
	}
	env.Vars["V"] = "y" // the entry Qwen loads changed: pending again
	if got := view(proj); !slices.Equal(got, []string{"pending-approval"}) {
		t.Errorf("approved for another entry: %v", got)
	}
	must(t, os.Remove(ProjectSettingsPath(env)))
	write(t, ClaudeProjectPath(env), `{"mcpServers": {"latchgate": {"type": "stdio", "command": "lg"}}}`)
	if got := view(user); !slices.Equal(got, []string{"shadowed"}) {
		t.Errorf(".mcp.json entry: %v", got)
	}
	if n := (Adapter{}).EnvWarnings(env); len(n) != 1 || !strings.Contains(n[0].Text, "Claude Code's project file") {
		t.Errorf("EnvWarnings = %v", n)
	}
	// doctor --fix --approve approves the .mcp.json entry as Qwen loads
	// it: without "type".
	edits := Adapter{}.ApproveEdits(env, "latchgate")
	if len(edits) != 1 {
		t.Fatalf("ApproveEdits = %d edits", len(edits))
	}
	noType, _ := config.FromJSON([]byte(`{"command": "lg"}`))
	if got, ok := claudeEntry(env, "latchgate"); !ok || Hash(got) != Hash(noType) {
		t.Errorf("claudeEntry = %v", got)
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
