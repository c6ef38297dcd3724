package opencode

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/layered"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the OpenCode adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.EntryReader  = Adapter{}
	_ ides.KeyOwner     = Adapter{}
	_ ides.Enumerator   = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.EnvWarner    = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ layered.Client    = Adapter{}
)

const (
	// schema is the embedded schema (package schemas) of OpenCode's files.
	schema = "opencode-config.schema.json"
	// SchemaURL is the "$schema" OpenCode inserts into its files.
	SchemaURL = "https://opencode.ai/config.json"
	// TimeoutMS is the entry's timeout: the gate's 300 s holds and a margin.
	TimeoutMS = 330000
)

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "opencode" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "OpenCode" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// ConfigHome is $XDG_CONFIG_HOME when it is absolute, else ~/.config:
// OpenCode and Kilo use it on every OS (xdg-basedir).
func ConfigHome(env ides.Env) string {
	if d := env.Get("XDG_CONFIG_HOME"); d != "" && (path.IsAbs(d) || filepath.IsAbs(d)) {
		return d
	}
	return ides.Join(env, env.Home, ".config")
}

// Dir is OpenCode's user config directory.
func Dir(env ides.Env) string { return ides.Join(env, ConfigHome(env), "opencode") }

// ProjectDirs are the directories whose files a project reads, from the
// outermost to the current one: the git root down to the working
// directory, or, outside git, every directory from the root of the file
// system down (OpenCode walks up to / when it finds no .git).
func ProjectDirs(env ides.Env) []string {
	root := env.ProjectRoot
	if _, err := os.Lstat(ides.Join(env, root, ".git")); err != nil {
		root = "" // no git: up to the root of the file system
	}
	wd := env.WorkDir
	if wd == "" {
		wd = env.ProjectRoot
	}
	var dirs []string
	for d := wd; ; {
		dirs = append([]string{d}, dirs...)
		parent := parentDir(env, d)
		if d == root || parent == d {
			break
		}
		d = parent
	}
	return dirs
}

// parentDir is the directory above d, or d at the root, with env's
// separators (so Windows paths can be tested on Linux).
func parentDir(env ides.Env, d string) string {
	if env.GOOS != "windows" {
		return path.Dir(filepath.ToSlash(d))
	}
	i := strings.LastIndexAny(d, `\/`)
	if i <= 2 { // C:\ or a bare name
		return d
	}
	return d[:i]
}

// relLabel shows file p of directory dir relative to the project root.
func relLabel(env ides.Env, dir, file string) string {
	if dir == env.ProjectRoot {
		return file
	}
	if rel, err := filepath.Rel(env.ProjectRoot, dir); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel) + "/" + file
	}
	return env.Display(ides.Join(env, dir, file))
}

func file(env ides.Env, p string, scope ides.Scope, label string, editable bool) layered.File {
	mode := os.FileMode(0o644)
	if scope == ides.ScopeUser {
		// A user file names this machine's binary and socket.
		mode = 0o600
	}
	return layered.File{Target: ides.Target{Path: p, Servers: []string{"mcp"}, Format: config.JSONC, Scope: scope,
		NewMode: mode, Schema: schema}, Label: label, Editable: editable}
}

// Stack implements layered.Client: every file OpenCode reads, lowest
// precedence first (clients.md §3.9, re-measured on 1.18.33).
func (Adapter) Stack(env ides.Env) layered.Stack {
	var st layered.Stack
	for _, n := range []string{"config.json", "opencode.json", "opencode.jsonc"} {
		st = append(st, file(env, ides.Join(env, Dir(env), n), ides.ScopeUser, n, true))
	}
	if p := env.Get("OPENCODE_CONFIG"); p != "" {
		st = append(st, file(env, p, ides.ScopeUser, "$OPENCODE_CONFIG", false))
	}
	dirs := ProjectDirs(env)
	for _, d := range dirs {
		for _, n := range []string{"opencode.json", "opencode.jsonc"} {
			st = append(st, file(env, ides.Join(env, d, n), ides.ScopeProject, relLabel(env, d, n), d == env.ProjectRoot))
		}
	}
	homeDot := ides.Join(env, env.Home, ".opencode")
	for i := len(dirs) - 1; i >= 0; i-- {
		dot := ides.Join(env, dirs[i], ".opencode")
		if dot == homeDot {
			continue
		}
		for _, n := range []string{"opencode.json", "opencode.jsonc"} {
			st = append(st, file(env, ides.Join(env, dot, n), ides.ScopeProject, relLabel(env, dirs[i], ".opencode/"+n), dirs[i] == env.ProjectRoot))
		}
	}
	if d := env.Get("OPENCODE_CONFIG_DIR"); d != "" {
		for _, n := range []string{"opencode.json", "opencode.jsonc"} {
			st = append(st, file(env, ides.Join(env, d, n), ides.ScopeUser, "$OPENCODE_CONFIG_DIR", false))
		}
	}
	for _, n := range []string{"opencode.json", "opencode.jsonc"} {
		st = append(st, file(env, ides.Join(env, homeDot, n), ides.ScopeUser, "~/.opencode, over every project file", false))
	}
	return st
}

