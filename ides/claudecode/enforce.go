package claudecode

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// What enforce writes for Claude Code (enforce-and-operator.md A.2.1,
// A.4.2, measured on 2.1.331 and re-checked on 2.1.197 by
// TestRealClaudeCodeEnforce):
//
//   - permissions.allow "mcp__<name>": the gate's tools run without a
//     prompt (the gate holds risky calls for a human);
//   - permissions.deny WebFetch, WebSearch and Monitor, which reach the
//     network from the Claude process itself, outside any sandbox, and
//     "mcp__<operator>", so the agent cannot approve its own holds;
//   - permissions.disableBypassPermissionsMode "disable": the bypass
//     flag is dropped;
//   - allowedMcpServers [{"serverCommand": <the entry's exact argv>}]: a
//     server list by name would admit a repository's .mcp.json entry of
//     the same name, which shadows the user's; the exact command line
//     does not;
//   - deniedMcpServers [{"serverName": <operator>}];
//   - the shell: the sandbox without network, failing closed
//     (failIfUnavailable: enabled alone runs commands unsandboxed when
//     bubblewrap is missing), or "Bash" denied;
//   - managed scope: the same in managed-settings.json, plus the keys that
//     make the managed lists and rules the only ones
//     (allowManagedMcpServersOnly, allowManagedPermissionRulesOnly,
//     sandbox.network.allowManagedDomainsOnly).

var (
	_ ides.Enforcer       = Adapter{}
	_ ides.EnforceChecker = Adapter{}
)

// ProjectSettingsPath is the project's shared settings file.
func ProjectSettingsPath(env ides.Env) string {
	return ides.Join(env, env.ProjectRoot, ".claude", "settings.json")
}

// ManagedSettingsPath is the managed settings file an administrator
// owns: it beats every user and project file.
func ManagedSettingsPath(env ides.Env) string {
	switch env.GOOS {
	case "darwin":
		return ides.SystemPath(env, "/Library/Application Support/ClaudeCode/managed-settings.json")
	case "windows":
		return ides.SystemPath(env, `C:\Program Files\ClaudeCode\managed-settings.json`)
	}
	return ides.SystemPath(env, "/etc/claude-code/managed-settings.json")
}

// EnforceScopes implements ides.Enforcer.
func (Adapter) EnforceScopes() []ides.Scope {
	return []ides.Scope{ides.ScopeUser, ides.ScopeProject, ides.ScopeManaged}
}

// toolRule is the permission rule naming every tool of server name.
func toolRule(name string) string { return "mcp__" + name }

// PlanEnforce implements ides.Enforcer.
func (Adapter) PlanEnforce(env ides.Env, req ides.EnforceRequest) (ides.EnforcePlan, error) {
	var file ides.PolicyFile
	switch req.Scope {
	case ides.ScopeUser:
		file = ides.PolicyFile{Path: SettingsPath(env), Format: config.JSON, NewMode: 0o600}
	case ides.ScopeProject:
		file = ides.PolicyFile{Path: ProjectSettingsPath(env), Format: config.JSON, NewMode: 0o644}
	case ides.ScopeManaged:
		file = ides.PolicyFile{Path: ManagedSettingsPath(env), Format: config.JSON, NewMode: 0o644, Managed: true}
	default:
		return ides.EnforcePlan{}, ides.Usagef("Claude Code has no %q scope for enforce (it has: user, project, managed)", req.Scope)
	}
	if req.Entry.Command == "" {
		return ides.EnforcePlan{}, fmt.Errorf("the %q entry has no command to pin", req.Name)
	}
	managed := req.Scope == ides.ScopeManaged
	plan := ides.EnforcePlan{Level: ides.LevelGuard}
	shell, err := chooseShell(env, req, &plan)
	if err != nil {
		return plan, err
	}

	add := func(v config.Value, path ...string) {
		file.Items = append(file.Items, ides.PolicyItem{Op: ides.PolicyAdd, Path: path, Value: v})
	}
	set := func(v config.Value, path ...string) {
		file.Items = append(file.Items, ides.PolicyItem{Op: ides.PolicySet, Path: path, Value: v})
	}
	str := config.StringValue
	pin := func(e ides.StoredEntry) config.Value {
		return config.ObjectValue(config.M("serverCommand", config.StringList(e.Argv()...)))
	}
	add(str(toolRule(req.Name)), "permissions", "allow")
	for _, tool := range []string{"WebFetch", "WebSearch", "Monitor"} {
		add(str(tool), "permissions", "deny")
	}
	if req.Operator != "" {
		add(str(toolRule(req.Operator)), "permissions", "deny")
	}
	if shell == ides.ShellDeny {
		add(str("Bash"), "permissions", "deny")
	}
	set(str("disable"), "permissions", "disableBypassPermissionsMode")
	add(pin(req.Entry), "allowedMcpServers")
	for _, s := range req.Allow {
		add(pin(s.Entry), "allowedMcpServers")
	}
	if req.Operator != "" {
		add(config.ObjectValue(config.M("serverName", str(req.Operator))), "deniedMcpServers")
	}
	if shell == ides.ShellSandbox {
		set(config.BoolValue(true), "sandbox", "enabled")
		set(config.BoolValue(true), "sandbox", "failIfUnavailable")
		set(config.BoolValue(false), "sandbox", "allowUnsandboxedCommands")
		file.Items = append(file.Items, ides.PolicyItem{Op: ides.PolicySet, Path: []string{"sandbox", "network", "allowedDomains"},
			Value: config.ListValue(), IfAbsent: true})
		if managed {
			set(config.BoolValue(true), "sandbox", "network", "allowManagedDomainsOnly")
		}
	}
	if managed {
		set(config.BoolValue(true), "allowManagedMcpServersOnly")
		set(config.BoolValue(true), "allowManagedPermissionRulesOnly")
	}
	plan.Files = []ides.PolicyFile{file}
	describe(env, req, shell, &plan)
	return plan, nil
}

