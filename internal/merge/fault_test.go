//go:build linux || darwin

package merge

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// TestParseFaultOfMappedFile: a large file mapped for editing and cut
// short by another program before it is parsed gives an error matching
// safeio.ErrFault (the caller reads it again), not a crash. (The
// scanner's helper goroutine meeting such a fault is jsondoc's
// TestHelperFaultEndsQuietly.)
func TestParseFaultOfMappedFile(t *testing.T) {
	safeio.MapLargeFiles()
	p := filepath.Join(t.TempDir(), ".claude.json")
	data := fixtures.ClaudeJSON(4 << 20)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	mapped, _, _, err := readFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, int64(len(data)/4)); err != nil {
		t.Fatal(err)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	if _, err := parse(config.JSON, mapped); !errors.Is(err, safeio.ErrFault) {
		t.Fatalf("parse of a file cut short: %v, want a fault error", err)
	}
}
