package cursor

import (
	"encoding/json"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Cursor adapter.
type Adapter struct{}

var (
	_ ides.Adapter    = Adapter{}
	_ ides.Detectable = Adapter{}
)

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
			Strict: true, Scope: scope, NewMode: 0o600}, nil
	case ides.ScopeProject:
		return ides.Target{Path: ides.Join(env, env.ProjectRoot, ".cursor", "mcp.json"), Servers: []string{"mcpServers"},
			Strict: true, Scope: scope, NewMode: 0o644}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Entry is a Cursor stdio server entry. Cursor infers stdio from
// "command", so there is no "type".
type Entry struct {
	Command string       `json:"command"`
	Args    []string     `json:"args"`
	Env     ides.EnvList `json:"env"`
}

// Entry implements ides.Adapter.Entry.
func (Adapter) Entry(spec ides.ServerSpec) (json.RawMessage, error) {
	return merge.MarshalValue(Entry{Command: spec.Command, Args: nonNil(spec.Args), Env: withForward(spec)})
}

// Footprint implements ides.Detectable.Footprint.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"cursor"}}
}

func nonNil(args []string) []string {
	if args == nil {
		return []string{}
	}
	return args
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
