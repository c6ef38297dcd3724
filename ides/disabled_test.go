package ides

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// twoFiles is an adapter with a user and a project file, for DisabledView.
type twoFiles struct{}

func (twoFiles) ID() string          { return "two" }
func (twoFiles) DisplayName() string { return "Two" }
func (twoFiles) Scopes() []Scope     { return []Scope{ScopeUser, ScopeProject} }
func (twoFiles) Entry(ServerSpec) (config.Value, error) {
	return config.ObjectValue(), nil
}
func (twoFiles) Target(env Env, s Scope) (Target, error) {
	dir := env.Home
	if s == ScopeProject {
		dir = env.ProjectRoot
	}
	return Target{Path: filepath.Join(dir, "mcp.json"), Servers: []string{"servers"}, Format: config.JSON, Scope: s}, nil
}

func TestDisabledView(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "proj")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(home, "mcp.json"), `{"servers": {"lg": {"command": "x", "disabled": true}}}`)
	write(filepath.Join(proj, "mcp.json"), `{"servers": {"lg": {"command": "x", "disabled": false}}}`)
	env := Env{GOOS: "linux", Home: home, ProjectRoot: proj}

	states := []EntryState{{Scope: ScopeUser, Configured: true}, {Scope: ScopeProject, Configured: true}}
	DisabledView(twoFiles{}, env, "lg", states, DisabledSwitch("disabled"))
	want := []EntryState{
		{Scope: ScopeUser, Configured: true, Client: "disabled", Detail: `turned off ("disabled": true)`},
		{Scope: ScopeProject, Configured: true, Client: "active"},
	}
	if d := cmp.Diff(want, states); d != "" {
		t.Errorf("disabled switch (-want +got):\n%s", d)
	}

	// "enabled": false is the other spelling; a missing key means on.
	write(filepath.Join(home, "mcp.json"), `{"servers": {"lg": {"command": "x"}}}`)
	write(filepath.Join(proj, "mcp.json"), `{"servers": {"lg": {"command": "x", "enabled": false}}}`)
	states = []EntryState{{Scope: ScopeUser, Configured: true}, {Scope: ScopeProject, Configured: true}, {Scope: ScopeLocal}}
	DisabledView(twoFiles{}, env, "lg", states, EnabledSwitch("enabled"))
	want = []EntryState{
		{Scope: ScopeUser, Configured: true, Client: "active", Detail: "the project's entry of the same name is used in this project"},
		{Scope: ScopeProject, Configured: true, Client: "disabled", Detail: `turned off ("enabled": false)`},
		{Scope: ScopeLocal},
	}
	if d := cmp.Diff(want, states); d != "" {
		t.Errorf("enabled switch (-want +got):\n%s", d)
	}
}
