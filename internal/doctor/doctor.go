package doctor

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/inspect"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// DefaultTimeout bounds each check that talks to something: a gate
// request, a server process, a version probe.
const DefaultTimeout = 5 * time.Second

// Options says what to check.
type Options struct {
	// Env is the machine: home, project, environment variables.
	Env ides.Env
	// IDEs limits the run to these adapter ids (ides/all ids);
	// empty checks every supported IDE.
	IDEs []string
	// Scopes limits the configuration files checked to these scopes;
	// empty checks every scope. Claude Code's shadowing is still worked
	// out from every scope, because a file outside the limit can hide the
	// entry being checked.
	Scopes []ides.Scope
	// Name is the server entry name; "" is "latchgate".
	Name string
	// Timeout bounds each check; 0 is DefaultTimeout.
	Timeout time.Duration
	// Version is this binary's version, which a configured latchgate-mcp
	// should report too.
	Version string
	// Expected returns the entry install would write now for adapter a
	// and scope: an entry that differs is reported as stale, and
	// rewriting it is offered as a fix. nil skips that check; setup sets
	// it to check what it has just written. It may be called
	// concurrently.
	Expected func(a ides.Adapter, scope ides.Scope) (ides.ServerSpec, error)
	// Command returns the command install would write now (portable for
	// project scope). When an entry's command is broken, rewriting it to
	// this is offered as a fix; nil offers no such fix.
	Command func(portable bool) (string, error)
	// Gate is the gate install would use now (flags, a running gate,
	// latchgate.toml). When an entry's gate cannot be reached or rejects
	// its public_base_url and Gate is another, reachable one, rewriting
	// the entry's gate arguments is offered as a fix; nil offers none.
	Gate *gatecfg.Transport
	// Approve offers approving a pending Claude Code project server as a
	// fix. Approval is the user's decision, so it is only offered when
	// asked for.
	Approve bool
	// RunProjectCommands lets doctor start the command of a project
	// entry its client would not start, or that is not latchgate-mcp
	// (see refuseToStart): for a repository the user trusts.
	RunProjectCommands bool
	// Parallel bounds how many checks run at once; 0 is 4.
	Parallel int
	// SkipHandshake leaves out the handshake section (which starts every
	// configured server).
	SkipHandshake bool
}

func (o *Options) defaults() {
	if o.Name == "" {
		o.Name = "latchgate"
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
}

// entry is one configured latchgate entry: the file it is in and what it
// says.
type entry struct {
	a       ides.Adapter
	loc     ides.Location
	file    inspect.File
	subject string // "Claude Code user ~/.claude.json"
	value   config.Value

	Command string
	Args    []string
	Env     map[string]string
	URL     string
	Forward []string // variables the entry has the client pass on

	// Set by the checks, read when planning fixes (after they finish).
	brokenCommand bool
	gate          *gateTarget
}

// active reports whether the client starts this entry (it is neither
// shadowed, disabled nor waiting for approval).
func (e *entry) active() bool { return e.file.Client == "active" }

// Run runs every check and returns the report. It never writes; the safe
// fixes come back in Report.Fixes. Canceling ctx ends the checks still
// running, each reported as an error.
func Run(ctx context.Context, opts Options) *Report {
	opts.defaults()
	start := time.Now()
	r := &Report{Version: opts.Version, Name: opts.Name, Checks: []Check{}}
	adapters, err := selectAdapters(opts.IDEs)
	if err != nil {
		r.add(Check{Section: SectionConfiguration, ID: "config.ide", Status: Error, Message: err.Error(),
			Hint: "use one of the supported IDE ids"})
		r.DurationMS = time.Since(start).Milliseconds()
		return r
	}
	cfg := checkConfiguration(opts, adapters)
	// Done with reading the files: the checks below start servers and
	// ask the gate without the mapped files resident under them.
	merge.ReleaseReads()

	// The binary, gate and handshake checks are independent of each
	// other: run them together, bounded, and keep the report in a fixed
	// order whatever finishes first.
	var jobs []func(context.Context) []Check
	jobs = append(jobs, binaryJobs(opts, cfg.entries)...)
	targets := gateTargets(opts, cfg.entries)
	jobs = append(jobs, gateJobs(opts, targets)...)
	if !opts.SkipHandshake {
		jobs = append(jobs, handshakeJobs(opts, cfg.entries)...)
	}
	jobs = append(jobs, func(ctx context.Context) []Check { return checkOperator(ctx, opts, adapters) })
	results := runJobs(ctx, opts.Parallel, jobs)

	var checks []Check
	checks = append(checks, cfg.checks...)
	checks = append(checks, checkEnforcement(opts, adapters, cfg.entries)...)
	for _, res := range results {
		checks = append(checks, res...)
	}
	sort.SliceStable(checks, func(i, j int) bool {
		return sectionOrder[checks[i].Section] < sectionOrder[checks[j].Section]
	})
	gateFixes, unfixable := planFixes(ctx, opts, cfg.entries, targets, checks)
	fixes := append(cfg.fixes, gateFixes...)
	for _, c := range checks {
		r.add(c)
	}
	r.Fixes = fixes
	r.Unfixable = unfixable
	r.DurationMS = time.Since(start).Milliseconds()
	return r
}

// runJobs runs jobs at most n at a time and returns their results in
// job order.
func runJobs(ctx context.Context, n int, jobs []func(context.Context) []Check) [][]Check {
	out := make([][]Check, len(jobs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = guarded(ctx, job)
		}()
	}
	wg.Wait()
	return out
}

// guarded runs job on this goroutine with faults reading a mapped file
// (safeio.MapLargeFiles) turned into an error check: a configuration
// file cut short by another program while doctor runs is reported, not
// a crash.
func guarded(ctx context.Context, job func(context.Context) []Check) (checks []Check) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	var err error
	defer func() {
		if err != nil {
			checks = append(checks, Check{Section: SectionConfiguration, ID: "config.read", Status: Error,
				Message: err.Error(), Hint: "run doctor again once the program writing it is done"})
		}
	}()
	defer safeio.RecoverFault(&err)
	return job(ctx)
}

func allAdapters() []ides.Adapter { return all.Adapters() }

func selectAdapters(ids []string) ([]ides.Adapter, error) {
	if len(ids) == 0 {
		return allAdapters(), nil
	}
	var out []ides.Adapter
	seen := map[string]bool{}
	for _, id := range ids {
		a, err := all.Lookup(id)
		if err != nil {
			return nil, err
		}
		if !seen[a.ID()] {
			seen[a.ID()] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// ms returns d in milliseconds, for Check.DurationMS.
func ms(d time.Duration) *int64 {
	v := d.Milliseconds()
	return &v
}

// subject names a file of an IDE and scope for people.
func subject(a ides.Adapter, env ides.Env, loc ides.Location) string {
	s := a.DisplayName() + " " + ides.ScopeName(a, loc.Scope)
	if loc.Variant != "" {
		s += " (" + loc.Variant + ")"
	}
	return s + " " + env.Display(loc.Path)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
