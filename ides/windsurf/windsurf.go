package windsurf

import (
	"regexp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/vscode"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Adapter is the Windsurf adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.StrayFinder  = Adapter{}
)

// schema is the embedded schema (package schemas) of mcp_config.json.
const schema = "windsurf-mcp.schema.json"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "windsurf" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Windsurf" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// Dir is Windsurf's Cascade directory, ~/.codeium/windsurf on every OS.
func Dir(env ides.Env) string { return ides.Join(env, env.Home, ".codeium", "windsurf") }

// Target implements ides.Adapter.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(a, scope)
	}
	return ides.Target{Path: ides.Join(env, Dir(env), "mcp_config.json"), Servers: []string{"mcpServers"},
		Format: config.JSON, Scope: scope, NewMode: 0o600, Schema: schema}, nil
}

// Entry implements ides.Adapter.Entry: command, args and env, with any
// forwarded variable as "${env:NAME}".
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	env := append(ides.EnvList{}, spec.Env...)
	for _, name := range spec.Forward {
		env = append(env, ides.EnvVar{Name: name, Value: ides.Forward(name)})
	}
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", env.Value()),
	), nil
}

var envRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand expands "${env:NAME}", the one variable form Windsurf documents
// for stdio entries; an unset variable becomes "" and is reported.
func expand(s string, env ides.Env, missing *[]string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		if v, ok := env.Vars[name]; ok {
			return v
		}
		*missing = append(*missing, name)
		return ""
	})
}

// Launch implements ides.Launcher: assume the MCP SDK's few variables (a
// GUI app), and "${env:NAME}" expanded.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	r := ides.DefaultLaunch()
	r.Rule = "only the MCP SDK's inherited variables and the entry's env (assumed for Windsurf)"
	r.Expand = expand
	r.VarSyntax = "${env:NAME}"
	return r
}

// ClientView implements ides.ClientViewer: an entry with "disabled": true
// is skipped.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	ides.DisabledView(a, env, name, states, ides.DisabledSwitch("disabled"))
}

// Strays implements ides.StrayFinder: "servers", VS Code's key, which
// Windsurf ignores.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"servers"},
		Why: `"servers", which Windsurf ignores: it reads "mcpServers"`}}
}

// Footprint implements ides.Detectable.Footprint: Cascade's directory,
// the editor's own (VS Code-style) folder, or its command.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env), ides.Join(env, vscode.ConfigBase(env), "Windsurf")}, Commands: []string{"windsurf"}}
}
