package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/latchgate-ai/latchgate-mcp/internal/cli"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

var update = flag.Bool("update", false, "update testscript cmp sections")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"latchgate-mcp": func() { os.Exit(cli.Main(os.Args[1:], iostreams.System())) },
	})
}

// TestScript runs the end-to-end scenarios in testdata/script: the real
// binary (this test binary, re-executed) against real files in a
// temporary HOME.
func TestScript(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scripts are skipped in -short mode")
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			for _, d := range []string{home, filepath.Join(env.WorkDir, "run"), filepath.Join(env.WorkDir, "proj", ".git")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return err
				}
			}
			env.Setenv("HOME", home)
			env.Setenv("USERPROFILE", home)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("XDG_STATE_HOME", filepath.Join(home, ".local", "state"))
			env.Setenv("XDG_RUNTIME_DIR", filepath.Join(env.WorkDir, "run"))
			// Unset, not empty: Claude Code treats the two differently.
			env.Vars = slices.DeleteFunc(env.Vars, func(kv string) bool { return strings.HasPrefix(kv, "CLAUDE_CONFIG_DIR=") })
			env.Setenv("LATCHGATE_MCP_NO_PROMPT", "1")
			env.Setenv("NO_COLOR", "1")
			env.Setenv("BIN", "/usr/local/bin/latchgate-mcp")
			env.Values[gatesKey{}] = &scriptGates{}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"testgate":    cmdTestgate,
			"schemacheck": cmdSchemacheck,
			"perm":        cmdPerm,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, nil
		},
	})
}
