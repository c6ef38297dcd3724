package serve

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

func TestListTools(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*mcp.Tool{}
	var names []string
	for _, tool := range res.Tools {
		byName[tool.Name] = tool
		names = append(names, tool.Name)
	}
	want := []string{"fs_delete", "gmail_send", "http_fetch", "latchgate_my_pending", "slow_task"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("tools = %v, want %v (bad.name and string_schema skipped)", names, want)
	}
	hf := byName["http_fetch"]
	if !strings.HasPrefix(hf.Description, "LatchGate protected action (version 1.0.0, risk: low).") {
		t.Errorf("description = %q", hf.Description)
	}
	a := hf.Annotations
	if a == nil || !a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint || a.OpenWorldHint == nil || !*a.OpenWorldHint {
		t.Errorf("http_fetch annotations = %+v", a)
	}
	fd := byName["fs_delete"].Annotations
	if fd == nil || fd.ReadOnlyHint || fd.DestructiveHint == nil || !*fd.DestructiveHint || fd.OpenWorldHint == nil || *fd.OpenWorldHint {
		t.Errorf("fs_delete annotations = %+v", fd)
	}
	schema, _ := json.Marshal(byName["fs_delete"].InputSchema)
	var gotSchema, wantSchema any
	_ = json.Unmarshal(schema, &gotSchema)
	_ = json.Unmarshal(permissiveSchema, &wantSchema)
	if !reflect.DeepEqual(gotSchema, wantSchema) {
		t.Errorf("schema of an action without one = %s", schema)
	}
}

func TestCallExecuted(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"2024-11-05", "2025-06-18"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOpts{protocol: proto})
			h.gate.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Executed, Output: json.RawMessage(`{"status":200}`)})
			res := h.call("http_fetch", map[string]any{"url": "https://example.com"})
			if res.IsError {
				t.Fatalf("error: %s", text(res))
			}
			got := text(res)
			if !strings.HasPrefix(got, "{\n  \"status\": 200\n}\n\n[receipt_id: ") || strings.Contains(got, "inconclusive") {
				t.Errorf("text = %q", got)
			}
			structured := res.StructuredContent != nil
			if structured != (proto >= structuredFrom) {
				t.Errorf("structuredContent present = %v for %s", structured, proto)
			}
			if structured {
				b, _ := json.Marshal(res.StructuredContent)
				var sc map[string]any
				_ = json.Unmarshal(b, &sc)
				if sc["verified"] != true || sc["receipt_id"] == "" || sc["action_id"] != "http_fetch" {
					t.Errorf("structuredContent = %s", b)
				}
			}
		})
	}
}

func TestCallInconclusive(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Executed, Output: json.RawMessage(`"hi"`), NotFullySuccessful: true})
	res := h.call("http_fetch", map[string]any{"url": "u"})
	if got := text(res); !strings.HasPrefix(got, "hi\n\n[receipt_id: ") || !strings.HasSuffix(got, inconclusiveNote) {
		t.Errorf("text = %q", got)
	}
}

func TestCallDenied(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Denied, DenyReason: "domain not\x1b[31m allowed"})
	te := toolErr(t, h.call("http_fetch", map[string]any{"url": "u"}))
	if te.Code != codePolicyDenied || te.Message != "domain not [31m allowed" || te.Remediation == "" ||
		te.ActionID != "http_fetch" || !strings.HasPrefix(te.TraceID, "tr_") || len(te.TraceID) != 39 {
		t.Errorf("error = %+v", te)
	}
}

func TestCallLocalValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	for name, args := range map[string]any{
		"missing required": map[string]any{},
		"extra property":   map[string]any{"url": "u", "x": 1},
		"wrong type":       map[string]any{"url": 5},
	} {
		te := toolErr(t, h.call("http_fetch", args))
		if te.Code != codeSchemaValidation || !strings.HasPrefix(te.Message, "Input validation failed for 'http_fetch': ") {
			t.Errorf("%s: %+v", name, te)
		}
	}
	// format is not asserted: the gate decides.
	if res := h.call("http_fetch", map[string]any{"url": "not a uri"}); res.IsError {
		t.Errorf("format asserted locally: %s", text(res))
	}
	if n := len(h.gate.RequestsFor(gatetest.RouteExecute)); n != 1 {
		t.Errorf("%d execute requests, want 1 (invalid calls must not reach the gate)", n)
	}
	// Missing arguments become {}.
	res := h.call("slow_task", nil)
	if res.IsError {
		t.Fatalf("no arguments: %s", text(res))
	}
	ex := h.gate.RequestsFor(gatetest.RouteExecute)
	if body := string(ex[len(ex)-1].Body); body != "{}" {
		t.Errorf("body sent for missing arguments = %q", body)
	}
	if te := toolErr(t, h.call("no_such_tool", map[string]any{})); te.Code != codeActionNotFound {
		t.Errorf("unknown tool: %+v", te)
	}
}

