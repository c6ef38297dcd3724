package serve

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestHoldSurvivesLeaseRenewal is gap G1: another call renews the lease
// (a new gate session) while a call is held; the held call must keep
// polling with the lease it was made with and still get the result. The
// clock moves only while no request is in flight (the warm-up has ended
// and the hold loop is parked between polls), so no proof straddles the
// jump.
func TestHoldSurvivesLeaseRenewal(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	h := newHarness(t, harnessOpts{gate: gatetest.Options{Clock: clk.now}, server: Options{Now: clk.now}})
	polls := stepPolls(h.srv)
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Output: json.RawMessage(`"done"`)})
	waitWarmUp(t, h)
	type result struct {
		res *mcp.CallToolResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := h.cs.CallTool(h.ctx, &mcp.CallToolParams{Name: "gmail_send", Arguments: map[string]any{}})
		done <- result{res, err}
	}()
	polls.waitParked(t) // held, polled once, waiting
	held := h.gate.Approvals()[0]
	clk.advance(250 * time.Second) // past the renewal point of the 300 s lease, before its expiry
	if res := h.call("http_fetch", map[string]any{"url": "u"}); res.IsError {
		t.Fatal(text(res))
	}
	if n := len(h.gate.RequestsFor(gatetest.RouteLeases)); n != 2 {
		t.Fatalf("%d leases, want 2 (the second call must have renewed)", n)
	}
	if err := h.gate.Approve(held.ID); err != nil {
		t.Fatal(err)
	}
	polls.next(t)
	r := <-done
	if r.err != nil || r.res.IsError || !strings.HasPrefix(text(r.res), "done\n\n[receipt_id: ") {
		t.Fatalf("held call after a renewal: %v %s", r.err, text(r.res))
	}
	for _, p := range h.gate.RequestsFor(gatetest.RoutePoll) {
		if p.Lease == nil || p.Lease.SessionID != held.SessionID {
			t.Errorf("poll sent from another session (status %d %s)", p.Status, p.Error)
		}
	}
}

// waitWarmUp waits until the server's startup warm-up (a lease and a
// receipt read that proves it is accepted) has been answered, so it cannot
// be in flight when a test moves the clock.
func waitWarmUp(t *testing.T, h *harness) {
	t.Helper()
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	if _, err := h.gate.WaitRequests(ctx, gatetest.RouteReceipt, 1); err != nil {
		t.Fatalf("the warm-up did not happen: %v", err)
	}
}

// TestHoldLeaseExpires checks the answer when the lease a hold was made
// with runs out before the operator decides: the call says so instead of
// waiting for a result it can no longer see.
func TestHoldLeaseExpires(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	h := newHarness(t, harnessOpts{gate: gatetest.Options{Clock: clk.now}, server: Options{Now: clk.now, HoldTimeout: time.Hour}})
	polls := stepPolls(h.srv)
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	waitWarmUp(t, h)
	done := make(chan *mcp.CallToolResult, 1)
	go func() { done <- h.call("gmail_send", map[string]any{}) }()
	polls.waitParked(t)
	clk.advance(301 * time.Second)
	polls.next(t)
	te := toolErr(t, <-done)
	if te.Code != codePendingApproval || !strings.Contains(te.Message, "lease expired") || te.ApprovalID == "" {
		t.Errorf("error = %+v", te)
	}
}

