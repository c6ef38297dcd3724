package codex

import (
	"fmt"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// What enforce writes for Codex (enforce-and-operator.md A.2.2, A.4.2,
// measured on 0.171.0; TestRealCodexEnforce re-checks the user level on
// 0.169.0):
//
//   - user config.toml: sandbox_mode "workspace-write" with
//     [sandbox_workspace_write] network_access = false (the shell's
//     commands get no network, and the config files are read-only to
//     them), or "read-only" for --shell deny; approval_policy
//     "on-request"; web_search "disabled"; default_tools_approval_mode
//     "approve" on the gate's entry (its tools run without a prompt); and
//     enabled = false on the user's other servers, which Codex does not
//     sandbox. Top-level keys must come before the first [table] (a key
//     after one lands inside it and is ignored, silently): tomldoc puts
//     them there, and re-reads the file to check;
//   - managed /etc/codex/requirements.toml: the sandbox modes, approval
//     policies and web search modes a user may pick, and
//     [mcp_servers.<name>.identity] command = <the entry's command>: a
//     server of another name, or of that name running another command (a
//     repository's impostor), is disabled. Codex compares the command, not
//     its arguments.

var (
	_ ides.Enforcer       = Adapter{}
	_ ides.EnforceChecker = Adapter{}
)

// RequirementsPath is the managed requirements file, a fixed path.
func RequirementsPath(env ides.Env) string {
	return ides.SystemPath(env, "/etc/codex/requirements.toml")
}

// EnforceScopes implements ides.Enforcer: the user's config and the
// machine's requirements (a project's .codex/config.toml is read only in
// trusted projects, and cannot pin anything).
func (Adapter) EnforceScopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeManaged} }

// PlanEnforce implements ides.Enforcer.
func (Adapter) PlanEnforce(env ides.Env, req ides.EnforceRequest) (ides.EnforcePlan, error) {
	shell := req.Shell
	if shell == "" {
		shell = ides.ShellSandbox
	}
	plan := ides.EnforcePlan{Level: ides.LevelGuard}
	str := config.StringValue
	var file ides.PolicyFile
	set := func(v config.Value, path ...string) {
		file.Items = append(file.Items, ides.PolicyItem{Op: ides.PolicySet, Path: path, Value: v})
	}
	switch req.Scope {
	case ides.ScopeUser:
		file = ides.PolicyFile{Path: UserConfig(env), Format: config.TOML, NewMode: 0o600}
		switch shell {
		case ides.ShellSandbox:
			set(str("workspace-write"), "sandbox_mode")
		case ides.ShellDeny:
			set(str("read-only"), "sandbox_mode")
		}
		set(str("on-request"), "approval_policy")
		set(str("disabled"), "web_search")
		if shell == ides.ShellSandbox {
			set(config.BoolValue(false), "sandbox_workspace_write", "network_access")
		}
		set(str("approve"), "mcp_servers", req.Name, "default_tools_approval_mode")
		others := otherServers(env, req)
		for _, name := range others {
			set(config.BoolValue(false), "mcp_servers", name, "enabled")
		}
		describeUser(req, shell, others, &plan)
	case ides.ScopeManaged:
		if env.GOOS == "windows" {
			return plan, fmt.Errorf("enforce Codex at --scope managed on Windows: where Codex reads managed requirements there is not settled; it works on Linux and macOS")
		}
		file = ides.PolicyFile{Path: RequirementsPath(env), Format: config.TOML, NewMode: 0o644, Managed: true}
		switch shell {
		case ides.ShellSandbox:
			set(config.StringList("read-only", "workspace-write"), "allowed_sandbox_modes")
		case ides.ShellDeny:
			set(config.StringList("read-only"), "allowed_sandbox_modes")
		}
		set(config.StringList("on-request", "untrusted"), "allowed_approval_policies")
		set(config.StringList("disabled"), "allowed_web_search_modes")
		set(str(req.Entry.Command), "mcp_servers", req.Name, "identity", "command")
		for _, s := range req.Allow {
			set(str(s.Entry.Command), "mcp_servers", s.Name, "identity", "command")
		}
		describeManaged(env, req, shell, &plan)
	default:
		return plan, ides.Usagef("Codex has no %q scope for enforce (it has: user, managed)", req.Scope)
	}
	plan.Files = []ides.PolicyFile{file}
	return plan, nil
}

// otherServers lists the servers of the user's config.toml that enforce
// turns off: all but the gate's and those --allow-server admits.
func otherServers(env ides.Env, req ides.EnforceRequest) []string {
	doc, _, err := merge.ReadDoc(UserConfig(env), config.TOML, "")
	if err != nil || doc == nil {
		return nil
	}
	v, _ := doc.Get("mcp_servers")
	var out []string
	for _, m := range v.Members() {
		if m.Key == req.Name || slices.ContainsFunc(req.Allow, func(a ides.AllowedServer) bool { return a.Name == m.Key }) {
			continue
		}
		out = append(out, m.Key)
	}
	return out
}

