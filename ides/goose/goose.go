package goose

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Adapter is the Goose adapter.
type Adapter struct{}

var (
	_ ides.Adapter     = Adapter{}
	_ ides.Detectable  = Adapter{}
	_ ides.EntryReader = Adapter{}
	_ ides.KeyOwner    = Adapter{}
)

const schema = "goose-config.schema.json"

// holdTimeout is the extension timeout we write, in seconds.
const holdTimeout = 330

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "goose" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Goose" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// Dir is Goose's config directory.
func Dir(env ides.Env) string {
	if env.GOOS == "windows" {
		if d := env.Get("APPDATA"); d != "" {
			return ides.Join(env, d, "Block", "goose", "config")
		}
		return ides.Join(env, env.Home, "AppData", "Roaming", "Block", "goose", "config")
	}
	if d := env.Get("XDG_CONFIG_HOME"); d != "" && env.GOOS != "darwin" {
		return ides.Join(env, d, "goose")
	}
	return ides.Join(env, env.Home, ".config", "goose")
}

// Target implements ides.Adapter.Target.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(Adapter{}, scope)
	}
	return ides.Target{Path: ides.Join(env, Dir(env), "config.yaml"), Servers: []string{"extensions"},
		Format: config.YAML, Scope: scope, NewMode: 0o600, Schema: schema, SchemaPaths: [][]string{{"extensions"}}}, nil
}

// Entry implements ides.Adapter.Entry: a stdio extension, in the order
// Goose writes one.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("name", config.StringValue(spec.Name)),
		config.M("type", config.StringValue("stdio")),
		config.M("enabled", config.BoolValue(true)),
		config.M("cmd", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("envs", spec.Env.Value()),
		config.M("timeout", config.IntValue(holdTimeout)),
	), nil
}

// ReadEntry implements ides.EntryReader: Goose keeps the command in cmd
// and the environment in envs.
func (Adapter) ReadEntry(v config.Value) (ides.StoredEntry, error) {
	return ides.ReadCommandEntry(v, "cmd", "args", "envs", "uri")
}

// OwnedKeys implements ides.KeyOwner: the keys that say how Goose starts
// the extension.
func (Adapter) OwnedKeys() []string { return []string{"cmd", "envs", "env_keys", "uri", "bundled"} }

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"goose"}}
}
