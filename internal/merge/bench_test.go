package merge

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/atomicfile"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

const tenMB = 10 << 20

var benchEntry = config.MustJSON(`{"type":"stdio","command":"/usr/local/bin/latchgate-mcp","args":["serve","--gate-socket","/run/user/1000/latchgate/gate.sock","--public-base-url","http://localhost:3000"],"env":{"LATCHGATE_AGENT_ID":"claude-code","RUST_LOG":"warn"}}`)

// BenchmarkInstallLargeClaudeJSON plans and applies an install (lock,
// re-read, backup, atomic write) into a 10 MB ~/.claude.json; the file
// is put back before each iteration. Compare with BenchmarkCopyLargeFile.
func BenchmarkInstallLargeClaudeJSON(b *testing.B) {
	safeio.MapLargeFiles() // as install does
	data := fixtures.ClaudeJSON(tenMB)
	dir := b.TempDir()
	path := filepath.Join(dir, ".claude.json")
	opts := ApplyOptions{Backups: &backup.Store{Dir: filepath.Join(dir, "backups")}, LockDir: filepath.Join(dir, "locks")}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(path, data, 0o600); err != nil {
			b.Fatal(err)
		}
		// Last written a minute ago, as a file nobody is writing now;
		// and smaller than the last run left it, which the read would
		// otherwise wait on as a file being rewritten (safeio).
		old := time.Now().Add(-time.Minute)
		if err := os.Chtimes(path, old, old); err != nil {
			b.Fatal(err)
		}
		safeio.Wrote(path, int64(len(data)))
		b.StartTimer()
		plan, err := NewPlan(FileEdit{Path: path, Display: "~/.claude.json", Format: config.JSON, NewMode: 0o600,
			Edits: []Edit{func(d config.Document) (bool, error) { return d.Set(benchEntry, "mcpServers", "latchgate") }}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Apply(context.Background(), plan, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCopyLargeFile is the floor: read the same 10 MB and write it
// atomically, with no parsing.
func BenchmarkCopyLargeFile(b *testing.B) {
	data := fixtures.ClaudeJSON(tenMB)
	dir := b.TempDir()
	src := filepath.Join(dir, "src.json")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		in, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, "dst.json"), in, atomicfile.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
