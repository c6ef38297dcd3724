package opserve

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

var actions = []gatetest.Action{
	{ID: "http_post", Version: "1.0.0", RiskLevel: "medium", EgressProfile: "proxy_allowlist", AllowedDomains: []string{"httpbin.org"},
		RequestSchema: json.RawMessage(`{"type":"object","properties":{"url":{"type":"string"},"body":{"type":"string"}},"required":["url"]}`)},
	{ID: "gmail_send", Version: "1.2.0", RiskLevel: "high"},
}

// harness is a gate, the real agent client holding calls, and this
// server under a real SDK client connected in memory.
type harness struct {
	g     *gatetest.Gate
	agent *gate.Client
	cs    *mcp.ClientSession

	mu     sync.Mutex
	asked  []*mcp.ElicitParams
	answer func(*mcp.ElicitParams) (*mcp.ElicitResult, error)
}

type setup struct {
	elicit         bool   // the client offers elicitation
	protocol       string // "" for the SDK's latest
	clientConfirms bool
	allowlist      bool
	confirmTimeout time.Duration
	manualRounds   bool // the client does not retry input requests itself
}

func start(t *testing.T, su setup) *harness {
	t.Helper()
	dir := t.TempDir()
	cred, err := gatetest.WriteOperatorCredential(dir, "ops")
	if err != nil {
		t.Fatal(err)
	}
	g := gatetest.StartTCP(t, gatetest.Options{Actions: actions, HoldUnknownDomains: true,
		OperatorCredentials: map[string]gatetest.OperatorCredential{"ops": cred}})
	adminURL, err := g.ListenAdminTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := operator.LoadKey(filepath.Join(dir, gatetest.OperatorKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	oc, err := operator.New(operator.Config{URL: adminURL, PublicBaseURL: g.PublicBaseURL(), Key: key, Token: cred.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(oc.Close)
	srv, err := New(Options{Client: oc, Version: "test", EnableAllowlist: su.allowlist, ClientConfirms: su.clientConfirms, ConfirmTimeout: su.confirmTimeout})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{g: g}
	copts := &mcp.ClientOptions{}
	if su.manualRounds {
		copts.MultiRoundTrip = &mcp.MultiRoundTripOptions{Disabled: true}
	}
	if su.elicit {
		copts.ElicitationHandler = func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			h.mu.Lock()
			h.asked = append(h.asked, r.Params)
			answer := h.answer
			h.mu.Unlock()
			return answer(r.Params)
		}
	}
	ct, st := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Run(ctx, st) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("server: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the server did not stop within 10s of its context ending")
		}
	})
	cl := mcp.NewClient(&mcp.Implementation{Name: "operator-test", Version: "1"}, copts)
	cs, err := cl.Connect(ctx, ct, &mcp.ClientSessionOptions{ProtocolVersion: su.protocol})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.Close(); err != nil {
			t.Errorf("close client session: %v", err)
		}
	})
	h.cs = cs
	agent, err := gate.New(gate.Config{URL: g.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Close)
	h.agent = agent
	return h
}

func (h *harness) hold(t *testing.T) *gate.ExecuteResult {
	t.Helper()
	res, err := h.agent.Execute(context.Background(), "http_post", json.RawMessage(`{"url":"https://example.org/post","body":"{}"}`))
	if err != nil || res.Status != 202 {
		t.Fatalf("execute = %+v, %v", res, err)
	}
	return res
}

func (h *harness) call(t *testing.T, name string, args map[string]any) (*mcp.CallToolResult, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("CallTool(%s): %v", name, err)
	}
	var body map[string]any
	if len(res.Content) == 1 {
		text := res.Content[0].(*mcp.TextContent).Text
		if err := json.Unmarshal([]byte(text), &body); err != nil {
			t.Fatalf("CallTool(%s): the result is not a JSON object: %v\n%s", name, err, text)
		}
	}
	return res, body
}

func answer(action, decision string) func(*mcp.ElicitParams) (*mcp.ElicitResult, error) {
	return func(*mcp.ElicitParams) (*mcp.ElicitResult, error) {
		r := &mcp.ElicitResult{Action: action}
		if decision != "" {
			r.Content = map[string]any{"decision": decision}
		}
		return r, nil
	}
}

