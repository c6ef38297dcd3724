package droid

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

func TestPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  ides.Env
		want []string // user, project, then the current directory's when another
	}{
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app", WorkDir: "/src/app"},
			[]string{"/home/u/.factory/mcp.json", "/src/app/.factory/mcp.json"}},
		{"subdirectory", ides.Env{GOOS: "darwin", Home: "/Users/u", ProjectRoot: "/src/app", WorkDir: "/src/app/web"},
			[]string{"/Users/u/.factory/mcp.json", "/src/app/.factory/mcp.json", "/src/app/web/.factory/mcp.json"}},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `D:\app`, WorkDir: `D:\app`},
			[]string{`C:\Users\u\.factory\mcp.json`, `D:\app\.factory\mcp.json`}},
		{"override", ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/p", WorkDir: "/p", Vars: map[string]string{"FACTORY_HOME_OVERRIDE": "/fh"}},
			[]string{"/fh/.factory/mcp.json", "/p/.factory/mcp.json"}},
	}
	for _, tt := range tests {
		locs, err := Adapter{}.Locations(tt.env)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range locs {
			got = append(got, l.Path)
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestClientView(t *testing.T) {
	t.Parallel()
	states := []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}, {Scope: ides.ScopeProject, Configured: true},
		{Scope: ides.ScopeProject, Variant: cwdVariant, Configured: true}}
	Adapter{}.ClientView(ides.Env{}, "latchgate", states)
	var got []string
	for _, s := range states {
		got = append(got, s.Client)
	}
	if !slices.Equal(got, []string{"shadowed", "shadowed", "active"}) {
		t.Errorf("cwd > git root > user: %v", got)
	}
}

// TestNotes: a sibling without a command (which stops Droid from starting
// any server) and a nearer entry of the same name are pointed out.
func TestNotes(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: filepath.Join(root, "home"), ProjectRoot: filepath.Join(root, "p"),
		WorkDir: filepath.Join(root, "p", "sub")}
	for p, data := range map[string]string{
		ProjectPath(env, env.ProjectRoot): `{"mcpServers": {"bad": {"args": ["x"]}, "latchgate": {"command": "y"}}}`,
	} {
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(data), 0o644))
	}
	req := ides.Request{Scope: ides.ScopeUser, Name: "latchgate", Spec: ides.ServerSpec{Command: "lg"}}
	_, notes, err := Adapter{}.PlanInstall(env, req)
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Text, "Factory Droid uses that one") {
		t.Errorf("user install under a project entry: %v, %v", notes, err)
	}
	req.Scope = ides.ScopeProject
	edits, _, err := Adapter{}.PlanInstall(env, req)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := merge.NewPlan(edits...)
	if err != nil {
		t.Fatal(err)
	}
	if n := plan.Notes(); len(n) != 1 || !strings.Contains(n[0], `the "bad" entry has no command`) {
		t.Errorf("plan notes = %v", n)
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
