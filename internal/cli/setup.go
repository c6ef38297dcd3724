package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/binpath"
	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/prompter"
)

// setupOptions are setup's flags and dependencies. Prompter is nil until
// the command knows it may ask (a terminal), and tests set a scripted one.
type setupOptions struct {
	IO         *iostreams.IOStreams
	Env        ides.Env
	Prompter   prompter.Prompter
	Executable func() (string, error)

	Name       string
	BinaryPath string
	Accessible bool
	// Gate is what --gate-url, --gate-socket and --public-base-url name;
	// empty: the gate is found as install finds it.
	Gate gatecfg.Flags
	// Timeout bounds the gate test and each doctor check.
	Timeout time.Duration
	// Check runs step 5 on what was written: the doctor checks for a
	// real run, a recorder in the wizard's tests; nil skips it.
	Check func(ctx context.Context, opts *setupOptions, choice *setupChoice) error
}

func newCmdSetup(f *Factory, runF func(*setupOptions) error) *cobra.Command {
	opts := &setupOptions{IO: f.IO, Executable: f.Executable, Check: runDoctorStep}
	cmd := &cobra.Command{
		Use:   "setup [flags]",
		Short: "Set up the latchgate MCP server step by step, interactively",
		Long: `Set up the latchgate MCP server step by step.

The wizard finds the IDEs installed on this machine and lets you pick which
to configure, asks for each where the entry applies (you alone, or the whole
team through a file in the project), shows how the gate will be reached and
tests it on the spot, shows the combined diff of every file it will change,
and writes only after you confirm. It then checks what it wrote (the doctor
checks) and prints the equivalent "latchgate-mcp install" command line on
stdout, so the same setup can be scripted or shared.

The questions are asked on the terminal: setup needs stdin and stderr to be
a terminal, and otherwise exits 2 with the install command that does the same
thing. stdout carries only that command line, so "setup > file" keeps it. --accessible, or ACCESSIBLE=1, asks line by line
with numbered choices, which works with screen readers. Ctrl-C at any step
writes nothing and exits 2.`,
		Example: `  latchgate-mcp setup
  latchgate-mcp setup --accessible
  ACCESSIBLE=1 latchgate-mcp setup`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := f.Env()
			if err != nil {
				return err
			}
			opts.Env = env
			if !serverName.MatchString(opts.Name) {
				return flagErrorf("invalid --name %q: use 1 to 64 letters, digits, '-' or '_'", opts.Name)
			}
			// The questions are drawn on stderr and answered on stdin;
			// stdout carries only the equivalent command line, so
			// "setup > file" captures it.
			if !opts.IO.CanPromptOnStderr() {
				return noTerminalError(opts)
			}
			if opts.Prompter == nil {
				opts.Prompter = prompter.NewHuh(opts.IO.In, opts.IO.ErrOut, opts.Accessible || accessibleEnv(env.Get("ACCESSIBLE")))
			}
			if runF != nil {
				return runF(opts)
			}
			return runSetup(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "latchgate", "name of the MCP server entry")
	cmd.Flags().StringVar(&opts.BinaryPath, "binary-path", "", "command the IDE runs (default: this executable; latchgate-mcp on PATH for project scope)")
	cmd.Flags().StringVar(&opts.Gate.GateURL, "gate-url", "", "start from the gate at `URL` over HTTP (as install --gate-url)")
	cmd.Flags().StringVar(&opts.Gate.Socket, "gate-socket", "", "start from the gate's Unix socket at `PATH` (as install --gate-socket)")
	cmd.Flags().StringVar(&opts.Gate.PublicBaseURL, "public-base-url", "", "the gate's public_base_url (`URL`), as for install")
	cmd.Flags().BoolVar(&opts.Accessible, "accessible", false, "ask line by line with numbered choices (screen readers); also ACCESSIBLE=1")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 5*time.Second, "how long to wait for the gate, and for each check after writing")
	return cmd
}

// accessibleEnv reads ACCESSIBLE the way huh's users (gh, glow) do: any
// value but empty, "0" or "false" turns the line-based mode on.
func accessibleEnv(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v != "" && v != "0" && v != "false"
}