var protocols = []string{"", "2025-06-18"}

func TestToolsAreApprovalToolsOnly(t *testing.T) {
	for _, allow := range []bool{false, true} {
		h := start(t, setup{elicit: true, allowlist: allow})
		res, err := h.cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tool := range res.Tools {
			names = append(names, tool.Name)
		}
		want := []string{toolApprove, toolDeny, toolGet, toolList}
		if allow {
			want = append([]string{toolAllowlist}, want...)
		}
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Errorf("allowlist %v: tools %v, want %v", allow, names, want)
		}
		for _, tool := range res.Tools {
			if tool.Name == toolApprove && !strings.Contains(tool.Description, "learned allowlist") {
				t.Errorf("approve's description does not state the auto-learn: %q", tool.Description)
			}
		}
	}
}

func TestApproveWithElicitation(t *testing.T) {
	for _, proto := range protocols {
		t.Run("protocol "+proto, func(t *testing.T) {
			h := start(t, setup{elicit: true, protocol: proto})
			h.answer = answer("accept", "approve")
			held := h.hold(t)
			_, list := h.call(t, toolList, nil)
			if list["count"] != float64(1) {
				t.Fatalf("list = %v", list)
			}
			res, body := h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID})
			if res.IsError || body["result"] != "approved" || body["learned_domain"] != "example.org" || body["receipt_id"] == "" {
				t.Fatalf("approve = %v", body)
			}
			if len(h.asked) != 1 {
				t.Fatalf("asked %d times", len(h.asked))
			}
			msg := h.asked[0].Message
			for _, want := range []string{"http_post", "dev:anonymous", "https://example.org/post", "example.org", "learned allowlist", "risk medium", held.ApprovalID} {
				if !strings.Contains(msg, want) {
					t.Errorf("the question lacks %q:\n%s", want, msg)
				}
			}
			p, err := h.agent.Poll(context.Background(), held.Lease, held.ApprovalID)
			if err != nil || p.Status != "approved" {
				t.Errorf("agent poll = %+v, %v", p, err)
			}
		})
	}
}

// TestNothingSentWithoutConfirmation: declined, dismissed, the other
// choice, or no answer in time: the gate never sees an approve.
func TestNothingSentWithoutConfirmation(t *testing.T) {
	for _, proto := range protocols {
		for name, ans := range map[string]func(*mcp.ElicitParams) (*mcp.ElicitResult, error){
			"decline": answer("decline", ""),
			"cancel":  answer("cancel", ""),
			"reject":  answer("accept", "reject"),
		} {
			t.Run(name+" "+proto, func(t *testing.T) {
				h := start(t, setup{elicit: true, protocol: proto})
				h.answer = ans
				held := h.hold(t)
				res, body := h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID})
				if !res.IsError || body["code"] != "not_confirmed" || !strings.Contains(body["message"].(string), "nothing was sent to the gate") {
					t.Fatalf("approve = %v", body)
				}
				if n := len(h.g.RequestsFor(gatetest.RouteApprove)); n != 0 {
					t.Errorf("%d approve requests reached the gate", n)
				}
				if st := h.g.Approvals()[0].State; st != gatetest.StatePending {
					t.Errorf("state %s", st)
				}
			})
		}
	}
	t.Run("no answer in time", func(t *testing.T) {
		h := start(t, setup{elicit: true, protocol: "2025-06-18", confirmTimeout: 200 * time.Millisecond})
		release := make(chan struct{})
		defer close(release)
		h.answer = func(*mcp.ElicitParams) (*mcp.ElicitResult, error) {
			<-release
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": "approve"}}, nil
		}
		held := h.hold(t)
		res, body := h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID})
		if !res.IsError || body["code"] != "not_confirmed" {
			t.Fatalf("approve = %v", body)
		}
		if n := len(h.g.RequestsFor(gatetest.RouteApprove)); n != 0 {
			t.Errorf("%d approve requests reached the gate", n)
		}
	})
}

