package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// script writes an executable shell script.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "latchgate-mcp")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// alive reports whether pid runs (a zombie waiting to be reaped does not).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// readPID reads the pid a script wrote, waiting (bounded) for it.
func readPID(t *testing.T, file string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		data, _ := os.ReadFile(file)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			return pid
		}
	}
	t.Fatal("the script wrote no pid")
	return 0
}

// expectDead waits (bounded) for pid to be gone: doctor must not leave it.
func expectDead(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	t.Errorf("process %d, started by the probed command, is still running", pid)
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill() // best effort, after the failure above
	}
}

func needProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to see processes")
	}
}

// TestVersionProbeFlood: a command that writes 20 MB on --version costs
// at most the cap, and is reported as such.
func TestVersionProbeFlood(t *testing.T) {
	t.Parallel()
	bin := script(t, "head -c 20000000 /dev/zero | tr '\\0' x; echo; echo latchgate-mcp v1")
	out, err := runVersion(context.Background(), bin, nil, 30*time.Second)
	if len(out) > maxVersionOutput {
		t.Fatalf("kept %d bytes of output, cap %d", len(out), maxVersionOutput)
	}
	if err == nil || !strings.Contains(err.Error(), "more than 64 KiB of output") {
		t.Errorf("err = %v, want the flood reported", err)
	}

	// An endless one is stopped too, long before the timeout.
	bin = script(t, "exec yes latchgate-mcp")
	out, err = runVersion(context.Background(), bin, nil, time.Minute)
	if len(out) > maxVersionOutput || err == nil || !strings.Contains(err.Error(), "more than 64 KiB") {
		t.Errorf("endless output: kept %d bytes, err %v", len(out), err)
	}
}

// TestVersionProbeForkedChild: the command answers and exits, leaving a
// child that holds its output. The probe returns with the answer, and the
// child does not outlive it.
func TestVersionProbeForkedChild(t *testing.T) {
	t.Parallel()
	needProc(t)
	pidfile := filepath.Join(t.TempDir(), "pid")
	bin := script(t, "sleep 300 & echo $! > "+pidfile+"\necho latchgate-mcp v1.2.3")
	out, err := runVersion(context.Background(), bin, nil, 30*time.Second)
	if err != nil || out != "latchgate-mcp v1.2.3" {
		t.Errorf("got %q, %v", out, err)
	}
	expectDead(t, readPID(t, pidfile))
}

// TestVersionProbeTimeoutKillsGroup: a command that never answers is
// killed at the timeout with everything it started.
func TestVersionProbeTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	needProc(t)
	pidfile := filepath.Join(t.TempDir(), "pid")
	bin := script(t, "sleep 300 & echo $! > "+pidfile+"\nwait")
	_, err := runVersion(context.Background(), bin, nil, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no answer in 200ms") {
		t.Errorf("err = %v", err)
	}
	expectDead(t, readPID(t, pidfile))
}
