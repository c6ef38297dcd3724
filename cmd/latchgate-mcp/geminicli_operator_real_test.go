package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestRealGeminiCLIOperator checks install --operator against the real
// Gemini CLI: the operator window (GEMINI_CLI_HOME) loads the policy file
// install writes without a complaint and connects latchgate-operator (its
// startup check proves the copied credential at the admin socket); each
// side's mcp.excluded blocks the other's server, an operator entry put
// into the agent's own settings and the agent's entry in a project's
// settings alike.
//
// .ci/run installs @google/gemini-cli from npm and sets
// LATCHGATE_MCP_TEST_GEMINI; without it the test is skipped.
func TestRealGeminiCLIOperator(t *testing.T) {
	r := newRealClient(t, "LATCHGATE_MCP_TEST_GEMINI", "Gemini CLI")
	gemini := os.Getenv("LATCHGATE_MCP_TEST_GEMINI")

	// The admin side: a gate with an operator credential on the admin
	// socket (the sandbox's gate serves the agent's socket).
	ops := filepath.Join(r.root, "ops")
	cred, err := gatetest.WriteOperatorCredential(ops, "default")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := gatetest.New(gatetest.Options{OperatorCredentials: map[string]gatetest.OperatorCredential{"default": cred}})
	if err != nil {
		t.Fatal(err)
	}
	adminSock := filepath.Join(r.rt, "latchgate", "gate-admin.sock")
	if err := admin.ListenAdminUnix(adminSock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin.Close(); err != nil {
			t.Errorf("close test gate: %v", err)
		}
	})

	r.lg("install", "--ide", "gemini-cli", "--binary-path", r.bin, "--approve")
	out := r.lg("install", "--operator", "--ide", "gemini-cli", "--admin-socket", adminSock,
		"--operator-key", filepath.Join(ops, "operator.pem"), "--operator-token-file", filepath.Join(ops, "operator.token"), "--binary-path", r.bin)
	if strings.Contains(out, cred.APIKey) {
		t.Errorf("install --operator printed the token:\n%s", out)
	}
	opHome := filepath.Join(r.home, ".config", "latchgate-mcp", "operator", "gemini")
	// Gemini starts no server in an untrusted folder: trust the project in
	// the operator's own home, as its first start would ask.
	trust, _ := json.Marshal(map[string]string{r.proj: "TRUST_FOLDER"})
	if err := os.WriteFile(filepath.Join(opHome, ".gemini", "trustedFolders.json"), trust, 0o600); err != nil {
		t.Fatal(err)
	}

	agentList := r.run(false, gemini, "mcp", "list")
	if !regexp.MustCompile(`(?m)^✓ latchgate: .* - Connected$`).MatchString(agentList) || strings.Contains(agentList, "latchgate-operator") {
		t.Errorf("the agent's Gemini CLI, before a stray operator entry:\n%s", agentList)
	}
	// An operator entry put into the agent's own file by hand.
	settings := filepath.Join(r.home, ".gemini", "settings.json")
	data, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["mcpServers"].(map[string]any)["latchgate-operator"] = map[string]any{"command": r.bin,
		"args": []string{"operator", "--admin-socket", adminSock, "--operator-key", filepath.Join(ops, "operator.pem"),
			"--operator-token-file", filepath.Join(ops, "operator.token"), "--confirm", "client-prompt"}}
	data, _ = json.Marshal(doc)
	if err := os.WriteFile(settings, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if list := r.run(false, gemini, "mcp", "list"); !regexp.MustCompile(`(?m)^⛔ latchgate-operator: .* - Blocked$`).MatchString(list) {
		t.Errorf("the agent's Gemini CLI does not block the operator entry in its own file:\n%s", list)
	}

	// The agent's entry in a project's settings, as a repository might
	// carry it.
	if err := os.MkdirAll(filepath.Join(r.proj, ".gemini"), 0o700); err != nil {
		t.Fatal(err)
	}
	project := `{"mcpServers": {"latchgate": {"command": "` + r.bin + `", "args": ["serve"]}}}`
	if err := os.WriteFile(filepath.Join(r.proj, ".gemini", "settings.json"), []byte(project), 0o600); err != nil {
		t.Fatal(err)
	}
	r.setenv("GEMINI_CLI_HOME=" + opHome)
	opList := r.run(false, gemini, "mcp", "list")
	if strings.Contains(opList, "Policy file error") || strings.Contains(opList, "Invalid") {
		t.Errorf("Gemini CLI rejects the policy file install --operator wrote:\n%s", opList)
	}
	if !regexp.MustCompile(`(?m)^✓ latchgate-operator: .* operator .* --confirm client-prompt \(stdio\) - Connected$`).MatchString(opList) {
		t.Errorf("the operator window does not connect latchgate-operator:\n%s", opList)
	}
	if !regexp.MustCompile(`(?m)^⛔ latchgate: .* - Blocked$`).MatchString(opList) {
		t.Errorf("the operator window does not block the agent's server from the project's settings:\n%s", opList)
	}
}
