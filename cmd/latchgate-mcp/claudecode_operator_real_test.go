package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestRealClaudeCodeOperator checks separation of duties against the real
// client: after install and install --operator, the agent's Claude Code
// lists and connects its latchgate server but not the operator server,
// refuses "claude mcp add latchgate-operator", and ignores an operator
// entry someone put into its own ~/.claude.json; the operator window
// (CLAUDE_CONFIG_DIR) connects the operator server, whose startup check
// proves the copied credential against the test gate's admin socket, and
// refuses to add the agent's server.
//
// It needs a claude binary, as TestRealClaudeCode does.
func TestRealClaudeCodeOperator(t *testing.T) {
	claude := realClientPath(t, "LATCHGATE_MCP_TEST_CLAUDE", "Claude Code")
	root := shortTempDir(t, "lgop")
	home, proj, run, ops := filepath.Join(root, "home"), filepath.Join(root, "proj"), filepath.Join(root, "run"), filepath.Join(root, "ops")
	for _, d := range []string{home, filepath.Join(proj, ".git"), filepath.Join(run, "latchgate")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cred, err := gatetest.WriteOperatorCredential(ops, "default")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gatetest.New(gatetest.Options{ManifestDir: "../../internal/gatetest/testdata/manifests",
		OperatorCredentials: map[string]gatetest.OperatorCredential{"default": cred}})
	if err != nil {
		t.Fatal(err)
	}
	adminSock := filepath.Join(run, "latchgate", "gate-admin.sock")
	if err := g.ListenUnix(filepath.Join(run, "latchgate", "gate.sock")); err != nil {
		t.Fatal(err)
	}
	if err := g.ListenAdminUnix(adminSock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close the test gate: %v", err)
		}
	})

	bin := latchgateBinary(t)
	agentEnv := append(environWithout("CLAUDE_CONFIG_DIR", "XDG_CONFIG_HOME"), "HOME="+home, "XDG_RUNTIME_DIR="+run,
		"XDG_STATE_HOME="+filepath.Join(home, ".local", "state"),
		"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"MCP_TIMEOUT=20000", "DISABLE_AUTOUPDATER=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1")
	operatorDir := filepath.Join(home, ".config", "latchgate-mcp", "operator", "claude")
	operatorEnv := append(append([]string(nil), agentEnv...), "CLAUDE_CONFIG_DIR="+operatorDir)
	runIn := func(env []string, wantOK bool, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env, cmd.Dir = env, proj
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	runIn(agentEnv, true, bin, "install", "--ide", "claude-code", "--binary-path", bin)
	out := runIn(agentEnv, true, bin, "install", "--operator", "--ide", "claude-code", "--admin-socket", adminSock,
		"--operator-key", filepath.Join(ops, "operator.pem"), "--operator-token-file", filepath.Join(ops, "operator.token"), "--binary-path", bin)
	if strings.Contains(out, cred.APIKey) {
		t.Errorf("install --operator printed the token:\n%s", out)
	}

	agentList := runIn(agentEnv, true, claude, "mcp", "list")
	if !regexp.MustCompile(`(?m)^latchgate: .* - ✔ Connected$`).MatchString(agentList) {
		t.Errorf("the agent's Claude Code does not connect latchgate:\n%s", agentList)
	}
	if strings.Contains(agentList, "latchgate-operator") {
		t.Errorf("the agent's Claude Code lists the operator server:\n%s", agentList)
	}
	if add := runIn(agentEnv, false, claude, "mcp", "add", "latchgate-operator", "--", bin, "operator"); !strings.Contains(add, "blocked") {
		t.Errorf("claude mcp add latchgate-operator was refused, but not by the deny:\n%s", add)
	}

	opList := runIn(operatorEnv, true, claude, "mcp", "list")
	if !regexp.MustCompile(`(?m)^latchgate-operator: .* operator --admin-socket .* - ✔ Connected$`).MatchString(opList) {
		t.Errorf("the operator window does not connect latchgate-operator:\n%s", opList)
	}
	if regexp.MustCompile(`(?m)^latchgate:`).MatchString(opList) {
		t.Errorf("the operator window lists the agent's server:\n%s", opList)
	}
	if add := runIn(operatorEnv, false, claude, "mcp", "add", "latchgate", "--", bin, "serve"); !strings.Contains(add, "blocked") {
		t.Errorf("claude mcp add latchgate in the operator window was refused, but not by the deny:\n%s", add)
	}

	// An operator entry put into the agent's own file by hand (as the
	// Rust installer did) is not loaded: the deny covers it.
	state := filepath.Join(home, ".claude.json")
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["mcpServers"].(map[string]any)["latchgate-operator"] = map[string]any{"type": "stdio", "command": bin,
		"args": []string{"operator", "--admin-socket", adminSock, "--operator-key", filepath.Join(ops, "operator.pem"),
			"--operator-token-file", filepath.Join(ops, "operator.token")}}
	data, _ = json.Marshal(doc)
	if err := os.WriteFile(state, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if list := runIn(agentEnv, true, claude, "mcp", "list"); strings.Contains(list, "latchgate-operator") {
		t.Errorf("the agent's Claude Code lists an operator entry in its own file despite the deny:\n%s", list)
	}

	runIn(agentEnv, true, bin, "uninstall", "--operator", "--ide", "claude-code")
	if list := runIn(operatorEnv, true, claude, "mcp", "list"); strings.Contains(list, "latchgate-operator") {
		t.Errorf("the operator window still lists latchgate-operator after uninstall --operator:\n%s", list)
	}
}