// chooseShell settles the shell policy: the sandbox only where it can
// run, else (unless the user asked for the sandbox) a denied shell.
func chooseShell(env ides.Env, req ides.EnforceRequest, plan *ides.EnforcePlan) (ides.ShellPolicy, error) {
	shell := req.Shell
	if shell == "" {
		shell = ides.ShellSandbox
	}
	if shell != ides.ShellSandbox {
		return shell, nil
	}
	why := SandboxUnavailable(env)
	if why == "" {
		if req.Scope == ides.ScopeProject {
			plan.Notes = append(plan.Notes, ides.Note{Level: "info", Text: "Claude Code's sandbox settings in a project's " +
				".claude/settings.json were not measured (only user and managed ones were); check with \"latchgate-mcp doctor\""})
		}
		return shell, nil
	}
	if req.ShellChosen {
		return "", &ides.UsageError{Err: fmt.Errorf("the shell sandbox cannot run here (%s): install what is missing, or use --shell deny or --shell open", why)}
	}
	plan.Notes = append(plan.Notes, ides.Note{Level: "warn", Text: "the shell is denied (Bash), because the sandbox cannot run here (" + why +
		"), and without it commands would run unsandboxed; install what is missing and run enforce --shell sandbox, or pass --shell open to keep an unsandboxed shell"})
	return ides.ShellDeny, nil
}

// SandboxUnavailable says why Claude Code's Bash sandbox cannot run on
// this machine, "" when it can: it needs bubblewrap and socat on Linux
// (and bubblewrap must be able to make a network namespace), the
// system's sandbox-exec on macOS, and does not run on Windows.
func SandboxUnavailable(env ides.Env) string {
	switch env.GOOS {
	case "darwin":
		return ""
	case "windows":
		return "Claude Code has no shell sandbox on Windows"
	}
	var missing []string
	bwrap := ides.LookPath(env, "bwrap")
	if bwrap == "" {
		missing = append(missing, "bubblewrap (bwrap)")
	}
	if ides.LookPath(env, "socat") == "" {
		missing = append(missing, "socat")
	}
	if len(missing) > 0 {
		return strings.Join(missing, " and ") + " not found on PATH"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--unshare-net", "--", "true").CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if len(msg) > 160 {
			msg = msg[:160]
		}
		return fmt.Sprintf("bubblewrap cannot make a sandbox here (%s: %v)", msg, err)
	}
	return ""
}