func TestCallErrorMapping(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	cases := []struct {
		out  gatetest.Outcome
		code string
	}{
		{gatetest.Outcome{Kind: gatetest.SchemaViolation}, codeSchemaValidation},
		{gatetest.Outcome{Kind: gatetest.BudgetExceeded}, codeBudgetExhausted},
		{gatetest.Outcome{Kind: gatetest.ServerError}, codeSandboxError},
		{gatetest.Outcome{Kind: gatetest.ServerError, Status: 503, ErrorCode: "draining"}, codeGateUnavailable},
		{gatetest.Outcome{Kind: gatetest.NotFound}, codeActionNotFound},
		{gatetest.Outcome{Kind: gatetest.TooLarge}, codeSchemaValidation},
	}
	for _, c := range cases {
		h.gate.Script("slow_task", c.out)
		te := toolErr(t, h.call("slow_task", map[string]any{}))
		if te.Code != c.code || te.Message == "" {
			t.Errorf("%v: %+v, want code %s", c.out.Kind, te, c.code)
		}
	}
	h.gate.Script("slow_task", gatetest.Outcome{Kind: gatetest.RateLimited}, gatetest.Outcome{Kind: gatetest.RateLimited})
	te := toolErr(t, h.call("slow_task", map[string]any{}))
	if te.Code != codeRateLimited || te.RetryAfterSeconds != 1 {
		t.Errorf("rate limited: %+v", te)
	}
	if !h.srv.health.state().Healthy {
		t.Error("HTTP errors marked the gate unhealthy")
	}
}

func TestHoldApproved(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Output: json.RawMessage(`{"id":"msg-1"}`)})
	h.gate.SetApproveAfter(2, true)
	res, err := h.cs.CallTool(h.ctx, &mcp.CallToolParams{Name: "gmail_send", Arguments: map[string]any{"raw": "x"},
		Meta: mcp.Meta{"progressToken": "tok-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("error: %s", text(res))
	}
	if got := text(res); !strings.HasPrefix(got, "{\n  \"id\": \"msg-1\"\n}\n\n[receipt_id: ") || strings.Contains(got, "inconclusive") {
		t.Errorf("text = %q (the output must come from the receipt)", got)
	}
	h.mu.Lock()
	messages, progress := strings.Join(h.messages, "\n"), h.progress
	h.mu.Unlock()
	if !strings.Contains(messages, "is waiting for operator approval (ID: ") || !strings.Contains(messages, "latchgate-mcp approve ") {
		t.Errorf("progress messages = %q", messages)
	}
	if len(progress) < 2 || progress[0] != 0 {
		t.Errorf("progress while held = %v, want 0 at the hold and more while polling", progress)
	}
	if n := len(h.gate.RequestsFor(gatetest.RouteExecute)); n != 1 {
		t.Errorf("%d execute requests; an approved action must not run again", n)
	}
	fetched := 0
	for _, r := range h.gate.RequestsFor(gatetest.RouteReceipt) {
		if r.Status == 200 { // the startup warm-up reads a receipt that cannot exist
			fetched++
		}
	}
	if fetched != 1 {
		t.Errorf("%d receipts fetched, want 1", fetched)
	}
}

func TestHoldDenied(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	go func() {
		for i := 0; i < 500; i++ { // bounded: 5 s
			if aps := h.gate.Approvals(); len(aps) == 1 {
				_ = h.gate.DenyWithReason(aps[0].ID, "not today")
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	te := toolErr(t, h.call("gmail_send", map[string]any{}))
	if te.Code != codePolicyDenied || !strings.Contains(te.Message, "was denied: not today") || te.ApprovalID == "" {
		t.Errorf("error = %+v", te)
	}
}

func TestHoldFailedReportedAtOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, ErrorCode: "action_execution_failed"})
	h.gate.SetApproveAfter(1, true)
	start := time.Now()
	te := toolErr(t, h.call("gmail_send", map[string]any{}))
	if te.Code != codeSandboxError || !strings.Contains(te.Message, "action_execution_failed") {
		t.Errorf("error = %+v", te)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("failed approval took %v to report", d)
	}
}

func TestHoldExpired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{gate: gatetest.Options{ApprovalTTL: 300 * time.Millisecond}})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	te := toolErr(t, h.call("gmail_send", map[string]any{}))
	if te.Code != codeApprovalExpired {
		t.Errorf("error = %+v", te)
	}
}

