package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/binpath"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/doctor"
	"github.com/latchgate-ai/latchgate-mcp/internal/enforce"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/inspect"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// targetOptions are the flags install and uninstall share: which IDEs,
// which scope, which server name.
type targetOptions struct {
	IDEs    []string
	All     bool
	Scope   string
	Name    string
	Profile string
	DryRun  bool
}

func (o *targetOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&o.IDEs, "ide", nil, "IDEs to configure, comma-separated: "+strings.Join(adapterIDs(), ", "))
	cmd.Flags().BoolVar(&o.All, "all", false, "every supported IDE found on this machine (by its config directory or its command on PATH)")
	cmd.Flags().StringVar(&o.Scope, "scope", "", "where the entry applies: user (default; every IDE), local (Claude Code: you, this project), "+
		"project (the project's shared file: .mcp.json, .cursor/mcp.json, .vscode/mcp.json; \"workspace\" is a synonym)")
	cmd.Flags().StringVar(&o.Name, "name", "latchgate", "name of the MCP server entry")
	cmd.Flags().StringVar(&o.Profile, "vscode-profile", "", "VS Code profile `NAME` whose own mcp.json to edit (user scope; default: the default profile)")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the changes to every file as one unified diff and write nothing")
}

func adapterIDs() []string {
	var ids []string
	for _, a := range all.Adapters() {
		ids = append(ids, a.ID())
	}
	return ids
}

// serverName is what Claude Code accepts as a server name (letters,
// digits, "-" and "_"), which the other IDEs accept too.
var serverName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// resolve checks the shared flags and returns the adapters, in the order
// given (registry order for --all), and the scope of each. One --scope
// applies to every IDE; an IDE without that scope is a usage error rather
// than being skipped, so nothing is half-installed.
func (o *targetOptions) resolve(env ides.Env, out *reporter) ([]ides.Adapter, map[string]ides.Scope, error) {
	if o.All && len(o.IDEs) > 0 {
		return nil, nil, flagErrorf("use --ide or --all, not both")
	}
	if len(o.IDEs) == 0 && !o.All {
		return nil, nil, flagErrorf("--ide is required, or --all (IDEs: %s)", strings.Join(adapterIDs(), ", "))
	}
	if !serverName.MatchString(o.Name) {
		return nil, nil, flagErrorf("invalid --name %q: use 1 to 64 letters, digits, '-' or '_'", o.Name)
	}
	var candidates []ides.Adapter
	if o.All {
		found := all.Detect(env)
		if len(found) == 0 {
			return nil, nil, &HintError{Err: fmt.Errorf("--all found none of the supported IDEs (%s) on this machine", strings.Join(adapterIDs(), ", ")),
				Hint: "name them with --ide; an IDE counts as found by its config directory or its command on PATH"}
		}
		var names []string
		for _, f := range found {
			candidates = append(candidates, f.Adapter)
			names = append(names, fmt.Sprintf("%s (%s)", f.Adapter.DisplayName(), f.Evidence))
		}
		out.info("--all: found %s", strings.Join(names, ", "))
	} else {
		for _, id := range o.IDEs {
			a, err := all.Lookup(id)
			if err != nil {
				return nil, nil, &FlagError{err: err}
			}
			candidates = append(candidates, a)
		}
	}
	var adapters []ides.Adapter
	scopes := map[string]ides.Scope{}
	owner := map[string]ides.Adapter{} // target path -> the adapter that edits it
	for _, a := range candidates {
		if _, dup := scopes[a.ID()]; dup {
			continue
		}
		scope := a.Scopes()[0]
		if o.Scope != "" {
			scope = ides.ParseScope(o.Scope)
			if err := ides.CheckScope(a, scope); err != nil {
				return nil, nil, &FlagError{err: err}
			}
		}
		// VS Code and VS Code Insiders read the same .vscode/mcp.json:
		// one entry serves both, and two would fight over its agent id.
		if t, err := a.Target(env, scope); err == nil {
			if first, ok := owner[t.Path]; ok {
				out.info("%s reads the same file as %s (%s); it is configured once", a.DisplayName(), first.DisplayName(), env.Display(t.Path))
				continue
			}
			owner[t.Path] = a
		}
		adapters = append(adapters, a)
		scopes[a.ID()] = scope
	}
	if o.Profile != "" && !slices.ContainsFunc(adapters, ides.HasProfiles) {
		return nil, nil, flagErrorf("--vscode-profile needs an IDE with profiles (--ide vscode or vscode-insiders)")
	}
	return adapters, scopes, nil
}