// describe fills in what the plan stops, what it does not, and the lock
// checks.
func describe(env ides.Env, req ides.EnforceRequest, shell ides.ShellPolicy, plan *ides.EnforcePlan) {
	argv := strings.Join(req.Entry.Argv(), " ")
	plan.Stops = []string{
		"the built-in web tools WebFetch and WebSearch, and Monitor (which opens connections from the Claude process)",
		fmt.Sprintf("MCP servers other than %q, and a same-name impostor in a repository's .mcp.json: "+
			"allowedMcpServers admits only the exact command line %s", req.Name, argv),
		"bypass mode (--dangerously-skip-permissions is ignored)",
		fmt.Sprintf("permission prompts for %q's tools: they run, and the gate holds risky calls for a human", req.Name),
	}
	if req.Operator != "" {
		plan.Stops = append(plan.Stops, fmt.Sprintf("the approval server %q (denied: the agent cannot approve its own holds)", req.Operator))
	}
	switch shell {
	case ides.ShellSandbox:
		plan.Stops = append(plan.Stops, "the shell's network, whatever runs in it (curl, bash -c, python3, node): "+
			"commands run in Claude Code's sandbox without network, which also keeps the settings files read-only to them; "+
			"Claude Code refuses to start when the sandbox cannot run")
	case ides.ShellDeny:
		plan.Stops = append(plan.Stops, "the shell (Bash is denied, and Monitor with it)")
	case ides.ShellOpen:
		plan.Gaps = append(plan.Gaps, "interpreters in the unsandboxed shell (bash -c, python3, node) reach the network, "+
			"read whatever your user can, and can rewrite these settings")
	}
	plan.Gaps = append(plan.Gaps,
		fmt.Sprintf("egress by %q itself and by servers you admit: Claude Code does not sandbox MCP servers", req.Name),
		"reading secrets: whatever your user can read, a command the agent runs can read")
	if req.Scope != ides.ScopeManaged {
		plan.Gaps = append(plan.Gaps,
			"a project's .claude/settings.json or --settings can admit other servers (Claude Code merges allowedMcpServers lists); "+
				"only managed settings (--scope managed) can forbid that",
			"CLAUDE_CONFIG_DIR points Claude Code at another settings directory, which this policy does not cover")
		if req.Scope == ides.ScopeProject {
			plan.Gaps = append(plan.Gaps, "the pinned command line only matches clones where latchgate-mcp runs as "+argv)
		}
		return
	}
	plan.Level = ides.LevelLock
	if shell == ides.ShellOpen {
		plan.Level = ides.LevelManaged
		plan.Missing = append(plan.Missing, "the shell is open (--shell open): interpreters reach the network")
	}
	if perUser(env, req.Entry.Argv()) {
		plan.Notes = append(plan.Notes, ides.Note{Level: "warn", Text: "the pinned command line names a path of yours (" + argv +
			"): other users' entries will not match it, and managed settings bind every user on this machine; " +
			"install with a system binary path and the gate's URL or default socket for a machine-wide pin"})
	}
	plan.Notes = append(plan.Notes, ides.Note{Level: "info", Text: "managed settings bind every Claude Code process on this machine, " +
		"an operator window included (run approvals with \"latchgate-mcp approve\"), and allowManagedPermissionRulesOnly " +
		"drops users' own allow rules: list the ones they need in " + env.Display(ManagedSettingsPath(env))})
}

// perUser reports whether argv names a path under the user's home or
// runtime directory.
func perUser(env ides.Env, argv []string) bool {
	for _, a := range argv {
		for _, dir := range []string{env.Home, env.Get("XDG_RUNTIME_DIR")} {
			if dir != "" && (a == dir || strings.HasPrefix(a, strings.TrimRight(dir, "/")+"/")) {
				return true
			}
		}
	}
	return false
}

// settingsFiles are the settings files whose lists and switches Claude
// Code merges, by what they are, most general first.
func settingsFiles(env ides.Env) []struct{ what, path string } {
	return []struct{ what, path string }{
		{"user", SettingsPath(env)},
		{"project", ProjectSettingsPath(env)},
		{"project-local", ides.Join(env, env.ProjectRoot, ".claude", "settings.local.json")},
		{"managed", ManagedSettingsPath(env)},
	}
}