// setupChoice is what the user chose: the IDEs in order, the scope of
// each, the gate, and whether to approve a Claude Code project server.
type setupChoice struct {
	Adapters  []ides.Adapter
	Scopes    map[string]ides.Scope
	Approve   map[string]bool // by IDE id: each IDE's own answer
	Transport gatecfg.Transport
}

// runSetup runs the wizard. Every answer is collected before anything is
// written, so cancelling at any question leaves every file as it was.
func runSetup(ctx context.Context, opts *setupOptions) error {
	err := runWizard(ctx, opts)
	if errors.Is(err, prompter.ErrCancelled) {
		return ErrCancelled
	}
	return err
}

// runWizard runs the six steps; prompter.ErrCancelled, possibly wrapped,
// means the user gave up before anything was written.
func runWizard(ctx context.Context, opts *setupOptions) error {
	w := opts.IO.ErrOut
	p := opts.Prompter
	choice := &setupChoice{Scopes: map[string]ides.Scope{}, Approve: map[string]bool{}}

	// First the binary: an entry naming a binary that will be gone (go
	// run builds in a temporary directory) would fail after every
	// question had been answered.
	if err := chooseBinary(ctx, opts); err != nil {
		return err
	}

	// Step 1: which IDEs.
	fmt.Fprintln(w, "Step 1 of 6: IDEs")
	adapters, err := chooseIDEs(ctx, opts)
	if err != nil {
		return err
	}
	names := make([]string, len(adapters))
	for i, a := range adapters {
		names[i] = a.DisplayName()
	}
	fmt.Fprintf(w, "IDEs: %s\n", joinAnd(names))

	// Step 2: a scope per IDE.
	fmt.Fprintln(w, "\nStep 2 of 6: where each entry applies")
	owner := map[string]ides.Adapter{}
	for _, a := range adapters {
		scope, err := chooseScope(ctx, opts, a)
		if err != nil {
			return err
		}
		// VS Code and its Insiders build read the same project file: one
		// entry serves both (as in install).
		if t, err := a.Target(opts.Env, scope); err == nil {
			if first, ok := owner[t.Path]; ok {
				fmt.Fprintf(w, "%s reads the same file as %s (%s); it is configured once\n", a.DisplayName(), first.DisplayName(), opts.Env.Display(t.Path))
				continue
			}
			owner[t.Path] = a
		}
		choice.Adapters = append(choice.Adapters, a)
		choice.Scopes[a.ID()] = scope
		fmt.Fprintf(w, "%s: %s scope\n", a.DisplayName(), ides.ScopeName(a, scope))
		if approver, ok := a.(ides.Approver); ok && scope == ides.ScopeProject {
			ok, err := p.Confirm(ctx, "Approve the latchgate server in "+a.DisplayName()+" for you now?",
				approver.ApprovalPrompt(opts.Env), true)
			if err != nil {
				return err
			}
			choice.Approve[a.ID()] = ok
		}
	}

	// Step 3: the gate.
	fmt.Fprintln(w, "\nStep 3 of 6: the gate")
	shared := false
	for _, s := range choice.Scopes {
		shared = shared || s == ides.ScopeProject
	}
	choice.Transport, err = chooseGate(ctx, opts, shared, existingGates(opts.Env, choice.Adapters, choice.Scopes, opts.Name, ""))
	if err != nil {
		return err
	}

	// Step 4: the combined diff, then confirm.
	fmt.Fprintln(w, "\nStep 4 of 6: the changes")
	quiet := &iostreams.IOStreams{In: opts.IO.In, Out: opts.IO.ErrOut, ErrOut: opts.IO.ErrOut}
	out := newReporter(quiet)
	inst := choice.installOptions(opts, quiet)
	edits, notes, err := inst.planEdits(out, choice.Adapters, choice.Scopes, choice.Transport)
	if err != nil {
		return err
	}
	plan, err := newPlan(out, edits, notes)
	if err != nil {
		return err
	}
	pending := plan.Pending()
	if len(pending) == 0 {
		fmt.Fprintln(w, "Everything is already set up this way; no file needs to change.")
	} else {
		fmt.Fprint(w, plan.Diff())
		files := make([]string, len(pending))
		for i, c := range pending {
			files[i] = c.Display
		}
		ok, err := p.Confirm(ctx, fmt.Sprintf("Write these changes to %s?", countOf(len(pending), "file", "files")),
			strings.Join(files, ", ")+". Each file is backed up first (\"latchgate-mcp restore\" puts it back).", true)
		if err != nil {
			return err
		}
		if !ok {
			return prompter.ErrCancelled
		}
		if ctx.Err() != nil {
			return prompter.ErrCancelled
		}
	}

	// Step 5: apply, then check what was written.
	fmt.Fprintln(w, "\nStep 5 of 6: writing and checking")
	if len(pending) > 0 {
		if err := applyPlan(ctx, quiet, opts.Env, out, plan); err != nil {
			return err
		}
	}
	var checkErr error
	if opts.Check != nil {
		checkErr = opts.Check(ctx, opts, choice)
	}

	// Step 6: the same thing without questions, on stdout.
	fmt.Fprintln(w, "\nStep 6 of 6: the same setup as a command, to script or share:")
	for _, line := range choice.commandLines(opts.Name, opts.BinaryPath) {
		fmt.Fprintln(opts.IO.Out, line)
	}
	return checkErr
}

