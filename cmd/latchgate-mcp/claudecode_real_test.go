package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestRealClaudeCode checks our files against the real client: it installs
// at every Claude Code scope, then asks the real Claude Code CLI which
// servers it sees and whether it can connect to them (claude mcp list
// spawns each server and runs initialize and tools/list). The gate is the
// reference test gate on the default Unix socket.
//
// It needs a claude binary: .ci/run installs one from npm and sets
// LATCHGATE_MCP_TEST_CLAUDE; without it the test is skipped.
func TestRealClaudeCode(t *testing.T) {
	claude := realClientPath(t, "LATCHGATE_MCP_TEST_CLAUDE", "Claude Code")
	root := shortTempDir(t, "lgcc")
	home, proj, run := filepath.Join(root, "home"), filepath.Join(root, "proj"), filepath.Join(root, "run")
	for _, d := range []string{home, filepath.Join(proj, ".git"), filepath.Join(run, "latchgate")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	g, err := gatetest.New(gatetest.Options{ManifestDir: "../../internal/gatetest/testdata/manifests"})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.ListenUnix(filepath.Join(run, "latchgate", "gate.sock")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close the test gate: %v", err)
		}
	})

	bin := latchgateBinary(t) // this test binary, named latchgate-mcp
	// CLAUDE_CONFIG_DIR is left out, not set empty: Claude Code reads
	// settings.json from the current directory when it is empty.
	env := append(environWithout("CLAUDE_CONFIG_DIR"), "HOME="+home, "XDG_RUNTIME_DIR="+run,
		"XDG_STATE_HOME="+filepath.Join(home, ".local", "state"),
		"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"MCP_TIMEOUT=20000", "DISABLE_AUTOUPDATER=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1")
	run1 := func(name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env, cmd.Dir = env, proj
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	// An entry older docs put where Claude Code never looks: install moves it.
	if err := os.MkdirAll(filepath.Join(home, ".claude"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".claude", "settings.json"),
		[]byte("{\n  \"mcpServers\": {\n    \"latchgate\": {\"command\": \"latchgate-mcp\", \"args\": [\"serve\"]}\n  }\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	run1(bin, "install", "--ide", "claude-code", "--binary-path", bin)
	run1(bin, "install", "--ide", "claude-code", "--scope", "local", "--name", "lg-local", "--binary-path", bin)
	run1(bin, "install", "--ide", "claude-code", "--scope", "project", "--name", "lg-team", "--approve")
	run1(bin, "install", "--ide", "claude-code", "--scope", "project", "--name", "lg-pending")

	list := run1(claude, "mcp", "list")
	for _, want := range []string{
		`(?m)^latchgate: .* - ✔ Connected$`,
		`(?m)^lg-local: .* - ✔ Connected$`,
		`(?m)^lg-team: latchgate-mcp serve --public-base-url http://localhost:3000 - ✔ Connected$`,
		`(?m)^lg-pending: .* - ⏸ Pending approval`,
	} {
		if !regexp.MustCompile(want).MatchString(list) {
			t.Errorf("claude mcp list does not match %s:\n%s", want, list)
		}
	}
	if strings.Contains(list, "Failed") || strings.Contains(list, "invalid") {
		t.Errorf("claude mcp list reports a problem:\n%s", list)
	}
	if get := run1(claude, "mcp", "get", "latchgate"); !strings.Contains(get, "User config") {
		t.Errorf("claude mcp get latchgate does not say user scope:\n%s", get)
	}
	// Our own view agrees with Claude Code's.
	ours := run1(bin, "list", "--ide", "claude-code", "--name", "lg-pending")
	if !strings.Contains(ours, "pending-approval") {
		t.Errorf("latchgate-mcp list disagrees with Claude Code about lg-pending:\n%s", ours)
	}

	for _, args := range [][]string{
		{"--name", "latchgate"}, {"--scope", "local", "--name", "lg-local"},
		{"--scope", "project", "--name", "lg-team"}, {"--scope", "project", "--name", "lg-pending"},
	} {
		run1(bin, append([]string{"uninstall", "--ide", "claude-code"}, args...)...)
	}
	if list := run1(claude, "mcp", "list"); strings.Contains(list, "latchgate") || strings.Contains(list, "lg-") {
		t.Errorf("servers still listed after uninstall:\n%s", list)
	}
}
