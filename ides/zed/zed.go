package zed

import (
	"fmt"
	"path"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Zed adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.StrayFinder  = Adapter{}
	_ ides.EntryReader  = Adapter{}
	_ ides.KeyOwner     = Adapter{}
)

// schema is the embedded schema (package schemas) of the context_servers
// part of Zed's settings.
const schema = "zed-settings.schema.json"

// serversKey is where Zed keeps MCP servers in its settings.
const serversKey = "context_servers"

// schemaPaths: the schema describes only the servers, not the editor's
// hundreds of other settings.
var schemaPaths = [][]string{{serversKey}}

// Timeout is the tool-call timeout install writes, in seconds: above the
// gate's 300 s approval hold.
const Timeout = 330

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "zed" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Zed" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// ConfigDir is Zed's config directory (paths::config_dir).
func ConfigDir(env ides.Env) string {
	switch env.GOOS {
	case "windows":
		d := env.Get("APPDATA")
		if d == "" {
			d = ides.Join(env, env.Home, "AppData", "Roaming")
		}
		return ides.Join(env, d, "Zed")
	case "darwin":
		return ides.Join(env, env.Home, ".config", "zed")
	}
	if d := env.Get("FLATPAK_XDG_CONFIG_HOME"); d != "" {
		return ides.Join(env, d, "zed")
	}
	// The dirs crate ignores a relative XDG_CONFIG_HOME, as the XDG spec says.
	if d := env.Get("XDG_CONFIG_HOME"); path.IsAbs(d) {
		return ides.Join(env, d, "zed")
	}
	return ides.Join(env, env.Home, ".config", "zed")
}

// dataDir is Zed's data directory (paths::data_dir), for detection.
func dataDir(env ides.Env) string {
	switch env.GOOS {
	case "windows":
		d := env.Get("LOCALAPPDATA")
		if d == "" {
			d = ides.Join(env, env.Home, "AppData", "Local")
		}
		return ides.Join(env, d, "Zed")
	case "darwin":
		return ides.Join(env, env.Home, "Library", "Application Support", "Zed")
	}
	if d := env.Get("FLATPAK_XDG_DATA_HOME"); d != "" {
		return ides.Join(env, d, "zed")
	}
	if d := env.Get("XDG_DATA_HOME"); path.IsAbs(d) {
		return ides.Join(env, d, "zed")
	}
	return ides.Join(env, env.Home, ".local", "share", "zed")
}

// Target implements ides.Adapter.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	t := ides.Target{Servers: []string{serversKey}, Format: config.JSONC, Scope: scope, Schema: schema, SchemaPaths: schemaPaths}
	switch scope {
	case ides.ScopeUser:
		// A new settings file names this machine's binary and socket.
		t.Path, t.NewMode = ides.Join(env, ConfigDir(env), "settings.json"), 0o600
		return t, nil
	case ides.ScopeProject:
		t.Path, t.NewMode = ides.Join(env, env.ProjectRoot, ".zed", "settings.json"), 0o644
		return t, nil
	}
	return ides.Target{}, ides.CheckScope(a, scope)
}

// Entry implements ides.Adapter.Entry: Zed's stdio shape, with the
// tool-call timeout in seconds. Forwarded variables need nothing: Zed
// passes its environment on.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
		config.M("timeout", config.IntValue(Timeout)),
	), nil
}

// OwnedKeys implements ides.KeyOwner: the keys of Zed's older shapes,
// which the current one replaces.
func (Adapter) OwnedKeys() []string { return []string{"source", "settings"} }

// ReadEntry implements ides.EntryReader: the current shape, the one with
// "command": {"path", "args", "env"}, and remote "url" entries.
func (Adapter) ReadEntry(v config.Value) (ides.StoredEntry, error) {
	if v.Kind() != config.Object {
		return ides.StoredEntry{}, fmt.Errorf("the entry is %s, not an object", v.Kind())
	}
	if cmd, ok := v.Field("command"); ok && cmd.Kind() == config.Object {
		e, err := ides.ReadCommandEntry(cmd, "path", "args", "env", "")
		if err != nil {
			return e, fmt.Errorf("command: %w", err)
		}
		return e, nil
	}
	return ides.ReadCommandEntry(v, "command", "args", "env", "url")
}

// Launch implements ides.Launcher: Zed passes its whole environment and
// expands nothing.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{Rule: "Zed's environment", InheritAll: true}
}

// TrustsAll reports whether the user settings turn worktree trust off
// ("session": {"trust_all_worktrees": true}).
func TrustsAll(env ides.Env) bool {
	t, _ := Adapter{}.Target(env, ides.ScopeUser)
	doc, _, err := merge.ReadDoc(t.Path, t.Format, "")
	if err != nil || doc == nil {
		return false
	}
	v, ok := doc.Get("session", "trust_all_worktrees")
	return ok && v.Bool()
}

// ClientView implements ides.ClientViewer: a project entry wins over the
// user's, "enabled": false switches an entry off, and a project entry runs
// only in a trusted worktree.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	ides.DisabledView(a, env, name, states, ides.EnabledSwitch("enabled"))
	if TrustsAll(env) {
		return
	}
	for i := range states {
		s := &states[i]
		if s.Configured && s.Scope == ides.ScopeProject && s.Client == "active" {
			s.Detail = "Zed starts it once you trust this project (its restricted-mode prompt)"
		}
	}
}

// Strays implements ides.StrayFinder: "mcpServers" (Claude's and Cursor's
// key) in Zed's settings, and, on macOS, a settings file in Zed's data
// folder, where one peer installer writes and Zed never reads.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	out := []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"mcpServers"},
		Why: `"mcpServers", which Zed ignores: it reads "context_servers"`}}
	if t.Scope == ides.ScopeUser && env.GOOS == "darwin" {
		out = append(out, ides.Stray{Path: ides.Join(env, dataDir(env), "settings.json"), Format: config.JSONC,
			Servers: []string{serversKey}, Why: "Zed's data folder, which it never reads settings from (it reads ~/.config/zed)"})
	}
	return out
}

// Footprint implements ides.Detectable.Footprint.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{ConfigDir(env), dataDir(env)}, Commands: []string{"zed", "zeditor"}}
}
