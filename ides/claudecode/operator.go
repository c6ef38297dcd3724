package claudecode

import (
	"fmt"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

var _ ides.OperatorRooter = Adapter{}

// OperatorDir is the CLAUDE_CONFIG_DIR of the operator window, below
// base: a Claude Code configuration of its own, which replaces both
// ~/.claude.json and ~/.claude/settings.json for the sessions started
// with it (enforce-and-operator B.8), so the agent's sessions never see
// the operator entry, and the operator's never see the agent's.
func OperatorDir(env ides.Env, base string) string { return ides.Join(env, base, "claude") }

// OperatorRoot implements ides.OperatorRooter. The operator entry goes
// into the user servers of a dedicated CLAUDE_CONFIG_DIR. The agent's own
// settings.json denies the operator server by name (deniedMcpServers
// stops it loading, and "claude mcp add" adding it, even from user
// settings: measured on 2.1.331) and its tools, and its Read and Edit
// tools the operator's directory; the operator's settings.json denies the
// agent's server, so a project's .mcp.json cannot bring the gate's
// actions into the operator window.
func (a Adapter) OperatorRoot(env ides.Env, req ides.OperatorRequest) (ides.OperatorRoot, error) {
	dir := OperatorDir(env, req.Base)
	if ides.SameDir(ConfigDir(env), dir) {
		return ides.OperatorRoot{}, ides.Usagef("CLAUDE_CONFIG_DIR is %s, the operator's own configuration: "+
			"run install --operator where the agent's Claude Code runs (without that CLAUDE_CONFIG_DIR)", env.Display(dir))
	}
	opEnv := env
	opEnv.Vars = map[string]string{"CLAUDE_CONFIG_DIR": dir}
	target, err := a.Target(opEnv, ides.ScopeUser)
	if err != nil {
		return ides.OperatorRoot{}, err
	}
	rootSettings, agentSettings := SettingsPath(opEnv), SettingsPath(env)
	denyServer := func(file, name, why string) ides.ListItem {
		return ides.ListItem{Path: file, Format: config.JSON, NewMode: 0o600, Key: []string{"deniedMcpServers"},
			Value: config.ObjectValue(config.M("serverName", config.StringValue(name))), Why: why}
	}
	deny := func(rule, why string) ides.ListItem {
		return ides.ListItem{Path: agentSettings, Format: config.JSON, NewMode: 0o600, Key: []string{"permissions", "deny"},
			Value: config.StringValue(rule), Why: why}
	}
	files := pathRule(env, req.Base)
	root := ides.OperatorRoot{
		Dir:    dir,
		Target: target,
		RootItems: []ides.ListItem{denyServer(rootSettings, req.AgentName,
			fmt.Sprintf("the operator window never loads the agent's %q server, not even from a project's .mcp.json", req.AgentName))},
		AgentItems: []ides.ListItem{
			denyServer(agentSettings, ides.OperatorEntryName,
				"the agent's Claude Code neither loads a server of that name nor lets \"claude mcp add\" add one"),
			deny("mcp__"+ides.OperatorEntryName, "no tool of the operator server is offered to the agent"),
			deny("Read("+files+")", "the agent's Read tool cannot read the operator's credentials (a program it runs still can: same user)"),
			deny("Edit("+files+")", "the agent's file tools cannot change the operator's configuration or credentials"),
		},
		AutoApprove: autoApprove(rootSettings),
		Elicitation: ides.ElicitationYes,
		Notes: []ides.Note{{Level: "info", Text: fmt.Sprintf("the operator window is a Claude Code of its own, with its own login, "+
			"settings and history in %s: its first start may ask you to log in and to trust the folder", env.Display(dir))}},
	}
	root.Start, root.Alias = ides.StartWithDir(env, "CLAUDE_CONFIG_DIR", dir, "claude", "claude-operator")
	return root, nil
}

// pathRule is a Read/Edit permission pattern for everything below dir:
// "~/..." below the home directory, else "//<absolute path>" (Claude
// Code reads "/x" as relative to the settings file). Windows paths are
// written the POSIX way Claude Code matches them ("//c/Users/...").
func pathRule(env ides.Env, dir string) string {
	slash := strings.ReplaceAll(dir, `\`, "/")
	home := strings.TrimRight(strings.ReplaceAll(env.Home, `\`, "/"), "/")
	if home != "" {
		if rel, ok := strings.CutPrefix(slash, home+"/"); ok {
			return "~/" + rel + "/**"
		}
	}
	if len(slash) >= 2 && slash[1] == ':' {
		slash = "/" + strings.ToLower(slash[:1]) + slash[2:]
	}
	return "/" + slash + "/**"
}

// autoApprove are the allow rules that would let Claude Code call the
// operator's tools without asking (enforce-and-operator B.9); elicitation
// still asks, but nothing else would.
func autoApprove(settings string) []ides.ListItem {
	var out []ides.ListItem
	for _, rule := range []string{"", "__*", "__latchgate_approve", "__latchgate_deny", "__latchgate_allowlist"} {
		out = append(out, ides.ListItem{Path: settings, Format: config.JSON, Key: []string{"permissions", "allow"},
			Value: config.StringValue("mcp__" + ides.OperatorEntryName + rule)})
	}
	return out
}
