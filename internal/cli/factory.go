package cli

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// Factory holds what commands need from the outside world. Commands take
// their dependencies from it instead of reaching for globals, so tests can
// swap any of them.
type Factory struct {
	IO *iostreams.IOStreams
	// Env describes the machine: home, directories, environment.
	Env func() (ides.Env, error)
	// Executable is the path of the running binary.
	Executable func() (string, error)
}

// NewFactory returns the Factory for a real run.
func NewFactory(io *iostreams.IOStreams) *Factory {
	return &Factory{IO: io, Env: ides.FromOS, Executable: os.Executable}
}

// withEnv is the RunE of a command whose options hold an ides.Env: it
// fills env from the Factory, then calls runF (tests that check flag
// parsing) or run.
func withEnv[O any](f *Factory, env *ides.Env, opts *O, runF func(*O) error, run func(context.Context, *O) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		e, err := f.Env()
		if err != nil {
			return err
		}
		*env = e
		if runF != nil {
			return runF(opts)
		}
		return run(cmd.Context(), opts)
	}
}

// stateDir is where latchgate-mcp keeps its own files (backups, locks);
// see ides.StateDir.
func stateDir(env ides.Env) string { return ides.StateDir(env) }
