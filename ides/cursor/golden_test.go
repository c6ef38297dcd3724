package cursor_test

import (
	"flag"
	"path"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/cursor"
	"github.com/latchgate-ai/latchgate-mcp/internal/goldentest"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

var update = flag.Bool("update", false, "rewrite the after/ and diff sections of the golden files")

// TestGolden runs testdata/golden/cursor: see goldentest.Config for the
// archive format.
func TestGolden(t *testing.T) {
	goldentest.Run(t, goldentest.Config{
		Dir:      "../../testdata/golden/cursor",
		MinCases: 10,
		Adapter:  cursor.Adapter{},
		Spec: ides.ServerSpec{
			Command: "/usr/local/bin/latchgate-mcp",
			Args:    []string{"serve", "--gate-socket", "/run/user/1000/latchgate/gate.sock", "--public-base-url", "http://localhost:3000"},
			Env:     ides.EnvList{{Name: "LATCHGATE_AGENT_ID", Value: "cursor"}, {Name: "RUST_LOG", Value: "warn"}},
		},
		Schema: func(rel string) string {
			if path.Base(rel) == "mcp.json" && path.Base(path.Dir(rel)) == ".cursor" {
				return schemas.Cursor
			}
			return ""
		},
		Update: *update,
	})
}
