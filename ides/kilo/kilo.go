package kilo

import (
	"os"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/layered"
	"github.com/latchgate-ai/latchgate-mcp/ides/opencode"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Kilo Code CLI adapter.
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
	// schema is the embedded schema (package schemas) of Kilo's files.
	schema = "kilo-config.schema.json"
	// SchemaURL is the "$schema" Kilo inserts into its files.
	SchemaURL = "https://app.kilo.ai/config.json"
	// migrated is the file whose absence means Kilo has not yet run its
	// one-time rewrite of the user's config.
	migrated = ".bash-permission-migrated"
)

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "kilo" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Kilo" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// Dir is Kilo's user config directory.
func Dir(env ides.Env) string { return ides.Join(env, opencode.ConfigHome(env), "kilo") }

func file(env ides.Env, p string, scope ides.Scope, label string, editable bool) layered.File {
	mode := os.FileMode(0o644)
	if scope == ides.ScopeUser {
		mode = 0o600
	}
	return layered.File{Target: ides.Target{Path: p, Servers: []string{"mcp"}, Format: config.JSONC, Scope: scope,
		NewMode: mode, Schema: schema}, Label: label, Editable: editable}
}

// Stack implements layered.Client: every file Kilo reads, lowest
// precedence first.
func (Adapter) Stack(env ides.Env) layered.Stack {
	var st layered.Stack
	for _, legacy := range []string{".kilocode", ".kilo"} {
		p := ides.Join(env, env.WorkDir, legacy, "mcp.json")
		st = append(st, layered.File{Target: ides.Target{Path: p, Servers: []string{"mcpServers"}, Format: config.JSONC,
			Scope: ides.ScopeProject}, Label: legacy + "/mcp.json, legacy"})
	}
	for _, n := range []string{"config.json", "kilo.json", "kilo.jsonc", "opencode.json", "opencode.jsonc"} {
		st = append(st, file(env, ides.Join(env, Dir(env), n), ides.ScopeUser, n, true))
	}
	if p := env.Get("KILO_CONFIG"); p != "" {
		st = append(st, file(env, p, ides.ScopeUser, "$KILO_CONFIG", false))
	}
	dirs := opencode.ProjectDirs(env)
	for _, n := range []string{"kilo.json", "kilo.jsonc", "opencode.json", "opencode.jsonc"} {
		// A project's opencode.json is OpenCode's as much as Kilo's:
		// read, never edited for Kilo (its entry would carry Kilo's agent
		// id into OpenCode, and a Kilo install or uninstall would remove
		// OpenCode's entry as a second definition).
		shared := strings.HasPrefix(n, "opencode.")
		for _, d := range dirs {
			st = append(st, file(env, ides.Join(env, d, n), ides.ScopeProject, label(env, d, n), d == env.ProjectRoot && !shared))
		}
	}
	home := map[string]bool{ides.Join(env, env.Home, ".kilo"): true, ides.Join(env, env.Home, ".kilocode"): true}
	for i := len(dirs) - 1; i >= 0; i-- {
		for _, n := range [][2]string{{".kilocode", "kilo.json"}, {".kilo", "kilo.json"}, {".kilo", "opencode.json"}} {
			if home[ides.Join(env, dirs[i], n[0])] {
				continue
			}
			p := ides.Join(env, dirs[i], n[0], n[1])
			st = append(st, file(env, p, ides.ScopeProject, label(env, dirs[i], n[0]+"/"+n[1]), dirs[i] == env.ProjectRoot))
		}
	}
	if d := env.Get("KILO_CONFIG_DIR"); d != "" {
		for _, n := range []string{"kilo.json", "opencode.json"} {
			st = append(st, file(env, ides.Join(env, d, n), ides.ScopeUser, "$KILO_CONFIG_DIR", false))
		}
	}
	for _, d := range []string{".kilocode", ".kilo"} {
		st = append(st, file(env, ides.Join(env, env.Home, d, "kilo.json"), ides.ScopeUser, "~/"+d+", over every project file", false))
	}
	return st
}