type installOptions struct {
	targetOptions
	IO         *iostreams.IOStreams
	Env        ides.Env
	Executable func() (string, error)

	// Gate is the gate named by --gate-url, --gate-socket and
	// --public-base-url (empty: detect it).
	Gate       gatecfg.Flags
	AgentID    string
	BinaryPath string
	Approve    bool
	// ApproveIDs, when set (setup), says per IDE id whether to approve,
	// in place of Approve: each IDE's own answer.
	ApproveIDs map[string]bool
	Serve      serveExtras
	// OperatorMode is --operator and its credential flags.
	OperatorMode operatorMode
	// Enforce also writes each client's policy (see enforce), pinning
	// the entry written in the same plan.
	Enforce bool
	policyFlags

	// specs are the entries planEdits planned, by adapter id.
	specs map[string]ides.ServerSpec
}

func newCmdInstall(f *Factory, runF func(*installOptions) error) *cobra.Command {
	opts := &installOptions{IO: f.IO, Executable: f.Executable}
	cmd := &cobra.Command{
		Use:   "install (--ide NAME[,NAME...] | --all) [flags]",
		Short: "Add the latchgate MCP server to an IDE's configuration",
		Long: `Add the latchgate MCP server to an IDE's configuration.

Only the latchgate entry changes: comments, key order, indentation and every
other server stay exactly as they were. Each file is backed up before it is
written (see "latchgate-mcp restore"), and a second identical run changes
nothing.

Several IDEs are one plan: every file is read and checked before anything is
written (one malformed file stops the whole run), --dry-run shows every diff
together, and if a write fails the files already written in this run are put
back from their backups.

--scope project writes a file meant to be committed, so the entry is
portable: it runs "latchgate-mcp" from PATH and names no per-user socket
path. For Cursor and VS Code, which may start servers with only part of
their own environment, it passes XDG_RUNTIME_DIR on as "${env:XDG_RUNTIME_DIR}"
so each user's default gate socket is found.

With neither --gate-url nor --gate-socket, the gate is found from a running
"latchgate up", then .latchgate/latchgate.toml, then the gate's defaults.

--operator installs the operator server ("latchgate-mcp operator", which
decides approval holds) instead, apart from the agent: into a configuration
of the IDE that the agent's sessions do not load (Claude Code: its own
CLAUDE_CONFIG_DIR under ~/.config/latchgate-mcp/operator; VS Code: the
profile named by --vscode-profile; Cursor has none and is refused). The
operator credential is found as "approve" finds it (--admin-socket,
--public-base-url, --operator-key, --operator-token-file, LATCHGATE_* or
discovery), checked against the gate, and copied into a 0700 directory; the
entry names the files, never the token. The agent's configuration gets the
client's deny of the operator server. --name is then the agent's entry, which
the operator's configuration must not load.`,
		Example: `  latchgate-mcp install --ide claude-code --dry-run
  latchgate-mcp install --ide claude-code,cursor,vscode
  latchgate-mcp install --all --dry-run
  latchgate-mcp install --ide vscode --vscode-profile Work
  latchgate-mcp install --ide claude-code,cursor,vscode --scope project --approve
  latchgate-mcp install --ide claude-code --gate-url http://127.0.0.1:3000
  latchgate-mcp install --operator --ide claude-code --operator-key op.pem --operator-token-file op.token`,
		Args: cobra.NoArgs,
		RunE: withEnv(f, &opts.Env, opts, runF, runInstall),
	}
	opts.addFlags(cmd)
	cmd.Flags().StringVar(&opts.Gate.GateURL, "gate-url", "", "reach the gate over HTTP at `URL` (serve --gate-url)")
	cmd.Flags().StringVar(&opts.Gate.Socket, "gate-socket", "", "reach the gate over the Unix socket at `PATH` (serve --gate-socket)")
	cmd.Flags().StringVar(&opts.Gate.PublicBaseURL, "public-base-url", "", "the gate's public_base_url, the DPoP htu base (`URL`)")
	cmd.Flags().StringVar(&opts.AgentID, "agent-id", "", "LATCHGATE_AGENT_ID for the entry (default: the IDE's id)")
	cmd.Flags().StringVar(&opts.BinaryPath, "binary-path", "", "command the IDE runs (default: this executable; latchgate-mcp on PATH for --scope project)")
	opts.Serve.addFlags(cmd)
	cmd.Flags().BoolVar(&opts.Enforce, "enforce", false, "also write each client's policy so the entry is the agent's only path to side effects "+
		"(as \"latchgate-mcp enforce\" does), in the same plan")
	opts.addPolicyFlags(cmd)
	cmd.Flags().BoolVar(&opts.Approve, "approve", false, "do what a client with an approval or folder-trust rule needs so the entry starts without a prompt "+
		"(Claude Code: approve the project server; others: see each client's note); uninstall takes back what it added")
	opts.OperatorMode.addInstallFlags(cmd)
	return cmd
}

