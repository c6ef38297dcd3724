package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/latchgate-ai/latchgate-mcp/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/inspect"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

type listOptions struct {
	IO         *iostreams.IOStreams
	Env        ides.Env
	Executable func() (string, error)

	IDEs []string
	Name string
	JSON bool
	// Gate is the gate named by --gate-url, --gate-socket and
	// --public-base-url (empty: detect it).
	Gate       gatecfg.Flags
	BinaryPath string
}

func newCmdList(f *Factory, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{IO: f.IO, Executable: f.Executable}
	cmd := &cobra.Command{
		Use:   "list [--ide NAME[,NAME...]] [--json]",
		Short: "Show where the latchgate MCP server is configured, and what each IDE will do with it",
		Long: `Show every configuration file of every supported IDE and scope: whether it
exists and parses, whether the latchgate entry is there, the command and
transport it uses, whether it matches what "install" would write now (a stale
binary path, another gate), and what the IDE will really do with it.

For Claude Code that means which scope wins when the name is in several
(local, then project, then user), and whether a .mcp.json server is approved,
pending approval or disabled (enabledMcpjsonServers, disabledMcpjsonServers,
enableAllProjectMcpServers). Each VS Code profile has its own file.

The comparison uses the same gate detection and flags as install.`,
		Example: `  latchgate-mcp list
  latchgate-mcp list --ide claude-code --json`,
		Args: cobra.NoArgs,
		RunE: withEnv(f, &opts.Env, opts, runF, runList),
	}
	cmd.Flags().StringSliceVar(&opts.IDEs, "ide", nil, "only these IDEs: "+strings.Join(adapterIDs(), ", "))
	cmd.Flags().StringVar(&opts.Name, "name", "latchgate", "name of the MCP server entry")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON, for scripts")
	cmd.Flags().StringVar(&opts.Gate.GateURL, "gate-url", "", "compare with entries for the gate at `URL` (as install --gate-url)")
	cmd.Flags().StringVar(&opts.Gate.Socket, "gate-socket", "", "compare with entries for the socket at `PATH` (as install --gate-socket)")
	cmd.Flags().StringVar(&opts.Gate.PublicBaseURL, "public-base-url", "", "the gate's public_base_url (`URL`), as for install")
	cmd.Flags().StringVar(&opts.BinaryPath, "binary-path", "", "compare user and local entries with `PATH` (as install --binary-path); project entries are compared with the portable \"latchgate-mcp\"")
	return cmd
}

// listRow is one file of one IDE and scope.
type listRow = inspect.File

// listReport is the whole answer of list --json.
type listReport struct {
	Version  string    `json:"version"` // of this latchgate-mcp; schemas/list-report.schema.json
	Name     string    `json:"name"`
	Expected string    `json:"expected_transport"` // what install would write now
	Rows     []listRow `json:"files"`
	Warnings []string  `json:"warnings,omitempty"`
}

