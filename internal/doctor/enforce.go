package doctor

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/binpath"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/enforce"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// checkEnforcement is the enforcement section: per client, the policy
// level enforce recorded and whether its items are still there; the
// client's own checks (an allowlist that does not admit the entry's exact
// command line, a sandbox that cannot run); and, whether or not enforce
// ran, a same-name impostor in a project file and an approval server in
// the agent's own config.
func checkEnforcement(opts Options, adapters []ides.Adapter, entries []*entry) []Check {
	env := opts.Env
	var checks []Check
	add := func(c Check) {
		c.Section = SectionEnforcement
		checks = append(checks, c)
	}
	user, _ := enforce.ReadRecords(enforce.RecordPath(ides.StateDir(env)), "")
	managed, _ := enforce.ReadRecords(enforce.RecordPath(ides.ManagedStateDir(env)), "")
	records := append(append(enforce.Records{}, user...), managed...)
	for _, a := range adapters {
		var mine []*entry
		for _, e := range entries {
			if e.a.ID() == a.ID() {
				mine = append(mine, e)
			}
		}
		recorded := records.For(a.ID(), "")
		if len(mine) == 0 && len(recorded) == 0 {
			continue
		}
		if _, ok := a.(ides.Enforcer); !ok {
			add(Check{ID: "enforce.level", Subject: a.DisplayName(), Status: OK,
				Message: "no enforceable policy: nothing keeps the agent off its own tools (latchgate-mcp enforce prints what can be done by hand)"})
		} else {
			checks = append(checks, levelChecks(env, a, recorded)...)
		}
		if ec, ok := a.(ides.EnforceChecker); ok {
			// The entry the client starts, else the user's (the one
			// enforce pins: a project entry shadowing it is reported as
			// an impostor below).
			var active *ides.StoredEntry
			for _, e := range mine {
				if e.Command != "" && (e.active() || (active == nil && e.loc.Scope == ides.ScopeUser)) {
					active = &ides.StoredEntry{Command: e.Command, Args: e.Args}
				}
			}
			for _, n := range ec.EnforceChecks(env, opts.Name, active) {
				add(Check{ID: "enforce." + n.ID, Subject: a.DisplayName(), Status: noteStatus(n.Level), Message: n.Text, Hint: n.Hint})
			}
		}
		for _, e := range mine {
			if c, ok := impostor(opts, e, len(recorded) > 0); ok {
				add(c)
			}
		}
	}
	checks = append(checks, operatorChecks(opts, entries)...)
	for i := range checks {
		checks[i].Section = SectionEnforcement
	}
	return checks
}

func noteStatus(level string) Status {
	switch level {
	case "error":
		return Error
	case "warn":
		return Warn
	}
	return OK
}

// levelChecks reports the level recorded for each scope of a, and items
// of the record that are gone.
func levelChecks(env ides.Env, a ides.Adapter, recorded enforce.Records) []Check {
	if len(recorded) == 0 {
		return []Check{{ID: "enforce.level", Subject: a.DisplayName(), Status: OK,
			Message: "no policy written: the agent may use its own web tools and other servers (latchgate-mcp enforce --ide " + a.ID() + ")"}}
	}
	var out []Check
	seen := map[ides.Scope]bool{}
	for _, r := range recorded {
		if !seen[r.Scope] {
			seen[r.Scope] = true
			msg := fmt.Sprintf("%s scope: %s", r.Scope, r.Level)
			if r.Level == ides.LevelGuard {
				msg += " (no accidental bypass; not a security boundary)"
			}
			out = append(out, Check{ID: "enforce.level", Subject: a.DisplayName(), Status: OK, Message: msg})
		}
		doc, _, err := merge.ReadDoc(r.File, r.Format, env.Display(r.File))
		if err != nil {
			out = append(out, Check{ID: "enforce.drift", Subject: a.DisplayName(), Status: Warn, Message: err.Error(),
				Hint: "the policy in that file does not apply while it cannot be read; fix it"})
			continue
		}
		if doc == nil {
			out = append(out, Check{ID: "enforce.drift", Subject: a.DisplayName(), Status: Warn,
				Message: env.Display(r.File) + " is gone: the policy enforce wrote there no longer applies",
				Hint:    "run latchgate-mcp enforce --ide " + a.ID() + " --scope " + string(r.Scope) + " again"})
			continue
		}
		if gone := r.Drift(doc); len(gone) > 0 {
			var names []string
			for _, it := range gone {
				names = append(names, it.String())
			}
			out = append(out, Check{ID: "enforce.drift", Subject: a.DisplayName(), Status: Warn,
				Message: fmt.Sprintf("%d setting(s) enforce wrote to %s are gone or changed: %s", len(gone), env.Display(r.File), strings.Join(names, "; ")),
				Hint:    "run latchgate-mcp enforce --ide " + a.ID() + " --scope " + string(r.Scope) + " again, or --undo to stop tracking them"})
		}
	}
	return out
}