// approves reports whether the entry for a is to be approved.
func (o *installOptions) approves(a ides.Adapter) bool {
	if o.ApproveIDs != nil {
		return o.ApproveIDs[a.ID()]
	}
	return o.Approve
}

func runInstall(ctx context.Context, opts *installOptions) error {
	// Its reads and edits run on this goroutine, under run's fault guard.
	safeio.MapLargeFiles()
	defer quietGC()()
	if opts.OperatorMode.cmd != nil {
		if opts.OperatorMode.On {
			return runInstallOperator(ctx, opts)
		}
		if err := opts.OperatorMode.checkFlags(); err != nil {
			return err
		}
	}
	out := newReporter(opts.IO)
	adapters, scopes, err := opts.resolve(opts.Env, out)
	if err != nil {
		return err
	}
	if !opts.Enforce && (opts.Shell != "" || len(opts.Allow) > 0) {
		return flagErrorf("--shell and --allow-server go with --enforce")
	}
	if opts.Approve && !slices.ContainsFunc(adapters, ides.IsApprover) {
		return flagErrorf("--approve applies only to clients that ask before starting a project server (%s)", approverIDs())
	}
	transport, err := chooseTransport(out, opts.Env, opts.Gate, existingGates(opts.Env, adapters, scopes, opts.Name, opts.Profile))
	if err != nil {
		return err
	}
	if err := opts.Serve.check(strings.HasPrefix(transport.GateURL, "https://")); err != nil {
		return err
	}

	edits, notes, err := opts.planEdits(out, adapters, scopes, transport)
	if err != nil {
		return err
	}
	if !opts.Enforce {
		// A policy enforce wrote pins the entry's command line: it follows
		// the entry, or the client would no longer start it.
		ep, err := opts.repin(adapters, scopes)
		if err != nil {
			return err
		}
		record := ""
		if ep != nil {
			edits = append(edits, ep.planner.Edits()...)
			record = ep.recordPath()
		}
		if err := applyEnforce(ctx, opts.IO, opts.Env, out, edits, notes, opts.DryRun, record); err != nil || opts.DryRun {
			return err
		}
		reportInstall(ctx, out, opts.Env, adapters, scopes, opts.Name, transport)
		return nil
	}
	ep, err := opts.planEnforce(adapters, scopes)
	if err != nil {
		return err
	}
	edits = append(edits, ep.planner.Edits()...)
	notes = append(notes, ep.notes()...)
	if err := applyEnforce(ctx, opts.IO, opts.Env, out, edits, notes, opts.DryRun, ep.recordPath()); err != nil {
		return err
	}
	ep.report(opts.IO.Out, opts.DryRun)
	if !opts.DryRun {
		reportInstall(ctx, out, opts.Env, adapters, scopes, opts.Name, transport)
	}
	return nil
}

