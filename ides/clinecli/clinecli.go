package clinecli

import (
	"fmt"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Cline CLI adapter.
type Adapter struct{}

var (
	_ ides.Adapter     = Adapter{}
	_ ides.Planner     = Adapter{}
	_ ides.EntryReader = Adapter{}
	_ ides.Launcher    = Adapter{}
	_ ides.EnvWarner   = Adapter{}
	_ ides.Detectable  = Adapter{}
)

const (
	// schema is the embedded schema (package schemas) of the settings file.
	schema = "cline-cli-mcp.schema.json"
	// TimeoutSec is the entry's timeout: the gate's 300 s holds and a margin.
	TimeoutSec = 330
)

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "cline-cli" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Cline CLI" }

// Scopes implements ides.Adapter.Scopes: the CLI has no project file.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// Dir is the CLI's home, $CLINE_DIR or ~/.cline.
func Dir(env ides.Env) string {
	if d := env.Get("CLINE_DIR"); d != "" {
		return d
	}
	return ides.Join(env, env.Home, ".cline")
}

// SettingsPath is the MCP settings file, and the variable that put it
// there ("" for the default).
func SettingsPath(env ides.Env) (string, string) {
	if p := env.Get("CLINE_MCP_SETTINGS_PATH"); p != "" {
		return p, "CLINE_MCP_SETTINGS_PATH"
	}
	if d := env.Get("CLINE_DATA_DIR"); d != "" {
		return ides.Join(env, d, "settings", "cline_mcp_settings.json"), "CLINE_DATA_DIR"
	}
	p := ides.Join(env, Dir(env), "data", "settings", "cline_mcp_settings.json")
	if env.Get("CLINE_DIR") != "" {
		return p, "CLINE_DIR"
	}
	return p, ""
}

// Target implements ides.Adapter.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(a, scope)
	}
	p, _ := SettingsPath(env)
	// The file names this machine's binary and socket: keep it private.
	return ides.Target{Path: p, Servers: []string{"mcpServers"}, Format: config.JSON, Scope: scope, NewMode: 0o600, Schema: schema}, nil
}

// Entry implements ides.Adapter.Entry: the nested form "cline mcp add"
// writes, with the timeout.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("transport", config.ObjectValue(
			config.M("type", config.StringValue("stdio")),
			config.M("command", config.StringValue(spec.Command)),
			config.M("args", config.StringList(spec.Args...)),
			config.M("env", spec.Env.Value()),
		)),
		config.M("timeout", config.IntValue(TimeoutSec)),
	), nil
}

// ReadEntry implements ides.EntryReader: the nested form or the flat one.
func (Adapter) ReadEntry(v config.Value) (ides.StoredEntry, error) {
	if v.Kind() != config.Object {
		return ides.StoredEntry{}, fmt.Errorf("the entry is %s, not an object", v.Kind())
	}
	if t, ok := v.Field("transport"); ok {
		return ides.ReadCommandEntry(t, "command", "args", "env", "url")
	}
	return ides.ReadCommandEntry(v, "command", "args", "env", "url")
}

// PlanInstall implements ides.Planner.PlanInstall: the entry, checked
// against the schema, and a warning when the rest of the file would
// still make Cline load nothing from it. There is nothing to approve:
// --approve changes nothing here.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	fe := t.FileEdit(env, ides.EntryEdit(a, t, req), ides.ValidateEntry(t, req.Name))
	notes := ides.InvalidAfter(fe, t.Schema, "would make Cline CLI load no server at all (it rejects the whole file)")
	notes = append(notes, a.EnvWarnings(env)...)
	if req.Approve {
		notes = append(notes, ides.Note{Level: "info", Text: "Cline CLI has no project servers and asks nothing before starting one: --approve changes nothing there"})
	}
	return []merge.FileEdit{fe}, notes, nil
}

// PlanUninstall implements ides.Planner.PlanUninstall.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}, nil, nil
}

// Launch implements ides.Launcher: Cline passes its whole environment
// and expands nothing.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{Rule: "Cline CLI's environment", InheritAll: true, ShellPATH: true}
}

// EnvWarnings implements ides.EnvWarner: which variable moved the file,
// since the CLI reads that one file only.
func (Adapter) EnvWarnings(env ides.Env) []ides.Note {
	p, by := SettingsPath(env)
	if by == "" {
		return nil
	}
	return []ides.Note{{Level: "info", ID: "settings_path",
		Text: fmt.Sprintf("%s is set: Cline CLI reads its MCP servers from %s only, as long as it is set", by, env.Display(p))}}
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"cline"}}
}
