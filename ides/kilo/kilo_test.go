package kilo

import (
	"os"
	"path/filepath"
	"testing"

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
		{"linux user", ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser, "/home/u/.config/kilo/kilo.jsonc"},
		{"xdg", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/x"}}, ides.ScopeUser, "/x/kilo/kilo.jsonc"},
		{"macos user", ides.Env{GOOS: "darwin", Home: "/Users/u"}, ides.ScopeUser, "/Users/u/.config/kilo/kilo.jsonc"},
		{"windows user", ides.Env{GOOS: "windows", Home: `C:\Users\u`}, ides.ScopeUser, `C:\Users\u\.config\kilo\kilo.jsonc`},
		{"project", ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app", WorkDir: "/src/app"}, ides.ScopeProject, "/src/app/.kilo/kilo.json"},
		{"windows project", ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `D:\src\app`, WorkDir: `D:\src\app`}, ides.ScopeProject, `D:\src\app\.kilo\kilo.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Adapter{}.Target(tt.env, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want || got.Format != config.JSONC || got.Schema != schema {
				t.Errorf("target = %+v, want path %s, JSONC, %s", got, tt.want, schema)
			}
		})
	}
}

// TestFirstRun: until Kilo has run once on the account, doctor warns
// that it will rewrite the user's file; afterwards it does not.
func TestFirstRun(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: home, WorkDir: home, Vars: map[string]string{}}
	if n := (Adapter{}).EnvWarnings(env); len(n) != 0 {
		t.Fatalf("no file: %v", n)
	}
	dir := filepath.Join(home, ".config", "kilo")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kilo.json"), []byte("{\n  // mine\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := Adapter{}.EnvWarnings(env)
	if len(n) != 1 || n[0].ID != "first_run" {
		t.Fatalf("before the first run: %+v", n)
	}
	if err := os.WriteFile(filepath.Join(dir, migrated), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if n := (Adapter{}).EnvWarnings(env); len(n) != 0 {
		t.Errorf("after the first run: %v", n)
	}
}

// TestStackOrder: a deeper kilo.json loses to the root's opencode.json
// (measured), and ~/.kilo beats every project file.
func TestStackOrder(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "proj")
	sub := filepath.Join(proj, "sub")
	if err := os.MkdirAll(filepath.Join(proj, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: proj, WorkDir: sub, Vars: map[string]string{}}
	rank := map[string]int{}
	for i, f := range (Adapter{}).Stack(env) {
		rel, _ := filepath.Rel(home, f.Path)
		rank[rel] = i
	}
	order := []string{".config/kilo/kilo.json", ".config/kilo/opencode.jsonc", "proj/kilo.json", "proj/sub/kilo.json",
		"proj/opencode.json", "proj/sub/.kilo/kilo.json", "proj/.kilo/opencode.json", ".kilo/kilo.json"}
	for i := 1; i < len(order); i++ {
		if rank[order[i-1]] >= rank[order[i]] {
			t.Errorf("%s (%d) does not come before %s (%d)", order[i-1], rank[order[i-1]], order[i], rank[order[i]])
		}
	}
}
