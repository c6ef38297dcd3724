package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/enforce"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/textsafe"
)

// operatorName is the approval server's entry name, which enforce denies
// to the agent (the operator side installs it under this name).
const operatorName = "latchgate-operator"

// policyFlags are the flags enforce and install --enforce share.
type policyFlags struct {
	Shell string
	Allow []string
}

func (p *policyFlags) addPolicyFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&p.Shell, "shell", "", "the agent's shell: sandbox (the client's sandbox without network; the default where it can run, "+
		"else deny), deny (no shell tool), open (leave it; interpreters can reach the network)")
	cmd.Flags().StringSliceVar(&p.Allow, "allow-server", nil, "also admit this other server of yours, by the exact command line its entry runs (repeatable)")
}

// shell parses --shell: the policy, and whether it was chosen.
func (p *policyFlags) shell() (ides.ShellPolicy, bool, error) {
	switch s := ides.ShellPolicy(strings.ToLower(strings.TrimSpace(p.Shell))); s {
	case "":
		return ides.ShellSandbox, false, nil
	case ides.ShellSandbox, ides.ShellDeny, ides.ShellOpen:
		return s, true, nil
	}
	return "", false, flagErrorf("invalid --shell %q: use sandbox, deny or open", p.Shell)
}

type enforceOptions struct {
	targetOptions
	policyFlags
	IO   *iostreams.IOStreams
	Env  ides.Env
	Undo bool
	// Print writes nothing: it prints each file as it would be, for an
	// administrator to install (managed files by a non-root user).
	Print bool
	Yes   bool
}

func newCmdEnforce(f *Factory, runF func(*enforceOptions) error) *cobra.Command {
	opts := &enforceOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "enforce (--ide NAME[,NAME...] | --all) [--scope user|project|managed] [--shell sandbox|deny|open] [flags]",
		Short: "Write the agent's own policy so that the latchgate server is its only path to side effects",
		Long: `Write the agent's own policy settings so that the latchgate server is the
only way it acts on the world: its built-in web tools off, other MCP servers
(and a same-name impostor in a repository) not started, bypass modes off, the
gate's tools allowed without a prompt (the gate holds risky calls for a
human), the approval server denied, and its shell sandboxed without network
or denied.

Levels:
  guard  --scope user or project: no accidental bypass. Not a security
         boundary: you, or an agent running as you, can undo it.
  lock   --scope managed: the administrator's files, which beat every user
         and project file; bypass needs root. Reported only when every lock
         check passes, else "managed, incomplete" and why.

Claude Code, Codex and Gemini CLI have settings enforce writes; for the other
clients it prints what to do by hand. Every run says which level it reached,
what the settings stop, and what configuration alone cannot stop (an
interpreter in an unsandboxed shell, egress by the servers you admit); for a
real boundary, run the agent under "latchgate sandbox".

The allowlists pin the exact command line of the entry install wrote: install
first, or run "install --enforce" to do both in one plan.

Only what enforce adds is recorded (in enforce.json in the state directory);
what you had already is never touched. --undo takes back each recorded item
that is still as enforce wrote it and reports the rest; when nothing else
changed, the files are then byte for byte what they were. Files are edited
like install's: one plan, a diff with --dry-run, backups ("latchgate-mcp
restore"), atomic writes.

Managed files are written only as root, with --yes; --print shows them for
an administrator to install instead.`,
		Example: `  latchgate-mcp enforce --ide claude-code --dry-run
  latchgate-mcp enforce --ide claude-code,codex,gemini-cli
  latchgate-mcp enforce --ide claude-code --shell deny
  latchgate-mcp enforce --ide claude-code --scope managed --print
  sudo --preserve-env=HOME latchgate-mcp enforce --ide claude-code --scope managed --yes
  latchgate-mcp enforce --undo`,
		Args: cobra.NoArgs,
		RunE: withEnv(f, &opts.Env, opts, runF, runEnforce),
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.IDEs, "ide", nil, "clients to configure, comma-separated: "+strings.Join(adapterIDs(), ", "))
	fl.BoolVar(&opts.All, "all", false, "every supported client found on this machine (with --undo: every client in the record)")
	fl.StringVar(&opts.Scope, "scope", "", "user (default: guard), project (the project's shared settings: guard), managed (the machine's: lock)")
	fl.StringVar(&opts.Name, "name", "latchgate", "name of the gate's MCP server entry")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the changes to every file as one unified diff and write nothing")
	fl.BoolVar(&opts.Undo, "undo", false, "take back what enforce added (for --ide, or every client recorded)")
	fl.BoolVar(&opts.Print, "print", false, "print each file as it would be written, for an administrator, and write nothing")
	fl.BoolVar(&opts.Yes, "yes", false, "with --scope managed: write the machine's files (as root)")
	opts.addPolicyFlags(cmd)
	cmd.MarkFlagsMutuallyExclusive("dry-run", "print")
	return cmd
}