// Default implements layered.Client: OpenCode creates opencode.jsonc in
// a fresh home; projects document opencode.json at the root.
func (a Adapter) Default(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		return file(env, ides.Join(env, Dir(env), "opencode.jsonc"), scope, "", true).Target, nil
	case ides.ScopeProject:
		return file(env, ides.Join(env, env.ProjectRoot, "opencode.json"), scope, "", true).Target, nil
	}
	return ides.Target{}, ides.CheckScope(a, scope)
}

// Target implements ides.Adapter.Target: see layered.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	return layered.Target(a, env, scope)
}

// Entry implements ides.Adapter.Entry.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return Entry(spec, "environment"), nil
}

// Entry is the local entry of OpenCode and Kilo, keys in the order
// "opencode mcp add" writes them, the environment under envKey.
func Entry(spec ides.ServerSpec, envKey string) config.Value {
	return config.ObjectValue(
		config.M("type", config.StringValue("local")),
		config.M("command", config.StringList(append([]string{spec.Command}, spec.Args...)...)),
		config.M(envKey, spec.Env.Value()),
		config.M("enabled", config.BoolValue(true)),
		config.M("timeout", config.IntValue(TimeoutMS)),
	)
}

// ReadEntry implements ides.EntryReader.
func (Adapter) ReadEntry(v config.Value) (ides.StoredEntry, error) { return ReadEntry(v) }

// ReadEntry reads an OpenCode or Kilo entry: the command array, the
// environment ("environment", or Kilo's "env"), a remote "url"; a
// Claude-shaped entry (Kilo's legacy mcp.json) is read as such.
func ReadEntry(v config.Value) (ides.StoredEntry, error) {
	if v.Kind() != config.Object {
		return ides.StoredEntry{}, fmt.Errorf("the entry is %s, not an object", v.Kind())
	}
	cmd, ok := v.Field("command")
	if !ok || cmd.Kind() != config.List {
		return ides.ReadCommandEntry(v, "command", "args", "env", "url")
	}
	var e ides.StoredEntry
	for i, x := range cmd.Items() {
		if x.Kind() != config.String {
			return e, fmt.Errorf("command holds %s, not a string", x.Kind())
		}
		if i == 0 {
			e.Command = x.Str()
		} else {
			e.Args = append(e.Args, x.Str())
		}
	}
	for _, key := range []string{"env", "environment"} {
		env, ok := v.Field(key)
		if !ok || env.IsNull() {
			continue
		}
		if env.Kind() != config.Object {
			return e, fmt.Errorf("%s is %s, not an object", key, env.Kind())
		}
		for _, m := range env.Members() {
			e.Env = append(e.Env, ides.EnvVar{Name: m.Key, Value: m.Value.Str()})
		}
	}
	if u, ok := v.Field("url"); ok && u.Kind() == config.String {
		e.URL = u.Str()
	}
	return e, nil
}

// OwnedKeys implements ides.KeyOwner: "environment" says how the server
// starts.
func (Adapter) OwnedKeys() []string { return []string{"environment"} }

// SchemaEdit adds "$schema" when the file has none, as OpenCode and Kilo
// would on their next start, rewriting it.
func SchemaEdit(url string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		if _, ok := doc.Get("$schema"); ok {
			return false, nil
		}
		return doc.Set(config.StringValue(url), "$schema")
	}
}

// PlanInstall implements ides.Planner.PlanInstall: see layered.PlanInstall.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	return PlanInstall(a, env, req, SchemaURL, schema, "makes every OpenCode command fail")
}

// PlanInstall plans an OpenCode-style install: "$schema" (schemaURL),
// the entry, checked against the embedded schema schemaName, and a
// warning when the file would still be refused (consequence says how).
// OpenCode and Kilo start every server they read without asking, so
// --approve (for the clients of the run that ask) changes nothing here.
func PlanInstall(c layered.Client, env ides.Env, req ides.Request, schemaURL, schemaName, consequence string) ([]merge.FileEdit, []ides.Note, error) {
	edits, notes, err := layered.PlanInstall(c, env, req, func(t ides.Target) []merge.Edit {
		return []merge.Edit{SchemaEdit(schemaURL), ides.EntryEdit(c, t, req), dropV2(t, req.Name), ides.ValidateEntry(t, req.Name)}
	})
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, ides.InvalidAfter(edits[0], schemaName, consequence)...)
	if req.Approve {
		notes = append(notes, ides.Note{Level: "info", Text: c.DisplayName() + " starts the servers of every file it reads without asking: --approve changes nothing there"})
	}
	return edits, notes, nil
}

