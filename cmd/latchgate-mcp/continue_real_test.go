package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestRealContinue checks what install writes against the real Continue
// CLI. cn has no MCP status command: a headless turn (cn -p) against a
// fake Anthropic API on loopback starts every server and aborts naming
// any that fails to load (clients.md §3.14, §3.17). The fake model is
// offered the gate's tools under their bare names and calls fs_read,
// which runs through serve to the test gate.
//
// It needs a cn binary: .ci/run installs @continuedev/cli from npm and
// sets LATCHGATE_MCP_TEST_CONTINUE; without it the test is skipped.
func TestRealContinue(t *testing.T) {
	r := newRealClient(t, "LATCHGATE_MCP_TEST_CONTINUE", "Continue CLI")
	cn := os.Getenv("LATCHGATE_MCP_TEST_CONTINUE")
	model := newFakeAnthropic(t, "fs_read", `{"path":"README.md"}`)
	modelFile := filepath.Join(r.root, "model.yaml")
	if err := os.WriteFile(modelFile, []byte("name: fake\nversion: 1.0.0\nschema: v1\nmodels:\n  - name: fake\n"+
		"    provider: anthropic\n    model: claude-fake\n    apiBase: "+model.URL+"/v1/\n    apiKey: fake-key-for-latchgate-tests\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.proj, "README.md"), []byte("# the project\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	out := r.lg("install", "--ide", "continue", "--binary-path", r.bin)
	if !strings.Contains(out, "Continue gives up on a tool call after 60 s") {
		t.Errorf("install does not warn about Continue's 60 s limit:\n%s", out)
	}
	if cfg := r.read("home/.continue/config.yaml"); !strings.Contains(cfg, "name: Local config") {
		t.Errorf("the new config.yaml lacks the top-level name cn requires:\n%s", cfg)
	}

	got := r.run(false, cn, "-p", "Read README.md with the fs_read tool.", "--model", modelFile)
	if strings.Contains(got, "failed to load") || strings.Contains(got, `"status":"error"`) {
		t.Fatalf("cn could not load the server:\n%s", got)
	}
	offered := model.offered()
	if len(offered) == 0 || !slices.Contains(offered[0], "fs_read") || !slices.Contains(offered[0], "http_fetch") {
		t.Errorf("the model was not offered the gate's tools: %v\n%s", offered, got)
	}
	if n := len(r.gate.RequestsFor(gatetest.RouteExecute)); n != 1 {
		t.Errorf("the test gate executed %d actions, want the one fs_read call\n%s", n, got)
	}
	if res := model.toolResults(); len(res) != 1 || !strings.Contains(res[0], "README.md") {
		t.Errorf("tool results sent back to the model: %v", res)
	}

	// A broken entry is what cn reports: the check can fail.
	r.lg("install", "--ide", "continue", "--binary-path", filepath.Join(r.root, "missing", "latchgate-mcp"))
	if got := r.run(true, cn, "-p", "hi", "--model", modelFile); !strings.Contains(got, "MCP server(s) failed to load") {
		t.Errorf("cn did not report the broken entry:\n%s", got)
	}
	r.lg("uninstall", "--ide", "continue")
	if cfg := r.read("home/.continue/config.yaml"); strings.Contains(cfg, "latchgate") {
		t.Errorf("uninstall left our item:\n%s", cfg)
	}
}