func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// chooseIDEs is step 1: every supported IDE is offered, the ones found
// on this machine preselected.
func chooseIDEs(ctx context.Context, opts *setupOptions) ([]ides.Adapter, error) {
	w := opts.IO.ErrOut
	found := map[string]string{}
	var defaults []string
	for _, f := range all.Detect(opts.Env) {
		found[f.Adapter.ID()] = f.Evidence
		defaults = append(defaults, f.Adapter.ID())
	}
	var options []prompter.Option
	for _, a := range all.Adapters() {
		label := a.DisplayName() + "  (not found on this machine)"
		if ev, ok := found[a.ID()]; ok {
			label = a.DisplayName() + "  (found: " + ev + ")"
		}
		options = append(options, prompter.Option{Value: a.ID(), Label: label})
	}
	description := fmt.Sprintf("%d IDEs; the ones found here are selected. ↑/↓ scroll the list, / filters, Space selects or clears, Enter goes on.", len(options))
	if len(defaults) == 0 {
		fmt.Fprintf(w, "None of the supported IDEs (%s) was found on this machine: no config directory, no command on PATH.\n",
			strings.Join(adapterIDs(), ", "))
		description = fmt.Sprintf("%d IDEs; none was found, but you can configure one before you install it. ↑/↓ scroll the list, / filters, Space selects, Enter goes on.", len(options))
	}
	ids, err := opts.Prompter.MultiSelect(ctx, "Which IDEs should use LatchGate?", description, options, defaults)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("choose IDEs: none chosen: %w", prompter.ErrCancelled)
	}
	var out []ides.Adapter
	for _, a := range all.Adapters() { // registry order, whatever the answer's order
		if slices.Contains(ids, a.ID()) {
			out = append(out, a)
		}
	}
	return out, nil
}

// chooseScope is step 2 for one IDE. An IDE with one scope is not asked.
func chooseScope(ctx context.Context, opts *setupOptions, a ides.Adapter) (ides.Scope, error) {
	scopes := a.Scopes()
	if len(scopes) == 1 {
		return scopes[0], nil
	}
	env := opts.Env
	project := env.Display(env.ProjectRoot)
	var options []prompter.Option
	for _, s := range scopes {
		file := ""
		if t, err := a.Target(env, s); err == nil {
			file = env.Display(t.Path)
			if rel, err := filepath.Rel(env.ProjectRoot, t.Path); err == nil && s == ides.ScopeProject && !strings.HasPrefix(rel, "..") {
				file = filepath.ToSlash(rel) // the project is named already
			}
		}
		var label string
		switch s {
		case ides.ScopeUser:
			label = fmt.Sprintf("%s: you, in every project (%s)", ides.ScopeName(a, s), file)
		case ides.ScopeLocal:
			label = fmt.Sprintf("%s: you, only in %s (%s)", ides.ScopeName(a, s), project, file)
		case ides.ScopeProject:
			label = fmt.Sprintf("%s: everyone who works on %s (%s, to commit)", ides.ScopeName(a, s), project, file)
		default:
			label = fmt.Sprintf("%s (%s)", ides.ScopeName(a, s), file)
		}
		options = append(options, prompter.Option{Value: string(s), Label: label})
	}
	v, err := opts.Prompter.Select(ctx, "Where should "+a.DisplayName()+" use LatchGate?",
		"User scope is for you alone. Project scope writes a file in the repository for your team: "+
			"it runs latchgate-mcp from PATH, so each teammate needs it installed.",
		options, string(scopes[0]))
	if err != nil {
		return "", err
	}
	return ides.Scope(v), nil
}

