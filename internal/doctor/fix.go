package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/inspect"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// gateFlags are the serve flags that say which gate to reach.
var gateFlags = []string{"--gate-url", "--gate-socket", "--public-base-url"}

// planFixes turns what the binary and gate checks found into rewrites of
// the entries: a broken command becomes the one install writes now, and
// an unreachable or mismatched gate becomes the detected one, when that
// one answers. It marks the checks it fixes as Fixable.
//
// unfixable says, for each unreachable gate it could not repoint, why
// not and which command would.
func planFixes(ctx context.Context, opts Options, entries []*entry, targets []*gateTarget, checks []Check) (fixes []Fix, unfixable []string) {
	// The detected gate must accept a connection before an entry is
	// pointed at it.
	detectedOK := false
	if opts.Gate != nil {
		needed := false
		for _, g := range targets {
			needed = needed || g.failed != ""
		}
		if needed {
			_, detectedOK = dialCheck(ctx, opts.Timeout, opts.Gate.GateURL, opts.Gate.Socket)
		}
	}
	explained := map[*gateTarget]bool{}
	for _, e := range entries {
		if e.URL != "" {
			continue
		}
		portable := e.loc.Scope == ides.ScopeProject
		command, args := e.Command, e.Args
		var what []string
		if e.brokenCommand && opts.Command != nil {
			if cmd, err := opts.Command(portable); err == nil && cmd != e.Command {
				command = cmd
				what = append(what, fmt.Sprintf("command %q -> %q", e.Command, cmd))
				markFixable(checks, "binary.command", e.subject)
			}
		}
		if g := e.gate; g != nil && g.failed != "" && !detectedOK && !explained[g] {
			explained[g] = true
			why := "no gate to point it at was found"
			if opts.Gate != nil {
				why = fmt.Sprintf("the gate install would use (%s, from %s) does not answer either", opts.Gate.Describe(), opts.Gate.Source)
			}
			unfixable = append(unfixable, fmt.Sprintf("cannot repoint the entries that use %s: %s; start the gate (latchgate up), "+
				"or name one that answers: latchgate-mcp doctor --fix --gate-url URL (or --gate-socket PATH --public-base-url URL)", g.label(), why))
		}
		if g := e.gate; g != nil && g.failed != "" && detectedOK {
			want := opts.Gate.Args(portable)[1:]
			if a := withGate(e.Args, want); !equal(a, e.Args) {
				args = a
				what = append(what, fmt.Sprintf("gate %s -> %s (%s)", gateArgs(e.Args), strings.Join(want, " "), opts.Gate.Source))
				for i := range checks {
					if checks[i].Section == SectionGate && checks[i].Subject == g.label() && checks[i].Status == Error {
						checks[i].Fixable = true
					}
				}
			}
		}
		if len(what) == 0 {
			continue
		}
		edit, err := rewriteEntry(e, opts.Name, command, args)
		if err != nil {
			continue
		}
		fixes = append(fixes, Fix{
			Description: "rewrite the entry in " + e.subject + ": " + strings.Join(what, "; "),
			Edits:       []merge.FileEdit{e.loc.FileEdit(opts.Env, edit)},
		})
	}
	return fixes, unfixable
}

// rewriteEntry is the edit that gives the entry a new command and
// arguments, written the way its adapter writes entries, keeping the
// entry's environment and every key of it the adapter does not own.
func rewriteEntry(e *entry, name, command string, args []string) (merge.Edit, error) {
	stored, err := ides.ReadEntry(e.a, e.value)
	if err != nil {
		return nil, err
	}
	fresh, err := e.a.Entry(ides.ServerSpec{Command: command, Args: args, Env: stored.Env})
	if err != nil {
		return nil, err
	}
	value := ides.KeepUserKeys(e.a, e.value, fresh)
	path := inspect.EntryPath(e.loc.Target, name)
	return func(doc config.Document) (bool, error) { return doc.Set(value, path...) }, nil
}

// withGate replaces the gate flags in args by want, right after "serve".
func withGate(args, want []string) []string {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		skip := false
		for _, f := range gateFlags {
			if a == f {
				skip = true
				i++ // and its value
				break
			}
			if strings.HasPrefix(a, f+"=") {
				skip = true
				break
			}
		}
		if !skip {
			rest = append(rest, a)
		}
	}
	if len(rest) == 0 || rest[0] != "serve" {
		return append(append([]string{"serve"}, want...), rest...)
	}
	out := append([]string{"serve"}, want...)
	return append(out, rest[1:]...)
}

// gateArgs shows the gate flags of args.
func gateArgs(args []string) string {
	var out []string
	for i := 0; i < len(args); i++ {
		for _, f := range gateFlags {
			if args[i] == f && i+1 < len(args) {
				out = append(out, f, args[i+1])
			} else if strings.HasPrefix(args[i], f+"=") {
				out = append(out, args[i])
			}
		}
	}
	if len(out) == 0 {
		return "(the default socket)"
	}
	return strings.Join(out, " ")
}

func markFixable(checks []Check, id, subject string) {
	for i := range checks {
		if checks[i].ID == id && checks[i].Subject == subject {
			checks[i].Fixable = true
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
