package cli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// The benchmarks here run whole commands in process, on a generated
// 10 MB ~/.claude.json, so that they can be profiled
// (go test -run '^$' -bench InstallLarge -cpuprofile cpu.out
// ./internal/cli). scripts/bench.sh times the real binary against Claude
// Code and cp; these only find where the time goes.

// benchHome makes a home with a 10 MB ~/.claude.json and runs the
// benchmark in it: HOME and the state directory point there, and the
// working directory is a project inside it.
func benchHome(b *testing.B) (home string, data []byte) {
	home = b.TempDir()
	proj := filepath.Join(home, "proj")
	if err := os.MkdirAll(filepath.Join(proj, ".git"), 0o755); err != nil {
		b.Fatal(err)
	}
	b.Setenv("HOME", home)
	b.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	b.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	b.Setenv("XDG_RUNTIME_DIR", filepath.Join(home, "run"))
	b.Setenv("CLAUDE_CONFIG_DIR", "")
	if err := os.Unsetenv("CLAUDE_CONFIG_DIR"); err != nil {
		b.Fatal(err)
	}
	b.Chdir(proj)
	data = fixtures.ClaudeJSON(10 << 20)
	if err := os.WriteFile(filepath.Join(home, ".claude.json"), data, 0o600); err != nil {
		b.Fatal(err)
	}
	return home, data
}

func benchRun(b *testing.B, args ...string) {
	io, _, out, errOut := iostreams.Test()
	if code := Main(args, io); code != exitOK {
		b.Fatalf("latchgate-mcp %v: exit %d\n%s%s", args, code, out, errOut)
	}
}

// BenchmarkInstallLarge installs the entry into the 10 MB file, which is
// put back before each run so that every run writes.
func BenchmarkInstallLarge(b *testing.B) {
	home, data := benchHome(b)
	file := filepath.Join(home, ".claude.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(file, data, 0o600); err != nil {
			b.Fatal(err)
		}
		// Written a minute ago, as a file nobody is writing now.
		old := time.Now().Add(-time.Minute)
		if err := os.Chtimes(file, old, old); err != nil {
			b.Fatal(err)
		}
		// The file is smaller than the last run left it: say it is
		// ours, or the read waits for it to grow back (safeio).
		safeio.Wrote(file, int64(len(data)))
		b.StartTimer()
		// Port 9 (discard) on loopback: nothing listens, the probe
		// fails at once, as with a gate that is not up yet.
		benchRun(b, "install", "--ide", "claude-code", "--binary-path", "/usr/local/bin/latchgate-mcp",
			"--gate-url", "http://127.0.0.1:9")
	}
}

// BenchmarkListLarge lists Claude Code's scopes with the entry in the
// 10 MB file.
func BenchmarkListLarge(b *testing.B) {
	benchRead(b, []int{exitOK}, "list", "--ide", "claude-code", "--gate-url", "http://127.0.0.1:9")
}

// BenchmarkDoctorLarge runs doctor's checks of Claude Code's files with
// the entry in the 10 MB file. No gate answers and the entry's command
// does not exist, so there is no handshake: what is timed is reading and
// checking the files.
func BenchmarkDoctorLarge(b *testing.B) {
	benchRead(b, []int{exitOK, exitError}, "doctor", "--ide", "claude-code", "--timeout", "200ms")
}

// benchRead runs args, a command that only reads, on the 10 MB file with
// the entry installed. The file's time moves back a second before each
// run, so that the run reads and parses it as a new process would (this
// process keeps what it read while a file is unchanged).
func benchRead(b *testing.B, codes []int, args ...string) {
	home, data := benchHome(b)
	benchRun(b, "install", "--ide", "claude-code", "--binary-path", "/usr/local/bin/latchgate-mcp", "--gate-url", "http://127.0.0.1:9")
	file := filepath.Join(home, ".claude.json")
	b.SetBytes(int64(len(data)))
	mod := time.Now().Add(-time.Minute)
	for b.Loop() {
		b.StopTimer()
		mod = mod.Add(-time.Second)
		if err := os.Chtimes(file, mod, mod); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		io, _, out, errOut := iostreams.Test()
		if code := Main(args, io); !slices.Contains(codes, code) {
			b.Fatalf("latchgate-mcp %v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}
