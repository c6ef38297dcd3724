package codex

import (
	"fmt"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Codex CLI adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.Approver     = Adapter{}
	_ ides.EntryReader  = Adapter{}
	_ ides.StrayFinder  = Adapter{}
)

// schema is the embedded schema (package schemas) of the MCP part of
// config.toml.
const schema = "codex-config.schema.json"

// schemaPaths are the parts of config.toml the schema describes.
var schemaPaths = [][]string{{"mcp_servers"}, {"projects"}}

// toolTimeout is the tool_timeout_sec we write: above the gate's 300 s
// approval hold, which Codex's own 300 s default would cut off.
const toolTimeout = 330

// inherited is what Codex passes to a server of its own environment
// (from its source, clients.md §3.5).
var inherited = []string{"HOME", "LOGNAME", "PATH", "SHELL", "USER", "LANG", "LC_ALL", "TERM", "TMPDIR", "TZ", "__CF_USER_TEXT_ENCODING"}

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "codex" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Codex" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// Home is $CODEX_HOME, else ~/.codex (%USERPROFILE%\.codex on Windows).
func Home(env ides.Env) string {
	if d := env.Get("CODEX_HOME"); d != "" {
		return d
	}
	return ides.Join(env, env.Home, ".codex")
}

// UserConfig is the user's config.toml, which also holds project trust.
func UserConfig(env ides.Env) string { return ides.Join(env, Home(env), "config.toml") }

// Target implements ides.Adapter.Target.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		// codex mcp add creates it 0600: it names this machine's binary.
		return ides.Target{Path: UserConfig(env), Servers: []string{"mcp_servers"}, Format: config.TOML, Scope: scope,
			NewMode: 0o600, Schema: schema, SchemaPaths: schemaPaths}, nil
	case ides.ScopeProject:
		return ides.Target{Path: ides.Join(env, env.ProjectRoot, ".codex", "config.toml"), Servers: []string{"mcp_servers"},
			Format: config.TOML, Scope: scope, NewMode: 0o644, Schema: schema, SchemaPaths: schemaPaths}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Entry implements ides.Adapter.Entry, in the order codex mcp add writes
// it, with the env as a sub-table last.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	forward := []string{"XDG_RUNTIME_DIR"}
	for _, f := range spec.Forward {
		if f != "XDG_RUNTIME_DIR" {
			forward = append(forward, f)
		}
	}
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env_vars", config.StringList(forward...)),
		config.M("tool_timeout_sec", config.IntValue(toolTimeout)),
		config.M("env", spec.Env.Value()),
	), nil
}

// ReadEntry implements ides.EntryReader: env_vars are the variables the
// entry asks Codex to pass on.
func (Adapter) ReadEntry(v config.Value) (ides.StoredEntry, error) {
	e, err := ides.ReadCommandEntry(v, "command", "args", "env", "url")
	if err != nil {
		return e, err
	}
	if fv, ok := v.Field("env_vars"); ok {
		for _, x := range fv.Items() {
			if x.Kind() == config.String {
				e.Forward = append(e.Forward, x.Str())
			}
		}
	}
	return e, nil
}

// Launch implements ides.Launcher: Codex's allow-list, no expansion.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{Rule: "Codex's allow-list (HOME, PATH, ...) plus the entry's env_vars and env",
		Inherit: inherited, ShellPATH: true}
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Home(env)}, Commands: []string{"codex"}}
}

// Strays implements ides.StrayFinder: [mcpServers.x], the JSON clients'
// key, which Codex ignores.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"mcpServers"},
		Why: `"mcpServers", which Codex ignores: it reads [mcp_servers]`}}
}

// trusted reads the trust Codex gives the project: "trusted",
// "untrusted" or "" when the user file says nothing.
func trusted(env ides.Env) string {
	doc, _, err := merge.ReadDoc(UserConfig(env), config.TOML, "")
	if err != nil || doc == nil {
		return ""
	}
	v, _ := doc.Get("projects", env.ProjectRoot, "trust_level")
	return v.Str()
}

// ClientView implements ides.ClientViewer: the project layer is read only
// in a trusted project, and then wins over the user's entry.
func (Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	trust := trusted(env)
	project := false
	for _, s := range states {
		project = project || (s.Configured && s.Scope == ides.ScopeProject)
	}
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		switch s.Scope {
		case ides.ScopeProject:
			switch trust {
			case "trusted":
				s.Client, s.Detail = "active", "the project is trusted in "+env.Display(UserConfig(env))
			case "untrusted":
				s.Client, s.Detail = "disabled", "the project is marked untrusted in "+env.Display(UserConfig(env))
				s.Approvable = true
			default:
				s.Client, s.Detail = "pending-approval", "Codex reads .codex/config.toml only in a trusted project; install --approve trusts it"
				s.Approvable = true
			}
		case ides.ScopeUser:
			s.Client = "active"
			if project && trust == "trusted" {
				s.Client, s.Detail = "shadowed", "the project's .codex/config.toml entry wins in this project"
			}
		}
	}
}

// ApproveEdits implements ides.Approver: trust the project in the user
// file, as "codex exec --trust" does.
func (Adapter) ApproveEdits(env ides.Env, name string) []merge.FileEdit {
	p := UserConfig(env)
	return []merge.FileEdit{{Path: p, Display: env.Display(p), Format: config.TOML, NewMode: 0o600,
		Edits: []merge.Edit{func(doc config.Document) (bool, error) {
			changed, err := doc.Set(config.StringValue("trusted"), "projects", env.ProjectRoot, "trust_level")
			if changed {
				doc.Note("trusted the project %s for Codex in %s (uninstall leaves the trust: it covers the whole project)",
					env.Display(env.ProjectRoot), env.Display(p))
			}
			return changed, err
		}}}}
}

// ApprovalFile implements ides.Approver.
func (Adapter) ApprovalFile(env ides.Env) string { return env.Display(UserConfig(env)) }

// ApprovalPrompt implements ides.Approver.
func (Adapter) ApprovalPrompt(env ides.Env) string {
	return fmt.Sprintf("Codex reads a project's .codex/config.toml only when the project is trusted. Yes trusts %s in %s, "+
		"as \"codex exec --trust\" would; it covers the whole project.", env.Display(env.ProjectRoot), env.Display(UserConfig(env)))
}