func runEnforce(ctx context.Context, opts *enforceOptions) error {
	out := newReporter(opts.IO)
	scope := ides.ScopeUser
	if opts.Scope != "" {
		scope = ides.ParseScope(opts.Scope)
		switch scope {
		case ides.ScopeUser, ides.ScopeProject, ides.ScopeManaged:
		default:
			return flagErrorf("invalid --scope %q: enforce writes user, project or managed settings", opts.Scope)
		}
	}
	if !serverName.MatchString(opts.Name) {
		return flagErrorf("invalid --name %q: use 1 to 64 letters, digits, '-' or '_'", opts.Name)
	}
	if opts.Undo {
		return runUndo(ctx, opts, out, scope)
	}
	shell, chosen, err := opts.shell()
	if err != nil {
		return err
	}
	if opts.Yes && scope != ides.ScopeManaged {
		return flagErrorf("--yes goes with --scope managed")
	}
	adapters, err := enforceAdapters(opts.Env, out, &opts.targetOptions)
	if err != nil {
		return err
	}
	var reqs []enforceRequest
	for _, a := range adapters {
		entry, err := storedEntry(a, opts.Env, ides.EntryScope(scope), opts.Name)
		if !canEnforce(a, scope) {
			// Advice only: the entry, when there is one, fills it in.
			reqs = append(reqs, enforceRequest{a: a, req: ides.EnforceRequest{Scope: scope, Name: opts.Name, Entry: entry,
				Shell: shell, ShellChosen: chosen, Operator: operatorName}})
			continue
		}
		if err != nil {
			return err
		}
		req := ides.EnforceRequest{Scope: scope, Name: opts.Name, Entry: entry, Shell: shell, ShellChosen: chosen, Operator: operatorName}
		for _, name := range opts.Allow {
			if name == opts.Name {
				continue
			}
			e, err := storedEntry(a, opts.Env, ides.EntryScope(scope), name)
			if err != nil {
				return err
			}
			req.Allow = append(req.Allow, ides.AllowedServer{Name: name, Entry: e})
		}
		reqs = append(reqs, enforceRequest{a: a, req: req})
	}
	ep, err := planEnforce(opts.Env, scope, reqs)
	if errors.Is(err, fs.ErrPermission) && (opts.Print || opts.DryRun) {
		// Root's record of managed files: a user may still see the files.
		out.info("cannot read the record of what enforce added (%v): the files are shown as if nothing had been added before", err)
		ep, err = planEnforceWith(enforce.NewPlannerUnread(enforce.RecordPath(recordDir(opts.Env, scope)), opts.Env.Display), opts.Env, scope, reqs)
	}
	if err != nil {
		return err
	}
	if err := ep.checkManaged(opts.Env, opts.Print || opts.DryRun, opts.Yes); err != nil {
		return err
	}
	edits := ep.planner.Edits()
	if opts.Print {
		return ep.print(opts.IO, out, edits)
	}
	if err := applyEnforce(ctx, opts.IO, opts.Env, out, edits, ep.notes(), opts.DryRun, ep.recordPath()); err != nil {
		return err
	}
	ep.report(opts.IO.Out, opts.DryRun)
	return nil
}