func runList(_ context.Context, opts *listOptions) error {
	defer quietGC()()
	// Large files are mapped, not copied (on this goroutine alone, under
	// run's fault guard): a 50 MB ~/.claude.json is listed without 50 MB
	// of fresh pages to fault in and fill.
	safeio.MapLargeFiles()
	if !serverName.MatchString(opts.Name) {
		return flagErrorf("invalid --name %q: use 1 to 64 letters, digits, '-' or '_'", opts.Name)
	}
	adapters := all.Adapters()
	if len(opts.IDEs) > 0 {
		adapters = nil
		seen := map[string]bool{}
		for _, id := range opts.IDEs {
			a, err := all.Lookup(id)
			if err != nil {
				return &FlagError{err: err}
			}
			if !seen[a.ID()] {
				seen[a.ID()] = true
				adapters = append(adapters, a)
			}
		}
	}
	// What install would write for an entry that is not there: a broken
	// latchgate.toml is a problem row of its own, not the end of list.
	var rep listReport
	transport, gateErr := gatecfg.ResolveFor(opts.Env, opts.Gate, nil)
	if gateErr != nil {
		if opts.Gate != (gatecfg.Flags{}) {
			return &FlagError{err: gateErr}
		}
		rep.Warnings = append(rep.Warnings, "cannot tell which gate install would use: "+gateErr.Error())
	}
	// What install would write: its own logic, with its warnings muted
	// (list reports differences, not advice about the binary).
	quiet := &iostreams.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	inst := &installOptions{targetOptions: targetOptions{DryRun: true}, IO: quiet, Env: opts.Env, Executable: opts.Executable, BinaryPath: opts.BinaryPath}
	// A --binary-path names the user's own binary; project files are
	// compared with the portable default, as people install them.
	portableInst := *inst
	portableInst.BinaryPath = ""
	rep.Version = Version()
	rep.Name = opts.Name
	if gateErr == nil {
		rep.Expected = inspect.DescribeArgs(transport.Args(false), nil)
	}
	for _, a := range adapters {
		locs, err := ides.Locations(a, opts.Env)
		if err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %v", a.DisplayName(), err))
		}
		rows := make([]listRow, 0, len(locs))
		for _, loc := range locs {
			rows = append(rows, inspect.Inspect(a, opts.Env, loc, opts.Name))
		}
		for i, loc := range locs {
			r := &rows[i]
			if !r.Configured {
				continue
			}
			portable := loc.Scope == ides.ScopeProject
			ci := inst
			if portable {
				ci = &portableInst
			}
			command, err := ci.command(newReporter(quiet), portable)
			if err != nil {
				rep.Warnings = append(rep.Warnings, err.Error())
				continue
			}
			// Install keeps the gate an entry uses unless told otherwise,
			// so each entry is compared with its own gate.
			var existing []gatecfg.Existing
			if e, ok := entryGate(opts.Env, a, loc.Target, opts.Name); ok {
				existing = append(existing, e)
			}
			t, err := gatecfg.ResolveFor(opts.Env, opts.Gate, existing)
			if err != nil {
				continue
			}
			want, err := a.Entry(installSpec(t, command, a.ID(), portable))
			if err != nil {
				return err
			}
			r.Differences = inspect.Differences(loc, opts.Env, want, opts.Name)
			current := len(r.Differences) == 0
			r.Current = &current
		}
		inspect.ClientView(a, opts.Env, rows, opts.Name)
		rep.Rows = append(rep.Rows, rows...)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	printList(opts.IO.Out, rep)
	for _, w := range rep.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", textsafe.Quote(w))
	}
	return nil
}

// printList prints the human table, then the details of stale entries.
func printList(w io.Writer, rep listReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDE\tSCOPE\tFILE\tENTRY\tCURRENT\tCLIENT")
	for _, r := range rep.Rows {
		scope := r.Scope
		if r.Variant != "" {
			scope += " (" + r.Variant + ")"
		}
		var entry string
		current, client := "-", "-"
		switch {
		case r.Error != "":
			entry = "unreadable"
		case !r.Exists:
			entry = "no file"
		case !r.Configured:
			entry = "not there"
		default:
			entry = r.Command + ", " + r.Transport
			client = r.Client
			if r.Current != nil {
				current = "yes"
				if !*r.Current {
					current = "stale"
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.IDEName, textsafe.Quote(scope), textsafe.Quote(r.File), textsafe.Quote(entry), current, client)
	}
	// Text for people, like fmt.Fprint* (see .golangci.yml): when the
	// terminal is gone there is no one left to tell.
	_ = tw.Flush()
	var notes []string
	for _, r := range rep.Rows {
		switch {
		case r.Error != "":
			notes = append(notes, r.Error)
		case r.SchemaError != "":
			notes = append(notes, fmt.Sprintf("%s: %s", r.File, r.SchemaError))
		}
		switch {
		case r.Error != "":
		case r.Configured:
			for _, d := range r.Differences {
				notes = append(notes, fmt.Sprintf("%s: %s", r.File, d))
			}
			if r.Detail != "" && r.Client != "active" {
				notes = append(notes, fmt.Sprintf("%s: %s: %s", r.File, r.Client, r.Detail))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, textsafe.Quote(n))
		}
	}
	fmt.Fprintf(w, "\ninstall would write: %s\n", rep.Expected)
}
