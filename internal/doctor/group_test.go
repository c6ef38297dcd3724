package doctor_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/doctor"
)

// TestHandshakeLeavesNothingRunning: a server that forks a child holding
// its stdout and stderr. The handshake completes, and the child is gone
// when doctor is done.
func TestHandshakeLeavesNothingRunning(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to see processes")
	}
	m := newMachine(t)
	pidfile := filepath.Join(m.root, "child.pid")
	b, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"latchgate": map[string]any{
		"command": "sh", "args": []string{"-c", "sleep 300 & echo $! > " + pidfile + "; exec " + m.bin},
		"env": map[string]string{asOldServer: "1"}}}})
	m.write(t, ".cursor/mcp.json", string(b), 0o600)
	opts := m.options("cursor")
	rep := doctor.Run(context.Background(), opts)
	expect(t, rep, "handshake", doctor.OK, "1 tool (old 0.1", "")
	data, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
	}
	t.Errorf("the server's child %d is still running after doctor", pid)
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill() // best effort, after the failure above
	}
}
