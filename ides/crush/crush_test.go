package crush

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

func TestTargetPaths(t *testing.T) {
	t.Parallel()
	vars := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name  string
		env   ides.Env
		scope ides.Scope
		want  string
	}{
		{"linux user", ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser, "/home/u/.config/crush/crush.json"},
		{"CRUSH_GLOBAL_CONFIG is a directory", ides.Env{GOOS: "linux", Home: "/home/u", Vars: vars("CRUSH_GLOBAL_CONFIG", "/c", "XDG_CONFIG_HOME", "/x")}, ides.ScopeUser, "/c/crush.json"},
		{"xdg", ides.Env{GOOS: "linux", Home: "/home/u", Vars: vars("XDG_CONFIG_HOME", "/x")}, ides.ScopeUser, "/x/crush/crush.json"},
		{"macos user", ides.Env{GOOS: "darwin", Home: "/Users/u"}, ides.ScopeUser, "/Users/u/.config/crush/crush.json"},
		{"windows user", ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: vars("LOCALAPPDATA", `C:\Users\u\AppData\Local`)}, ides.ScopeUser, `C:\Users\u\AppData\Local\crush\crush.json`},
		{"project", ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app", WorkDir: "/src/app"}, ides.ScopeProject, "/src/app/crush.json"},
		{"windows project", ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `D:\src\app`, WorkDir: `D:\src\app`}, ides.ScopeProject, `D:\src\app\crush.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Adapter{}.Target(tt.env, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want || got.Format != config.JSON || got.Servers[0] != "mcp" {
				t.Errorf("target = %+v, want path %s, strict JSON, mcp", got, tt.want)
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

// TestCheckScopes: two definitions anywhere Crush looks, a crushrc
// included, are an error doctor reports; one is fine.
func TestCheckScopes(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "proj")
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: proj, WorkDir: proj, Vars: map[string]string{}}
	entry := `{"mcp":{"latchgate":{"type":"stdio","command":"latchgate-mcp","args":["serve"]}}}`
	write(t, filepath.Join(home, ".config", "crush", "crush.json"), entry)
	if n := (Adapter{}).CheckScopes(env, "latchgate"); len(n) != 0 {
		t.Fatalf("one definition: %v", n)
	}
	write(t, filepath.Join(proj, "crushrc"), "mcp add latchgate --type stdio --command latchgate-mcp\n")
	n := Adapter{}.CheckScopes(env, "latchgate")
	if len(n) != 1 || n[0].Level != "error" || !strings.Contains(n[0].Text, "~/proj/crushrc (crushrc)") {
		t.Fatalf("crushrc and user file: %+v", n)
	}
	if n := (Adapter{}).CheckScopes(env, "other"); len(n) != 0 {
		t.Errorf("another name: %v", n)
	}
	// A commented line in a crushrc adds nothing.
	write(t, filepath.Join(proj, "crushrc"), "# mcp add latchgate --type stdio\n  #mcp add latchgate\n")
	if n := (Adapter{}).CheckScopes(env, "latchgate"); len(n) != 0 {
		t.Errorf("commented crushrc: %v", n)
	}
	// Two JSON files, and what list shows for them.
	write(t, filepath.Join(proj, ".crush.json"), entry)
	if n := (Adapter{}).CheckScopes(env, "latchgate"); len(n) != 1 {
		t.Errorf("user and project: %v", n)
	}
	locs, err := Adapter{}.Locations(env)
	if err != nil {
		t.Fatal(err)
	}
	states := make([]ides.EntryState, len(locs))
	var files []string
	for i, l := range locs {
		states[i] = ides.EntryState{Scope: l.Scope, Configured: true}
		rel, _ := filepath.Rel(home, l.Path)
		files = append(files, rel)
	}
	Adapter{}.ClientView(env, "latchgate", states)
	if d := cmp.Diff([]string{".config/crush/crush.json", "proj/.crush.json"}, files); d != "" {
		t.Fatalf("locations (-want +got):\n%s", d)
	}
	if states[0].Client != "shadowed" || !strings.Contains(states[0].Detail, "concatenates their args") || states[1].Client != "active" {
		t.Errorf("client view: %+v", states)
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	env := ides.Env{Vars: map[string]string{"A": "1", "EMPTY": ""}}
	var missing []string
	got := expand(`$A-${A}-${NOPE:-d}-${EMPTY:-e}-\$A-$NOPE`, env, &missing)
	if got != "1-1-d-e-$A-" || len(missing) != 1 || missing[0] != "NOPE" {
		t.Errorf("expand = %q, missing %v", got, missing)
	}
}

func TestEntryRoundTrip(t *testing.T) {
	t.Parallel()
	spec := ides.ServerSpec{Command: "/opt/$x/latchgate-mcp", Args: []string{"serve", "--exclude", "a$b"}, Env: ides.EnvList{{Name: "K", Value: "$V"}}}
	v, err := Adapter{}.Entry(spec)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := v.Field("command"); c.Str() != `/opt/\$x/latchgate-mcp` {
		t.Errorf("command = %q, want the $ escaped", c.Str())
	}
	back, err := Adapter{}.ReadEntry(v)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(ides.StoredEntry{Command: spec.Command, Args: spec.Args, Env: spec.Env}, back); d != "" {
		t.Errorf("read back (-want +got):\n%s", d)
	}
}

// TestSchema: the embedded schema catches what stops Crush.
func TestSchema(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		`{"mcp":{"a":{"type":"stdio","command":"x","args":["y"]}}}`:  true,
		`{"mcp":{"a":{"type":"http","url":"http://x"}}}`:             true,
		`{"mcp":{"a":{"command":"x"}}}`:                              false, // unsupported mcp type
		`{"mcp":{"a":{"type":"stdio"}}}`:                             false,
		`{"mcp":{"a":{"type":"stdio","command":["x"]}}}`:             false,
		`{"mcp":{"a":{"type":"stdio","command":"x","env":{"A":1}}}}`: false,
	} {
		if err := schemas.ValidateValue(schema, config.MustJSON(in).Interface()); (err == nil) != ok {
			t.Errorf("%s: err = %v, want ok %v", in, err, ok)
		}
	}
}
