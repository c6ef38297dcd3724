package claudecode

import (
	"slices"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Launch implements ides.Launcher: Claude Code passes its whole
// environment, adds its own variables and expands ${VAR} and
// ${VAR:-default} in every scope (claude-code-observed). Before
// initialize it probes with server/discover and falls back.
func (Adapter) Launch(env ides.Env) ides.LaunchRules {
	return ides.LaunchRules{
		Rule:          "Claude Code's environment",
		InheritAll:    true,
		Extra:         map[string]string{"CLAUDECODE": "1", "CLAUDE_PROJECT_DIR": env.ProjectRoot},
		Expand:        ides.ExpandShellVars,
		VarSyntax:     "${NAME}",
		DefaultSyntax: true,
		ShellPATH:     true,
		DiscoverFirst: true,
	}
}

// ClientView implements ides.ClientViewer with Claude Code's rules:
// local > project > user for the same name, and .mcp.json servers need
// approval.
func (Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	in := map[ides.Scope]bool{}
	for _, s := range states {
		if s.Configured {
			in[s.Scope] = true
		}
	}
	approval, source := Approval(env, name)
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		switch s.Scope {
		case ides.ScopeLocal:
			s.Client = "active"
			if LocalDisabled(env, name) {
				s.Client = "disabled"
				s.Detail = "turned off with /mcp in this project (disabledMcpServers)"
			}
		case ides.ScopeProject:
			switch {
			case in[ides.ScopeLocal]:
				s.Client, s.Detail = "shadowed", "the local-scope entry wins in this project"
			case approval == "disabled":
				s.Client, s.Detail = "disabled", "rejected in "+source+" (disabledMcpjsonServers)"
				// A rejection in the user's own settings is what
				// --approve edits; one in the project's files is not
				// ours to overrule.
				s.Approvable = source == env.Display(SettingsPath(env))
			case approval == "approved":
				s.Client, s.Detail = "active", "approved in "+source
			default:
				s.Client, s.Detail = "pending-approval", "Claude Code asks before starting it; install --approve approves it"
				s.Approvable = true
			}
		case ides.ScopeUser:
			s.Client = "active"
			switch {
			case in[ides.ScopeLocal]:
				s.Client, s.Detail = "shadowed", "the local-scope entry wins in this project"
			case in[ides.ScopeProject]:
				s.Client, s.Detail = "shadowed", "the project's .mcp.json entry wins in this project"
			}
		}
	}
}

// Approval reads the approval of project server name from the settings
// files Claude Code consults, most personal last: a rejection anywhere
// wins over approvals. state is "approved", "disabled" or "".
func Approval(env ides.Env, name string) (state, source string) {
	files := []string{
		SettingsPath(env),
		ides.Join(env, env.ProjectRoot, ".claude", "settings.json"),
		ides.Join(env, env.ProjectRoot, ".claude", "settings.local.json"),
	}
	for _, p := range files {
		doc, _, err := merge.ReadDoc(p, config.JSONC, "")
		if err != nil || doc == nil {
			continue
		}
		display := env.Display(p)
		if inList(doc, name, "disabledMcpjsonServers") {
			return "disabled", display
		}
		if state == "" && inList(doc, name, "enabledMcpjsonServers") {
			state, source = "approved", display
		}
		if state == "" {
			if v, ok := doc.Get("enableAllProjectMcpServers"); ok && v.Bool() {
				state, source = "approved", display+" (enableAllProjectMcpServers)"
			}
		}
	}
	return state, source
}

func inList(doc config.Document, name string, key ...string) bool {
	v, ok := doc.Get(key...)
	return ok && slices.ContainsFunc(v.Items(), func(x config.Value) bool { return x.Kind() == config.String && x.Str() == name })
}

// LocalDisabled reports whether /mcp turned server name off in this
// project (disabledMcpServers in ~/.claude.json).
func LocalDisabled(env ides.Env, name string) bool {
	doc, _, err := merge.ReadDoc(StatePath(env), config.JSON, "")
	return err == nil && doc != nil && inList(doc, name, "projects", env.ProjectRoot, "disabledMcpServers")
}

// ApproveEdits implements ides.Approver: the server goes into
// enabledMcpjsonServers of the user's settings, as Claude Code's own
// dialog puts it.
func (Adapter) ApproveEdits(env ides.Env, name string) []merge.FileEdit {
	return []merge.FileEdit{settingsEdit(env, approve(name))}
}

// ApprovalPrompt implements ides.Approver.
func (Adapter) ApprovalPrompt(env ides.Env) string {
	return "Claude Code asks each person once before it starts a server from a project's .mcp.json. " +
		"Yes records your approval in " + env.Display(SettingsPath(env)) + "; your teammates are still asked."
}

// ApprovalFile implements ides.Approver.
func (Adapter) ApprovalFile(env ides.Env) string { return env.Display(SettingsPath(env)) }

// Strays implements ides.StrayFinder: settings.json's mcpServers, which
// older LatchGate docs named and Claude Code never reads, for the user
// scope; and the "servers" key (VS Code's) in any of its files.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	var out []ides.Stray
	if t.Scope == ides.ScopeUser {
		out = append(out, ides.Stray{Path: SettingsPath(env), Format: config.JSONC, Servers: []string{"mcpServers"},
			Why: "settings.json, which Claude Code never reads servers from"})
	}
	if len(t.Servers) == 1 {
		out = append(out, ides.Stray{Path: t.Path, Format: t.Format, Servers: []string{"servers"},
			Why: `"servers", which Claude Code ignores: it reads "mcpServers"`})
	}
	return out
}

// EnvWarnings implements ides.EnvWarner.
func (Adapter) EnvWarnings(env ides.Env) []ides.Note {
	if v, ok := env.Vars["CLAUDE_CONFIG_DIR"]; !ok || v != "" {
		return nil
	}
	return []ides.Note{{Level: "warn", ID: "claude_config_dir",
		Text: "CLAUDE_CONFIG_DIR is set but empty: Claude Code then reads its settings (and the approval of project " +
			"servers) from settings.json in the current directory, not " + env.Display(SettingsPath(env)),
		Hint: "unset CLAUDE_CONFIG_DIR, or set it to a directory"}}
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{ConfigDir(env), StatePath(env)}, Commands: []string{"claude"}}
}
