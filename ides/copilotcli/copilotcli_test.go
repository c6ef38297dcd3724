package copilotcli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: root, WorkDir: root}
	user, _ := Adapter{}.Target(env, ides.ScopeUser)
	proj, _ := Adapter{}.Target(env, ides.ScopeProject)
	want := []string{"/home/u/.copilot/mcp-config.json", filepath.Join(root, ".github", "mcp.json")}
	if d := cmp.Diff(want, []string{user.Path, proj.Path}); d != "" {
		t.Errorf("no .mcp.json (-want +got):\n%s", d)
	}
	// With a .mcp.json at the root, Copilot reads it alone.
	write(t, filepath.Join(root, ".mcp.json"), `{"mcpServers": {}}`)
	proj, _ = Adapter{}.Target(env, ides.ScopeProject)
	locs, _ := Adapter{}.Locations(env)
	if proj.Path != filepath.Join(root, ".mcp.json") || len(locs) != 3 || locs[2].Variant != githubVariant {
		t.Errorf("with .mcp.json: target %s, locations %+v", proj.Path, locs)
	}
	mac := ides.Env{GOOS: "darwin", Home: "/Users/u", ProjectRoot: "/nowhere-here"}
	if u, _ := (Adapter{}).Target(mac, ides.ScopeUser); u.Path != "/Users/u/.copilot/mcp-config.json" {
		t.Errorf("macOS user file %s", u.Path)
	}
	win := ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `D:\nowhere-here`}
	if u, _ := (Adapter{}).Target(win, ides.ScopeUser); u.Path != `C:\Users\u\.copilot\mcp-config.json` {
		t.Errorf("windows user file %s", u.Path)
	}
	ch := ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"COPILOT_HOME": "/c"}}
	if u, _ := (Adapter{}).Target(ch, ides.ScopeUser); u.Path != "/c/mcp-config.json" || ConfigPath(ch) != "/c/config.json" {
		t.Errorf("COPILOT_HOME: %s, %s", u.Path, ConfigPath(ch))
	}
}

func TestTrusted(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: "/src/app", WorkDir: "/src/app/web", Vars: map[string]string{}}
	for _, tt := range []struct {
		folders string
		want    bool
	}{
		{`[]`, false},
		{`["/src/app"]`, true},      // a parent covers its children
		{`["/src/app/web/"]`, true}, // a trailing slash is fine
		{`["/src/ap"]`, false},      // a prefix is not a parent
		{`["/src/app/web/x"]`, false},
	} {
		write(t, ConfigPath(env), `{"trustedFolders": `+tt.folders+`}`)
		if got, why := Trusted(env); got != tt.want {
			t.Errorf("trustedFolders %s: Trusted = %v (%s)", tt.folders, got, why)
		}
	}
	env.Vars["COPILOT_ALLOW_ALL"] = "true"
	if got, _ := Trusted(env); !got {
		t.Error("COPILOT_ALLOW_ALL=true: not trusted")
	}
}

func TestClientView(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: filepath.Join(root, "home"), ProjectRoot: filepath.Join(root, "p"),
		WorkDir: filepath.Join(root, "p"), Vars: map[string]string{}}
	view := func(states ...ides.EntryState) []string {
		Adapter{}.ClientView(env, "latchgate", states)
		var out []string
		for _, s := range states {
			out = append(out, s.Client)
		}
		return out
	}
	user := ides.EntryState{Scope: ides.ScopeUser, Configured: true}
	proj := ides.EntryState{Scope: ides.ScopeProject, Configured: true}
	if got := view(user, proj); !slices.Equal(got, []string{"active", "pending-approval"}) {
		t.Errorf("untrusted: %v", got)
	}
	write(t, ConfigPath(env), `{"trustedFolders": ["`+env.ProjectRoot+`"]}`)
	if got := view(user, proj); !slices.Equal(got, []string{"shadowed", "active"}) {
		t.Errorf("trusted: %v", got)
	}
	write(t, MCPJSONPath(env), `{"mcpServers": {"latchgate": {"command": "x", "tools": []}}}`)
	gh := ides.EntryState{Scope: ides.ScopeProject, Variant: githubVariant, Configured: true}
	if got := view(proj, gh); !slices.Equal(got, []string{"disabled", "disabled"}) {
		t.Errorf("tools: [] and .github/mcp.json beside .mcp.json: %v", got)
	}
	write(t, SettingsPath(env), `{"disabledMcpServers": ["latchgate"]}`)
	if got := view(user); !slices.Equal(got, []string{"disabled"}) {
		t.Errorf("copilot mcp disable: %v", got)
	}
}

func TestExpandAndLaunch(t *testing.T) {
	t.Parallel()
	env := ides.Env{Vars: map[string]string{"A": "a", "GITHUB_TOKEN": "t", "COPILOT_PROVIDER_API_KEY": "k", "PATH": "/bin"}}
	var missing []string
	if got := Expand("$A ${A} ${B:-d} ${C}", env, &missing); got != "a a d ${C}" || !slices.Equal(missing, []string{"C"}) {
		t.Errorf("Expand = %q, missing %v", got, missing)
	}
	r := Adapter{}.Launch(env)
	if !slices.Equal(r.Inherit, []string{"A", "PATH"}) || !r.DiscoverFirst {
		t.Errorf("Launch = %+v", r)
	}
}

func TestApproveRefusedInHome(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: home, ProjectRoot: home, Vars: map[string]string{}}
	req := ides.Request{Scope: ides.ScopeProject, Name: "latchgate", Approve: true, Spec: ides.ServerSpec{Command: "lg"}}
	if _, _, err := (Adapter{}).PlanInstall(env, req); err == nil {
		t.Error("--approve with the home directory as project root: no error")
	}
}
