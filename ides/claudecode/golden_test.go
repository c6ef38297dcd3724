package claudecode_test

import (
	"flag"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
	"github.com/latchgate-ai/latchgate-mcp/internal/goldentest"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

var update = flag.Bool("update", false, "rewrite the after/ and diff sections of the golden files")

// TestGolden runs testdata/golden/claudecode: see goldentest.Config for
// the archive format.
func TestGolden(t *testing.T) {
	goldentest.Run(t, goldentest.Config{
		Dir:      "../../testdata/golden/claudecode",
		MinCases: 25,
		Adapter:  claudecode.Adapter{},
		Spec: ides.ServerSpec{
			Command: "/usr/local/bin/latchgate-mcp",
			Args:    []string{"serve", "--gate-socket", "/run/user/1000/latchgate/gate.sock", "--public-base-url", "http://localhost:3000"},
			Env:     ides.EnvList{{Name: "LATCHGATE_AGENT_ID", Value: "claude-code"}, {Name: "RUST_LOG", Value: "warn"}},
		},
		Schema: func(rel string) string {
			switch {
			case rel == ".claude.json" || strings.HasSuffix(rel, "/.claude.json"):
				return schemas.ClaudeState
			case strings.HasSuffix(rel, ".mcp.json"):
				return schemas.ClaudeProject
			}
			return ""
		},
		Update: *update,
	})
}
