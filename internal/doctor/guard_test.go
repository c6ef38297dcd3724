//go:build linux || darwin

package doctor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// TestGuardedJobFault: a check that reads a mapped file another program
// cut short meanwhile ends as an error check saying so, not as a crash
// of doctor; a check that does not fault keeps its own result.
func TestGuardedJobFault(t *testing.T) {
	safeio.MapLargeFiles()
	p := filepath.Join(t.TempDir(), ".claude.json")
	if err := os.WriteFile(p, bytes.Repeat([]byte(" "), 4<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	data, err := safeio.ReadStable(p, safeio.MaxConfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	checks := runJobs(context.Background(), 2, []func(context.Context) []Check{
		func(context.Context) []Check {
			sink = data[len(data)-1] // a page past the new end
			return []Check{{ID: "never"}}
		},
		func(context.Context) []Check { return []Check{{ID: "fine", Status: OK}} },
	})
	if len(checks[0]) != 1 || checks[0][0].Status != Error || !strings.Contains(checks[0][0].Message, "cut short") {
		t.Fatalf("faulting job: %+v", checks[0])
	}
	if len(checks[1]) != 1 || checks[1][0].ID != "fine" {
		t.Fatalf("other job: %+v", checks[1])
	}
}

// sink keeps the read of the test from being left out by the compiler.
var sink byte
