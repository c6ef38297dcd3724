// Package cli wires the latchgate-mcp commands together. Commands share one
// package (as chezmoi and goreleaser do): each file holds one command, its
// options struct and its run function.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// Main runs the command line args with the streams io and returns the
// process exit code: 0 ok, 1 failure, 2 usage error or cancelled.
func Main(args []string, io *iostreams.IOStreams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	return run(ctx, NewFactory(io), args)
}

// run is Main with the Factory given, so tests can describe the machine.
func run(ctx context.Context, f *Factory, args []string) (code int) {
	// Commands that edit a large file read it mapped
	// (safeio.MapLargeFiles): a read of it that another program cut
	// short meanwhile faults, which is then a panic on this goroutine,
	// reported here as an error instead of a crash. Deferred cleanups
	// (locks, temporary files) run on the way.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			fe := safeio.FaultOf(r)
			if fe == nil {
				panic(r)
			}
			code = reportError(f.IO, nil, withHint(fe, "run the command again once the program writing it is done"))
		}
	}()
	root := newCmdRoot(f)
	if isCompletionRequest(args) {
		plainDescriptions(root)
	}
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	return reportError(f.IO, cmd, err)
}

func reportError(io *iostreams.IOStreams, cmd *cobra.Command, err error) int {
	switch {
	case errors.Is(err, ErrSilent):
		return exitError
	case errors.Is(err, ErrCancelled):
		fmt.Fprintln(io.ErrOut, "latchgate-mcp: cancelled, nothing was written")
		return exitCancel
	}
	var flagErr *FlagError
	if errors.As(err, &flagErr) || isCobraUsageError(err) {
		fmt.Fprintf(io.ErrOut, "latchgate-mcp: %v\n", err)
		if cmd != nil {
			fmt.Fprintf(io.ErrOut, "hint: run %q for usage\n", cmd.CommandPath()+" --help")
		}
		return exitUsage
	}
	fmt.Fprintf(io.ErrOut, "latchgate-mcp: %v\n", err)
	var hint *HintError
	if errors.As(err, &hint) && hint.Hint != "" {
		fmt.Fprintf(io.ErrOut, "hint: %s\n", hint.Hint)
	}
	return exitError
}

// isCobraUsageError recognises cobra's own argument and flag errors, which
// it returns as plain errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag",
		"invalid argument", "flag needs an argument", "accepts ", "requires at least",
		"if any flags in the group", "required flag"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

func newCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "latchgate-mcp",
		Short: "Connect coding agents to the LatchGate gate over MCP",
		Long: `latchgate-mcp connects coding agents to the LatchGate gate.

It installs the latchgate MCP server into Claude Code, Cursor and VS Code
configuration without disturbing anything else in those files, and it is the
MCP server those IDEs launch ("latchgate-mcp serve").`,
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("latchgate-mcp {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &FlagError{err: err}
	})

	root.AddCommand(newCmdInstall(f, nil))
	root.AddCommand(newCmdUninstall(f, nil))
	root.AddCommand(newCmdList(f, nil))
	root.AddCommand(newCmdRestore(f))
	root.AddCommand(newCmdServe(f))
	root.AddCommand(newCmdDoctor(f, nil))
	root.AddCommand(newCmdEnforce(f, nil))
	root.AddCommand(newCmdSetup(f, nil))
	root.AddCommand(newCmdApprove(f, nil))
	root.AddCommand(newCmdOperator(f, nil))
	root.AddCommand(newCmdVersion(f))

	registerCompletions(root, f)
	suggestCommands(root)
	return root
}

// commandsFromOtherTools are the verbs users bring from other tools
// ("claude mcp add", "npm rm", "ls"), by the command that does that
// here. cobra answers them with "Did you mean this?".
var commandsFromOtherTools = map[string][]string{
	"install":   {"add"},
	"uninstall": {"remove", "rm", "delete", "del"},
	"list":      {"ls", "show"},
}

func suggestCommands(root *cobra.Command) {
	for _, c := range root.Commands() {
		c.SuggestFor = append(c.SuggestFor, commandsFromOtherTools[c.Name()]...)
	}
}

// NewRootCommand returns the command tree on the process's own streams,
// for tools that describe it (cmd/gendocs writes the man pages and
// completions from it).
func NewRootCommand() *cobra.Command { return newCmdRoot(NewFactory(iostreams.System())) }
