package droid

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Factory Droid adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.EnvWarner    = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Enumerator   = Adapter{}
	_ ides.StrayFinder  = Adapter{}
)

// schema is the embedded schema (package schemas) of mcp.json.
const schema = "droid-mcp.schema.json"

// timeoutMS is the per-request timeout written: Droid's default (180 s)
// would end a tool call still held for approval (up to 300 s).
const timeoutMS = 330000

// cwdVariant marks the current directory's project file in list.
const cwdVariant = "current directory"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "droid" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Factory Droid" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// Dir is Droid's per-user directory: .factory in $FACTORY_HOME_OVERRIDE,
// else in the home directory.
func Dir(env ides.Env) string {
	home := env.Home
	if h := env.Get("FACTORY_HOME_OVERRIDE"); h != "" {
		home = h
	}
	return ides.Join(env, home, ".factory")
}

// ProjectPath is the project file Droid reads in dir.
func ProjectPath(env ides.Env, dir string) string { return ides.Join(env, dir, ".factory", "mcp.json") }

// Target implements ides.Adapter.Target; the project file is the git
// root's.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		return ides.Target{Path: ides.Join(env, Dir(env), "mcp.json"), Servers: []string{"mcpServers"},
			Format: config.JSONComments, Scope: scope, NewMode: 0o600, Schema: schema}, nil
	case ides.ScopeProject:
		return ides.Target{Path: ProjectPath(env, env.ProjectRoot), Servers: []string{"mcpServers"},
			Format: config.JSONComments, Scope: scope, NewMode: 0o644, Schema: schema}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Locations implements ides.Enumerator: the user file, the git root's,
// and the current directory's when that is another directory.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) {
	user, _ := a.Target(env, ides.ScopeUser)
	proj, _ := a.Target(env, ides.ScopeProject)
	out := []ides.Location{{Target: user}, {Target: proj}}
	if cwd := cwdTarget(env, proj); cwd.Path != proj.Path {
		out = append(out, ides.Location{Target: cwd, Variant: cwdVariant})
	}
	return out, nil
}

func cwdTarget(env ides.Env, proj ides.Target) ides.Target {
	proj.Path = ProjectPath(env, env.WorkDir)
	return proj
}

// Entry implements ides.Adapter.Entry: the keys in the order "droid mcp
// add" writes them, with the timeout raised above the approval hold.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("type", config.StringValue("stdio")),
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
		config.M("timeout", config.IntValue(timeoutMS)),
	), nil
}

var droidVar = regexp.MustCompile(`\$\{([^}]+)\}`)

// Launch implements ides.Launcher: Droid passes its whole environment
// and expands ${VAR} in env values (an unset variable fails the server).
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{
		Rule:       "Factory Droid's environment",
		InheritAll: true,
		Expand: func(s string, env ides.Env, missing *[]string) string {
			return droidVar.ReplaceAllStringFunc(s, func(m string) string {
				name := droidVar.FindStringSubmatch(m)[1]
				if v, ok := env.Vars[name]; ok {
					return v
				}
				*missing = append(*missing, name)
				return m
			})
		},
		VarSyntax: "${NAME} (in env values only)",
		ShellPATH: true,
	}
}

// PlanInstall implements ides.Planner.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	entry, err := a.Entry(req.Spec)
	if err != nil {
		return nil, nil, err
	}
	edit := ides.RefuseBOM(a.DisplayName(), ides.SetEntry(t, req.Name, entry), noteCommandless(env, t))
	notes := a.shadowNotes(env, req)
	if req.Approve {
		// --approve for several clients at once: Droid has nothing to
		// approve, which is no reason to fail the others.
		notes = append(notes, ides.Note{Level: "info", Text: "Factory Droid starts project servers without asking: --approve changes nothing there"})
	}
	return []merge.FileEdit{t.FileEdit(env, edit)}, notes, nil
}

// shadowNotes says when a nearer file's entry of the same name will be
// used instead of the one installed.
func (a Adapter) shadowNotes(env ides.Env, req ides.Request) []ides.Note {
	proj, _ := a.Target(env, ides.ScopeProject)
	nearer := []string{cwdTarget(env, proj).Path}
	if req.Scope == ides.ScopeUser {
		nearer = append(nearer, proj.Path)
	}
	var out []ides.Note
	for _, p := range slices.Compact(nearer) {
		if p == proj.Path && req.Scope == ides.ScopeProject {
			continue
		}
		if hasEntry(p, req.Name) {
			out = append(out, ides.Note{Level: "warn", Text: fmt.Sprintf(
				"%s also defines %q, and Factory Droid uses that one in this directory", env.Display(p), req.Name)})
		}
	}
	return out
}

// noteCommandless notes siblings without a command: one of them stops
// Droid from starting any server of its configuration.
func noteCommandless(env ides.Env, t ides.Target) merge.Edit {
	return func(doc config.Document) (bool, error) {
		servers, _ := doc.Get(t.Servers...)
		for _, m := range servers.Members() {
			_, cmd := m.Value.Field("command")
			_, url := m.Value.Field("url")
			if m.Value.Kind() == config.Object && !cmd && !url {
				doc.Note("%s: the %q entry has no command, and Factory Droid then starts none of its MCP servers; fix or remove it",
					env.Display(t.Path), m.Key)
			}
		}
		return false, nil
	}
}

// PlanUninstall implements ides.Planner.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, ides.RefuseBOM(a.DisplayName(), ides.DeleteEntry(t, req.Name)))}, nil, nil
}

func hasEntry(p, name string) bool {
	doc, _, err := merge.ReadDoc(p, config.JSONComments, "")
	if err != nil || doc == nil {
		return false
	}
	_, ok := doc.Get("mcpServers", name)
	return ok
}

// ClientView implements ides.ClientViewer: the current directory's file
// beats the git root's, which beats the user's.
func (Adapter) ClientView(_ ides.Env, _ string, states []ides.EntryState) {
	rank := func(s ides.EntryState) int {
		switch {
		case s.Variant == cwdVariant:
			return 2
		case s.Scope == ides.ScopeProject:
			return 1
		}
		return 0
	}
	best := -1
	for _, s := range states {
		if s.Configured && rank(s) > best {
			best = rank(s)
		}
	}
	names := []string{"your user file", "the git root's .factory/mcp.json", "the current directory's .factory/mcp.json"}
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		s.Client = "active"
		if r := rank(*s); r < best {
			s.Client, s.Detail = "shadowed", "the entry in "+names[best]+" wins here"
		}
	}
}

// Strays implements ides.StrayFinder: "servers" (VS Code's key), which
// Droid does not read.
func (Adapter) Strays(_ ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"servers"},
		Why: `"servers", which Factory Droid ignores: it reads "mcpServers"`}}
}

// EnvWarnings implements ides.EnvWarner: a file Droid silently ignores
// although it parses for us (a byte order mark).
func (a Adapter) EnvWarnings(env ides.Env) []ides.Note {
	locs, _ := a.Locations(env)
	var out []ides.Note
	for _, l := range locs {
		if why := ides.JSONParseTrouble(l.Path); strings.Contains(why, "byte order mark") {
			out = append(out, ides.Note{Level: "warn", ID: "droid_file",
				Text: fmt.Sprintf("Factory Droid ignores %s without a word: %s", env.Display(l.Path), why),
				Hint: "remove the byte order mark"})
		}
	}
	return out
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"droid"}}
}