// repin plans the policy enforce recorded for each client and scope
// install writes, with the entry install writes now and the --shell and
// --allow-server of that enforce run: nil when there is none.
func (opts *installOptions) repin(adapters []ides.Adapter, scopes map[string]ides.Scope) (*enforcePlan, error) {
	records, err := enforce.ReadRecords(enforce.RecordPath(ides.StateDir(opts.Env)), "")
	if err != nil || len(records) == 0 {
		return nil, nil // an unreadable record: enforce and doctor say so
	}
	var reqs []enforceRequest
	var scope ides.Scope
	for _, a := range adapters {
		s := scopes[a.ID()]
		rec, ok := records.Request(a.ID(), s)
		if !ok || !canEnforce(a, s) {
			continue
		}
		entry, err := a.Entry(opts.specs[a.ID()])
		if err != nil {
			return nil, err
		}
		stored, err := ides.ReadEntry(a, entry)
		if err != nil {
			return nil, err
		}
		req := ides.EnforceRequest{Scope: s, Name: opts.Name, Entry: stored, Shell: rec.Shell, ShellChosen: rec.Shell != "", Operator: operatorName}
		if req.Shell == "" {
			req.Shell = ides.ShellSandbox
		}
		for _, name := range rec.Allow {
			if e, err := storedEntry(a, opts.Env, s, name); err == nil {
				req.Allow = append(req.Allow, ides.AllowedServer{Name: name, Entry: e})
			}
		}
		reqs = append(reqs, enforceRequest{a: a, req: req})
		scope = s
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	// One record file holds user and project scopes alike.
	return planEnforce(opts.Env, scope, reqs)
}

// planEnforce plans install --enforce: each client's policy at the
// install's scope, pinning the entry planEdits planned.
func (opts *installOptions) planEnforce(adapters []ides.Adapter, scopes map[string]ides.Scope) (*enforcePlan, error) {
	shell, chosen, err := opts.shell()
	if err != nil {
		return nil, err
	}
	var scope ides.Scope
	var reqs []enforceRequest
	for _, a := range adapters {
		s := scopes[a.ID()]
		if s != ides.ScopeUser && s != ides.ScopeProject {
			return nil, flagErrorf("--enforce goes with --scope user or project (for the machine's policy: latchgate-mcp enforce --scope managed)")
		}
		scope = s
		entry, err := a.Entry(opts.specs[a.ID()])
		if err != nil {
			return nil, err
		}
		stored, err := ides.ReadEntry(a, entry)
		if err != nil {
			return nil, err
		}
		req := ides.EnforceRequest{Scope: s, Name: opts.Name, Entry: stored, Shell: shell, ShellChosen: chosen, Operator: operatorName}
		if canEnforce(a, s) {
			for _, name := range opts.Allow {
				if name == opts.Name {
					continue
				}
				e, err := storedEntry(a, opts.Env, s, name)
				if err != nil {
					return nil, err
				}
				req.Allow = append(req.Allow, ides.AllowedServer{Name: name, Entry: e})
			}
		}
		reqs = append(reqs, enforceRequest{a: a, req: req})
	}
	return planEnforce(opts.Env, scope, reqs)
}

// gateProbeTimeout bounds install's check that the gate it wrote answers.
const gateProbeTimeout = 2 * time.Second

// reportInstall ends an install with what the user needs next: which
// session to start, a warning when the gate written does not answer, and
// one when another scope's entry of the same name wins over this one.
func reportInstall(ctx context.Context, out *reporter, env ides.Env, adapters []ides.Adapter, scopes map[string]ides.Scope, name string, t gatecfg.Transport) {
	var names []string
	for _, a := range adapters {
		names = append(names, a.DisplayName())
		locs, _ := ides.Locations(a, env)
		rows := make([]inspect.File, len(locs))
		for i, loc := range locs {
			// Which entry wins needs no schema check (list and doctor
			// do that), and the file just written would be checked anew.
			loc.Schema = ""
			rows[i] = inspect.Inspect(a, env, loc, name)
		}
		inspect.ClientView(a, env, rows, name)
		for i, r := range rows {
			if locs[i].Scope == scopes[a.ID()] && locs[i].Variant == "" && r.Configured && r.Client != "active" && r.Client != "" {
				out.warn("%s: the entry in %s is %s: %s", a.DisplayName(), r.File, r.Client, r.Detail)
			}
		}
	}
	if err := doctor.GateAnswers(ctx, gateProbeTimeout, t.GateURL, t.Socket); err != nil {
		out.warn("the gate does not answer yet: %v", err)
	}
	out.info("next: start a new session of %s to load the server; \"latchgate-mcp doctor\" checks the whole chain", joinAnd(names))
}

// planEdits returns the file edits that install the entry for each of
// adapters, in the scope scopes gives it, reaching the gate by transport.
// Setup calls it too, with a scope chosen per IDE.
func (opts *installOptions) planEdits(out *reporter, adapters []ides.Adapter, scopes map[string]ides.Scope, transport gatecfg.Transport) ([]merge.FileEdit, []ides.Note, error) {
	var err error
	var edits []merge.FileEdit
	var notes []ides.Note
	commandCache := map[bool]string{}
	for _, a := range adapters {
		scope := scopes[a.ID()]
		portable := scope == ides.ScopeProject
		command, ok := commandCache[portable]
		if !ok {
			command, err = opts.command(out, portable)
			if err != nil {
				return nil, nil, err
			}
			commandCache[portable] = command
		}
		if portable {
			if err := checkPortableTransport(opts.Env, transport); err != nil {
				return nil, nil, err
			}
			if !ides.LaunchOf(a, opts.Env).ShellPATH && opts.BinaryPath == "" {
				out.info("%s may start servers without your shell's PATH (when it was opened from a dock or launcher): "+
					"the project entry runs \"latchgate-mcp\", so it must be in a system directory on PATH for everyone", a.DisplayName())
			}
		}
		agentID := opts.AgentID
		if agentID == "" {
			agentID = a.ID()
		}
		spec := installSpec(transport, command, agentID, portable)
		opts.Serve.apply(&spec)
		if opts.specs == nil {
			opts.specs = map[string]ides.ServerSpec{}
		}
		opts.specs[a.ID()] = spec
		fe, n, err := ides.PlanInstall(a, opts.Env, ides.Request{Scope: scope, Name: opts.Name, Spec: spec, Approve: opts.approves(a), Profile: opts.Profile})
		if err != nil {
			return nil, nil, planError(err)
		}
		for i := range fe {
			if i == 0 && fe[i].Label == "" {
				fe[i].Label = fmt.Sprintf("%s, %s scope", a.DisplayName(), ides.ScopeName(a, scope))
			}
		}
		edits = append(edits, fe...)
		notes = append(notes, n...)
	}
	return edits, notes, nil
}

// installSpec is the server entry install writes. A portable entry that
// relies on the default socket forwards XDG_RUNTIME_DIR, which locates
// that socket: adapters of IDEs that may not pass their environment on
// (Cursor, VS Code) write it as a reference, the others ignore it.
func installSpec(t gatecfg.Transport, command, agentID string, portable bool) ides.ServerSpec {
	spec := ides.ServerSpec{
		Command: command,
		Args:    t.Args(portable),
		Env:     ides.EnvList{{Name: "LATCHGATE_AGENT_ID", Value: agentID}, {Name: "RUST_LOG", Value: "warn"}},
	}
	if portable && !t.IsHTTP() && t.DefaultSocket {
		spec.Forward = []string{"XDG_RUNTIME_DIR"}
	}
	return spec
}

// command returns the command the IDE should run. Project files are
// shared, so they name latchgate-mcp on PATH; user files name this
// binary, by a path that will still be there tomorrow.
func (o *installOptions) command(out *reporter, portable bool) (string, error) {
	if o.BinaryPath != "" {
		p := o.BinaryPath
		if portable {
			if filepath.IsAbs(p) && o.Env.Home != "" && strings.HasPrefix(p, o.Env.Home+string(filepath.Separator)) {
				return "", &HintError{Err: fmt.Errorf("--binary-path %s is in your home directory, which your teammates do not share", o.Env.Display(p)),
					Hint: "for --scope project use a command on PATH (the default, latchgate-mcp) or a path that is the same on every machine"}
			}
			return p, nil
		}
		if !strings.ContainsAny(p, `/\`) {
			return p, nil // a bare name: found on PATH when the IDE starts it
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if ok, err := binpath.Executable(abs); err != nil || !ok {
			out.warn("--binary-path %s is not an executable file (yet); the IDE will fail to start the server until it is", o.Env.Display(abs))
		}
		return abs, nil
	}
	if portable {
		if _, ok := binpath.LookPath(o.Env.Get("PATH")); !ok {
			out.warn("latchgate-mcp is not on your PATH; the project entry runs \"latchgate-mcp\", so each teammate needs it on PATH")
		}
		return binpath.Name, nil
	}
	exe, err := o.Executable()
	if err != nil {
		return "", fmt.Errorf("find this executable: %w", err)
	}
	path := binpath.Stable(exe, o.Env.Get("PATH"))
	if binpath.IsTemporary(path, o.Env.Get("TMPDIR")) {
		err := fmt.Errorf("this latchgate-mcp runs from a temporary build directory (%s), which will be gone when the IDE starts it", path)
		hint := `pass --binary-path, or install latchgate-mcp ("go install ./cmd/latchgate-mcp") and put it on PATH`
		if !o.DryRun {
			return "", &HintError{Err: err, Hint: hint}
		}
		out.warn("%v; %s (a dry run shows the change anyway)", err, hint)
	} else if binpath.IsVersioned(path) {
		out.warn("%s is a versioned install path that an upgrade will remove; pass --binary-path with a stable path (a symlink on PATH)", path)
	}
	return path, nil
}

// checkPortableTransport refuses per-user socket paths in a committed
// file: a teammate's socket is elsewhere (another uid, another
// XDG_RUNTIME_DIR). The default socket is left out of the entry, and serve
// finds each user's own.
func checkPortableTransport(env ides.Env, t gatecfg.Transport) error {
	if t.IsHTTP() || t.DefaultSocket {
		return nil
	}
	perUser := (env.Home != "" && strings.HasPrefix(t.Socket, env.Home+string(filepath.Separator))) ||
		strings.Contains(t.Socket, fmt.Sprintf("latchgate-%d", env.UID)) ||
		(env.Get("XDG_RUNTIME_DIR") != "" && strings.HasPrefix(t.Socket, env.Get("XDG_RUNTIME_DIR")))
	if perUser {
		return &HintError{Err: fmt.Errorf("the gate socket %s is specific to you, and --scope project writes a file your team shares", env.Display(t.Socket)),
			Hint: "leave out --gate-socket to use each user's default socket, use --gate-url, or set LATCHGATE_SOCKET in each user's environment"}
	}
	return nil
}

func describeTransport(out *reporter, t gatecfg.Transport) {
	if t.IsHTTP() {
		out.info("gate: HTTP %s (public base URL %s), from %s", t.GateURL, t.PublicBaseURL, t.Source)
		return
	}
	out.info("gate: Unix socket %s (public base URL %s), from %s", t.Socket, t.PublicBaseURL, t.Source)
	if t.HTTPAddr != "" {
		out.info("the gate also listens on %s; pass --gate-url to use HTTP instead of the socket", t.HTTPAddr)
	}
}

// planAndApply is the end of install and uninstall: plan every file
// (nothing is written if any file is bad), show notes, then either print
// the diff or write.
func planAndApply(ctx context.Context, io *iostreams.IOStreams, env ides.Env, out *reporter, edits []merge.FileEdit, notes []ides.Note, dryRun bool) error {
	defer quietGC()()
	plan, err := newPlan(out, edits, notes)
	if err != nil {
		return err
	}
	if dryRun {
		if len(plan.Pending()) == 0 {
			fmt.Fprintln(io.Out, "Everything is up to date; nothing would change.")
			return nil
		}
		fmt.Fprint(io.Out, plan.Diff())
		out.info("dry run: nothing was written")
		return nil
	}
	return applyPlan(ctx, io, env, out, plan)
}

// quietGC turns the garbage collector off, up to a memory limit, until
// the returned func is called. Editing a 10 MB ~/.claude.json allocates
// about three times the file, and a short command gains nothing from
// collecting it: on two cores, the concurrent collector made such an
// install take 75 ms instead of 47 (measured with hyperfine). list and
// doctor, which read the file once and keep it, use it too: a collection
// frees nothing there and its own bookkeeping raised their peak memory
// (30.4 MB against 28.9 for list on 10 MB). Past the limit (a far larger
// file), the collector runs as usual.
func quietGC() (restore func()) {
	const limit = 256 << 20
	oldPercent := debug.SetGCPercent(-1)
	oldLimit := debug.SetMemoryLimit(limit)
	return func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}

// newPlan reads and checks every file of edits (nothing is written if
// any file is bad) and shows the notes about it.
func newPlan(out *reporter, edits []merge.FileEdit, notes []ides.Note) (*merge.Plan, error) {
	plan, err := merge.NewPlan(edits...)
	if err != nil {
		return nil, explainPlanError(err)
	}
	for _, n := range notes {
		if n.Level == "warn" {
			out.warn("%s", n.Text)
		} else {
			out.info("%s", n.Text)
		}
	}
	for _, n := range plan.Notes() {
		out.info("%s", n)
	}
	return plan, nil
}

// applyPlan writes the pending changes of plan, with backups, and
// reports each file on io.Out; a failed write puts back what was written.
func applyPlan(ctx context.Context, io *iostreams.IOStreams, env ides.Env, out *reporter, plan *merge.Plan) error {
	if len(plan.Pending()) == 0 {
		existing := 0
		for _, c := range plan.Changes {
			if c.Existed {
				existing++
				fmt.Fprintf(io.Out, "%s is up to date\n", c.Display)
			}
		}
		if existing == 0 {
			fmt.Fprintln(io.Out, "Nothing to do: none of the configuration files exist.")
		}
		return nil
	}
	dir := stateDir(env)
	results, err := merge.Apply(ctx, plan, merge.ApplyOptions{
		Backups: &backup.Store{Dir: filepath.Join(dir, "backups")},
		LockDir: filepath.Join(dir, "locks"),
	})
	if err != nil {
		// Apply has put back what it wrote; say so file by file, from
		// what is on disk now rather than from what we hoped.
		for _, r := range results {
			if restored(r.Change) {
				fmt.Fprintf(io.Out, "restored %s (it had been written; a later file failed)\n", r.Change.Display)
			} else {
				fmt.Fprintf(io.Out, "left %s as written (it could not be restored; see the error)\n", r.Change.Display)
			}
		}
		return explainPlanError(err)
	}
	for _, r := range results {
		verb := "updated"
		if !r.Change.Existed {
			verb = "created"
		}
		if r.Replan {
			verb += " (it had changed meanwhile; the change was made on the new contents)"
		}
		fmt.Fprintf(io.Out, "%s %s\n", verb, textsafe.Quote(r.Change.Display))
		if r.Change.Label != "" {
			fmt.Fprintf(io.ErrOut, "note: %s is %s\n", r.Change.Display, r.Change.Label)
		}
		for _, n := range r.Notes {
			out.warn("%s", n)
		}
	}
	if len(results) > 0 {
		out.info("backups are kept; \"latchgate-mcp restore\" lists them")
	}
	return nil
}

// restored reports whether the file of c is back as it was planned from.
func restored(c *merge.Change) bool {
	data, existed, err := merge.ReadFile(c.Path)
	return err == nil && existed == c.Existed && bytes.Equal(data, c.Before)
}

// planError classifies an adapter's planning error: a usage mistake exits
// 2, anything about files (a broken profile list, say) exits 1.
func planError(err error) error {
	var ue *ides.UsageError
	if errors.As(err, &ue) {
		return &FlagError{err: err}
	}
	return explainPlanError(err)
}

// explainPlanError adds the hint for errors about a user's file.
func explainPlanError(err error) error {
	var fe *merge.FileError
	if !errors.As(err, &fe) {
		return err
	}
	var pe *config.SyntaxError
	switch {
	case errors.As(err, &pe):
		return withHint(err, "fix the file (or move it aside) and run again; nothing was written")
	case fe.Op == "edit":
		return withHint(err, "the file's structure is not what the IDE expects there; fix it and run again; nothing was written")
	case fe.Op == "write" || fe.Op == "back up":
		return withHint(err, writeHint(err))
	}
	return withHint(err, "nothing was written")
}

type uninstallOptions struct {
	targetOptions
	IO           *iostreams.IOStreams
	Env          ides.Env
	AllScopes    bool
	OperatorMode operatorMode
}

func newCmdUninstall(f *Factory, runF func(*uninstallOptions) error) *cobra.Command {
	opts := &uninstallOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "uninstall (--ide NAME[,NAME...] | --all) [flags]",
		Short: "Remove the latchgate MCP server from an IDE's configuration",
		Long: `Remove the latchgate MCP server from an IDE's configuration.

Only the latchgate entry (and what --approve added for it, such as Claude
Code's approval in ~/.claude/settings.json) is removed; everything else stays,
including an empty server list.

Without --scope, the entry is looked for in every scope of each IDE: it is
removed where there is one; when there are several, they are listed and
--scope or --all-scopes says which to remove.

--operator removes the operator entry, and what install --operator added to
the agent's configuration (only what it added: a deny rule that was there
before stays); the credential copies go once no IDE has an operator entry.`,
		Example: `  latchgate-mcp uninstall --ide claude-code --dry-run
  latchgate-mcp uninstall --ide claude-code --scope project
  latchgate-mcp uninstall --ide claude-code --all-scopes
  latchgate-mcp uninstall --all`,
		Args: cobra.NoArgs,
		RunE: withEnv(f, &opts.Env, opts, runF, runUninstall),
	}
	opts.addFlags(cmd)
	cmd.Flags().BoolVar(&opts.AllScopes, "all-scopes", false, "remove the entry from every scope that has one")
	cmd.MarkFlagsMutuallyExclusive("scope", "all-scopes")
	opts.OperatorMode.addUninstallFlags(cmd)
	return cmd
}

func runUninstall(ctx context.Context, opts *uninstallOptions) error {
	safeio.MapLargeFiles() // as install
	if opts.OperatorMode.On {
		return runUninstallOperator(ctx, opts.IO, opts.Env, &opts.targetOptions, &opts.OperatorMode)
	}
	out := newReporter(opts.IO)
	adapters, scopes, err := opts.resolve(opts.Env, out)
	if err != nil {
		return err
	}
	var edits []merge.FileEdit
	var notes []ides.Note
	for _, a := range adapters {
		found := []ides.Scope{scopes[a.ID()]}
		if opts.Scope == "" {
			if found, err = opts.scopesWithEntry(a); err != nil {
				return err
			}
		}
		for _, scope := range found {
			fe, n, err := ides.PlanUninstall(a, opts.Env, ides.Request{Scope: scope, Name: opts.Name, Profile: opts.Profile})
			if err != nil {
				return planError(err)
			}
			edits = append(edits, fe...)
			notes = append(notes, n...)
		}
	}
	return planAndApply(ctx, opts.IO, opts.Env, out, edits, notes, opts.DryRun)
}

// scopesWithEntry returns the scopes of a whose file holds the entry: the
// default scope when none does (nothing to remove, and the report says
// the file is up to date), the one that does, or, with several, all of
// them with --all-scopes and otherwise an error that lists them.
func (opts *uninstallOptions) scopesWithEntry(a ides.Adapter) ([]ides.Scope, error) {
	if opts.Profile != "" {
		return []ides.Scope{ides.ScopeUser}, nil // a profile is a user-scope file
	}
	var found []ides.Scope
	var where []string
	for _, s := range a.Scopes() {
		t, err := a.Target(opts.Env, s)
		if err != nil {
			continue
		}
		doc, _, err := t.ReadDoc(opts.Env)
		if err != nil {
			return nil, explainPlanError(err)
		}
		if doc == nil {
			continue
		}
		if _, ok := doc.Get(t.EntryPath(opts.Name)...); ok {
			found = append(found, s)
			where = append(where, fmt.Sprintf("%s (%s)", ides.ScopeName(a, s), opts.Env.Display(t.Path)))
		}
	}
	switch {
	case len(found) == 0:
		return a.Scopes()[:1], nil
	case len(found) == 1 || opts.AllScopes:
		return found, nil
	}
	return nil, &FlagError{err: fmt.Errorf("%s has the %q entry in %d scopes: %s; say which to remove with --scope, or --all-scopes for all of them",
		a.DisplayName(), opts.Name, len(found), strings.Join(where, ", "))}
}

// reporter prints notes and warnings to stderr, keeping stdout for the
// diff and the results scripts read.
type reporter struct{ io *iostreams.IOStreams }

func newReporter(io *iostreams.IOStreams) *reporter { return &reporter{io: io} }

// Notes and warnings carry paths and text from files: control characters
// in them are shown escaped (textsafe), never sent to the terminal.
func (r *reporter) info(format string, args ...any) {
	fmt.Fprintln(r.io.ErrOut, "note: "+textsafe.Quote(fmt.Sprintf(format, args...)))
}

func (r *reporter) warn(format string, args ...any) {
	fmt.Fprintln(r.io.ErrOut, "warning: "+textsafe.Quote(fmt.Sprintf(format, args...)))
}

// approverIDs lists the adapters --approve applies to.
func approverIDs() string {
	var ids []string
	for _, a := range all.Adapters() {
		if ides.IsApprover(a) {
			ids = append(ids, "--ide "+a.ID())
		}
	}
	return strings.Join(ids, ", ")
}

// joinAnd joins names as prose: "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