// applyEnforce is planAndApply, except that a dry run shows the diff of
// the clients' files only: the record's JSON says the same thing at five
// times the length.
func applyEnforce(ctx context.Context, ios *iostreams.IOStreams, env ides.Env, out *reporter, edits []merge.FileEdit, notes []ides.Note, dryRun bool, record string) error {
	if !dryRun {
		return planAndApply(ctx, ios, env, out, edits, notes, false)
	}
	plan, err := newPlan(out, edits, notes)
	if err != nil {
		return err
	}
	shown := false
	for _, c := range plan.Pending() {
		if c.Path == record {
			out.info("the record of what enforce adds, %s, would be updated too", c.Display)
			continue
		}
		fmt.Fprint(ios.Out, c.Diff())
		shown = true
	}
	if !shown {
		fmt.Fprintln(ios.Out, "Everything is up to date; nothing would change.")
	}
	out.info("dry run: nothing was written")
	return nil
}

// recordPath is the record file of the run.
func (ep *enforcePlan) recordPath() string { return enforce.RecordPath(recordDir(ep.env, ep.scope)) }

// enforceAdapters resolves --ide and --all for enforce: every client
// named, in order (none is a usage error).
func enforceAdapters(env ides.Env, out *reporter, o *targetOptions) ([]ides.Adapter, error) {
	if o.All && len(o.IDEs) > 0 {
		return nil, flagErrorf("use --ide or --all, not both")
	}
	if len(o.IDEs) == 0 && !o.All {
		return nil, flagErrorf("--ide is required, or --all (clients: %s)", strings.Join(adapterIDs(), ", "))
	}
	if o.All {
		var out2 []ides.Adapter
		var names []string
		for _, f := range all.Detect(env) {
			out2 = append(out2, f.Adapter)
			names = append(names, f.Adapter.DisplayName())
		}
		if len(out2) == 0 {
			return nil, &HintError{Err: fmt.Errorf("--all found none of the supported clients on this machine"), Hint: "name them with --ide"}
		}
		out.info("--all: found %s", strings.Join(names, ", "))
		return out2, nil
	}
	var as []ides.Adapter
	for _, id := range o.IDEs {
		a, err := all.Lookup(id)
		if err != nil {
			return nil, &FlagError{err: err}
		}
		if !slices.ContainsFunc(as, func(x ides.Adapter) bool { return x.ID() == a.ID() }) {
			as = append(as, a)
		}
	}
	return as, nil
}

// storedEntry reads server name from a's file for scope: what install
// wrote, whose command line the allowlists pin.
func storedEntry(a ides.Adapter, env ides.Env, scope ides.Scope, name string) (ides.StoredEntry, error) {
	t, err := a.Target(env, scope)
	if err != nil {
		return ides.StoredEntry{}, planError(err)
	}
	doc, _, err := t.ReadDoc(env)
	if err != nil {
		return ides.StoredEntry{}, explainPlanError(err)
	}
	hint := fmt.Sprintf("install it first (latchgate-mcp install --ide %s --scope %s), or both at once: latchgate-mcp install --ide %s --scope %s --enforce",
		a.ID(), scope, a.ID(), scope)
	if name != "latchgate" && name != "" {
		hint = fmt.Sprintf("--allow-server names a server of yours in %s", env.Display(t.Path))
	}
	if doc == nil {
		return ides.StoredEntry{}, &HintError{Err: fmt.Errorf("%s: no %q entry to pin: %s does not exist", a.DisplayName(), name, env.Display(t.Path)), Hint: hint}
	}
	v, ok := doc.Get(t.EntryPath(name)...)
	if !ok {
		return ides.StoredEntry{}, &HintError{Err: fmt.Errorf("%s: no %q entry in %s to pin", a.DisplayName(), name, env.Display(t.Path)), Hint: hint}
	}
	e, err := ides.ReadEntry(a, v)
	if err != nil {
		return ides.StoredEntry{}, fmt.Errorf("read the %q entry in %s: %w", name, env.Display(t.Path), err)
	}
	if e.Command == "" {
		return ides.StoredEntry{}, fmt.Errorf("the %q entry in %s runs no command (a remote server?): there is no command line to pin", name, env.Display(t.Path))
	}
	return e, nil
}