func describeUser(req ides.EnforceRequest, shell ides.ShellPolicy, others []string, plan *ides.EnforcePlan) {
	plan.Stops = []string{
		"web search (web_search = \"disabled\")",
		fmt.Sprintf("approval prompts for %q's tools: they run, and the gate holds risky calls for a human", req.Name),
	}
	if len(others) > 0 {
		plan.Stops = append(plan.Stops, "your other MCP servers in config.toml (enabled = false): "+strings.Join(others, ", "))
	}
	switch shell {
	case ides.ShellSandbox:
		plan.Stops = append(plan.Stops, "the shell's network, whatever runs in it (curl, python3, node): commands run in Codex's "+
			"workspace-write sandbox without network, which also keeps config.toml read-only to them")
	case ides.ShellDeny:
		plan.Stops = append(plan.Stops, "writes and network from the shell: commands run in Codex's read-only sandbox")
	case ides.ShellOpen:
		plan.Gaps = append(plan.Gaps, "the shell: sandbox_mode is left as it is, so interpreters may reach the network and rewrite config.toml")
	}
	plan.Gaps = append(plan.Gaps,
		"command-line flags (--sandbox danger-full-access, --dangerously-bypass-approvals-and-sandbox) and -c overrides beat config.toml; "+
			"only the managed requirements (--scope managed) hold against them",
		"a trusted project's .codex/config.toml can set its own values and servers, a same-name impostor included; "+
			"the managed requirements pin the gate's command",
		"CODEX_HOME points Codex at another config directory, which this policy does not cover",
		fmt.Sprintf("egress by %q itself and by servers you admit: Codex does not sandbox MCP servers", req.Name),
		"reading secrets: whatever your user can read, a command the agent runs can read")
}

func describeManaged(env ides.Env, req ides.EnforceRequest, shell ides.ShellPolicy, plan *ides.EnforcePlan) {
	plan.Stops = []string{
		"web search, and any approval policy but on-request and untrusted (flags included)",
		fmt.Sprintf("MCP servers other than %q, and a server named %q that runs another command than %s (an impostor)",
			req.Name, req.Name, req.Entry.Command),
	}
	plan.Gaps = []string{
		"Codex compares the command, not its arguments: doctor compares those with what install wrote",
		fmt.Sprintf("egress by %q itself and by servers you admit: Codex does not sandbox MCP servers", req.Name),
		"the defaults each user gets (the sandbox without network, the gate's tools approved) are in their config.toml: " +
			"run \"latchgate-mcp enforce --ide codex\" as each user too",
	}
	plan.Level = ides.LevelLock
	switch shell {
	case ides.ShellSandbox:
		plan.Stops = append(plan.Stops, "full access: only the read-only and workspace-write sandboxes may run (flags included)")
		plan.Level = ides.LevelManaged
		plan.Missing = append(plan.Missing, "the requirements cannot forbid network_access in the workspace-write sandbox, "+
			"which a user's config.toml can turn on (--shell deny allows the read-only sandbox only)")
	case ides.ShellDeny:
		plan.Stops = append(plan.Stops, "writes and network from the shell: only the read-only sandbox may run (flags included)")
	case ides.ShellOpen:
		plan.Level = ides.LevelManaged
		plan.Missing = append(plan.Missing, "the shell is open (--shell open): any sandbox mode, full access included")
	}
	if strings.HasPrefix(req.Entry.Command, env.Home+"/") {
		plan.Notes = append(plan.Notes, ides.Note{Level: "warn", Text: "the pinned command " + req.Entry.Command +
			" is in your home directory: other users' entries will not match it; install with a system binary path for a machine-wide pin"})
	}
}

// topLevelKeys are config.toml keys that only work at the top level (or
// in a profile): one under another table is ignored, silently.
var topLevelKeys = []string{"sandbox_mode", "approval_policy", "web_search"}

// EnforceChecks implements ides.EnforceChecker: a top-level key caught
// inside a table, and the requirements' identity of the gate's entry.
func (Adapter) EnforceChecks(env ides.Env, name string, entry *ides.StoredEntry) []ides.Note {
	var notes []ides.Note
	if doc, _, err := merge.ReadDoc(UserConfig(env), config.TOML, ""); err == nil && doc != nil {
		root, _ := doc.Get()
		for _, where := range misplaced(root, nil, 0) {
			notes = append(notes, ides.Note{Level: "error", ID: "toml_key",
				Text: fmt.Sprintf("%s in %s is inside a table, where Codex ignores it", where, env.Display(UserConfig(env))),
				Hint: "move it above the first [table] header"})
		}
	}
	doc, _, err := merge.ReadDoc(RequirementsPath(env), config.TOML, "")
	if err != nil || doc == nil {
		return notes
	}
	servers, _ := doc.Get("mcp_servers")
	if servers.Len() == 0 {
		return notes
	}
	pinned, ok := doc.Get("mcp_servers", name, "identity", "command")
	switch {
	case !ok:
		notes = append(notes, ides.Note{Level: "error", ID: "allowlist",
			Text: fmt.Sprintf("%s admits MCP servers by identity, and not %q: Codex disables it", env.Display(RequirementsPath(env)), name),
			Hint: "latchgate-mcp enforce --ide codex --scope managed (as root) pins it"})
	case entry != nil && pinned.Str() != entry.Command:
		notes = append(notes, ides.Note{Level: "error", ID: "allowlist",
			Text: fmt.Sprintf("the requirements pin %s, the entry runs %s: Codex disables it", pinned.Str(), entry.Command),
			Hint: "run enforce --scope managed again as root, or reinstall the entry with that command"})
	case entry != nil:
		notes = append(notes, ides.Note{Level: "info", ID: "allowlist", Text: "the requirements admit the entry's command " + entry.Command})
	}
	return notes
}

// misplaced finds top-level keys under tables, as dotted paths; profiles
// may hold them.
func misplaced(v config.Value, path []string, depth int) []string {
	var out []string
	if depth > 3 {
		return nil
	}
	for _, m := range v.Members() {
		if m.Value.Kind() != config.Object {
			if depth > 0 && slices.Contains(topLevelKeys, m.Key) {
				out = append(out, strings.Join(append(slices.Clone(path), m.Key), "."))
			}
			continue
		}
		if depth == 0 && m.Key == "profiles" {
			continue
		}
		out = append(out, misplaced(m.Value, append(slices.Clone(path), m.Key), depth+1)...)
	}
	return out
}