// Choices of the gate step.
const (
	gateKeep   = "keep"
	gateRetry  = "retry"
	gateURL    = "url"
	gateSocket = "socket"
)

// chooseGate is step 3: show the transport detected and where it came
// from, test it, and let the user change it until they keep one. shared
// means a project file will name it, so a socket path that only this user
// has is refused here rather than after the diff.
func chooseGate(ctx context.Context, opts *setupOptions, shared bool, existing []gatecfg.Existing) (gatecfg.Transport, error) {
	w := opts.IO.ErrOut
	// As install finds it: flags, LATCHGATE_*, the entry already there
	// (so the default answers keep a working gate), then detection.
	t, err := gatecfg.ResolveFor(opts.Env, opts.Gate, existing)
	if err != nil {
		if opts.Gate != (gatecfg.Flags{}) {
			return t, &FlagError{err: err}
		}
		fmt.Fprintf(w, "warning: %v; starting from the gate's defaults\n", err)
		t = defaultTransport(opts.Env)
	}
	for {
		describeGate(w, t)
		var found string
		var ok bool
		spin(ctx, w, opts.IO.IsStderrTTY() && !opts.Accessible, "Testing the gate…", func() {
			found, ok = probeGate(ctx, t, opts.Timeout)
		})
		if ctx.Err() != nil {
			return t, prompter.ErrCancelled
		}
		fmt.Fprintln(w, found)
		keep := "Use this gate"
		options := []prompter.Option{{Value: gateKeep, Label: keep}}
		if !ok {
			options[0].Label = "Use this gate anyway (start it later with \"latchgate up\")"
			options = append(options, prompter.Option{Value: gateRetry, Label: "Test it again"})
		}
		options = append(options,
			prompter.Option{Value: gateURL, Label: "Enter an HTTP URL instead"},
			prompter.Option{Value: gateSocket, Label: "Enter a Unix socket path instead"})
		v, err := opts.Prompter.Select(ctx, "How should the IDEs reach the gate?",
			"The Unix socket is preferred: the gate identifies the agent by its peer credentials.", options, gateKeep)
		if err != nil {
			return t, err
		}
		switch v {
		case gateKeep:
			if !shared {
				return t, nil
			}
			err := checkPortableTransport(opts.Env, t)
			if err == nil {
				return t, nil
			}
			fmt.Fprintf(w, "error: %v\n", err)
			var he *HintError
			if errors.As(err, &he) {
				fmt.Fprintf(w, "hint: %s\n", he.Hint)
			}
			continue
		case gateRetry:
			continue
		case gateURL:
			def := t.GateURL
			if def == "" {
				def = "http://127.0.0.1:3000"
			}
			u, err := opts.Prompter.Input(ctx, "Gate URL", "The address the gate listens on over HTTP, e.g. http://127.0.0.1:3000.", def, validateURL)
			if err != nil {
				return t, err
			}
			pub, err := opts.Prompter.Input(ctx, "Public base URL", "The gate's public_base_url in latchgate.toml; usually the same as the URL.", u, validateURL)
			if err != nil {
				return t, err
			}
			t, err = gatecfg.Resolve(opts.Env, gatecfg.Flags{GateURL: u, PublicBaseURL: pub})
			if err != nil {
				return t, err // validated above: not expected
			}
		case gateSocket:
			sock, err := opts.Prompter.Input(ctx, "Gate socket path", "The gate's listen_uds_path, e.g. "+defaultTransport(opts.Env).Socket+".", t.Socket, validateSocket)
			if err != nil {
				return t, err
			}
			pub, err := opts.Prompter.Input(ctx, "Public base URL", "The gate's public_base_url in latchgate.toml (the default is "+gatecfg.DefaultPublicBaseURL+").", t.PublicBaseURL, validateURL)
			if err != nil {
				return t, err
			}
			t, err = gatecfg.Resolve(opts.Env, gatecfg.Flags{Socket: sock, PublicBaseURL: pub})
			if err != nil {
				return t, err
			}
		}
		t.Source = "entered here"
	}
}

