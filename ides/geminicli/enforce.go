package geminicli

import (
	"fmt"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// What enforce writes for Gemini CLI (enforce-and-operator.md A.2.3,
// A.4.2, measured on 0.61.0; TestRealGeminiCLIEnforce re-checks the user
// level):
//
//   - settings.json: mcp.allowed [<name>] (other servers are Blocked;
//     lists intersect across scopes, and match by name only, so a
//     workspace's own "latchgate" entry passes), mcp.excluded [<operator>],
//     tools.exclude the web tools (and run_shell_command for --shell
//     deny), which also holds with --yolo;
//   - policies/latchgate.toml, a file of ours alone: a deny rule for the
//     same tools and an allow rule for every tool of the gate's server
//     (toolName "*" with mcpName: 0.61.0 refuses a rule without toolName,
//     "Schema validation failed", where enforce-and-operator.md shows
//     none), so its tools run without a prompt;
//   - managed: the same under /etc/gemini-cli (system settings merge last
//     and beat the user's and the workspace's), plus
//     security.disableYoloMode. Still name-only, and
//     GEMINI_CLI_SYSTEM_SETTINGS_PATH relocates the system file: never
//     lock.
//
// Gemini CLI's own sandbox was not measured, so --shell sandbox is
// refused, and the default denies the shell.

var _ ides.Enforcer = Adapter{}

// webTools are Gemini CLI's built-in tools that reach the network.
var webTools = []string{"web_fetch", "google_web_search"}

// shellTool is Gemini CLI's shell.
const shellTool = "run_shell_command"

// SystemDir is Gemini CLI's system settings directory.
func SystemDir(env ides.Env) string {
	switch env.GOOS {
	case "darwin":
		return ides.SystemPath(env, "/Library/Application Support/GeminiCli")
	case "windows":
		return ides.SystemPath(env, `C:\ProgramData\gemini-cli`)
	}
	return ides.SystemPath(env, "/etc/gemini-cli")
}

// EnforceScopes implements ides.Enforcer.
func (Adapter) EnforceScopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeManaged} }

// PlanEnforce implements ides.Enforcer.
func (Adapter) PlanEnforce(env ides.Env, req ides.EnforceRequest) (ides.EnforcePlan, error) {
	plan := ides.EnforcePlan{Level: ides.LevelGuard}
	shell := req.Shell
	switch {
	case shell == ides.ShellSandbox && req.ShellChosen:
		return plan, &ides.UsageError{Err: fmt.Errorf("--shell sandbox: its sandbox was not measured with these settings; use --shell deny or --shell open for it")}
	case shell == "" || shell == ides.ShellSandbox:
		shell = ides.ShellDeny
		plan.Notes = append(plan.Notes, ides.Note{Level: "warn", Text: "the shell (run_shell_command) is denied: its sandbox was not measured; " +
			"pass --shell open to keep an unsandboxed shell"})
	}
	managed := req.Scope == ides.ScopeManaged
	var settings, policy ides.PolicyFile
	switch req.Scope {
	case ides.ScopeUser:
		settings = ides.PolicyFile{Path: SettingsPath(env), Format: config.JSONComments, NewMode: 0o600}
		policy = ides.PolicyFile{Path: ides.Join(env, Dir(env), "policies", "latchgate.toml"), Format: config.TOML, NewMode: 0o600}
	case ides.ScopeManaged:
		p := ides.Join(env, SystemDir(env), "settings.json")
		if v := env.Get("GEMINI_CLI_SYSTEM_SETTINGS_PATH"); v != "" {
			p = v
		}
		settings = ides.PolicyFile{Path: p, Format: config.JSONComments, NewMode: 0o644, Managed: true}
		policy = ides.PolicyFile{Path: ides.Join(env, SystemDir(env), "policies", "latchgate.toml"), Format: config.TOML, NewMode: 0o644, Managed: true}
	default:
		return plan, ides.Usagef("Gemini CLI has no %q scope for enforce (it has: user, managed)", req.Scope)
	}
	add := func(v string, path ...string) {
		settings.Items = append(settings.Items, ides.PolicyItem{Op: ides.PolicyAdd, Path: path, Value: config.StringValue(v)})
	}
	add(req.Name, "mcp", "allowed")
	for _, s := range req.Allow {
		add(s.Name, "mcp", "allowed")
	}
	if req.Operator != "" {
		add(req.Operator, "mcp", "excluded")
	}
	denied := append([]string(nil), webTools...)
	if shell == ides.ShellDeny {
		denied = append(denied, shellTool)
	}
	for _, t := range denied {
		add(t, "tools", "exclude")
	}
	if managed {
		settings.Items = append(settings.Items, ides.PolicyItem{Op: ides.PolicySet, Path: []string{"security", "disableYoloMode"}, Value: config.BoolValue(true)})
	}
	rules := config.ListValue(
		config.ObjectValue(config.M("toolName", config.StringList(denied...)), config.M("decision", config.StringValue("deny")),
			config.M("priority", config.IntValue(900))),
		// toolName is required (0.61.0 refuses the file without it); "*"
		// with mcpName is every tool of that server.
		config.ObjectValue(config.M("toolName", config.StringValue("*")), config.M("mcpName", config.StringValue(req.Name)),
			config.M("decision", config.StringValue("allow")), config.M("priority", config.IntValue(500))),
	)
	policy.Items = []ides.PolicyItem{{Op: ides.PolicySet, Path: []string{"rule"}, Value: rules}}
	plan.Files = []ides.PolicyFile{settings, policy}

	plan.Stops = []string{
		"the built-in web tools web_fetch and google_web_search (excluded and denied, --yolo included)",
		fmt.Sprintf("MCP servers not named %q (mcp.allowed)", req.Name),
		fmt.Sprintf("prompts for %q's tools: they run, and the gate holds risky calls for a human", req.Name),
	}
	if req.Operator != "" {
		plan.Stops = append(plan.Stops, fmt.Sprintf("the approval server %q (mcp.excluded)", req.Operator))
	}
	if shell == ides.ShellDeny {
		plan.Stops = append(plan.Stops, "the shell (run_shell_command excluded and denied)")
	} else {
		plan.Gaps = append(plan.Gaps, "interpreters in the unsandboxed shell (bash -c, python3, node) reach the network and can rewrite these settings")
	}
	plan.Gaps = append(plan.Gaps,
		fmt.Sprintf("a same-name impostor: Gemini CLI's allowlist is by name only, so a trusted workspace's own %q entry passes it", req.Name),
		fmt.Sprintf("egress by %q itself and by servers you admit: Gemini CLI does not sandbox MCP servers", req.Name))
	if managed {
		plan.Stops = append(plan.Stops, "yolo mode (security.disableYoloMode)")
		plan.Level = ides.LevelManaged
		plan.Missing = []string{"the server allowlist is by name only (a workspace's own entry of that name passes)",
			"GEMINI_CLI_SYSTEM_SETTINGS_PATH points Gemini CLI at another system file"}
	} else {
		plan.Gaps = append(plan.Gaps, "--yolo (only the system settings can turn it off)",
			"GEMINI_CLI_HOME points Gemini CLI at another settings directory, which this policy does not cover")
	}
	return plan, nil
}