// dropV2 removes a v2 definition ("mcp.servers.<name>") beside the v1
// entry install writes: the v1 one wins, and two would only confuse.
func dropV2(t ides.Target, name string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		p := append(append([]string(nil), t.Servers...), "servers", name)
		changed, err := doc.Delete(p...)
		if changed {
			doc.Note("removed the v2 %q entry under mcp.servers: the v1 entry written under mcp wins over it", name)
		}
		return changed, err
	}
}

// PlanUninstall implements ides.Planner.PlanUninstall: the entry goes
// from every file of the scope, v2 form included.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	return PlanUninstall(a, env, req)
}

// PlanUninstall removes name, v1 and v2, from every editable file of the
// scope.
func PlanUninstall(c layered.Client, env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	edits, notes, err := layered.PlanUninstall(c, env, req)
	for i := range edits {
		t := ides.Target{Servers: []string{"mcp"}}
		edits[i].Edits = append(edits[i].Edits, func(doc config.Document) (bool, error) {
			return doc.Delete(append(t.Servers, "servers", req.Name)...)
		})
	}
	return edits, notes, err
}

// Locations implements ides.Enumerator.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) { return layered.Locations(a, env) }

// View is how OpenCode and Kilo combine definitions.
func View(client string) layered.View {
	return layered.View{
		Merge:  client + " merges entries of one name key by key, so keys only this one sets still apply",
		OffKey: `"enabled": false`,
		Off: func(v config.Value) (bool, bool) {
			e, ok := v.Field("enabled")
			if !ok || e.Kind() != config.Bool {
				return false, false
			}
			return true, !e.Bool()
		},
	}
}

// ClientView implements ides.ClientViewer: the last definition wins, the
// others are merged into it; project files are dropped under
// OPENCODE_DISABLE_PROJECT_CONFIG.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	layered.ClientView(a, env, name, states, View("OpenCode"))
	DisableProject(env, states, "OPENCODE_DISABLE_PROJECT_CONFIG")
}

// DisableProject marks project entries disabled when variable drops
// project files.
func DisableProject(env ides.Env, states []ides.EntryState, variable string) {
	if !truthy(env.Get(variable)) {
		return
	}
	for i := range states {
		if states[i].Configured && states[i].Scope == ides.ScopeProject {
			states[i].Client = "disabled"
			states[i].Detail = variable + " is set: no project file is read"
		}
	}
}

func truthy(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v == "1" || v == "true"
}

var envRef = regexp.MustCompile(`\{env:([^}]*)\}`)

// ExpandEnvRefs expands {env:NAME} as OpenCode and Kilo do: an unset
// variable becomes "" (and is reported missing).
func ExpandEnvRefs(s string, env ides.Env, missing *[]string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		if v, ok := env.Vars[name]; ok {
			return v
		}
		*missing = append(*missing, name)
		return ""
	})
}

// Launch implements ides.Launcher: OpenCode passes its whole environment
// and adds its own markers.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{Rule: "OpenCode's environment", InheritAll: true,
		Extra: map[string]string{"AGENT": "1", "OPENCODE": "1"}, Expand: ExpandEnvRefs, VarSyntax: "{env:NAME}", ShellPATH: true}
}

// EnvWarnings implements ides.EnvWarner.
func (Adapter) EnvWarnings(env ides.Env) []ides.Note {
	return EnvNotes(env, "OpenCode", "OPENCODE")
}

// EnvNotes are the notes about the variables of OpenCode (prefix
// "OPENCODE") or Kilo ("KILO") that change which files count.
func EnvNotes(env ides.Env, client, prefix string) []ides.Note {
	var out []ides.Note
	if truthy(env.Get(prefix + "_DISABLE_PROJECT_CONFIG")) {
		out = append(out, ides.Note{Level: "warn", ID: "project_config_disabled",
			Text: prefix + "_DISABLE_PROJECT_CONFIG is set: " + client + " reads no project file, so project-scope entries are not used",
			Hint: "unset it, or install at user scope"})
	}
	if c := env.Get(prefix + "_CONFIG_CONTENT"); strings.Contains(c, `"mcp"`) {
		out = append(out, ides.Note{Level: "warn", ID: "config_content",
			Text: prefix + "_CONFIG_CONTENT defines MCP servers and is merged over every file: a server of the same name there wins over the files",
			Hint: "check the servers it names with " + strings.ToLower(client) + " debug config"})
	}
	return out
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env), ides.Join(env, env.Home, ".opencode")}, Commands: []string{"opencode"}}
}
