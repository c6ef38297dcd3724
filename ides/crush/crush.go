package crush

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/layered"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Crush adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.EntryReader  = Adapter{}
	_ ides.Enumerator   = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.ScopeChecker = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ layered.Client    = Adapter{}
)

// schema is the embedded schema (package schemas) of Crush's files.
const schema = "crush-config.schema.json"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "crush" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Crush" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

func abs(p string) bool { return path.IsAbs(p) || (len(p) > 2 && p[1] == ':') }

// ConfigDir is Crush's global config directory.
func ConfigDir(env ides.Env) string {
	if d := env.Get("CRUSH_GLOBAL_CONFIG"); d != "" {
		return d
	}
	if d := env.Get("XDG_CONFIG_HOME"); abs(d) {
		return ides.Join(env, d, "crush")
	}
	if d := env.Get("LOCALAPPDATA"); env.GOOS == "windows" && d != "" {
		return ides.Join(env, d, "crush")
	}
	return ides.Join(env, env.Home, ".config", "crush")
}

// DataDir is Crush's global data directory, which holds a crush.json of
// Crush's own making.
func DataDir(env ides.Env) string {
	if d := env.Get("CRUSH_GLOBAL_DATA"); d != "" {
		return d
	}
	if d := env.Get("XDG_DATA_HOME"); abs(d) {
		return ides.Join(env, d, "crush")
	}
	if d := env.Get("LOCALAPPDATA"); env.GOOS == "windows" && d != "" {
		return ides.Join(env, d, "crush")
	}
	return ides.Join(env, env.Home, ".local", "share", "crush")
}

// projectDirs are the directories whose files Crush reads: the git root
// down to the working directory; without git, the working directory.
func projectDirs(env ides.Env) []string {
	wd := env.WorkDir
	if wd == "" {
		wd = env.ProjectRoot
	}
	if _, err := os.Lstat(ides.Join(env, env.ProjectRoot, ".git")); err != nil || wd == env.ProjectRoot {
		return []string{wd}
	}
	var dirs []string
	for d := wd; ; d = parent(env, d) {
		dirs = append([]string{d}, dirs...)
		if d == env.ProjectRoot || parent(env, d) == d {
			return dirs
		}
	}
}

func parent(env ides.Env, d string) string {
	if env.GOOS == "windows" {
		if i := strings.LastIndexAny(d, `\/`); i > 2 {
			return d[:i]
		}
		return d
	}
	return path.Dir(d)
}

func file(p string, scope ides.Scope, label string, editable bool) layered.File {
	mode := os.FileMode(0o644)
	if scope == ides.ScopeUser {
		mode = 0o600
	}
	return layered.File{Target: ides.Target{Path: p, Servers: []string{"mcp"}, Format: config.JSON, Scope: scope,
		NewMode: mode, Schema: schema}, Label: label, Editable: editable}
}

// Stack implements layered.Client: the JSON files Crush reads, lowest
// precedence first (the crushrc files are Bash, see scripts).
func (Adapter) Stack(env ides.Env) layered.Stack {
	st := layered.Stack{
		file(ides.Join(env, ConfigDir(env), "crush.json"), ides.ScopeUser, "crush.json", true),
		file(ides.Join(env, DataDir(env), "crush.json"), ides.ScopeUser, "data directory, written by Crush", false),
	}
	for _, d := range projectDirs(env) {
		for _, n := range []string{"crush.json", ".crush.json"} {
			label := n
			if d != env.ProjectRoot {
				label = env.Display(ides.Join(env, d, n))
			}
			st = append(st, file(ides.Join(env, d, n), ides.ScopeProject, label, d == env.ProjectRoot))
		}
	}
	wd := env.WorkDir
	if wd == "" {
		wd = env.ProjectRoot
	}
	return append(st, file(ides.Join(env, wd, ".crush", "crush.json"), ides.ScopeProject, ".crush/crush.json, written by Crush", false))
}

