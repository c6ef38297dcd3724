package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRealCodex checks what install writes against the real Codex CLI:
// a user entry (absolute gate socket) and a project entry (portable: the
// default socket found through XDG_RUNTIME_DIR, which Codex passes only
// because the entry's env_vars names it), the project layer ignored until
// --approve trusts the project. "codex mcp list" never starts a server,
// so the test asks Codex's app-server: it starts a thread in the project,
// as a session would, and reports each server's startup and tools
// (clients.md §3.5).
//
// It needs a codex binary: .ci/run installs @openai/codex from npm and
// sets LATCHGATE_MCP_TEST_CODEX; without it the test is skipped.
func TestRealCodex(t *testing.T) {
	r := newRealClient(t, "LATCHGATE_MCP_TEST_CODEX", "Codex")
	codex := os.Getenv("LATCHGATE_MCP_TEST_CODEX")
	r.setenv("CODEX_HOME=" + r.home + "/.codex")

	r.lg("install", "--ide", "codex", "--binary-path", r.bin)
	r.lg("install", "--ide", "codex", "--scope", "project", "--name", "lg-proj")

	// Untrusted: Codex starts the user entry only.
	st := codexStatus(t, codex, r, []string{"latchgate"})
	if st["latchgate"] != "ready" {
		t.Errorf("user entry: startup status %q, want ready (%v)", st["latchgate"], st)
	}
	if _, ok := st["lg-proj"]; ok {
		t.Errorf("Codex started the project entry of an untrusted project: %v", st)
	}
	if n := r.gateDiscoveries(); n == 0 {
		t.Error("no serve asked the gate for its actions")
	}

	// --approve trusts the project: both start, the project one finding
	// the default socket through the forwarded XDG_RUNTIME_DIR.
	r.lg("install", "--ide", "codex", "--scope", "project", "--name", "lg-proj", "--approve")
	st = codexStatus(t, codex, r, []string{"latchgate", "lg-proj"})
	for _, name := range []string{"latchgate", "lg-proj"} {
		if st[name] != "ready" {
			t.Errorf("%s: startup status %q, want ready (%v)", name, st[name], st)
		}
	}
	if !strings.Contains(st["tools"], "http_fetch") {
		t.Errorf("Codex lists no gate tools: %s", st["tools"])
	}

	// Our view agrees: both active now.
	if out := r.lg("list", "--ide", "codex", "--name", "lg-proj"); !strings.Contains(out, "active") {
		t.Errorf("latchgate-mcp list does not call the trusted project entry active:\n%s", out)
	}
	r.lg("uninstall", "--ide", "codex", "--all-scopes", "--name", "lg-proj")
	if strings.Contains(r.read("proj/.codex/config.toml"), "lg-proj") {
		t.Error("uninstall left the project entry")
	}
}

// codexStatus runs codex app-server, starts a thread in the project and
// returns the last startup status of each server Codex reported, waiting
// (bounded) until every one of want is ready or failed; "tools" holds the
// tool names of mcpServerStatus/list.
func codexStatus(t *testing.T, codex string, r *realClient, want []string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, codex, "app-server")
	cmd.Env, cmd.Dir = r.env, r.proj
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// The test has what it came for (or failed already): stop the
		// app-server however it takes it.
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	send := func(msg string) {
		if _, err := io.WriteString(stdin, msg+"\n"); err != nil {
			t.Fatalf("write to codex app-server: %v\n%s", err, stderr.String())
		}
	}
	send(`{"id":1,"method":"initialize","params":{"clientInfo":{"name":"latchgate-mcp-test","version":"1"}}}`)
	send(`{"method":"initialized"}`)
	cwd, _ := json.Marshal(r.proj)
	send(fmt.Sprintf(`{"id":2,"method":"thread/start","params":{"cwd":%s}}`, cwd))

	status := map[string]string{}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 1<<20), 16<<20)
	threadID := ""
	done := func() bool {
		for _, w := range want {
			if s := status[w]; s != "ready" && s != "failed" {
				return false
			}
		}
		return threadID != ""
	}
	for !done() && lines.Scan() {
		var m struct {
			ID     int             `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if json.Unmarshal(lines.Bytes(), &m) != nil {
			continue
		}
		if m.Error != nil {
			t.Fatalf("codex app-server: %s\n%s", m.Error, stderr.String())
		}
		switch {
		case m.ID == 2:
			var res struct {
				Thread struct {
					ID string `json:"id"`
				} `json:"thread"`
			}
			if err := json.Unmarshal(m.Result, &res); err != nil {
				t.Fatalf("codex app-server: thread/start result: %v\n%s", err, m.Result)
			}
			threadID = res.Thread.ID
		case m.Method == "mcpServer/startupStatus/updated":
			var p struct {
				Name, Status string
				Error        *string
			}
			if err := json.Unmarshal(m.Params, &p); err != nil {
				t.Fatalf("codex app-server: %s: %v\n%s", m.Method, err, m.Params)
			}
			status[p.Name] = p.Status
			if p.Error != nil {
				status[p.Name+".error"] = *p.Error
			}
		}
	}
	if !done() {
		t.Fatalf("codex app-server ended before every server started: %v\n%s", status, stderr.String())
	}
	send(fmt.Sprintf(`{"id":3,"method":"mcpServerStatus/list","params":{"threadId":%q,"detail":"full"}}`, threadID))
	for lines.Scan() {
		var m struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(lines.Bytes(), &m) == nil && m.ID == 3 {
			status["tools"] = string(m.Result)
			break
		}
	}
	return status
}
