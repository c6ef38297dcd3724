package layered

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// client is a made-up client: user files a.json < b.json, a project file,
// and an override in the home directory that beats everything.
type client struct{}

func (client) ID() string           { return "made-up" }
func (client) DisplayName() string  { return "Made Up" }
func (client) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }
func (c client) Target(env ides.Env, s ides.Scope) (ides.Target, error) {
	return Target(c, env, s)
}
func (client) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(config.M("command", config.StringValue(spec.Command))), nil
}

func f(env ides.Env, rel string, scope ides.Scope, editable bool) File {
	return File{Target: ides.Target{Path: filepath.Join(env.Home, rel), Servers: []string{"servers"}, Format: config.JSONC, Scope: scope},
		Label: rel, Editable: editable}
}

func (client) Stack(env ides.Env) Stack {
	return Stack{f(env, "a.json", ides.ScopeUser, true), f(env, "b.json", ides.ScopeUser, true),
		f(env, "proj/p.json", ides.ScopeProject, true), f(env, "override.json", ides.ScopeUser, false)}
}

func (client) Default(env ides.Env, s ides.Scope) (ides.Target, error) {
	if s == ides.ScopeUser {
		return f(env, "b.json", s, true).Target, nil
	}
	return f(env, "proj/p.json", s, true).Target, nil
}

func setup(t *testing.T, files map[string]string) ides.Env {
	t.Helper()
	home := t.TempDir()
	for rel, data := range files {
		p := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return ides.Env{GOOS: "linux", Home: home, Vars: map[string]string{}}
}

func rel(env ides.Env, p string) string { r, _ := filepath.Rel(env.Home, p); return r }

func TestPlanInstallChoosesFile(t *testing.T) {
	t.Parallel()
	req := ides.Request{Scope: ides.ScopeUser, Name: "lg", Spec: ides.ServerSpec{Command: "/bin/lg"}}
	tests := []struct {
		name      string
		files     map[string]string
		wantFiles []string // edited, in order
		wantNotes []string // substrings
	}{
		{"none: the default", nil, []string{"b.json"}, nil},
		{"only the lower file", map[string]string{"a.json": `{}`}, []string{"a.json"}, nil},
		{"both: the winner", map[string]string{"a.json": `{}`, "b.json": `{}`}, []string{"b.json"},
			[]string{"reads 2 user-scope files here; the entry goes in ~/b.json, which wins over the others (also read: ~/a.json)"}},
		{"the holder, even below", map[string]string{"a.json": `{"servers":{"lg":{"command":"old"}}}`, "b.json": `{}`}, []string{"a.json"},
			[]string{"~/a.json, which holds the entry already"}},
		{"both hold it: the winner, the other removed", map[string]string{"a.json": `{"servers":{"lg":{}}}`, "b.json": `{"servers":{"lg":{}}}`},
			[]string{"b.json", "a.json"}, nil},
		{"an override wins", map[string]string{"override.json": `{"servers":{"lg":{}}}`}, []string{"b.json"},
			[]string{"~/override.json also defines \"lg\", and Made Up uses that definition here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := setup(t, tt.files)
			edits, notes, err := PlanInstall(client{}, env, req, func(tg ides.Target) []merge.Edit {
				return []merge.Edit{ides.EntryEdit(client{}, tg, req)}
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range edits {
				got = append(got, rel(env, e.Path))
			}
			if d := cmp.Diff(tt.wantFiles, got); d != "" {
				t.Errorf("files (-want +got):\n%s", d)
			}
			var text []string
			for _, n := range notes {
				text = append(text, n.Text)
			}
			for _, w := range tt.wantNotes {
				if !strings.Contains(strings.Join(text, "\n"), w) {
					t.Errorf("notes lack %q:\n%s", w, strings.Join(text, "\n"))
				}
			}
			plan, err := merge.NewPlan(edits...)
			if err != nil {
				t.Fatal(err)
			}
			if len(edits) == 2 { // the second definition goes
				if strings.Contains(string(plan.Changes[1].After()), `"lg"`) {
					t.Errorf("%s still defines lg:\n%s", got[1], plan.Changes[1].After())
				}
			}
		})
	}
}

func TestUninstallEveryFile(t *testing.T) {
	t.Parallel()
	env := setup(t, map[string]string{"a.json": `{"servers":{"lg":{}}}`, "b.json": `{"servers":{"lg":{},"x":{}}}`,
		"override.json": `{"servers":{"lg":{}}}`})
	edits, _, err := PlanUninstall(client{}, env, ides.Request{Scope: ides.ScopeUser, Name: "lg"})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := merge.NewPlan(edits...)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, c := range plan.Pending() {
		changed = append(changed, rel(env, c.Path))
	}
	// The override is not the user's scope file to edit: it stays.
	if d := cmp.Diff([]string{"b.json", "a.json"}, changed); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestLocationsAndView(t *testing.T) {
	t.Parallel()
	env := setup(t, map[string]string{"a.json": `{"servers":{"lg":{"off":true}}}`, "override.json": `{}`})
	locs, err := Locations(client{}, env)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range locs {
		got = append(got, rel(env, l.Path)+"|"+l.Variant)
	}
	// a.json is the user target (it exists); the project's default is
	// listed though absent; b.json is absent and not a target.
	if d := cmp.Diff([]string{"a.json|", "proj/p.json|", "override.json|override.json"}, got); d != "" {
		t.Fatalf("locations (-want +got):\n%s", d)
	}
	states := []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}, {Scope: ides.ScopeProject, Configured: true}, {Scope: ides.ScopeUser}}
	view := View{Merge: "merged", OffKey: "off", Off: func(v config.Value) (bool, bool) {
		o, ok := v.Field("off")
		return ok, ok && o.Bool()
	}}
	ClientView(client{}, env, "lg", states, view)
	if states[0].Client != "shadowed" || !strings.Contains(states[0].Detail, "proj/p.json wins; merged") {
		t.Errorf("user entry: %+v", states[0])
	}
	// The project entry wins, but the merged "off" of the user file turns
	// the server off (the project file does not exist, so does not decide).
	if states[1].Client != "disabled" || !strings.Contains(states[1].Detail, "turned off by off in ~/a.json") {
		t.Errorf("project entry: %+v", states[1])
	}
}