func TestHoldTimeoutFallback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{server: Options{HoldTimeout: 300 * time.Millisecond}})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	te := toolErr(t, h.call("gmail_send", map[string]any{}))
	if te.Code != codePendingApproval || te.ApprovalID == "" || !strings.Contains(te.Message, "latchgate-mcp approve "+te.ApprovalID) {
		t.Errorf("error = %+v", te)
	}
	res := h.call(myPendingName, nil)
	if !strings.Contains(text(res), te.ApprovalID) || !strings.Contains(text(res), `"pending"`) {
		t.Errorf("my_pending = %s", text(res))
	}
}

// TestHoldDoesNotBlock checks a held call leaves ping and other calls
// alone, and that cancelling it stops the wait.
func TestHoldDoesNotBlock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() {
		_, err := h.cs.CallTool(ctx, &mcp.CallToolParams{Name: "gmail_send", Arguments: map[string]any{}})
		done <- err
	}()
	waitFor(t, 5*time.Second, "the hold", func() bool { return len(h.gate.Approvals()) == 1 })
	// The hold never resolves: if it blocked the session, these would
	// hang until the bound.
	pctx, pcancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer pcancel()
	if err := h.cs.Ping(pctx, nil); err != nil {
		t.Fatalf("ping during a hold: %v", err)
	}
	if res, err := h.cs.CallTool(pctx, &mcp.CallToolParams{Name: "http_fetch", Arguments: map[string]any{"url": "u"}}); err != nil || res.IsError {
		t.Fatalf("call during a hold: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("cancelled call returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled call did not return")
	}
	polls := len(h.gate.RequestsFor(gatetest.RoutePoll))
	time.Sleep(500 * time.Millisecond) // bounded: many poll intervals of the harness (50 ms)
	if n := len(h.gate.RequestsFor(gatetest.RoutePoll)); n > polls+1 {
		t.Errorf("polling went on after cancellation: %d polls, then %d", polls, n)
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	const n = 16
	delay := 2 * time.Second // long enough to dispatch 16 calls under the race detector
	h.gate.SetDefault("slow_task", gatetest.Outcome{Kind: gatetest.Executed, Delay: delay})
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.cs.CallTool(h.ctx, &mcp.CallToolParams{Name: "slow_task", Arguments: map[string]any{}})
			switch {
			case err != nil:
				errs <- err.Error()
			case res.IsError:
				errs <- text(res)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	assertOverlapped(t, h.gate, n, delay)
}

func TestGateRestartAndOutage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	if res := h.call("http_fetch", map[string]any{"url": "u"}); res.IsError {
		t.Fatal(text(res))
	}
	if err := h.gate.Restart(); err != nil {
		t.Fatal(err)
	}
	if res := h.call("http_fetch", map[string]any{"url": "u"}); res.IsError {
		t.Fatalf("after restart: %s", text(res))
	}
	if err := h.gate.Stop(); err != nil {
		t.Fatal(err)
	}
	te := toolErr(t, h.call("http_fetch", map[string]any{"url": "u"}))
	if te.Code != codeGateUnavailable || !strings.Contains(te.Message, "Cannot reach LatchGate") {
		t.Errorf("gate down: %+v", te)
	}
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil || len(res.Tools) != 5 {
		t.Fatalf("tools/list while down: %v, %v", res, err)
	}
	st := h.readResource(statusURI)
	if st["gate_healthy"] != false {
		t.Errorf("status while down: %v", st)
	}
	if err := h.gate.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the gate to be healthy again", func() bool { return h.srv.health.state().Healthy })
	if res := h.call("http_fetch", map[string]any{"url": "u"}); res.IsError {
		t.Fatalf("after recovery: %s", text(res))
	}
}

func TestStalledGateTimesOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{server: Options{ExecuteTimeout: 500 * time.Millisecond}})
	if _, err := h.client.Lease(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.gate.Inject(gatetest.RouteExecute, gatetest.Fault{Kind: gatetest.Stall, Duration: 60 * time.Second, Count: 1})
	start := time.Now()
	te := toolErr(t, h.call("slow_task", map[string]any{}))
	if te.Code != codeGateUnavailable || !strings.Contains(te.Message, "may still have run") {
		t.Errorf("error = %+v", te)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("stalled call took %v: the execute timeout was not applied", d)
	}
	if !h.srv.health.state().Healthy {
		t.Error("a timeout marked the gate down")
	}
}

func TestListChangedOnCatalogueChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{server: Options{RefreshInterval: 100 * time.Millisecond}, start: startAfterSession})
	if _, err := h.cs.ListTools(h.ctx, nil); err != nil {
		t.Fatal(err)
	}
	sock := h.gate.SocketPath()
	// The first population, after the session connected, notifies too.
	waitFor(t, 5*time.Second, "the first list_changed", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.changed >= 1
	})
	h.mu.Lock()
	before := h.changed
	h.mu.Unlock()
	if err := h.gate.Close(); err != nil {
		t.Fatal(err)
	}
	g2, err := gatetest.New(gatetest.Options{Actions: fixtureActions()[:2]})
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.ListenUnix(sock); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g2.Close(); err != nil {
			t.Errorf("close test gate: %v", err)
		}
	})
	waitFor(t, 10*time.Second, "tools/list_changed", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.changed > before
	})
	waitFor(t, 5*time.Second, "the new tool list", func() bool {
		res, err := h.cs.ListTools(h.ctx, nil)
		return err == nil && len(res.Tools) == 3
	})
}

func TestGateDownAtStart(t *testing.T) {
	t.Parallel()
	// A server started against a stopped gate answers tools/list with an
	// error that says why, then recovers when the gate appears.
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	if err := g.Stop(); err != nil {
		t.Fatal(err)
	}
	h2 := newHarnessFor(t, g, Options{ListWait: 2 * time.Second})
	_, err := h2.cs.ListTools(h2.ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot fetch action list") {
		t.Fatalf("tools/list with the gate down: %v", err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "tools after the gate came up", func() bool {
		res, err := h2.cs.ListTools(h2.ctx, nil)
		return err == nil && len(res.Tools) == 5
	})
}

func TestResources(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{server: Options{AgentID: "agent-7", SessionID: "s-1", Version: "1.2.3"}})
	if res := h.call("http_fetch", map[string]any{"url": "u"}); res.IsError {
		t.Fatal(text(res))
	}
	st := h.readResource(statusURI)
	if st["agent_id"] != "agent-7" || st["adapter_version"] != "1.2.3" || st["gate_healthy"] != true ||
		st["principal"] != "dev:anonymous" || st["gate_session_id"] == "" || st["protocol_version"] != "2025-06-18" {
		t.Errorf("status = %v", st)
	}
	res, err := h.cs.ReadResource(h.ctx, &mcp.ReadResourceParams{URI: actionsURI})
	if err != nil {
		t.Fatal(err)
	}
	var tools []map[string]any
	if err := json.Unmarshal([]byte(res.Contents[0].Text), &tools); err != nil || len(tools) != 4 {
		t.Errorf("actions resource: %d tools, %v", len(tools), err)
	}
	lr, err := h.cs.ListResources(h.ctx, nil)
	if err != nil || len(lr.Resources) != 2 {
		t.Errorf("resources/list = %v, %v", lr, err)
	}
}

func (h *harness) readResource(uri string) map[string]any {
	h.t.Helper()
	res, err := h.cs.ReadResource(h.ctx, &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		h.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(res.Contents[0].Text), &m); err != nil {
		h.t.Fatal(err)
	}
	return m
}
