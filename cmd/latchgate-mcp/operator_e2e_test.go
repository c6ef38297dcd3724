package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// The end-to-end tests of issue 15: a real agent session ("serve" under
// the MCP SDK client) makes a call the gate holds, and a person (or an
// operator window) decides it with the real binary.

// httpPost is the public gate's http_post manifest, as far as the test
// gate needs it: medium risk, so only an unknown domain holds it.
var httpPost = gatetest.Action{ID: "http_post", Version: "1.0.0", RiskLevel: "medium",
	EgressProfile: "proxy_allowlist", AllowedDomains: []string{"httpbin.org"}, DeclaredSideEffects: []string{"http_write"},
	RequestSchema: json.RawMessage(`{"type":"object","properties":{"url":{"type":"string","minLength":1,"maxLength":2048},` +
		`"body":{"type":"string","maxLength":262144}},"required":["url","body"],"additionalProperties":false}`)}

// opWorld is a gate with an admin socket and an operator credential on
// disk, and the environment an operator command runs in.
type opWorld struct {
	g       *gatetest.Gate
	bin     string
	home    string
	credDir string
	env     []string // for operator commands: admin socket, key, token file
}

func newOpWorld(t *testing.T) *opWorld {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real binary against a test gate; skipped in -short mode")
	}
	home := t.TempDir()
	credDir := filepath.Join(home, "operator")
	cred, err := gatetest.WriteOperatorCredential(credDir, "default")
	if err != nil {
		t.Fatal(err)
	}
	g := gatetest.StartTCP(t, gatetest.Options{Actions: []gatetest.Action{httpPost}, HoldUnknownDomains: true,
		OperatorCredentials: map[string]gatetest.OperatorCredential{"default": cred}})
	rt, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(rt); err != nil {
			t.Error(err)
		}
	})
	if err := g.ListenAdminUnix(filepath.Join(rt, "gate-admin.sock")); err != nil {
		t.Fatal(err)
	}
	w := &opWorld{g: g, bin: latchgateBinary(t), home: home, credDir: credDir}
	w.env = append(w.baseEnv(),
		"LATCHGATE_ADMIN_SOCKET="+g.AdminSocketPath(),
		"LATCHGATE_PUBLIC_URL="+g.PublicBaseURL(),
		"LATCHGATE_OPERATOR_KEY="+filepath.Join(credDir, gatetest.OperatorKeyFile),
		"LATCHGATE_OPERATOR_TOKEN_FILE="+filepath.Join(credDir, gatetest.OperatorTokenFile))
	return w
}

// baseEnv is a clean environment: nothing of the machine's gate or
// operator settings leaks in.
func (w *opWorld) baseEnv() []string {
	var env []string
	for _, kv := range environWithout("CLAUDE_CONFIG_DIR", "NO_COLOR", "ACCESSIBLE", "CI", "LATCHGATE_MCP_NO_PROMPT") {
		if !strings.HasPrefix(kv, "LATCHGATE_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+w.home, "XDG_RUNTIME_DIR="+filepath.Join(w.home, "run"), "XDG_STATE_HOME="+filepath.Join(w.home, "state"))
}

// agent starts "latchgate-mcp serve" against the gate under the MCP SDK
// client, as an IDE would.
func (w *opWorld) agent(t *testing.T) *mcp.ClientSession {
	t.Helper()
	cmd := exec.Command(w.bin, "serve", "--gate-url", w.g.URL())
	cmd.Env = append(w.baseEnv(), "LATCHGATE_MCP_NO_PROMPT=1")
	cmd.Dir = w.home
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil).
		Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 3 * time.Second}, nil)
	if err != nil {
		t.Fatalf("start serve: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() {
		// serve exits 0 when its stdin closes; anything else (killed
		// after TerminateDuration, a crash) is a failure.
		if err := cs.Close(); err != nil {
			t.Errorf("stop serve: %v\n%s", err, stderr.String())
		}
	})
	return cs
}

// heldCall is an agent tool call in flight.
type heldCall struct {
	id   string // approval id
	done chan struct{}
	res  *mcp.CallToolResult
	err  error
}

