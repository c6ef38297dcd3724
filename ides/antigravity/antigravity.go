package antigravity

import (
	"os"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Adapter is the Antigravity adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Enumerator   = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.StrayFinder  = Adapter{}
)

// schema is the embedded schema (package schemas) of mcp_config.json.
const schema = "antigravity-mcp.schema.json"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "antigravity" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Antigravity" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// CurrentDir is Antigravity 2's (and agy's) folder; LegacyDir is
// Antigravity 1's.
func CurrentDir(env ides.Env) string { return ides.Join(env, env.Home, ".gemini", "config") }

// LegacyDir is Antigravity 1's agent folder.
func LegacyDir(env ides.Env) string { return ides.Join(env, env.Home, ".gemini", "antigravity") }

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// UsesLegacy reports whether the installed app is Antigravity 1: its
// folder is there and Antigravity 2's is not.
func UsesLegacy(env ides.Env) bool {
	return isDir(LegacyDir(env)) && !isDir(CurrentDir(env))
}

func target(env ides.Env, dir string) ides.Target {
	// The file names this machine's binary and socket: private.
	return ides.Target{Path: ides.Join(env, dir, "mcp_config.json"), Servers: []string{"mcpServers"}, Format: config.JSON,
		Scope: ides.ScopeUser, NewMode: 0o600, Schema: schema}
}

// Target implements ides.Adapter.Target: the file the installed app
// reads.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(a, scope)
	}
	if UsesLegacy(env) {
		return target(env, LegacyDir(env)), nil
	}
	return target(env, CurrentDir(env)), nil
}

// Variants of the file the app does not read.
const (
	variantLegacy  = "Antigravity 1 file"
	variantCurrent = "Antigravity 2 file"
)

// Locations implements ides.Enumerator: the file the app reads, then the
// other one.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) {
	cur, old := ides.Location{Target: target(env, CurrentDir(env))}, ides.Location{Target: target(env, LegacyDir(env))}
	if UsesLegacy(env) {
		cur.Variant = variantCurrent
		return []ides.Location{old, cur}, nil
	}
	old.Variant = variantLegacy
	return []ides.Location{cur, old}, nil
}

// Entry implements ides.Adapter.Entry: command, args and env.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
	), nil
}

// Launch implements ides.Launcher: assume the MCP SDK's few variables.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	r := ides.DefaultLaunch()
	r.Rule = "only the MCP SDK's inherited variables and the entry's env (assumed for Antigravity)"
	return r
}

// ClientView implements ides.ClientViewer: the file the app reads is
// active, the other shadowed.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	read, _ := a.Target(env, ides.ScopeUser)
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		s.Client = "active"
		if s.Variant != "" {
			s.Client, s.Detail = "shadowed", "Antigravity installed here reads "+env.Display(read.Path)+" instead"
		}
	}
}

// Strays implements ides.StrayFinder: "servers", VS Code's key.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"servers"},
		Why: `"servers", which Antigravity ignores: it reads "mcpServers"`}}
}

// Footprint implements ides.Detectable.Footprint: either Antigravity
// folder, the editor's own data folder, or its commands.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{CurrentDir(env), LegacyDir(env), ides.Join(env, env.Home, ".antigravity")},
		Commands: []string{"agy", "antigravity"}}
}
