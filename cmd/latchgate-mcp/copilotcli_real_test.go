package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestRealCopilotCLI installs into a throwaway HOME and git project, then
// checks with the real GitHub Copilot CLI: "copilot mcp list" shows the
// project entry only once --approve trusted the folder, and a headless
// turn against a fake Anthropic API on loopback (Copilot has no other
// way to connect a server) reports both entries connected, from their
// scopes, after each asked the test gate for its actions; the fake model
// then calls the fs_read tool of the project entry and the test gate
// executes it. uninstall takes everything back, the trust included.
//
// .ci/run installs @github/copilot from npm and sets
// LATCHGATE_MCP_TEST_COPILOT (and LATCHGATE_MCP_TEST_COPILOT_PKG_CACHE,
// where it unpacked Copilot's 235 MB package once, so each run does not);
// without it the test is skipped.
func TestRealCopilotCLI(t *testing.T) {
	r := newRealClient(t, "LATCHGATE_MCP_TEST_COPILOT", "Copilot CLI")
	copilot := os.Getenv("LATCHGATE_MCP_TEST_COPILOT")
	pkg := os.Getenv("LATCHGATE_MCP_TEST_COPILOT_PKG_CACHE")
	if pkg == "" {
		pkg = filepath.Join(r.root, "pkg")
	}
	model := newFakeAnthropic(t, "lg-team-fs_read", `{"path":"README.md"}`)
	// A fresh XDG_CACHE_HOME: with cached tool lists a turn may end
	// before a server's status is reported (clients.md §3.8).
	r.setenv("XDG_CACHE_HOME="+filepath.Join(r.root, "cache"), "COPILOT_PKG_CACHE_HOME="+pkg,
		"COPILOT_OFFLINE=true", "COPILOT_PROVIDER_TYPE=anthropic", "COPILOT_PROVIDER_BASE_URL="+model.URL,
		"COPILOT_PROVIDER_API_KEY=fake-key-for-latchgate-tests", "COPILOT_MODEL=claude-fake")
	list := func() string { return r.run(false, copilot, "mcp", "list") }

	r.lg("install", "--ide", "copilot-cli", "--binary-path", r.bin)
	out := r.lg("install", "--ide", "copilot-cli", "--scope", "project", "--name", "lg-team")
	if !strings.Contains(out, "pass --approve to trust it") {
		t.Errorf("install does not say the folder is untrusted:\n%s", out)
	}
	if got := list(); !strings.Contains(got, "latchgate (local)") || strings.Contains(got, "lg-team") {
		t.Errorf("copilot mcp list in an untrusted folder:\n%s", got)
	}
	r.lg("install", "--ide", "copilot-cli", "--scope", "project", "--name", "lg-team", "--approve")
	if got := list(); !strings.Contains(got, "Workspace servers:\n  lg-team (local)") {
		t.Errorf("copilot mcp list once trusted:\n%s", got)
	}

	r.gateDiscoveries()
	events := r.run(false, copilot, "-p", "Read README.md with the lg-team fs_read tool.", "--output-format", "json",
		"--allow-all-tools", "--no-color")
	status := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(events))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var ev struct {
			Type string `json:"type"`
			Data struct {
				ServerName   string `json:"serverName"`
				Status       string `json:"status"`
				ConfigSource string `json:"configSource"`
				Error        string `json:"error"`
			} `json:"data"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Type != "session.mcp_server_status_changed" {
			continue
		}
		status[ev.Data.ServerName] = ev.Data.Status + " " + ev.Data.ConfigSource + ev.Data.Error
	}
	t.Logf("server status events: %v", status)
	for name, want := range map[string]string{"latchgate": "connected user", "lg-team": "connected workspace"} {
		if status[name] != want {
			t.Errorf("server %s: status %q, want %q", name, status[name], want)
		}
	}
	if t.Failed() {
		t.Logf("copilot events:\n%s", events)
	}
	if n := len(r.gate.RequestsFor(gatetest.RouteActions)); n < 2 {
		t.Errorf("the test gate saw %d action listings, want one from each of the 2 servers", n)
	}
	offered := model.offered()
	if len(offered) == 0 || !slices.Contains(offered[0], "lg-team-fs_read") || !slices.Contains(offered[0], "latchgate-fs_read") {
		t.Errorf("the model was not offered both servers' fs_read: %v", offered)
	}
	if n := len(r.gate.RequestsFor(gatetest.RouteExecute)); n != 1 {
		t.Errorf("the test gate executed %d actions, want the one fs_read call", n)
	}
	res := model.toolResults()
	t.Logf("tool results: %v", res)
	if len(res) != 1 || !strings.Contains(res[0], "README.md") {
		t.Errorf("tool results sent back to the model: %v", res)
	}

	r.lg("uninstall", "--ide", "copilot-cli", "--scope", "project", "--name", "lg-team")
	r.lg("uninstall", "--ide", "copilot-cli")
	if cfg := r.read("home/.copilot/config.json"); strings.Contains(cfg, r.proj) {
		t.Errorf("uninstall left the trust --approve added:\n%s", cfg)
	}
	if got := list(); strings.Contains(got, "latchgate") || strings.Contains(got, "lg-team") {
		t.Errorf("servers still listed after uninstall:\n%s", got)
	}
}
