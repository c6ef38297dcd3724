package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
	return &Factory{IO: io, Env: osEnv, Executable: os.Executable}
}

// osEnv is the Env of this process, refused when it would make us write
// in the wrong place (see checkEnv).
func osEnv() (ides.Env, error) {
	env, err := ides.FromOS()
	if err != nil {
		return ides.Env{}, err
	}
	if err := checkEnv(env); err != nil {
		return ides.Env{}, err
	}
	return env, nil
}

// checkEnv refuses a home directory we must not write under: a relative
// HOME would put ~/.claude.json (and our backups) in the current
// directory, and a HOME that does not exist would be created, with a file
// the user's IDE never reads, while we say "created ~/.claude.json". A
// relative LATCHGATE_MCP_STATE_DIR is refused for the same reason.
func checkEnv(env ides.Env) error {
	const homeHint = "set HOME to the absolute path of your home directory (latchgate-mcp never creates it)"
	switch info, err := os.Stat(env.Home); {
	case env.Home == "":
		return withHint(errors.New("find home directory: HOME is not set"), homeHint)
	case !filepath.IsAbs(env.Home):
		return withHint(fmt.Errorf("use home directory %q: it is a relative path", env.Home), homeHint)
	case errors.Is(err, fs.ErrNotExist):
		return withHint(fmt.Errorf("use home directory %s: it does not exist", env.Home), homeHint)
	case err != nil:
		return withHint(fmt.Errorf("use home directory %s: %w", env.Home, err), homeHint)
	case !info.IsDir():
		return withHint(fmt.Errorf("use home directory %s: it is not a directory", env.Home), homeHint)
	}
	if d := env.Get("LATCHGATE_MCP_STATE_DIR"); d != "" && !filepath.IsAbs(d) {
		return withHint(fmt.Errorf("use LATCHGATE_MCP_STATE_DIR %q: it is a relative path", d),
			"set it to an absolute path, or unset it for the default state directory")
	}
	return nil
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