// enforceRequest is one client's request; req is unset for a client
// enforce cannot write (it gets advice).
type enforceRequest struct {
	a   ides.Adapter
	req ides.EnforceRequest
}

// clientPlan is one client's part of an enforce run.
type clientPlan struct {
	a     ides.Adapter
	scope ides.Scope
	plan  ides.EnforcePlan
	// advice is set for a client with nothing to write.
	advice string
}

// enforcePlan is an enforce run over several clients.
type enforcePlan struct {
	env     ides.Env
	scope   ides.Scope
	planner *enforce.Planner
	clients []clientPlan
}

// recordDir is where the record of scope is kept.
func recordDir(env ides.Env, scope ides.Scope) string {
	if scope == ides.ScopeManaged {
		return ides.ManagedStateDir(env)
	}
	return ides.StateDir(env)
}

// planEnforce asks each client for its policy and plans it.
func planEnforce(env ides.Env, scope ides.Scope, reqs []enforceRequest) (*enforcePlan, error) {
	planner, err := enforce.NewPlanner(enforce.RecordPath(recordDir(env, scope)), env.Display)
	if err != nil {
		return nil, explainPlanError(err)
	}
	return planEnforceWith(planner, env, scope, reqs)
}

// planEnforceWith is planEnforce with the planner given.
func planEnforceWith(planner *enforce.Planner, env ides.Env, scope ides.Scope, reqs []enforceRequest) (*enforcePlan, error) {
	ep := &enforcePlan{env: env, scope: scope, planner: planner}
	for _, r := range reqs {
		e, ok := r.a.(ides.Enforcer)
		if !ok || !canEnforce(r.a, scope) {
			ep.clients = append(ep.clients, clientPlan{a: r.a, scope: scope, advice: advice(r.a, env, r.req, scope)})
			continue
		}
		plan, err := e.PlanEnforce(env, r.req)
		if err != nil {
			return nil, planError(fmt.Errorf("%s: %w", r.a.DisplayName(), err))
		}
		rec := enforce.Request{}
		if r.req.ShellChosen {
			rec.Shell = r.req.Shell
		}
		for _, s := range r.req.Allow {
			rec.Allow = append(rec.Allow, s.Name)
		}
		planner.Enforce(r.a.ID(), scope, plan.Level, plan.Files, rec)
		ep.clients = append(ep.clients, clientPlan{a: r.a, scope: scope, plan: plan})
	}
	return ep, nil
}

// canEnforce reports whether enforce writes a's policy at scope.
func canEnforce(a ides.Adapter, scope ides.Scope) bool {
	e, ok := a.(ides.Enforcer)
	return ok && slices.Contains(e.EnforceScopes(), scope)
}

// advice is what enforce prints for a client it cannot write.
func advice(a ides.Adapter, env ides.Env, req ides.EnforceRequest, scope ides.Scope) string {
	if e, ok := a.(ides.Enforcer); ok {
		var names []string
		for _, s := range e.EnforceScopes() {
			names = append(names, string(s))
		}
		return fmt.Sprintf("enforce writes %s's policy at --scope %s, not %s", a.DisplayName(), strings.Join(names, ", "), scope)
	}
	if ad, ok := a.(ides.EnforceAdvisor); ok {
		return ad.EnforceAdvice(env, req)
	}
	return a.DisplayName() + " has no policy settings enforce knows how to write: nothing keeps its agent off its own tools; " +
		"run it under \"latchgate sandbox\" for a boundary"
}

// notes returns the clients' notes, each prefixed with the client.
func (ep *enforcePlan) notes() []ides.Note {
	var out []ides.Note
	for _, c := range ep.clients {
		for _, n := range c.plan.Notes {
			n.Text = c.a.DisplayName() + ": " + n.Text
			out = append(out, n)
		}
	}
	return out
}