// TestForgedAnswersAreRefused: an answer the server never asked for, or
// a state for another call, confirms nothing.
func TestForgedAnswersAreRefused(t *testing.T) {
	h := start(t, setup{elicit: true})
	held := h.hold(t)
	params := &mcp.CallToolParams{Name: toolApprove, Arguments: map[string]any{"approval_id": held.ApprovalID},
		RequestState:   "made-up",
		InputResponses: mcp.InputResponseMap{confirmKey: &mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": "approve"}}}}
	res, err := h.cs.CallTool(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "not_confirmed") {
		t.Fatalf("forged answer = %v", res.Content[0])
	}
	if n := len(h.g.RequestsFor(gatetest.RouteApprove)); n != 0 {
		t.Errorf("%d approve requests reached the gate", n)
	}
}

// TestAnswerForAnotherCall drives the two rounds by hand (the client's
// automatic retry off): a question asked about one approval, answered
// "approve", confirms neither another approval nor a second use.
func TestAnswerForAnotherCall(t *testing.T) {
	h := start(t, setup{elicit: true, manualRounds: true})
	a, b := h.hold(t), h.hold(t)
	ctx := context.Background()
	first, err := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: toolApprove, Arguments: map[string]any{"approval_id": a.ApprovalID}})
	if err != nil || !first.NeedsInput() || first.RequestState == "" {
		t.Fatalf("first round = %+v, %v", first, err)
	}
	yes := mcp.InputResponseMap{confirmKey: &mcp.ElicitResult{Action: "accept", Content: map[string]any{"decision": "approve"}}}
	// The state of a's question on a call for b.
	res, err := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: toolApprove, Arguments: map[string]any{"approval_id": b.ApprovalID},
		RequestState: first.RequestState, InputResponses: yes})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "another question") {
		t.Fatalf("answer moved to another approval = %v, %v", res, err)
	}
	// The question is used up: even the right call fails now.
	res, err = h.cs.CallTool(ctx, &mcp.CallToolParams{Name: toolApprove, Arguments: map[string]any{"approval_id": a.ApprovalID},
		RequestState: first.RequestState, InputResponses: yes})
	if err != nil || !res.IsError {
		t.Fatalf("reused answer = %v, %v", res, err)
	}
	if n := len(h.g.RequestsFor(gatetest.RouteApprove)); n != 0 {
		t.Errorf("%d approve requests reached the gate", n)
	}
	// A fresh question, answered for this call: approved.
	second, _ := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: toolApprove, Arguments: map[string]any{"approval_id": a.ApprovalID}})
	res, err = h.cs.CallTool(ctx, &mcp.CallToolParams{Name: toolApprove, Arguments: map[string]any{"approval_id": a.ApprovalID},
		RequestState: second.RequestState, InputResponses: yes})
	if err != nil || res.IsError {
		t.Fatalf("answered round = %v, %v", res, err)
	}
}

func TestDenyWithElicitation(t *testing.T) {
	h := start(t, setup{elicit: true})
	h.answer = answer("accept", "deny")
	held := h.hold(t)
	res, body := h.call(t, toolDeny, map[string]any{"approval_id": held.ApprovalID, "reason": "not\u001b[2J today"})
	if res.IsError || body["result"] != "denied" || body["deny_reason"] != "not [2J today" || body["denied_by"] != "ops" {
		t.Fatalf("deny = %v", body)
	}
	if !strings.Contains(h.asked[0].Message, `"not [2J today" (written by the operator's assistant)`) {
		t.Errorf("question:\n%s", h.asked[0].Message)
	}
	p, _ := h.agent.Poll(context.Background(), held.Lease, held.ApprovalID)
	if p == nil || p.Status != "denied" || p.Reason != "not [2J today" {
		t.Errorf("agent poll = %+v", p)
	}
}