// EnforceChecks implements ides.EnforceChecker: whether the merged
// allowlist admits the entry Claude Code will start, by its exact command
// line; whether a configured sandbox can run; Monitor left on beside a
// WebFetch deny; a project widening the allowlist.
func (Adapter) EnforceChecks(env ides.Env, name string, entry *ides.StoredEntry) []ides.Note {
	var notes []ides.Note
	var pins [][]string
	var names []string
	lists := 0
	managedOnly := false
	sandboxOn, failClosed := false, false
	deniesWeb, deniesMonitor := false, false
	projectList := ""
	for _, f := range settingsFiles(env) {
		doc, _, err := merge.ReadDoc(f.path, config.JSONC, "")
		if err != nil || doc == nil {
			continue
		}
		if f.what == "managed" {
			managedOnly = boolAt(doc, "allowManagedMcpServersOnly")
		}
		if v, ok := doc.Get("allowedMcpServers"); ok && v.Kind() == config.List {
			lists++
			if strings.HasPrefix(f.what, "project") && v.Len() > 0 {
				projectList = env.Display(f.path)
			}
			for _, it := range v.Items() {
				if sc, ok := it.Field("serverCommand"); ok {
					var argv []string
					for _, a := range sc.Items() {
						argv = append(argv, a.Str())
					}
					pins = append(pins, argv)
				}
				if sn, ok := it.Field("serverName"); ok {
					names = append(names, sn.Str())
				}
			}
		}
		if f.what == "user" || f.what == "managed" {
			sandboxOn = sandboxOn || boolAt(doc, "sandbox", "enabled")
			failClosed = failClosed || boolAt(doc, "sandbox", "failIfUnavailable")
		}
		deniesWeb = deniesWeb || inList(doc, "WebFetch", "permissions", "deny")
		deniesMonitor = deniesMonitor || inList(doc, "Monitor", "permissions", "deny") || inList(doc, "Bash", "permissions", "deny")
	}
	if lists > 0 && entry != nil {
		argv := entry.Argv()
		switch {
		case slices.ContainsFunc(pins, func(p []string) bool { return slices.Equal(p, argv) }):
			notes = append(notes, ides.Note{Level: "info", ID: "allowlist", Text: "allowedMcpServers admits the entry by its exact command line"})
		case slices.Contains(names, name):
			notes = append(notes, ides.Note{Level: "warn", ID: "allowlist",
				Text: fmt.Sprintf("allowedMcpServers admits %q by name only: a repository's .mcp.json entry of that name passes too", name),
				Hint: "pin the command line instead: latchgate-mcp enforce --ide claude-code"})
		default:
			pinned := "nothing of this entry"
			if len(pins) > 0 {
				pinned = strings.Join(pins[0], " ")
			}
			notes = append(notes, ides.Note{Level: "error", ID: "allowlist",
				Text: fmt.Sprintf("the allowlist pins %s, the entry runs %s: Claude Code will not start it", pinned, strings.Join(argv, " ")),
				Hint: "run latchgate-mcp enforce --ide claude-code again: it pins the entry install wrote"})
		}
	}
	if projectList != "" && !managedOnly {
		notes = append(notes, ides.Note{Level: "warn", ID: "project_allowlist",
			Text: projectList + " adds to allowedMcpServers, and Claude Code merges the lists: the repository admits servers of its own",
			Hint: "only managed settings with allowManagedMcpServersOnly stop that (latchgate-mcp enforce --scope managed)"})
	}
	if sandboxOn {
		if why := SandboxUnavailable(env); why != "" {
			level, text := "error", "the shell sandbox is configured but cannot run ("+why+"): Claude Code refuses to start"
			if !failClosed {
				text = "the shell sandbox is enabled but cannot run (" + why + "), and without failIfUnavailable Claude Code runs commands unsandboxed, silently"
			}
			notes = append(notes, ides.Note{Level: level, ID: "sandbox", Text: text,
				Hint: "install bubblewrap and socat, or run latchgate-mcp enforce --ide claude-code --shell deny"})
		} else if !failClosed {
			notes = append(notes, ides.Note{Level: "error", ID: "sandbox",
				Text: "sandbox.enabled without sandbox.failIfUnavailable: wherever the sandbox cannot run, commands run unsandboxed, silently",
				Hint: "latchgate-mcp enforce --ide claude-code writes both"})
		}
	}
	if deniesWeb && !deniesMonitor {
		notes = append(notes, ides.Note{Level: "warn", ID: "monitor",
			Text: "WebFetch is denied but Monitor is not: Monitor runs commands and opens WebSockets from the Claude process",
			Hint: "latchgate-mcp enforce --ide claude-code denies it too"})
	}
	return notes
}

func boolAt(doc config.Document, path ...string) bool {
	v, ok := doc.Get(path...)
	return ok && v.Bool()
}