func validateURL(s string) error {
	_, err := gate.ValidateBaseURL(strings.TrimSpace(s))
	return err
}

func validateSocket(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("enter the path of the gate's socket")
	}
	return nil
}

func defaultTransport(env ides.Env) gatecfg.Transport {
	return gatecfg.Transport{
		Socket:        gate.DefaultSocketPath(gate.Env{Getenv: env.Lookup(), UID: env.UID}),
		PublicBaseURL: gatecfg.DefaultPublicBaseURL,
		Source:        "the gate's defaults",
		DefaultSocket: true,
	}
}

func describeGate(w io.Writer, t gatecfg.Transport) {
	if t.IsHTTP() {
		fmt.Fprintf(w, "Gate: HTTP %s (public base URL %s)\n  from %s\n", t.GateURL, t.PublicBaseURL, t.Source)
		return
	}
	fmt.Fprintf(w, "Gate: Unix socket %s (public base URL %s)\n  from %s\n", t.Socket, t.PublicBaseURL, t.Source)
	if t.HTTPAddr != "" {
		fmt.Fprintf(w, "  the gate also listens on %s over HTTP\n", t.HTTPAddr)
	}
}

// probeGate tests t the way serve will use it: health, the action list,
// and a lease with a DPoP proof (which fails when the public base URL is
// not the gate's). It returns what was found, for the user, and whether
// the gate is usable.
func probeGate(ctx context.Context, t gatecfg.Transport, timeout time.Duration) (string, bool) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := gate.New(gate.Config{URL: t.GateURL, Socket: t.Socket, PublicBaseURL: t.PublicBaseURL,
		DiscoveryTimeout: timeout, LeaseTimeout: timeout, PollTimeout: timeout})
	if err != nil {
		return "  not usable: " + err.Error(), false
	}
	defer c.Close()
	if err := c.Health(ctx); err != nil {
		return unreachable(err), false
	}
	actions, err := c.ListActions(ctx)
	if err != nil {
		return unreachable(err), false
	}
	found := "  reachable: the gate answers and offers " + countOf(len(actions), "action", "actions")
	if len(actions) > 0 {
		ids := make([]string, 0, 3)
		for _, a := range actions[:min(3, len(actions))] {
			ids = append(ids, a.ActionID)
		}
		if len(actions) > 3 {
			ids = append(ids, "…")
		}
		found += " (" + strings.Join(ids, ", ") + ")"
	}
	if err := c.VerifyAuth(ctx); err != nil {
		var ge *gate.Error
		hint := "check the gate's logs"
		if errors.As(err, &ge) && ge.Code == "invalid_dpop" {
			hint = "the public base URL is probably not the gate's public_base_url (latchgate.toml)"
		}
		return found + "\n  but it refused a lease: " + err.Error() + "\n  hint: " + hint, false
	}
	return found + "; a lease with a DPoP proof was accepted", true
}

func unreachable(err error) string {
	s := "  not reachable: " + err.Error()
	if h := gate.Hint(err); h != "" {
		s += "\n  hint: " + h
	}
	return s
}

// installOptions are the install options that plan what the user chose.
// chooseBinary checks, before any question about IDEs, that the command
// the entries will run is there to stay. A latchgate-mcp run from a
// temporary build directory (go run) offers the copy on PATH, or stops
// with the way to install one.
func chooseBinary(ctx context.Context, opts *setupOptions) error {
	if opts.BinaryPath != "" {
		return nil
	}
	quiet := &iostreams.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	inst := &installOptions{IO: quiet, Env: opts.Env, Executable: opts.Executable}
	_, err := inst.command(newReporter(quiet), false)
	if err == nil {
		return nil
	}
	if p, ok := binpath.LookPath(opts.Env.Get("PATH")); ok {
		use, perr := opts.Prompter.Confirm(ctx, "Use "+opts.Env.Display(p)+" in the entries?",
			err.Error()+". The latchgate-mcp on your PATH will stay.", true)
		if perr != nil {
			return perr
		}
		if use {
			opts.BinaryPath = p
			fmt.Fprintf(opts.IO.ErrOut, "Binary: %s\n", opts.Env.Display(p))
			return nil
		}
	}
	return err
}

