package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
)

// BenchmarkInstallLarge10MB runs the real command, as a user would, on a
// generated 10 MB ~/.claude.json, and reports its peak resident memory
// (maxrss-MB). BenchmarkCopyLarge10MB runs cp on the same file for
// comparison. The targets (under 50 ms, under 60 MB) are reported, not
// asserted: timings depend on the machine.
//
// The memory figure comes from GNU time (/usr/bin/time -f %M): the
// rusage Go reports for a child it started counts the parent's own
// memory, because Go starts children with vfork.
func BenchmarkInstallLarge10MB(b *testing.B) {
	bin := latchgateBinaryB(b)
	home := b.TempDir()
	data := fixtures.ClaudeJSON(10 << 20)
	file := filepath.Join(home, ".claude.json")
	var maxRSS int64
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(file, data, 0o600); err != nil {
			b.Fatal(err)
		}
		// Last written a minute ago, as a file nobody is writing now
		// (one written in the last seconds is compared byte by byte
		// before the rename: see safeio.Stamp).
		old := time.Now().Add(-time.Minute)
		if err := os.Chtimes(file, old, old); err != nil {
			b.Fatal(err)
		}
		cmd := timed(b, bin, "install", "--ide", "claude-code", "--binary-path", "/usr/local/bin/latchgate-mcp",
			"--gate-url", "http://127.0.0.1:8787")
		cmd.Env = append(environWithout("CLAUDE_CONFIG_DIR"), "HOME="+home, "XDG_STATE_HOME="+filepath.Join(home, "state"))
		b.StartTimer()
		rss := runTimed(b, cmd)
		b.StopTimer()
		maxRSS = max(maxRSS, rss)
		b.StartTimer()
	}
	if maxRSS > 0 {
		b.ReportMetric(float64(maxRSS)/1024, "maxrss-MB")
	}
}

func BenchmarkCopyLarge10MB(b *testing.B) {
	home := b.TempDir()
	src := filepath.Join(home, "src.json")
	if err := os.WriteFile(src, fixtures.ClaudeJSON(10<<20), 0o600); err != nil {
		b.Fatal(err)
	}
	var maxRSS int64
	for b.Loop() {
		maxRSS = max(maxRSS, runTimed(b, timed(b, "cp", src, filepath.Join(home, "dst.json"))))
	}
	if maxRSS > 0 {
		b.ReportMetric(float64(maxRSS)/1024, "maxrss-MB")
	}
}

const gnuTime = "/usr/bin/time"

// timed returns a command that runs name under GNU time when it is there.
func timed(b *testing.B, name string, args ...string) *exec.Cmd {
	if _, err := os.Stat(gnuTime); err != nil {
		return exec.Command(name, args...)
	}
	return exec.Command(gnuTime, append([]string{"-f", "maxrss-kb=%M", name}, args...)...)
}

// runTimed runs cmd and returns its peak RSS in KB (0 if unknown).
func runTimed(b *testing.B, cmd *exec.Cmd) int64 {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		b.Fatalf("%v\n%s%s", err, out, stderr.String())
	}
	_, kb, ok := strings.Cut(stderr.String(), "maxrss-kb=")
	if !ok {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(kb), 10, 64)
	return n
}

// BenchmarkVersion is the floor for any run of this binary: process start
// and exit.
func BenchmarkVersion(b *testing.B) {
	bin := latchgateBinaryB(b)
	for b.Loop() {
		if out, err := exec.Command(bin, "--version").CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}

func latchgateBinaryB(b *testing.B) string {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "latchgate-mcp")
	if err := os.Symlink(exe, bin); err != nil {
		b.Fatal(err)
	}
	return bin
}
