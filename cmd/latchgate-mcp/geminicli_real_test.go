package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRealGeminiCLI installs into a throwaway HOME and project, then asks
// the real Gemini CLI (gemini mcp list: it spawns every server and runs
// initialize and ping) what it sees: nothing runs in an untrusted folder,
// user and project entries connect once --approve trusted it, and every
// server it started asked the test gate for its actions. uninstall takes
// everything back, the trust rule included once no entry needs it.
//
// .ci/run installs @google/gemini-cli from npm and sets
// LATCHGATE_MCP_TEST_GEMINI; without it the test is skipped.
func TestRealGeminiCLI(t *testing.T) {
	r := newRealClient(t, "LATCHGATE_MCP_TEST_GEMINI", "Gemini CLI")
	gemini := os.Getenv("LATCHGATE_MCP_TEST_GEMINI")
	list := func() string { return r.run(false, gemini, "mcp", "list") }

	out := r.lg("install", "--ide", "gemini-cli", "--binary-path", r.bin)
	if !strings.Contains(out, "pass --approve to trust it") {
		t.Errorf("install does not say the folder is untrusted:\n%s", out)
	}
	if got := list(); !regexp.MustCompile(`(?m)^○ latchgate: .* - Disabled$`).MatchString(got) ||
		!strings.Contains(got, "disabled because this folder is untrusted") {
		t.Errorf("gemini mcp list in an untrusted folder:\n%s", got)
	}
	if ours := r.lg("list", "--ide", "gemini-cli"); !strings.Contains(ours, "pending-approval") {
		t.Errorf("latchgate-mcp list disagrees with Gemini about the untrusted folder:\n%s", ours)
	}
	r.gateDiscoveries()

	// --approve trusts the folder for the user entry; the project entry
	// installed after it relies on the same trust.
	r.lg("install", "--ide", "gemini-cli", "--binary-path", r.bin, "--approve")
	r.lg("install", "--ide", "gemini-cli", "--scope", "project", "--name", "lg-team")
	got := list()
	for _, want := range []string{
		`(?m)^✓ latchgate: ` + regexp.QuoteMeta(r.bin) + ` serve --gate-socket .* \(stdio\) - Connected$`,
		`(?m)^✓ lg-team: latchgate-mcp serve --public-base-url http://localhost:3000 \(stdio\) - Connected$`,
	} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("gemini mcp list does not match %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Invalid configuration") || strings.Contains(got, "Error in") {
		t.Errorf("Gemini CLI complains about the settings:\n%s", got)
	}
	if n := r.gateDiscoveries(); n < 2 {
		t.Errorf("the test gate saw %d action listings, want one from each of the 2 servers", n)
	}

	r.lg("uninstall", "--ide", "gemini-cli", "--scope", "project", "--name", "lg-team")
	if trust := r.read("home/.gemini/trustedFolders.json"); !strings.Contains(trust, r.proj) {
		t.Errorf("the user entry still needs the trust, but it is gone:\n%s", trust)
	}
	r.lg("uninstall", "--ide", "gemini-cli")
	if trust := r.read("home/.gemini/trustedFolders.json"); strings.Contains(trust, r.proj) {
		t.Errorf("uninstall left the trust --approve added:\n%s", trust)
	}
	if got := list(); strings.Contains(got, "latchgate") || strings.Contains(got, "lg-team") {
		t.Errorf("servers still listed after uninstall:\n%s", got)
	}
}
