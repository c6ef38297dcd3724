package continuecli

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Continue CLI adapter.
type Adapter struct{}

var (
	_ ides.Adapter    = Adapter{}
	_ ides.Planner    = Adapter{}
	_ ides.Detectable = Adapter{}
	_ ides.Launcher   = Adapter{}
	_ ides.EnvWarner  = Adapter{}
)

const schema = "continue-config.schema.json"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "continue" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Continue" }

// Scopes implements ides.Adapter.Scopes: the CLI reads the user file only.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// Dir is $CONTINUE_GLOBAL_DIR, else ~/.continue.
func Dir(env ides.Env) string {
	if d := env.Get("CONTINUE_GLOBAL_DIR"); d != "" {
		return d
	}
	return ides.Join(env, env.Home, ".continue")
}

// Target implements ides.Adapter.Target.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(Adapter{}, scope)
	}
	return ides.Target{Path: ides.Join(env, Dir(env), "config.yaml"), Servers: []string{"mcpServers"}, ItemKey: "name",
		Format: config.YAML, Scope: scope, NewMode: 0o600, Schema: schema}, nil
}

// Entry implements ides.Adapter.Entry: a list item, name first.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("name", config.StringValue(spec.Name)),
		config.M("type", config.StringValue("stdio")),
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
	), nil
}

// PlanInstall implements ides.Planner: a file we create needs the
// top-level name and version cn requires.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	if req.Approve {
		return nil, nil, ides.Usagef("--approve: Continue has no approval for MCP servers")
	}
	required := func(doc config.Document) (bool, error) {
		changed := false
		for _, m := range []config.Member{config.M("name", config.StringValue("Local config")), config.M("version", config.StringValue("1.0.0"))} {
			if _, ok := doc.Get(m.Key); ok {
				continue
			}
			c, err := doc.Set(m.Value, m.Key)
			if err != nil {
				return false, err
			}
			changed = changed || c
		}
		return changed, nil
	}
	return []merge.FileEdit{t.FileEdit(env, required, ides.EntryEdit(a, t, req))}, a.EnvWarnings(env), nil
}

// PlanUninstall implements ides.Planner.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}, nil, nil
}

// Launch implements ides.Launcher: cn passes its whole environment and
// expands only ${{ secrets.NAME }}, which we never write.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{Rule: "Continue's environment", InheritAll: true, ShellPATH: true}
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"cn"}}
}

// EnvWarnings implements ides.EnvWarner: what config cannot fix.
func (Adapter) EnvWarnings(ides.Env) []ides.Note {
	return []ides.Note{{Level: "warn", ID: "hold_timeout", IfConfigured: true,
		Text: "Continue gives up on a tool call after 60 s and has no setting to raise it: an action the gate holds " +
			"for approval (up to 300 s) fails in Continue even when it is approved",
		Hint: "approve held actions quickly (latchgate-mcp approve), or use a client whose timeout can be raised"}}
}
