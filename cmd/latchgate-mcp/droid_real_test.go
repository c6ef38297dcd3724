package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRealDroid installs at user and project scope into a throwaway HOME
// and git project, then asks the real Factory Droid (droid mcp list: it
// connects every server) what it sees: both entries connected, in their
// scopes, and every server it started asked the test gate for its
// actions. uninstall removes both.
//
// .ci/run installs droid from npm and sets LATCHGATE_MCP_TEST_DROID;
// without it the test is skipped.
func TestRealDroid(t *testing.T) {
	r := newRealClient(t, "LATCHGATE_MCP_TEST_DROID", "Factory Droid")
	droid := os.Getenv("LATCHGATE_MCP_TEST_DROID")
	list := func() string { return r.run(false, droid, "mcp", "list") }

	r.lg("install", "--ide", "droid", "--binary-path", r.bin)
	r.lg("install", "--ide", "droid", "--scope", "project", "--name", "lg-team")
	r.gateDiscoveries()
	got := list()
	for _, want := range []string{`(?m)^\s+latchgate\s+stdio\s+connected\s+\[user\]$`, `(?m)^\s+lg-team\s+stdio\s+connected\s+\[project\]$`} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("droid mcp list does not match %s:\n%s", want, got)
		}
	}
	if n := r.gateDiscoveries(); n < 2 {
		t.Errorf("the test gate saw %d action listings, want one from each of the 2 servers", n)
	}
	r.lg("uninstall", "--ide", "droid")
	r.lg("uninstall", "--ide", "droid", "--scope", "project", "--name", "lg-team")
	if got := list(); strings.Contains(got, "latchgate") || strings.Contains(got, "lg-team") {
		t.Errorf("servers still listed after uninstall:\n%s", got)
	}
}