// runsServe reports whether an entry runs latchgate-mcp's gate server.
func runsServe(command string, args []string) bool {
	return isLatchgate(command) && len(args) > 0 && args[0] == "serve"
}

func isLatchgate(command string) bool {
	base := strings.TrimSuffix(filepath.Base(strings.ReplaceAll(command, `\`, "/")), ".exe")
	return base == binpath.Name
}

// impostor reports an entry of the gate's name in a project's (or local)
// file that does not run latchgate-mcp serve: a repository can shadow the
// user's entry with it, and an allow rule for the name then runs its
// tools without a prompt. An error once the client's policy is enforced,
// a warning otherwise.
func impostor(opts Options, e *entry, enforced bool) (Check, bool) {
	if e.loc.Scope == ides.ScopeUser || e.URL != "" || runsServe(e.Command, e.Args) {
		return Check{}, false
	}
	st := Warn
	if enforced {
		st = Error
	}
	state := "the client starts it in this project"
	if !e.active() {
		state = e.file.Client
		if e.file.Detail != "" {
			state += ": " + e.file.Detail
		}
	}
	cmd := strings.Join(append([]string{e.Command}, e.Args...), " ")
	return Check{ID: "enforce.impostor", Subject: e.subject, Status: st,
		Message: fmt.Sprintf("an entry named %q that runs %s, not latchgate-mcp serve: a same-name impostor (%s)", opts.Name, cmd, state),
		Hint:    "remove it from the project's file unless you wrote it; latchgate-mcp enforce pins the gate's exact command line where the client can"}, true
}

// operatorChecks finds the approval server (latchgate-mcp operator) in a
// file that also holds the agent's entry: the agent's model could then
// approve its own holds.
func operatorChecks(opts Options, entries []*entry) []Check {
	var out []Check
	seen := map[string]bool{}
	for _, e := range entries {
		key := e.loc.Path + "|" + strings.Join(e.loc.Servers, ".")
		if seen[key] {
			continue
		}
		seen[key] = true
		doc, _, err := merge.ReadDoc(e.loc.Path, e.loc.Format, "")
		if err != nil || doc == nil {
			continue
		}
		servers, _ := doc.Get(e.loc.Servers...)
		for _, m := range servers.Members() {
			if m.Key == opts.Name || m.Value.Kind() != config.Object {
				continue
			}
			s, err := ides.ReadEntry(e.a, m.Value)
			if err != nil || !isLatchgate(s.Command) || len(s.Args) == 0 || s.Args[0] != "operator" {
				continue
			}
			out = append(out, Check{ID: "enforce.operator", Subject: e.subject, Status: Error,
				Message: fmt.Sprintf("the approval server %q is in the same configuration as the agent's %q: the agent's model can approve its own holds",
					m.Key, opts.Name),
				Hint: "move it to a configuration of its own (the client's separate configuration directory or profile for the operator), or approve with latchgate-mcp approve"})
		}
	}
	return out
}