// post makes the agent call http_post to host, which the gate holds
// (the domain is unknown), and returns once the hold exists.
func (w *opWorld) post(t *testing.T, cs *mcp.ClientSession, host string) *heldCall {
	t.Helper()
	before := len(w.g.Approvals())
	hc := &heldCall{done: make(chan struct{})}
	go func() {
		defer close(hc.done)
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		hc.res, hc.err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "http_post",
			Arguments: map[string]any{"url": "https://" + host + "/post", "body": `{"hello":"world"}`}})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if aps := w.g.Approvals(); len(aps) > before {
			hc.id = aps[len(aps)-1].ID
			return hc
		}
		if time.Now().After(deadline) {
			t.Fatal("the agent's call was never held")
		}
		select {
		case <-hc.done:
			t.Fatalf("the call ended without a hold: %v %v", hc.res, hc.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// result waits for the agent's call to end and returns its text.
func (hc *heldCall) result(t *testing.T) (string, bool) {
	t.Helper()
	select {
	case <-hc.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the agent's call did not end after the decision")
	}
	if hc.err != nil {
		t.Fatalf("agent call: %v", hc.err)
	}
	var b strings.Builder
	for _, c := range hc.res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), hc.res.IsError
}

// run runs latchgate-mcp with the operator environment and returns its
// stdout, stderr and exit code.
func (w *opWorld) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Env = append(append([]string(nil), w.env...), "LATCHGATE_MCP_NO_PROMPT=1")
	cmd.Dir = w.home
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// TestApproveScript: a held http_post approved with "approve ID --yes";
// the agent gets the output and the receipt. A denial reaches the agent
// with its reason.
func TestApproveScript(t *testing.T) {
	w := newOpWorld(t)
	cs := w.agent(t)

	held := w.post(t, cs, "example.org")
	out, errOut, code := w.run(t, "approve", "--list", "--json")
	var list []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0]["approval_id"] != held.id || list[0]["action_id"] != "http_post" {
		t.Fatalf("approve --list --json = %d %s %s", code, out, errOut)
	}
	out, errOut, code = w.run(t, "approve", held.id, "--yes")
	if code != 0 || !strings.Contains(out, "approved "+held.id+": executed, receipt ") || !strings.Contains(out, "learned example.org") {
		t.Fatalf("approve ID --yes = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	text, isErr := held.result(t)
	if isErr || !strings.Contains(text, `https://example.org/post`) || !strings.Contains(text, "[receipt_id: ") {
		t.Fatalf("the agent got:\n%s", text)
	}
	receipt := w.g.Approvals()[0].ReceiptID
	if !strings.Contains(text, receipt) {
		t.Errorf("the agent's result does not name receipt %s:\n%s", receipt, text)
	}
	// Again: nothing done, exit 1, --json says so.
	out, _, code = w.run(t, "approve", held.id, "--yes", "--json")
	if code != 1 || !strings.Contains(out, `"result": "already_approved"`) {
		t.Errorf("second approve = %d %s", code, out)
	}

	denied := w.post(t, cs, "other.example")
	out, errOut, code = w.run(t, "approve", "--deny", denied.id, "--reason", "not this\x1b[2J one", "--yes")
	if code != 0 || !strings.Contains(out, "denied "+denied.id+": not this [2J one") {
		t.Fatalf("approve --deny = %d\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	text, isErr = denied.result(t)
	if !isErr || !strings.Contains(text, "not this [2J one") || !strings.Contains(text, "policy_denied") {
		t.Fatalf("the agent got:\n%s", text)
	}

	// The operator's requests, as the gate saw them.
	for _, r := range w.g.Requests() {
		if r.Listener != "admin-unix" {
			continue
		}
		if r.Operator != "default" || r.Proof == nil || strings.Contains(r.Proof.HTU, "?") {
			t.Errorf("%s %s: operator %q, proof %+v", r.Method, r.Path, r.Operator, r.Proof)
		}
		if strings.Contains(r.Header.Get("Authorization"), "key-default-") && r.Header.Get("Authorization") != "DPoP "+strings.TrimSpace(readFile(t, filepath.Join(w.credDir, gatetest.OperatorTokenFile))) {
			t.Errorf("odd Authorization header")
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestApproveUsage: exit codes and refusals that never reach the gate.
func TestApproveUsage(t *testing.T) {
	w := newOpWorld(t)
	for _, c := range []struct {
		args []string
		env  []string
		code int
		want string
	}{
		{[]string{"approve"}, nil, 2, "needs a terminal"},
		{[]string{"approve", "019a0000-0000-7000-8000-000000000000"}, nil, 2, "--yes is required"},
		{[]string{"approve", "--list", "--deny", "x"}, nil, 2, "choose one of"},
		{[]string{"approve", "--list", "--operator-token", "key-default-0"}, nil, 2, "visible to other users"},
		{[]string{"approve", "../x", "--yes"}, nil, 1, "invalid approval id"},
		{[]string{"approve", "019a0000-0000-7000-8000-000000000000", "--yes"}, nil, 1, "no such approval"},
		{[]string{"approve", "--list"}, []string{"LATCHGATE_OPERATOR_TOKEN_FILE=", "LATCHGATE_OPERATOR_TOKEN=key-default-00000000000000000000000000000000"}, 1, "hint: check the operator token and key"},
	} {
		cmd := append([]string(nil), c.args...)
		w2 := *w
		w2.env = append(append([]string(nil), w.env...), c.env...)
		out, errOut, code := w2.run(t, cmd...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", c.args, code, c.code, c.want, out, errOut)
		}
		if strings.Contains(out+errOut, "key-default-") {
			t.Errorf("%v printed the token", c.args)
		}
	}
	// A key file others can read is refused.
	key := filepath.Join(w.credDir, gatetest.OperatorKeyFile)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := w.run(t, "approve", "--list")
	if code != 1 || !strings.Contains(errOut, "other users can read") || !strings.Contains(errOut, "chmod 600") {
		t.Errorf("world-readable key: %d %s", code, errOut)
	}
}

// TestOperatorServer: "latchgate-mcp operator" under a real MCP client
// lists and resolves holds when the person confirms through elicitation;
// declined, nothing is approved.
func TestOperatorServer(t *testing.T) {
	w := newOpWorld(t)
	agent := w.agent(t)

	var mu sync.Mutex
	reply := "accept"
	var asked []string
	cmd := exec.Command(w.bin, "operator")
	cmd.Env = w.env
	cmd.Dir = w.home
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	op, err := mcp.NewClient(&mcp.Implementation{Name: "operator-window", Version: "1"}, &mcp.ClientOptions{
		ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, r.Params.Message)
			if reply != "accept" {
				return &mcp.ElicitResult{Action: reply}, nil
			}
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": "approve"}}, nil
		},
	}).Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 3 * time.Second}, nil)
	if err != nil {
		t.Fatalf("start operator: %v\n%s", err, stderr.String())
	}
	defer func() {
		if err := op.Close(); err != nil {
			t.Errorf("stop the operator server: %v\n%s", err, stderr.String())
		}
	}()
	tools, err := op.ListTools(ctx, nil)
	if err != nil || len(tools.Tools) != 4 {
		t.Fatalf("tools = %v, %v", tools, err)
	}
	call := func(name string, args map[string]any) (map[string]any, bool) {
		t.Helper()
		res, err := op.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr.String())
		}
		var body map[string]any
		text := res.Content[0].(*mcp.TextContent).Text
		if err := json.Unmarshal([]byte(text), &body); err != nil {
			t.Fatalf("%s: the result is not a JSON object: %v\n%s", name, err, text)
		}
		return body, res.IsError
	}

	// Declined: nothing approved, the agent still waits.
	first := w.post(t, agent, "declined.example")
	mu.Lock()
	reply = "decline"
	mu.Unlock()
	if body, isErr := call("latchgate_list_pending", nil); isErr || body["count"] != float64(1) {
		t.Fatalf("list = %v", body)
	}
	if body, isErr := call("latchgate_approve", map[string]any{"approval_id": first.id}); !isErr || body["code"] != "not_confirmed" {
		t.Fatalf("declined approve = %v", body)
	}
	if n := len(w.g.RequestsFor(gatetest.RouteApprove)); n != 0 {
		t.Fatalf("%d approve requests reached the gate after a decline", n)
	}
	if st := w.g.Approvals()[0].State; st != gatetest.StatePending {
		t.Fatalf("after a decline the hold is %s", st)
	}

	// Confirmed: approved, and the agent gets the output.
	mu.Lock()
	reply = "accept"
	mu.Unlock()
	body, isErr := call("latchgate_approve", map[string]any{"approval_id": first.id})
	if isErr || body["result"] != "approved" || body["learned_domain"] != "declined.example" {
		t.Fatalf("approve = %v", body)
	}
	text, agentErr := first.result(t)
	if agentErr || !strings.Contains(text, "https://declined.example/post") || !strings.Contains(text, "[receipt_id: "+body["receipt_id"].(string)) {
		t.Fatalf("the agent got:\n%s", text)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || !strings.Contains(asked[1], "https://declined.example/post") || !strings.Contains(asked[1], "learned allowlist") {
		t.Errorf("questions asked: %q", asked)
	}
	if strings.Contains(stderr.String(), "key-default-") {
		t.Errorf("the operator server logged the token")
	}
}