// checkManaged refuses to write managed files but as root with --yes.
func (ep *enforcePlan) checkManaged(env ides.Env, noWrite, yes bool) error {
	var files []string
	for _, c := range ep.clients {
		for _, f := range c.plan.Files {
			if f.Managed {
				files = append(files, env.Display(f.Path))
			}
		}
	}
	if len(files) == 0 || noWrite {
		return nil
	}
	switch {
	case env.GOOS == "windows":
		return &HintError{Err: fmt.Errorf("write %s: enforce writes managed files on Linux and macOS only", strings.Join(files, ", ")),
			Hint: "pass --print and install the file as an administrator (or by Group Policy)"}
	case env.UID != 0:
		return &HintError{Err: fmt.Errorf("write %s: managed files are the administrator's and are written only as root "+
			"(a file a user can write would bind nobody)", strings.Join(files, ", ")),
			Hint: "run it as root (sudo --preserve-env=HOME latchgate-mcp enforce ... --scope managed --yes), or pass --print and hand the file to an administrator"}
	case !yes:
		return flagErrorf("--scope managed writes %s, which binds every user of this machine: pass --yes to write it, or --print to see it", strings.Join(files, ", "))
	}
	return nil
}

// print shows each file as it would be written.
func (ep *enforcePlan) print(ios *iostreams.IOStreams, out *reporter, edits []merge.FileEdit) error {
	plan, err := newPlan(out, edits, ep.notes())
	if err != nil {
		return err
	}
	record := ep.recordPath()
	for _, c := range plan.Pending() {
		if c.Path == record {
			continue
		}
		switch {
		case c.Removes():
			fmt.Fprintf(ios.Out, "# remove %s\n\n", c.Display)
		default:
			fmt.Fprintf(ios.Out, "# %s (mode %04o for a new file)\n%s", c.Display, c.NewMode.Perm(), c.After())
			if after := c.After(); len(after) > 0 && after[len(after)-1] != '\n' {
				fmt.Fprintln(ios.Out)
			}
			fmt.Fprintln(ios.Out)
		}
	}
	ep.report(ios.Out, true)
	out.info("--print: nothing was written, and nothing recorded (an undo of these files is the administrator's)")
	return nil
}

// levelText says what a level means, for the report.
func levelText(p ides.EnforcePlan) string {
	switch p.Level {
	case ides.LevelGuard:
		return "guard (not a security boundary: it stops accidents, and you, or an agent running as you, can undo it)"
	case ides.LevelLock:
		return "lock (managed settings: bypass needs root)"
	case ides.LevelManaged:
		return "managed, incomplete: " + strings.Join(p.Missing, "; ")
	}
	return string(p.Level)
}

// report says, per client, the level reached, what it stops and what it
// does not, and what changed in each file.
func (ep *enforcePlan) report(w io.Writer, dryRun bool) {
	results := ep.planner.Results()
	verb := map[bool]string{false: "", true: "would be "}[dryRun]
	boundary := false
	for _, c := range ep.clients {
		name := c.a.DisplayName()
		if c.advice != "" {
			fmt.Fprintf(w, "%s: no enforceable policy\n", name)
			for _, line := range strings.Split(strings.TrimRight(c.advice, "\n"), "\n") {
				fmt.Fprintf(w, "  %s\n", textsafe.Quote(line))
			}
			boundary = true
			continue
		}
		fmt.Fprintf(w, "%s, %s scope: %s\n", name, c.scope, levelText(c.plan))
		if len(c.plan.Stops) > 0 {
			fmt.Fprintln(w, "  stops:")
			for _, s := range c.plan.Stops {
				fmt.Fprintf(w, "    - %s\n", textsafe.Quote(s))
			}
		}
		if len(c.plan.Gaps) > 0 {
			fmt.Fprintln(w, "  configuration alone does not stop:")
			for _, s := range c.plan.Gaps {
				fmt.Fprintf(w, "    - %s\n", textsafe.Quote(s))
			}
			boundary = true
		}
		for _, r := range results {
			if r.Client == c.a.ID() && r.Scope == c.scope {
				reportFile(w, r, verb)
			}
		}
	}
	if boundary {
		fmt.Fprintln(w, `for a real boundary, run the agent under "latchgate sandbox" (another uid, or bubblewrap with only the gate's socket)`)
	}
}

