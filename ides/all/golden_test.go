package all_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/goldentest"
)

var update = flag.Bool("update", false, "rewrite the after/ and diff sections of the golden files")

// minCases is how many golden cases each adapter must have at least, so
// that a directory emptied by mistake fails instead of passing.
const minCases = 5

// TestGolden runs every adapter's cases in testdata/golden/<id> (see
// goldentest.Config for the archive format). Each file written is checked
// by its format's parser and against the schema its target names.
func TestGolden(t *testing.T) {
	for _, a := range all.Adapters() {
		t.Run(a.ID(), func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("..", "..", "testdata", "golden", a.ID())
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("no golden cases for %s: %v", a.ID(), err)
			}
			goldentest.Run(t, goldentest.Config{
				Dir:      dir,
				MinCases: minCases,
				Adapter:  a,
				Spec: ides.ServerSpec{
					Command: "/usr/local/bin/latchgate-mcp",
					Args:    []string{"serve", "--gate-socket", "/run/user/1000/latchgate/gate.sock", "--public-base-url", "http://localhost:3000"},
					Env:     ides.EnvList{{Name: "LATCHGATE_AGENT_ID", Value: a.ID()}, {Name: "RUST_LOG", Value: "warn"}},
				},
				Update: *update,
			})
		})
	}
}
