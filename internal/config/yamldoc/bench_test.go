package yamldoc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config/doctest"
	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
)

// largeConfig returns a Hermes config of about size bytes: the real
// header, then commented servers in mcp_servers, each with a command,
// block and flow lists, env and a timeout.
func largeConfig(size int) []byte {
	var b strings.Builder
	b.WriteString(hermesConfig)
	b.WriteString("\n# Servers added by the team\nextra_servers:\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "  # server %d: reads the %d-th project\n", i, i)
		fmt.Fprintf(&b, "  srv-%d:\n    command: /opt/tools/bin/server-%d # pinned\n", i, i)
		fmt.Fprintf(&b, "    args:\n      - --root\n      - \"/home/me/projects/p%d\"\n      - --verbose\n", i)
		fmt.Fprintf(&b, "    tags: [a, b, 'c d']\n    env:\n      TOKEN_%d: \"${TOKEN_%d}\"\n      LOG: warn\n", i, i)
		fmt.Fprintf(&b, "    timeout: %d\n    enabled: %v\n", 30+i%90, i%3 != 0)
	}
	return []byte(b.String())
}

// BenchmarkUpsert1MB parses a 1 MB YAML file, adds the entry and takes
// the bytes. Compare with BenchmarkCopy1MB.
func BenchmarkUpsert1MB(b *testing.B) {
	data := largeConfig(1 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if changed, err := d.Set(doctest.Entry, "mcp_servers", "latchgate"); err != nil || !changed {
			b.Fatal(changed, err)
		}
		if len(d.Bytes()) <= len(data) {
			b.Fatal("no change")
		}
	}
}

// BenchmarkParse1MB isolates the parse (yaml.v3's node tree and its
// decoding, which every edit repeats to check itself).
func BenchmarkParse1MB(b *testing.B) {
	data := largeConfig(1 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCopy1MB is the floor, what cp costs: read the same bytes and
// write them to another file, synced.
func BenchmarkCopy1MB(b *testing.B) { fixtures.CopyFloor(b, largeConfig(1<<20)) }

// TestLargeConfig checks the benchmark's file is what it claims: it
// parses, and an entry added to it reads back.
func TestLargeConfig(t *testing.T) {
	t.Parallel()
	data := largeConfig(64 << 10)
	d, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Set(doctest.Entry, "mcp_servers", "latchgate"); err != nil {
		t.Fatal(err)
	}
	if got, ok := d.Get("mcp_servers", "latchgate"); !ok || !got.Equal(doctest.Entry) {
		t.Fatalf("entry reads back as %v", got)
	}
}

// BenchmarkUpsertHermes is the common case: a real-sized commented
// config (about 1.5 KB).
func BenchmarkUpsertHermes(b *testing.B) {
	data := []byte(hermesConfig)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Set(doctest.Entry, "mcp_servers", "latchgate"); err != nil {
			b.Fatal(err)
		}
	}
}
