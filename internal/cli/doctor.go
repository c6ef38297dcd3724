package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/doctor"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

type doctorOptions struct {
	IO         *iostreams.IOStreams
	Env        ides.Env
	Executable func() (string, error)

	IDEs    []string
	Scopes  []string
	Name    string
	JSON    bool
	Fix     bool
	Yes     bool
	Approve bool
	// RunProjectCommands: see doctor.Options.
	RunProjectCommands bool
	Timeout            time.Duration
	// Gate is the gate named by --gate-url, --gate-socket and
	// --public-base-url (empty: detect it).
	Gate       gatecfg.Flags
	BinaryPath string
}

func newCmdDoctor(f *Factory, runF func(*doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{IO: f.IO, Executable: f.Executable}
	cmd := &cobra.Command{
		Use:   "doctor [--ide NAME[,NAME...]] [--json] [--fix [--yes] [--approve]] [--timeout D]",
		Short: "Find out why latchgate tools do not show up in an IDE, and fix what is safe to fix",
		Long: `Check everything between the IDE and the gate, and say what is wrong.

Binary: latchgate-mcp on PATH; for each configured entry, its command
resolves as the IDE resolves it (PATH, ${VAR} expansion), exists, is
executable, is this version, and is not in a temporary or versioned path.

Configuration, per IDE and scope: the file parses and matches its schema;
the entry is in the file and key the IDE really reads (not mcpServers in
~/.claude/settings.json, not mcpServers in VS Code's mcp.json); Claude Code's
scope shadowing and .mcp.json approval; plaintext secrets in env, and such
files readable by others.

Gate, reached the way each entry says: the socket exists, is a socket and
accepts a connection, or the URL does; GET /healthz and /readyz; the number
of actions; a lease and a DPoP proof, naming a public_base_url mismatch,
fs_root_denied and identity errors with what to change in latchgate.toml.

Handshake: each entry's exact command, arguments and environment (the IDE's
rules) is started, and initialize and tools/list run; the tool count and the
time are reported, and the server's stderr when it fails.

Operator: an operator entry (latchgate-mcp operator) loaded together with
the agent's entry, an operator token in any IDE file, the agent's missing deny
of the operator server, credential files others can read, the credential
against the gate's admin socket, elicitation or --confirm client-prompt, and
--enable-allowlist-tool.

Every check has a timeout (--timeout, default 5s). Exit status 1 when any
check is an error, 0 otherwise. --json prints one object, described by
schemas/doctor-report.schema.json in the source.

--fix applies the safe fixes: move a stray entry to the file and key the IDE
reads, rewrite a broken binary path, point an entry whose gate does not
answer (or rejects its public_base_url) at the detected gate, and, with
--approve, approve the Claude Code project server. Fixes go through the same
plan, diff and backups as install; they are confirmed on a terminal, and
need --yes otherwise.`,
		Example: `  latchgate-mcp doctor
  latchgate-mcp doctor --ide claude-code --json
  latchgate-mcp doctor --fix
  latchgate-mcp doctor --fix --yes --approve --timeout 2s`,
		Args: cobra.NoArgs,
		RunE: withEnv(f, &opts.Env, opts, runF, runDoctor),
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.IDEs, "ide", nil, "only these IDEs: "+strings.Join(adapterIDs(), ", "))
	fl.StringSliceVar(&opts.Scopes, "scope", nil, "only these scopes: user, local, project (\"workspace\" is a synonym)")
	fl.StringVar(&opts.Name, "name", "latchgate", "name of the MCP server entry")
	fl.BoolVar(&opts.JSON, "json", false, "print one JSON object, for scripts and CI")
	fl.BoolVar(&opts.Fix, "fix", false, "apply the safe fixes, after showing their diff")
	fl.BoolVar(&opts.Yes, "yes", false, "with --fix: apply without asking (required without a terminal)")
	fl.BoolVar(&opts.RunProjectCommands, "run-project-commands", false, "start project entries' commands even when the client would not, or they are not latchgate-mcp (a repository you trust)")
	fl.BoolVar(&opts.Approve, "approve", false, "with --fix: approve a pending Claude Code project server for you")
	fl.DurationVar(&opts.Timeout, "timeout", doctor.DefaultTimeout, "time limit of each check")
	fl.StringVar(&opts.Gate.GateURL, "gate-url", "", "the gate to point broken entries at, over HTTP (`URL`); default: detected as install does")
	fl.StringVar(&opts.Gate.Socket, "gate-socket", "", "the gate to point broken entries at, over its Unix socket (`PATH`)")
	fl.StringVar(&opts.Gate.PublicBaseURL, "public-base-url", "", "the gate's public_base_url (`URL`), as for install")
	fl.StringVar(&opts.BinaryPath, "binary-path", "", "command to write for a broken binary path (`PATH`), as install --binary-path")
	return cmd
}

func runDoctor(ctx context.Context, opts *doctorOptions) error {
	defer quietGC()()
	// Large files are mapped, scanned and let go (merge.ReadDoc): the
	// checks that start servers and ask the gate do not run on top of a
	// resident 10 MB ~/.claude.json. doctor.Run guards its goroutines.
	safeio.MapLargeFiles()
	if !serverName.MatchString(opts.Name) {
		return flagErrorf("invalid --name %q: use 1 to 64 letters, digits, '-' or '_'", opts.Name)
	}
	if opts.Timeout <= 0 {
		return flagErrorf("invalid --timeout %s: it must be positive", opts.Timeout)
	}
	if (opts.Yes || opts.Approve) && !opts.Fix {
		return flagErrorf("--yes and --approve go with --fix")
	}
	if opts.Fix && !opts.Yes && !opts.IO.CanPrompt() {
		return flagErrorf("--fix asks before writing, and there is no terminal to ask on: pass --yes to apply the fixes without asking")
	}
	dopts, err := opts.doctorOptions()
	if err != nil {
		return err
	}
	rep := doctor.Run(ctx, dopts)
	if opts.Fix && len(rep.Fixes) > 0 {
		if !opts.JSON {
			if err := rep.WriteText(opts.IO.Out); err != nil {
				return err
			}
			fmt.Fprintln(opts.IO.Out)
		}
		applied, err := applyFixes(ctx, opts, rep.Fixes)
		if err != nil {
			return err
		}
		if applied {
			// Check again, so the report and the exit status say
			// where things stand now.
			rep = doctor.Run(ctx, dopts)
			if !opts.JSON {
				fmt.Fprintln(opts.IO.Out, "\nAfter the fixes:")
			}
		} else if !opts.JSON {
			return exitFor(rep)
		}
	} else if opts.Fix {
		if len(rep.Unfixable) == 0 {
			newReporter(opts.IO).info("nothing that --fix can repair")
		}
		for _, u := range rep.Unfixable {
			newReporter(opts.IO).warn("%s", u)
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.WriteText(opts.IO.Out); err != nil {
		return err
	}
	return exitFor(rep)
}

// exitFor is exit status 1, with nothing more printed, when a check
// failed: the report has said what.
func exitFor(rep *doctor.Report) error {
	if rep.HasErrors() {
		return ErrSilent
	}
	return nil
}

// doctorOptions maps the flags to doctor.Options. The fixes write what
// install would write: its command and its gate detection.
func (o *doctorOptions) doctorOptions() (doctor.Options, error) {
	d := doctor.Options{Env: o.Env, IDEs: o.IDEs, Name: o.Name, Timeout: o.Timeout, Version: Version(), Approve: o.Approve,
		RunProjectCommands: o.RunProjectCommands}
	for _, s := range o.Scopes {
		sc := ides.ParseScope(s)
		switch sc {
		case ides.ScopeUser, ides.ScopeLocal, ides.ScopeProject:
		default:
			return d, flagErrorf("invalid --scope %q: use user, local or project", s)
		}
		d.Scopes = append(d.Scopes, sc)
	}
	for _, id := range o.IDEs {
		if _, err := all.Lookup(id); err != nil {
			return d, &FlagError{err: err}
		}
	}
	quiet := &iostreams.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	inst := &installOptions{IO: quiet, Env: o.Env, Executable: o.Executable, BinaryPath: o.BinaryPath}
	d.Command = func(portable bool) (string, error) { return inst.command(newReporter(quiet), portable) }
	t, err := gatecfg.ResolveFor(o.Env, o.Gate, nil)
	switch {
	case err == nil:
		d.Gate = &t
	case o.Gate != (gatecfg.Flags{}):
		return d, &FlagError{err: err}
	}
	return d, nil
}

// applyFixes shows the fixes and their diff, asks (or takes --yes), and
// applies them as install does. It reports whether anything was written.
func applyFixes(ctx context.Context, opts *doctorOptions, fixes []doctor.Fix) (bool, error) {
	// With --json stdout is the report alone; the fix goes to stderr.
	ios := opts.IO
	if opts.JSON {
		ios = &iostreams.IOStreams{In: opts.IO.In, Out: opts.IO.ErrOut, ErrOut: opts.IO.ErrOut}
	}
	var edits []merge.FileEdit
	var notes []ides.Note
	fmt.Fprintln(ios.Out, "Fixes:")
	for _, f := range fixes {
		fmt.Fprintf(ios.Out, "  - %s\n", f.Description)
		edits = append(edits, f.Edits...)
		notes = append(notes, f.Notes...)
	}
	plan, err := merge.NewPlan(edits...)
	if err != nil {
		return false, explainPlanError(err)
	}
	if len(plan.Pending()) == 0 {
		fmt.Fprintln(ios.Out, "Nothing to change: the files already say this.")
		return false, nil
	}
	fmt.Fprintln(ios.Out)
	fmt.Fprint(ios.Out, plan.Diff())
	if !opts.Yes {
		ok, err := confirm(opts.IO, "Apply these fixes?")
		if err != nil {
			return false, err
		}
		if !ok {
			fmt.Fprintln(opts.IO.ErrOut, "nothing was written")
			return false, nil
		}
	}
	if err := planAndApply(ctx, ios, opts.Env, newReporter(ios), edits, notes, false); err != nil {
		return false, err
	}
	return true, nil
}

// confirm asks a y/N question on the terminal; anything but yes is no.
func confirm(io *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprintf(io.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(io.In).ReadString('\n')
	if err != nil && line == "" {
		return false, ErrCancelled
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
