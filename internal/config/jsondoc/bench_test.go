package jsondoc

import (
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
)

const tenMB = 10 << 20

// BenchmarkParseLargeClaudeJSON isolates the parse.
func BenchmarkParseLargeClaudeJSON(b *testing.B) {
	data := fixtures.ClaudeJSON(tenMB)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, true); err != nil {
			b.Fatal(err)
		}
	}
}