// scripts are the crushrc files Crush runs, in its order.
func scripts(env ides.Env) []string {
	out := []string{ides.Join(env, ConfigDir(env), "crushrc")}
	for _, d := range projectDirs(env) {
		out = append(out, ides.Join(env, d, "crushrc"), ides.Join(env, d, ".crushrc"))
	}
	return out
}

// scriptDefines reports whether the crushrc at p adds server name.
func scriptDefines(p, name string) bool {
	data, err := os.ReadFile(p)
	if err != nil || len(data) > 1<<20 {
		return false
	}
	re := regexp.MustCompile(`(?m)^[ \t]*mcp[ \t]+add[ \t]+['"]?` + regexp.QuoteMeta(name) + `['"]?([ \t\\]|$)`)
	return re.Match(data)
}

// Default implements layered.Client.
func (a Adapter) Default(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		return file(ides.Join(env, ConfigDir(env), "crush.json"), scope, "", true).Target, nil
	case ides.ScopeProject:
		return file(ides.Join(env, env.ProjectRoot, "crush.json"), scope, "", true).Target, nil
	}
	return ides.Target{}, ides.CheckScope(a, scope)
}

// Target implements ides.Adapter.Target: see layered.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	return layered.Target(a, env, scope)
}

// escape keeps Crush from expanding a "$" in what we write.
func escape(s string) string { return strings.ReplaceAll(s, "$", `\$`) }

// Entry implements ides.Adapter.Entry: a stdio entry in Crush's
// order; "$" escaped.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	args := make([]string, len(spec.Args))
	for i, a := range spec.Args {
		args[i] = escape(a)
	}
	env := make(ides.EnvList, len(spec.Env))
	for i, v := range spec.Env {
		env[i] = ides.EnvVar{Name: v.Name, Value: escape(v.Value)}
	}
	return config.ObjectValue(
		config.M("type", config.StringValue("stdio")),
		config.M("command", config.StringValue(escape(spec.Command))),
		config.M("args", config.StringList(args...)),
		config.M("env", env.Value()),
	), nil
}

// ReadEntry implements ides.EntryReader: the usual keys, "\$" read back
// as "$".
func (Adapter) ReadEntry(v config.Value) (ides.StoredEntry, error) {
	e, err := ides.ReadCommandEntry(v, "command", "args", "env", "url")
	unescape := func(s string) string { return strings.ReplaceAll(s, `\$`, "$") }
	e.Command = unescape(e.Command)
	for i := range e.Args {
		e.Args[i] = unescape(e.Args[i])
	}
	for i := range e.Env {
		e.Env[i].Value = unescape(e.Env[i].Value)
	}
	return e, err
}

// others returns the definitions of name that install does not own for
// scope: in another scope's files or in files Crush writes (json), and in
// crushrc scripts (scripts).
func others(a Adapter, env ides.Env, scope ides.Scope, name string) (json []layered.Def, scripts_ []string) {
	for _, d := range layered.Defs(a, env, name) {
		if d.Scope != scope || !isEditable(a, env, d.Path) {
			json = append(json, d)
		}
	}
	for _, p := range scripts(env) {
		if scriptDefines(p, name) {
			scripts_ = append(scripts_, p)
		}
	}
	return json, scripts_
}

func isEditable(a Adapter, env ides.Env, p string) bool {
	for _, f := range a.Stack(env) {
		if f.Path == p {
			return f.Editable
		}
	}
	return false
}

