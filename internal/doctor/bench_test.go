package doctor_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/doctor"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// BenchmarkHealthy measures a whole doctor run on a healthy machine: three
// entries (Claude Code, Cursor, VS Code) on one gate over TCP, each
// started for real (latchgate-mcp serve, initialize, tools/list). The
// issue's budget is 2 s for a healthy run; ms/run is the figure.
func BenchmarkHealthy(b *testing.B) {
	m := newMachine(b)
	_, u := startGate(b, gatetest.Options{})
	m.claudeUser(b, m.serverEntry("--gate-url", u))
	cursor, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"latchgate": m.serverEntry("--gate-url", u)}})
	m.write(b, ".cursor/mcp.json", string(cursor), 0o600)
	code, _ := json.Marshal(map[string]any{"servers": map[string]any{"latchgate": m.serverEntry("--gate-url", u)}})
	m.write(b, ".config/Code/User/mcp.json", string(code), 0o600)
	opts := m.options("claude-code", "cursor", "vscode")
	var worst int64
	for b.Loop() {
		rep := doctor.Run(context.Background(), opts)
		if rep.HasErrors() {
			b.Fatalf("healthy machine has errors:\n%s", text(rep))
		}
		if n := len(find(b, rep, "handshake")); n != 3 {
			b.Fatalf("%d handshakes, want 3", n)
		}
		worst = max(worst, rep.DurationMS)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
	b.ReportMetric(float64(worst), "worst-ms")
}
