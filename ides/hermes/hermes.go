package hermes

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Adapter is the Hermes Agent adapter.
type Adapter struct{}

var (
	_ ides.Adapter    = Adapter{}
	_ ides.Detectable = Adapter{}
)

const schema = "hermes-config.schema.json"

// holdTimeout is the per-call timeout we write, in seconds: above the
// gate's 300 s approval hold, which Hermes's 120 s default would cut off.
const holdTimeout = 330

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "hermes" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Hermes Agent" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// Dir is ~/.hermes.
func Dir(env ides.Env) string { return ides.Join(env, env.Home, ".hermes") }

// Target implements ides.Adapter.Target.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(Adapter{}, scope)
	}
	return ides.Target{Path: ides.Join(env, Dir(env), "config.yaml"), Servers: []string{"mcp_servers"},
		Format: config.YAML, Scope: scope, NewMode: 0o600, Schema: schema, SchemaPaths: [][]string{{"mcp_servers"}}}, nil
}

// Entry implements ides.Adapter.Entry.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
		config.M("timeout", config.IntValue(holdTimeout)),
	), nil
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"hermes"}}
}