// PlanInstall implements ides.Planner.PlanInstall: refused when another
// file defines the name, since Crush would merge the two definitions and
// concatenate their args. Crush asks nothing before starting a server, so
// --approve changes nothing here.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	if err := ides.CheckScope(a, req.Scope); err != nil {
		return nil, nil, err
	}
	if defs, rcs := others(a, env, req.Scope, req.Name); len(defs)+len(rcs) > 0 {
		var where, fixes []string
		for _, d := range defs {
			where = append(where, env.Display(d.Path))
			if d.Scope != req.Scope && isEditable(a, env, d.Path) {
				fixes = append(fixes, fmt.Sprintf("latchgate-mcp uninstall --ide crush --scope %s", d.Scope))
			} else {
				fixes = append(fixes, "delete it from "+env.Display(d.Path))
			}
		}
		for _, p := range rcs {
			where = append(where, env.Display(p)+" (a crushrc, which Crush runs as Bash)")
			fixes = append(fixes, "delete its mcp add line from "+env.Display(p))
		}
		return nil, nil, fmt.Errorf("add %q to Crush's %s scope: %s already defines it, and Crush merges same-name entries across its files, "+
			"concatenating their args (serve ... serve ...), so a second one would break both; remove that one first (%s)",
			req.Name, req.Scope, strings.Join(where, ", "), strings.Join(slices.Compact(fixes), "; "))
	}
	edits, notes, err := layered.PlanInstall(a, env, req, func(t ides.Target) []merge.Edit {
		return []merge.Edit{ides.EntryEdit(a, t, req), ides.ValidateEntry(t, req.Name)}
	})
	if err == nil && req.Approve {
		notes = append(notes, ides.Note{Level: "info", Text: "Crush starts the servers of every file it reads without asking: --approve changes nothing there"})
	}
	return edits, notes, err
}

// PlanUninstall implements ides.Planner.PlanUninstall.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	return layered.PlanUninstall(a, env, req)
}

// Locations implements ides.Enumerator.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) { return layered.Locations(a, env) }

// ClientView implements ides.ClientViewer.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	layered.ClientView(a, env, name, states, layered.View{
		Merge:  "Crush merges them into one entry and concatenates their args, which breaks it",
		OffKey: `"disabled": true`,
		Off: func(v config.Value) (bool, bool) {
			d, ok := v.Field("disabled")
			if !ok || d.Kind() != config.Bool {
				return false, false
			}
			return true, d.Bool()
		},
	})
}

// CheckScopes implements ides.ScopeChecker: more than one definition of
// name anywhere Crush looks is an error.
func (a Adapter) CheckScopes(env ides.Env, name string) []ides.Note {
	var where []string
	for _, d := range layered.Defs(a, env, name) {
		where = append(where, env.Display(d.Path))
	}
	for _, p := range scripts(env) {
		if scriptDefines(p, name) {
			where = append(where, env.Display(p)+" (crushrc)")
		}
	}
	if len(where) < 2 {
		return nil
	}
	return []ides.Note{{Level: "error", ID: "merged_entries",
		Text: fmt.Sprintf("Crush reads %d definitions of %q (%s) and merges them into one whose args are concatenated "+
			"(serve ... serve ...): the server cannot start as written", len(where), name, strings.Join(where, ", ")),
		Hint: "keep one: latchgate-mcp uninstall --ide crush --scope user (or --scope project), or delete the mcp add line of a crushrc"}}
}

var shellRef = regexp.MustCompile(`\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expand expands $NAME, ${NAME} and ${NAME:-default} as Crush does; an
// unset variable becomes "" and is reported missing; "\$" is a dollar.
// Command substitution, $(cmd), is left alone.
func expand(s string, env ides.Env, missing *[]string) string {
	return shellRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == `\$` {
			return "$"
		}
		sub := shellRef.FindStringSubmatch(m)
		name := sub[1] + sub[4]
		if v := env.Vars[name]; v != "" {
			return v
		}
		if sub[2] != "" {
			return sub[3]
		}
		*missing = append(*missing, name)
		return ""
	})
}

// Launch implements ides.Launcher: Crush passes its whole environment
// and expands shell references.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{Rule: "Crush's environment", InheritAll: true, Expand: expand,
		VarSyntax: "$NAME or ${NAME:-default}", DefaultSyntax: true, ShellPATH: true}
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{ConfigDir(env), DataDir(env)}, Commands: []string{"crush"}}
}