func (c *setupChoice) installOptions(opts *setupOptions, streams *iostreams.IOStreams) *installOptions {
	return &installOptions{
		targetOptions: targetOptions{Name: opts.Name},
		IO:            streams,
		Env:           opts.Env,
		Executable:    opts.Executable,
		BinaryPath:    opts.BinaryPath,
		ApproveIDs:    c.Approve,
	}
}

// commandLines returns the install command lines that make the same
// changes: one per scope, since one install has one --scope.
func (c *setupChoice) commandLines(name, binaryPath string) []string {
	var lines []string
	for _, scope := range []ides.Scope{ides.ScopeUser, ides.ScopeLocal, ides.ScopeProject} {
		// The IDEs approved and the others take one line each: one
		// install has one --approve.
		for _, approved := range []bool{false, true} {
			var ids []string
			for _, a := range c.Adapters {
				if c.Scopes[a.ID()] == scope && c.Approve[a.ID()] == approved {
					ids = append(ids, a.ID())
				}
			}
			if len(ids) == 0 {
				continue
			}
			lines = append(lines, c.commandLine(scope, ids, approved, name, binaryPath))
		}
	}
	return lines
}

// commandLine is one install command line of commandLines.
func (c *setupChoice) commandLine(scope ides.Scope, ids []string, approve bool, name, binaryPath string) string {
	args := []string{binName, "install", "--ide", strings.Join(ids, ",")}
	if scope != ides.ScopeUser {
		args = append(args, "--scope", string(scope))
	}
	if approve {
		args = append(args, "--approve")
	}
	args = append(args, gateFlags(c.Transport)...)
	if name != "latchgate" {
		args = append(args, "--name", name)
	}
	if binaryPath != "" {
		args = append(args, "--binary-path", binaryPath)
	}
	return shellJoin(args)
}

const binName = "latchgate-mcp"

// gateFlags are the install flags that name transport t. The default
// socket with the default public base URL needs none, and naming it
// would pin one user's socket path into a command meant to be shared.
func gateFlags(t gatecfg.Transport) []string {
	if t.IsHTTP() {
		f := []string{"--gate-url", t.GateURL}
		if t.PublicBaseURL != "" && t.PublicBaseURL != t.GateURL {
			f = append(f, "--public-base-url", t.PublicBaseURL)
		}
		return f
	}
	var f []string
	if !t.DefaultSocket {
		f = append(f, "--gate-socket", t.Socket)
	}
	if t.PublicBaseURL != "" && t.PublicBaseURL != gatecfg.DefaultPublicBaseURL {
		f = append(f, "--public-base-url", t.PublicBaseURL)
	}
	return f
}

// shellJoin quotes args for a POSIX shell where they need it.
func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// noTerminalError is setup's answer when it cannot ask: a usage error
// (exit 2) that carries the install command doing the same with what was
// detected: the IDEs found, user scope, the gate.
func noTerminalError(opts *setupOptions) error {
	var ids []string
	for _, f := range all.Detect(opts.Env) {
		ids = append(ids, f.Adapter.ID())
	}
	t, err := gatecfg.ResolveFor(opts.Env, opts.Gate, nil)
	if err != nil {
		t = defaultTransport(opts.Env)
	}
	var line string
	if len(ids) == 0 {
		args := append([]string{binName, "install", "--ide", "IDE"}, gateFlags(t)...)
		line = shellJoin(args) + "    (no supported IDE found; IDE is one of " + strings.Join(adapterIDs(), ", ") + ")"
	} else {
		c := &setupChoice{Transport: t, Scopes: map[string]ides.Scope{}}
		for _, id := range ids {
			a, _ := all.Lookup(id)
			c.Adapters = append(c.Adapters, a)
			c.Scopes[id] = ides.ScopeUser
		}
		line = c.commandLines(opts.Name, opts.BinaryPath)[0]
	}
	why := "setup asks questions and needs a terminal (stdin and stderr)"
	if opts.IO.IsStdinTTY() && opts.IO.IsStderrTTY() {
		why = "setup asks questions, and questions are switched off here (LATCHGATE_MCP_NO_PROMPT or CI is set)"
	}
	return flagErrorf("%s; without them, this does the same:\n  %s", why, line)
}