func label(env ides.Env, dir, name string) string {
	if dir == env.ProjectRoot {
		return name
	}
	return env.Display(ides.Join(env, dir, name))
}

// Default implements layered.Client: "kilo mcp add" creates
// ~/.config/kilo/kilo.jsonc; a project gets .kilo/kilo.json, which Kilo
// reads over the project's opencode.json and kilo.json (measured, 7.7.7:
// "kilo debug config"), so an OpenCode entry in opencode.json, there now
// or written by the same install, does not shadow Kilo's own.
func (a Adapter) Default(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		return file(env, ides.Join(env, Dir(env), "kilo.jsonc"), scope, "", true).Target, nil
	case ides.ScopeProject:
		return file(env, ides.Join(env, env.ProjectRoot, ".kilo", "kilo.json"), scope, "", true).Target, nil
	}
	return ides.Target{}, ides.CheckScope(a, scope)
}

// Target implements ides.Adapter.Target: see layered.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	return layered.Target(a, env, scope)
}

// Entry implements ides.Adapter.Entry: OpenCode's entry.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return opencode.Entry(spec, "environment"), nil
}

// ReadEntry implements ides.EntryReader: OpenCode's shape, "env" as an
// alias, and Claude's in the legacy mcp.json files.
func (Adapter) ReadEntry(v config.Value) (ides.StoredEntry, error) { return opencode.ReadEntry(v) }

// OwnedKeys implements ides.KeyOwner.
func (Adapter) OwnedKeys() []string { return []string{"environment"} }

// PlanInstall implements ides.Planner.PlanInstall.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	consequence := "makes every Kilo command fail"
	if req.Scope == ides.ScopeProject {
		consequence = "is skipped by Kilo without a word (kilo config check reports it)"
	}
	edits, notes, err := opencode.PlanInstall(a, env, req, SchemaURL, schema, consequence)
	if err == nil && req.Scope == ides.ScopeUser {
		notes = append(notes, firstRun(env, []string{edits[0].Path})...)
	}
	return edits, notes, err
}

// PlanUninstall implements ides.Planner.PlanUninstall.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	return opencode.PlanUninstall(a, env, req)
}

// Locations implements ides.Enumerator.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) { return layered.Locations(a, env) }

// ClientView implements ides.ClientViewer.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	layered.ClientView(a, env, name, states, opencode.View("Kilo"))
	opencode.DisableProject(env, states, "KILO_DISABLE_PROJECT_CONFIG")
}

// Launch implements ides.Launcher: Kilo passes its whole environment and
// expands {env:NAME}.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{Rule: "Kilo's environment", InheritAll: true, Expand: opencode.ExpandEnvRefs,
		VarSyntax: "{env:NAME}", ShellPATH: true}
}

// EnvWarnings implements ides.EnvWarner.
func (Adapter) EnvWarnings(env ides.Env) []ides.Note {
	var files []string
	for _, f := range (Adapter{}).Stack(env) {
		if f.Scope == ides.ScopeUser && f.Editable && layered.Exists(f.Path) {
			files = append(files, f.Path)
		}
	}
	return append(opencode.EnvNotes(env, "Kilo", "KILO"), firstRun(env, files)...)
}

// firstRun warns that Kilo has not yet made its one-time rewrite of the
// user's files, which drops their comments.
func firstRun(env ides.Env, files []string) []ides.Note {
	if layered.Exists(ides.Join(env, Dir(env), migrated)) {
		return nil
	}
	var out []ides.Note
	for _, p := range files {
		out = append(out, ides.Note{Level: "warn", ID: "first_run",
			Text: "Kilo has not run on this account yet: its first start rewrites " + env.Display(p) +
				` as plain JSON, dropping comments, and adds "permission": {"bash": "allow"} to it`,
			Hint: "start Kilo once before you comment the file, and check its permission section afterwards"})
	}
	return out
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env), ides.Join(env, env.Home, ".kilocode")}, Commands: []string{"kilo", "kilocode"}}
}
