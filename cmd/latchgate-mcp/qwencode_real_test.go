package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRealQwenCode installs into a throwaway HOME and project, then asks
// the real Qwen Code (qwen mcp reconnect --all: its real startup path,
// approval included; it connects every server and lists its tools) what
// it sees: the user entry and the project entry --approve approved
// reconnect, the project entry installed without --approve is skipped as
// pending (so the approval hash we compute is Qwen's), and every server it
// started asked the test gate for its actions. uninstall removes the
// entries and the approval.
//
// .ci/run installs @qwen-code/qwen-code from npm and sets
// LATCHGATE_MCP_TEST_QWEN; without it the test is skipped. Qwen Code
// declares Node 22, but its mcp commands run on Node 20 (0.24.4).
func TestRealQwenCode(t *testing.T) {
	r := newRealClient(t, "LATCHGATE_MCP_TEST_QWEN", "Qwen Code")
	qwen := os.Getenv("LATCHGATE_MCP_TEST_QWEN")
	reconnect := func() string { return r.run(true, qwen, "mcp", "reconnect", "--all") }

	r.lg("install", "--ide", "qwen-code", "--binary-path", r.bin)
	r.lg("install", "--ide", "qwen-code", "--scope", "project", "--name", "lg-team", "--approve")
	out := r.lg("install", "--ide", "qwen-code", "--scope", "project", "--name", "lg-pending")
	if !strings.Contains(out, "pass --approve to approve") {
		t.Errorf("install does not say the project entry will be pending:\n%s", out)
	}
	r.gateDiscoveries()
	got := reconnect()
	t.Logf("qwen mcp reconnect --all:\n%s", got)
	for _, want := range []string{
		`(?m)^✓ latchgate: Reconnected successfully`,
		`(?m)^✓ lg-team: Reconnected successfully`,
		`(?m)^- lg-pending: Skipped - server is pending approval`,
	} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("qwen mcp reconnect --all does not match %s:\n%s", want, got)
		}
	}
	if n := r.gateDiscoveries(); n < 2 {
		t.Errorf("the test gate saw %d action listings, want one from each of the 2 servers started", n)
	}
	if ours := r.lg("list", "--ide", "qwen-code", "--name", "lg-pending"); !strings.Contains(ours, "pending-approval") {
		t.Errorf("latchgate-mcp list disagrees with Qwen about lg-pending:\n%s", ours)
	}

	r.lg("uninstall", "--ide", "qwen-code")
	r.lg("uninstall", "--ide", "qwen-code", "--scope", "project", "--name", "lg-team")
	r.lg("uninstall", "--ide", "qwen-code", "--scope", "project", "--name", "lg-pending")
	if a := r.read("home/.qwen/mcpApprovals.json"); strings.Contains(a, "lg-team") {
		t.Errorf("uninstall left the approval:\n%s", a)
	}
	if got := r.run(true, qwen, "mcp", "list"); strings.Contains(got, "latchgate") || strings.Contains(got, "lg-") {
		t.Errorf("servers still listed after uninstall:\n%s", got)
	}
}