func TestWithoutElicitation(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		h := start(t, setup{})
		held := h.hold(t)
		for _, tool := range []string{toolApprove, toolDeny} {
			res, body := h.call(t, tool, map[string]any{"approval_id": held.ApprovalID})
			if !res.IsError || body["code"] != "not_confirmed" || !strings.Contains(body["message"].(string), "--confirm client-prompt") {
				t.Errorf("%s = %v", tool, body)
			}
		}
		if n := len(h.g.RequestsFor(gatetest.RouteApprove)) + len(h.g.RequestsFor(gatetest.RouteDeny)); n != 0 {
			t.Errorf("%d decisions reached the gate", n)
		}
	})
	t.Run("client prompt", func(t *testing.T) {
		h := start(t, setup{clientConfirms: true})
		held := h.hold(t)
		res, body := h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID})
		if !res.IsError || !strings.Contains(body["message"].(string), "action_id is required (it must be http_post)") {
			t.Fatalf("without action_id = %v", body)
		}
		res, body = h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID, "action_id": "gmail_send"})
		if !res.IsError || !strings.Contains(body["message"].(string), "holds http_post, not gmail_send") {
			t.Fatalf("wrong action_id = %v", body)
		}
		res, body = h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID, "action_id": "http_post"})
		if res.IsError || body["result"] != "approved" {
			t.Fatalf("approve = %v", body)
		}
	})
}

func TestArgumentsAndStates(t *testing.T) {
	h := start(t, setup{elicit: true, allowlist: true})
	h.answer = answer("accept", "approve")
	for _, args := range []map[string]any{
		{"approval_id": "../leases"},
		{"approval_id": "019a0000-0000-7000-8000-000000000000", "extra": 1},
		{},
	} {
		res, body := h.call(t, toolApprove, args)
		if !res.IsError || body["code"] != "schema_validation" {
			t.Errorf("%v = %v", args, body)
		}
	}
	res, body := h.call(t, toolApprove, map[string]any{"approval_id": "019a0000-0000-7000-8000-000000000000"})
	if !res.IsError || body["code"] != "action_not_found" {
		t.Errorf("unknown = %v", body)
	}
	held := h.hold(t)
	h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID})
	res, body = h.call(t, toolApprove, map[string]any{"approval_id": held.ApprovalID})
	if !res.IsError || body["code"] != "already_decided" || !strings.Contains(body["message"].(string), "approved already") {
		t.Errorf("twice = %v", body)
	}
	if len(h.asked) != 1 {
		t.Errorf("asked %d times; a decided hold needs no question", len(h.asked))
	}
	// The allowlist with a principal that has a colon, confirmed.
	h.answer = answer("accept", "allow")
	res, body = h.call(t, toolAllowlist, map[string]any{"action_id": "gmail_send", "agent_id": "dev:anonymous"})
	if res.IsError || body["ok"] != true {
		t.Fatalf("allowlist = %v", body)
	}
	if !h.g.Allowlisted("gmail_send", "dev:anonymous") || !strings.Contains(h.asked[1].Message, "dev:anonymous") {
		t.Errorf("not allowlisted, or not asked: %v", h.asked[1].Message)
	}
}

func TestResourcesAndPrompts(t *testing.T) {
	h := start(t, setup{elicit: true})
	h.answer = answer("accept", "deny")
	held := h.hold(t)
	h.call(t, toolDeny, map[string]any{"approval_id": held.ApprovalID, "reason": "no"})
	ctx := context.Background()
	r, err := h.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: auditURI})
	if err != nil || !strings.Contains(r.Contents[0].Text, "approval_denied") {
		t.Fatalf("audit = %v, %v", r, err)
	}
	for _, rr := range h.g.RequestsFor(gatetest.RouteAuditEvents) {
		if rr.RawQuery != "limit=25" {
			t.Errorf("audit query %q", rr.RawQuery)
		}
	}
	r, err = h.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: statusURI})
	if err != nil || !strings.Contains(r.Contents[0].Text, `"gate_healthy": true`) {
		t.Errorf("status = %v, %v", r, err)
	}
	p, err := h.cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "explain_denial", Arguments: map[string]string{"trace_id": held.TraceID}})
	if err != nil || !strings.Contains(p.Messages[0].Content.(*mcp.TextContent).Text, "approval_denied") {
		t.Errorf("explain_denial = %v, %v", p, err)
	}
	if _, err := h.cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "explain_denial", Arguments: map[string]string{"trace_id": "a b"}}); err == nil {
		t.Error("a bad trace id was accepted")
	}
}
