package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// environWithout is os.Environ less the named variables. Unset and empty
// are not the same to Claude Code: an empty CLAUDE_CONFIG_DIR moves its
// settings to the current directory.
func environWithout(names ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, name) {
			out = append(out, kv)
		}
	}
	return out
}

// latchgateBinary returns a path that runs this test binary as
// latchgate-mcp (testscript.Main dispatches on the program name).
func latchgateBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "latchgate-mcp")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

type runner struct {
	t    *testing.T
	bin  string
	home string
}

func (r runner) run(args ...string) {
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append(environWithout("CLAUDE_CONFIG_DIR"), "HOME="+r.home, "LATCHGATE_MCP_NO_PROMPT=1",
		"XDG_STATE_HOME="+filepath.Join(r.home, "state"), "XDG_RUNTIME_DIR="+filepath.Join(r.home, "run"))
	cmd.Dir = r.home
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Errorf("latchgate-mcp %v: %v\n%s", args, err, out)
	}
}

// readServers reads the file and its mcpServers. It reports problems with
// t.Errorf, so it can be called from any goroutine.
func readServers(t *testing.T, path string) (map[string]any, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return nil, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Errorf("%s does not parse: %v\n%s", path, err, data)
	}
	servers, _ := doc["mcpServers"].(map[string]any)
	return doc, servers
}

// TestConcurrentWriters runs two latchgate-mcp processes installing and
// uninstalling their own entries in loops on one ~/.claude.json while an
// "IDE" rewrites other keys of it the way Claude Code does (read, change,
// write a new file, rename; no lock). Every version of the file must
// parse, neither process may lose the other's update, and the IDE's
// update that came before our write is never lost.
func TestConcurrentWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns many processes")
	}
	bin := latchgateBinary(t)
	home := t.TempDir()
	file := filepath.Join(home, ".claude.json")
	if err := os.WriteFile(file, []byte("{\n  \"ideCounter\": 0\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runner{t: t, bin: bin, home: home}
	const loops = 12
	install := func(name string) {
		r.run("install", "--ide", "claude-code", "--name", name, "--binary-path", "/usr/local/bin/latchgate-mcp", "--gate-url", "http://127.0.0.1:8787")
	}
	uninstall := func(name string) { r.run("uninstall", "--ide", "claude-code", "--name", name) }

	// Phase 1: both installers and the IDE at once. A reader checks that
	// every version of the file parses.
	var stop atomic.Bool
	var ideWrites atomic.Int64
	var wg, bg sync.WaitGroup
	bg.Add(2)
	go func() { // the IDE
		defer bg.Done()
		for i := 1; !stop.Load(); i++ {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Error(err)
				return
			}
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Errorf("the IDE read a file that does not parse: %v\n%s", err, data)
				return
			}
			doc["ideCounter"] = i
			out, _ := json.MarshalIndent(doc, "", "  ")
			tmp := file + ".ide-tmp"
			if err := os.WriteFile(tmp, out, 0o600); err != nil {
				t.Error(err)
				return
			}
			if err := os.Rename(tmp, file); err != nil {
				t.Error(err)
				return
			}
			ideWrites.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	go func() { // a reader
		defer bg.Done()
		for !stop.Load() {
			data, err := os.ReadFile(file)
			if err == nil && !json.Valid(data) {
				t.Errorf("a reader saw a file that does not parse:\n%s", data)
				return
			}
		}
	}()
	for _, name := range []string{"lg-a", "lg-b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range loops {
				if i%2 == 0 {
					install(name)
				} else {
					uninstall(name)
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	bg.Wait()
	if ideWrites.Load() == 0 {
		t.Fatal("the IDE never wrote: the test did not exercise concurrency")
	}

	// The IDE has stopped; its last write must survive our final installs,
	// which run concurrently with each other.
	doc, _ := readServers(t, file)
	lastIDE := doc["ideCounter"]
	for _, name := range []string{"lg-a", "lg-b"} {
		wg.Add(1)
		go func() { defer wg.Done(); install(name) }()
	}
	wg.Wait()
	doc, servers := readServers(t, file)
	if doc["ideCounter"] != lastIDE {
		t.Errorf("ideCounter = %v after our installs, want the IDE's last value %v", doc["ideCounter"], lastIDE)
	}
	for _, name := range []string{"lg-a", "lg-b"} {
		if _, ok := servers[name]; !ok {
			t.Errorf("%s is missing after both final installs: a lost update\n%v", name, servers)
		}
	}

	// Phase 2: only our two processes. After each of its operations, a
	// process must find its own entry as it left it: the other process
	// holds the lock and re-reads, so it never writes back a stale copy.
	for _, name := range []string{"lg-a", "lg-b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range loops {
				want := i%2 == 1
				if want {
					install(name)
				} else {
					uninstall(name)
				}
				_, servers := readServers(t, file)
				if _, ok := servers[name]; ok != want {
					t.Errorf("after op %d, %s present = %v, want %v: the other process lost our update", i, name, ok, want)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "concurrency: %d IDE writes during phase 1\n", ideWrites.Load())
}