func TestStaticDefinitions(t *testing.T) {
	t.Parallel()
	var v struct {
		AgentTools []map[string]any `json:"agent_extra_tools"`
		Resources  []map[string]any `json:"resources_agent"`
	}
	loadVector(t, "mcp_static_definitions", &v)
	h := newHarness(t, harnessOpts{})
	tools, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range v.AgentTools {
		var got map[string]any
		for _, tool := range tools.Tools {
			if tool.Name == want["name"] {
				b, _ := json.Marshal(tool)
				_ = json.Unmarshal(b, &got)
			}
		}
		if !cmp.Equal(got, want) {
			t.Errorf("tool %s:\n%s", want["name"], cmp.Diff(want, got))
		}
	}
	res, err := h.cs.ListResources(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	b, _ := json.Marshal(res.Resources)
	_ = json.Unmarshal(b, &got)
	if !cmp.Equal(got, v.Resources) {
		t.Errorf("resources:\n%s", cmp.Diff(v.Resources, got))
	}
}

func TestToolsCapabilityWithNoTools(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{gate: gatetest.Options{Actions: []gatetest.Action{}}})
	caps := h.cs.InitializeResult().Capabilities
	if caps == nil || caps.Tools == nil || !caps.Tools.ListChanged || caps.Resources == nil {
		t.Fatalf("capabilities = %+v", caps)
	}
	tools, err := h.cs.ListTools(h.ctx, nil)
	if err != nil || len(tools.Tools) != 1 {
		t.Fatalf("tools/list with no gate actions: %v, %v", tools, err)
	}
}

// TestLeaseRefusedIsExplained is gap G9: when the gate refuses the lease,
// the model sees the gate's reason, and the gate is not marked down.
func TestLeaseRefusedIsExplained(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Inject(gatetest.RouteLeases, gatetest.Fault{Kind: gatetest.Respond, Status: 403,
		Body: `{"error":"identity_forbidden"}`, Header: map[string]string{"Content-Type": "application/json"}})
	te := toolErr(t, h.call("http_fetch", map[string]any{"url": "u"}))
	if te.Code != codeAuthFailed || !strings.Contains(te.Message, "identity_forbidden") || !strings.Contains(te.Message, "HTTP 403") {
		t.Errorf("error = %+v", te)
	}
	if !h.srv.health.state().Healthy {
		t.Error("a refused lease marked the gate down")
	}
	h.gate.ClearFaults()
	if res := h.call("http_fetch", map[string]any{"url": "u"}); res.IsError {
		t.Errorf("after the fault: %s", text(res))
	}
}

// TestPublicURLMismatchExplained checks a wrong --public-base-url is
// explained both in the log at startup and in the failed call.
func TestPublicURLMismatchExplained(t *testing.T) {
	t.Parallel()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions(), PublicBaseURL: "http://localhost:3000"})
	c, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var logs syncBuffer
	srv, err := New(Options{Client: c, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.Start(ctx)
	waitFor(t, 10*time.Second, "the startup warning", func() bool {
		return strings.Contains(logs.String(), "--public-base-url must equal public_base_url")
	})
	res := srv.call(ctx, "http_fetch", &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "http_fetch", Arguments: json.RawMessage(`{"url":"u"}`)}})
	te := toolErr(t, res)
	if te.Code != codeAuthFailed || !strings.Contains(te.Message, "htu mismatch") || !strings.Contains(te.Message, "--public-base-url") {
		t.Errorf("error = %+v", te)
	}
}

// TestHoldSurvivesGateBlip checks a held call keeps waiting through a
// short gate outage (polls fail to connect) and still gets the result.
func TestHoldSurvivesGateBlip(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Output: json.RawMessage(`"ok"`)})
	type result struct {
		res *mcp.CallToolResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := h.cs.CallTool(h.ctx, &mcp.CallToolParams{Name: "gmail_send", Arguments: map[string]any{}})
		done <- result{res, err}
	}()
	waitFor(t, 5*time.Second, "the hold", func() bool { return len(h.gate.Approvals()) == 1 })
	if err := h.gate.Stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a failed poll", func() bool { return !h.srv.health.state().Healthy })
	if err := h.gate.Start(); err != nil {
		t.Fatal(err)
	}
	if err := h.gate.Approve(h.gate.Approvals()[0].ID); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || r.res.IsError || !strings.HasPrefix(text(r.res), "ok\n\n[receipt_id: ") {
			t.Fatalf("held call after a gate blip: %v %s", r.err, text(r.res))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("held call did not finish after the gate came back")
	}
}
