package cursor

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Adapter is the Cursor adapter.
type Adapter struct{}

var (
	_ ides.Adapter     = Adapter{}
	_ ides.Detectable  = Adapter{}
	_ ides.Launcher    = Adapter{}
	_ ides.StrayFinder = Adapter{}
)

// schema is the embedded schema (package schemas) of Cursor's mcp.json.
const schema = "cursor-mcp.schema.json"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "cursor" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Cursor" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// Dir is Cursor's per-user directory, ~/.cursor on every OS.
func Dir(env ides.Env) string { return ides.Join(env, env.Home, ".cursor") }

// Target implements ides.Adapter.Target.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		// A user file names this machine's binary and socket: keep it
		// private like the rest of ~/.cursor.
		return ides.Target{Path: ides.Join(env, Dir(env), "mcp.json"), Servers: []string{"mcpServers"},
			Format: config.JSON, Scope: scope, NewMode: 0o600, Schema: schema}, nil
	case ides.ScopeProject:
		return ides.Target{Path: ides.Join(env, env.ProjectRoot, ".cursor", "mcp.json"), Servers: []string{"mcpServers"},
			Format: config.JSON, Scope: scope, NewMode: 0o644, Schema: schema}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Entry implements ides.Adapter.Entry. Cursor infers stdio from
// "command", so there is no "type".
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", withForward(spec).Value()),
	), nil
}

// Launch implements ides.Launcher: Cursor, built on the MCP SDK, passes
// the SDK's few variables and expands ${env:NAME}, ${userHome} and
// ${workspaceFolder}.
func (Adapter) Launch(ides.Env) ides.LaunchRules { return ides.EditorLaunch() }

// Strays implements ides.StrayFinder: "servers" is VS Code's key, which
// Cursor ignores.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"servers"},
		Why: `"servers", which Cursor ignores: it reads "mcpServers"`}}
}

// Footprint implements ides.Detectable.Footprint.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"cursor"}}
}

// withForward appends the forwarded variables to the entry's env, after
// the ones with fixed values.
func withForward(spec ides.ServerSpec) ides.EnvList {
	env := append(ides.EnvList{}, spec.Env...)
	for _, name := range spec.Forward {
		env = append(env, ides.EnvVar{Name: name, Value: ides.Forward(name)})
	}
	return env
}
