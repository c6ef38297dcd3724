package jsondoc

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
)

const tenMB = 10 << 20

// BenchmarkParseLargeClaudeJSON isolates the parse, at 10 and 50 MB. The
// "anchor" sub-benchmarks are one plain read pass over the same bytes
// (counting quotes), so that the parse can be compared as a ratio across
// machines: a parse of k times the anchor's time is k read passes. The
// "sequential" ones are the scan on one core.
func BenchmarkParseLargeClaudeJSON(b *testing.B) {
	for _, size := range []int{tenMB, 50 << 20} {
		data := fixtures.ClaudeJSON(size)
		name := fmt.Sprintf("%dMB", size>>20)
		b.Run(name+"/anchor", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			n := 0
			for b.Loop() {
				n += bytes.Count(data, []byte{'"'})
			}
			if n == 0 {
				b.Fatal("no quotes")
			}
		})
		b.Run(name+"/sequential", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				sc := scanner{src: data, strict: true, keepDepth: 3}
				if _, _, err := sc.validateSequential(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(data, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScanThreshold compares the scan on one core and on two around
// parallelFrom, to place it.
func BenchmarkScanThreshold(b *testing.B) {
	for _, size := range []int{256 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20} {
		data := fixtures.ClaudeJSON(size)
		m := scanMode{strict: true, keepDepth: 3}
		b.Run(fmt.Sprintf("%dKB/one", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if r := sequentialScan(data, m); r.Err != "" {
					b.Fatal(r.Err)
				}
			}
		})
		b.Run(fmt.Sprintf("%dKB/two", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if r, _ := splitScan(data, m, splitPoint(data)); r.Err != "" {
					b.Fatal(r.Err)
				}
			}
		})
	}
}
