package geminicli

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

var _ ides.OperatorRooter = Adapter{}

// refuseBOM keeps Gemini CLI's rule for its settings files: a file with a
// byte order mark is refused, not changed.
func refuseBOM(e merge.Edit) merge.Edit { return ides.RefuseBOM("Gemini CLI", e) }

// OperatorRoot implements ides.OperatorRooter with a GEMINI_CLI_HOME of
// its own (enforce-and-operator B.8): the operator entry goes into that
// home's .gemini/settings.json. Each side excludes the other's server
// with "mcp.excluded" (measured on 0.61.0: an excluded server is not
// started), so neither a project's settings nor a stray entry brings it
// in.
//
// Gemini CLI has no MCP elicitation (it answers -32601, measured), so
// the operator server runs with --confirm client-prompt, and the
// operator home gets a policy rule that makes Gemini ask before every
// call of the operator's tools: decision "ask_user" for mcpName
// "latchgate-operator", toolName "*" in
// .gemini/policies/latchgate-operator.toml. Gemini 0.61.0 requires
// toolName (a rule without it is refused with "rule.0.toolName: Invalid
// input", measured; the spec's example leaves it out: the client wins);
// with mcpName, "*" means every tool of that server. That the decision
// then asks at each call is in Gemini's source, not measured (B.10).
func (a Adapter) OperatorRoot(env ides.Env, req ides.OperatorRequest) (ides.OperatorRoot, error) {
	dir := ides.Join(env, req.Base, "gemini")
	if ides.SameDir(Home(env), dir) {
		return ides.OperatorRoot{}, ides.Usagef("GEMINI_CLI_HOME is %s, the operator's own configuration: "+
			"run install --operator where the agent's Gemini CLI runs (without that GEMINI_CLI_HOME)", env.Display(dir))
	}
	opEnv := env
	opEnv.Vars = map[string]string{"GEMINI_CLI_HOME": dir}
	t, err := a.Target(opEnv, ides.ScopeUser)
	if err != nil {
		return ides.OperatorRoot{}, err
	}
	exclude := func(file, name, why string) ides.ListItem {
		return ides.ListItem{Path: file, Format: config.JSONComments, NewMode: 0o600, Key: []string{"mcp", "excluded"},
			Value: config.StringValue(name), Why: why, Wrap: refuseBOM}
	}
	policy := ides.Join(env, Dir(opEnv), "policies", "latchgate-operator.toml")
	root := ides.OperatorRoot{
		Dir:    dir,
		Target: t,
		RootItems: []ides.ListItem{
			exclude(SettingsPath(opEnv), req.AgentName, "the operator window never starts the agent's server, not even from a project's settings"),
			{Path: policy, Format: config.TOML, NewMode: 0o600, Key: []string{"rule"},
				Value: config.ObjectValue(
					config.M("toolName", config.StringValue("*")),
					config.M("mcpName", config.StringValue(ides.OperatorEntryName)),
					config.M("decision", config.StringValue("ask_user")),
					config.M("priority", config.IntValue(900))),
				Why: "Gemini CLI asks you before every call of the operator's tools (it has no elicitation)"},
		},
		AgentItems: []ides.ListItem{
			exclude(SettingsPath(env), ides.OperatorEntryName, "the agent's Gemini CLI never starts the operator server"),
		},
		Elicitation: ides.ElicitationNo,
		WrapEntry:   refuseBOM,
		Notes: []ides.Note{
			{Level: "info", Text: "the operator window is a Gemini CLI of its own, with its own login and settings in " + env.Display(dir) +
				": its first start asks you to log in, and it starts no MCP server until you trust the folder you open it in"},
			{Level: "warn", Text: "Gemini CLI has no MCP elicitation: the operator server runs with --confirm client-prompt, and a policy rule " +
				"(decision ask_user, not yet measured) makes Gemini ask before every call of its tools. Never start the operator window with --yolo, " +
				"and never add an allow rule for " + ides.OperatorEntryName},
		},
	}
	root.Start, root.Alias = ides.StartWithDir(env, "GEMINI_CLI_HOME", dir, "gemini", "gemini-operator")
	return root, nil
}
