package opencode

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func TestTargetPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		env   ides.Env
		scope ides.Scope
		want  string
	}{
		{"linux user", ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser, "/home/u/.config/opencode/opencode.jsonc"},
		{"xdg", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/x"}}, ides.ScopeUser, "/x/opencode/opencode.jsonc"},
		{"relative xdg ignored", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "x"}}, ides.ScopeUser, "/home/u/.config/opencode/opencode.jsonc"},
		{"macos user", ides.Env{GOOS: "darwin", Home: "/Users/u"}, ides.ScopeUser, "/Users/u/.config/opencode/opencode.jsonc"},
		{"windows user", ides.Env{GOOS: "windows", Home: `C:\Users\u`}, ides.ScopeUser, `C:\Users\u\.config\opencode\opencode.jsonc`},
		{"project", ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app", WorkDir: "/src/app"}, ides.ScopeProject, "/src/app/opencode.json"},
		{"windows project", ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `D:\src\app`, WorkDir: `D:\src\app`}, ides.ScopeProject, `D:\src\app\opencode.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Adapter{}.Target(tt.env, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want || got.Format != config.JSONC || got.Servers[0] != "mcp" || got.Schema != schema {
				t.Errorf("target = %+v, want path %s, JSONC, mcp, %s", got, tt.want, schema)
			}
		})
	}
	if _, err := (Adapter{}).Target(ides.Env{}, ides.ScopeLocal); err == nil {
		t.Error("local scope: no error")
	}
}

func TestProjectDirs(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	sub := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	got := ProjectDirs(ides.Env{GOOS: "linux", ProjectRoot: repo, WorkDir: sub})
	want := []string{repo, filepath.Join(repo, "a"), sub}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("with git (-want +got):\n%s", d)
	}
	// Without git, OpenCode reads every directory up to /.
	noGit := filepath.Join(root, "plain")
	got = ProjectDirs(ides.Env{GOOS: "linux", ProjectRoot: noGit, WorkDir: noGit})
	if got[0] != "/" || got[len(got)-1] != noGit {
		t.Errorf("without git: %v, want / first and %s last", got, noGit)
	}
}

func TestReadEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     ides.StoredEntry
		err      bool
	}{
		{"local", `{"type":"local","command":["/b/lg","serve","--x"],"environment":{"A":"1"}}`,
			ides.StoredEntry{Command: "/b/lg", Args: []string{"serve", "--x"}, Env: ides.EnvList{{Name: "A", Value: "1"}}}, false},
		{"kilo env alias", `{"type":"local","command":["lg"],"env":{"B":"2"}}`,
			ides.StoredEntry{Command: "lg", Env: ides.EnvList{{Name: "B", Value: "2"}}}, false},
		{"remote", `{"type":"remote","url":"https://x/mcp"}`, ides.StoredEntry{URL: "https://x/mcp"}, false},
		{"claude shape", `{"command":"/b/lg","args":["serve"]}`, ides.StoredEntry{Command: "/b/lg", Args: []string{"serve"}}, false},
		{"number in command", `{"type":"local","command":["lg",1]}`, ides.StoredEntry{}, true},
		{"not an object", `["lg"]`, ides.StoredEntry{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Adapter{}.ReadEntry(config.MustJSON(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if err == nil {
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("(-want +got):\n%s", d)
				}
			}
		})
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestClientView: the definition OpenCode merges last wins, the merged
// "enabled": false of a losing file still turns it off, and ~/.opencode
// beats the project.
func TestClientView(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "proj")
	write(t, filepath.Join(proj, ".git", "HEAD"), "ref: refs/heads/main\n")
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: proj, WorkDir: proj, Vars: map[string]string{}}
	write(t, filepath.Join(home, ".config", "opencode", "opencode.json"), `{"mcp":{"latchgate":{"type":"local","command":["old"]}}}`)
	write(t, filepath.Join(home, ".config", "opencode", "opencode.jsonc"), `{"mcp":{"latchgate":{"type":"local","command":["lg"]}}}`)
	write(t, filepath.Join(proj, "opencode.json"), `{"mcp":{"latchgate":{"type":"local","command":["lg"]}}}`)

	view := func() map[string]string {
		locs, err := Adapter{}.Locations(env)
		if err != nil {
			t.Fatal(err)
		}
		states := make([]ides.EntryState, len(locs))
		for i, l := range locs {
			states[i] = ides.EntryState{Scope: l.Scope, Variant: l.Variant, Configured: true}
		}
		Adapter{}.ClientView(env, "latchgate", states)
		out := map[string]string{}
		for i, l := range locs {
			rel, _ := filepath.Rel(home, l.Path)
			out[rel] = states[i].Client
		}
		return out
	}
	want := map[string]string{
		".config/opencode/opencode.json":  "shadowed",
		".config/opencode/opencode.jsonc": "shadowed",
		"proj/opencode.json":              "active",
	}
	if d := cmp.Diff(want, view()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// The project entry wins, but a user file's "enabled": false is
	// merged into it when it does not set "enabled" itself.
	write(t, filepath.Join(home, ".config", "opencode", "opencode.json"), `{"mcp":{"latchgate":{"enabled":false}}}`)
	if got := view()["proj/opencode.json"]; got != "disabled" {
		t.Errorf("project entry with a merged enabled:false = %s, want disabled", got)
	}
	write(t, filepath.Join(proj, "opencode.json"), `{"mcp":{"latchgate":{"type":"local","command":["lg"],"enabled":true}}}`)
	if got := view()["proj/opencode.json"]; got != "active" {
		t.Errorf("project entry with enabled:true = %s, want active", got)
	}
	write(t, filepath.Join(home, ".opencode", "opencode.json"), `{"mcp":{"latchgate":{"type":"local","command":["other"]}}}`)
	got := view()
	if got[".opencode/opencode.json"] != "active" || got["proj/opencode.json"] != "shadowed" {
		t.Errorf("~/.opencode does not win over the project: %v", got)
	}
}

func TestEnvNotes(t *testing.T) {
	t.Parallel()
	env := ides.Env{Vars: map[string]string{"OPENCODE_DISABLE_PROJECT_CONFIG": "1", "OPENCODE_CONFIG_CONTENT": `{"mcp":{}}`}}
	var ids []string
	for _, n := range (Adapter{}).EnvWarnings(env) {
		ids = append(ids, n.ID)
	}
	if d := cmp.Diff([]string{"project_config_disabled", "config_content"}, ids); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if n := (Adapter{}).EnvWarnings(ides.Env{}); len(n) != 0 {
		t.Errorf("no variables: %v", n)
	}
}