// reportFile says what happened to one file.
func reportFile(w io.Writer, r enforce.FileResult, verb string) {
	var parts []string
	if n := len(r.Added); n > 0 {
		parts = append(parts, fmt.Sprintf("%d setting(s) %sadded", n, verb))
	}
	if n := settings(r.Retracted); n > 0 {
		parts = append(parts, fmt.Sprintf("%d no longer asked for %staken back", n, verb))
	}
	if len(parts) == 0 {
		parts = append(parts, "up to date")
	}
	if n := len(r.Kept); n > 0 {
		parts = append(parts, fmt.Sprintf("%d in place", n))
	}
	if n := len(r.Present); n > 0 {
		parts = append(parts, fmt.Sprintf("%d already there (yours: never taken back)", n))
	}
	fmt.Fprintf(w, "  %s: %s\n", textsafe.Quote(r.Display), strings.Join(parts, ", "))
	for _, it := range r.Replaced {
		fmt.Fprintf(w, "    replaced your %s (was %s; --undo puts it back)\n", textsafe.Quote(config.DisplayPath(it.Path)), textsafe.Quote(priorText(it)))
	}
	for _, l := range r.Left {
		fmt.Fprintf(w, "    left %s: %s\n", textsafe.Quote(l.Item.String()), l.Why)
	}
}

// settings counts the items that are settings (not the objects created
// to hold them).
func settings(items []enforce.Item) int {
	n := 0
	for _, it := range items {
		if it.Op != enforce.OpCreate {
			n++
		}
	}
	return n
}

func priorText(it enforce.Item) string {
	if it.Prior == nil {
		return "unset"
	}
	b, _ := it.Prior.MarshalJSON()
	return string(b)
}

// runUndo takes back what the record holds for the clients named (every
// client without --ide) in scope (user and project without --scope).
func runUndo(ctx context.Context, opts *enforceOptions, out *reporter, scope ides.Scope) error {
	if opts.Print || len(opts.Allow) > 0 || opts.Shell != "" {
		return flagErrorf("--undo takes back what is recorded: --print, --shell and --allow-server do not go with it")
	}
	var clients []string
	if !opts.All {
		for _, id := range opts.IDEs {
			a, err := all.Lookup(id)
			if err != nil {
				return &FlagError{err: err}
			}
			clients = append(clients, a.ID())
		}
	}
	if len(clients) == 0 {
		clients = []string{""}
	}
	scopes := []ides.Scope{scope}
	if opts.Scope == "" {
		scopes = []ides.Scope{ides.ScopeUser, ides.ScopeProject}
	}
	if scope == ides.ScopeManaged && opts.Env.UID != 0 {
		return &HintError{Err: fmt.Errorf("undo managed settings: they are written, recorded and taken back only as root"),
			Hint: "run it as root: sudo latchgate-mcp enforce --undo --scope managed"}
	}
	planner, err := enforce.NewPlanner(enforce.RecordPath(recordDir(opts.Env, scope)), opts.Env.Display)
	if err != nil {
		return explainPlanError(err)
	}
	found := false
	for _, c := range clients {
		for _, s := range scopes {
			if planner.Undo(c, s) {
				found = true
			}
		}
	}
	if !found {
		fmt.Fprintln(opts.IO.Out, "Nothing to undo: enforce has recorded nothing here for that.")
		return nil
	}
	if err := applyEnforce(ctx, opts.IO, opts.Env, out, planner.Edits(), nil, opts.DryRun, enforce.RecordPath(recordDir(opts.Env, scope))); err != nil {
		return err
	}
	verb := map[bool]string{false: "", true: "would be "}[opts.DryRun]
	for _, r := range planner.Results() {
		name := r.Client
		if a, err := all.Lookup(r.Client); err == nil {
			name = a.DisplayName()
		}
		line := fmt.Sprintf("%s, %s scope: %s: %d setting(s) %staken back", name, r.Scope, textsafe.Quote(r.Display), settings(r.Retracted), verb)
		if r.Removed {
			line += fmt.Sprintf("; the file %sremoved (enforce had created it)", verb)
		}
		fmt.Fprintln(opts.IO.Out, line)
		for _, l := range r.Left {
			fmt.Fprintf(opts.IO.Out, "  left %s: %s\n", textsafe.Quote(l.Item.String()), l.Why)
		}
	}
	return nil
}
