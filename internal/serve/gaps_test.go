package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestGateTraceIDReported is gap G7 on the agent side: the gate's own
// trace_id (the handle for its audit log) is passed on, beside the local
// tr_ one, in the structured result of an executed call and in the error
// of a held call that ends badly.
func TestGateTraceIDReported(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	lastTraceID := func() string {
		t.Helper()
		ex := h.gate.RequestsFor(gatetest.RouteExecute)
		if len(ex) == 0 {
			t.Fatal("no execute request")
		}
		var body struct {
			TraceID string `json:"trace_id"`
		}
		if err := json.Unmarshal(ex[len(ex)-1].Response, &body); err != nil || body.TraceID == "" {
			t.Fatalf("the gate sent no trace_id: %s", ex[len(ex)-1].Response)
		}
		return body.TraceID
	}

	res := h.call("http_fetch", map[string]any{"url": "https://example.com"})
	if res.IsError {
		t.Fatalf("call: %s", text(res))
	}
	var sc struct {
		GateTraceID string `json:"gate_trace_id"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &sc); err != nil {
		t.Fatal(err)
	}
	if want := lastTraceID(); sc.GateTraceID != want {
		t.Errorf("executed: gate_trace_id = %q, want %q (structuredContent %s)", sc.GateTraceID, want, b)
	}

	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	go func() {
		for i := 0; i < 500; i++ { // bounded: 5 s
			if aps := h.gate.Approvals(); len(aps) == 1 {
				_ = h.gate.DenyWithReason(aps[0].ID, "no")
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	te := toolErr(t, h.call("gmail_send", map[string]any{}))
	if want := lastTraceID(); te.Code != codePolicyDenied || te.GateTraceID != want || te.TraceID == want {
		t.Errorf("held then denied: %+v, want gate_trace_id %q beside the local trace_id", te, want)
	}
}

// TestToolFilter is gap G13's include/exclude option: filtered actions
// are not offered, cost no discovery requests, and cannot be called.
func TestToolFilter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{server: Options{Include: []string{"*_*"}, Exclude: []string{"fs_*", "slow_task"}}})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	if want := []string{"gmail_send", "http_fetch", "latchgate_my_pending"}; !cmp.Equal(names, want) {
		t.Errorf("tools = %v, want %v", names, want)
	}
	for _, route := range []string{gatetest.RouteSchema, gatetest.RouteAction} {
		for _, r := range h.gate.RequestsFor(route) {
			if strings.Contains(r.Path, "/fs_delete") || strings.Contains(r.Path, "/slow_task") {
				t.Errorf("discovery fetched %s for a filtered action", r.Path)
			}
		}
	}
	if te := toolErr(t, h.call("fs_delete", map[string]any{})); te.Code != codeActionNotFound {
		t.Errorf("call to a filtered action: %+v", te)
	}
	if n := len(h.gate.RequestsFor(gatetest.RouteExecute)); n != 0 {
		t.Errorf("%d execute requests for a filtered action", n)
	}
	if _, err := New(Options{Client: h.client, Exclude: []string{"a["}}); err == nil {
		t.Error("New accepted a malformed pattern")
	}
}

// TestListChangedOnSchemaChange is gap G13: a change to a tool's
// definition with the same set of names (here a new request schema)
// notifies the client, and tools/list then shows the new definition. The
// session connects after the first discovery, so the first population
// notifies nobody and the only notification is the change's (connecting
// during the first discovery made the count depend on which came first).
func TestListChangedOnSchemaChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{server: Options{RefreshInterval: 100 * time.Millisecond}, start: startBeforeSession})
	if _, err := h.cs.ListTools(h.ctx, nil); err != nil {
		t.Fatal(err)
	}
	sock := h.gate.SocketPath()
	if err := h.gate.Close(); err != nil {
		t.Fatal(err)
	}
	actions := fixtureActions()
	const newSchema = `{"type":"object","required":["url","method"],"properties":{"url":{"type":"string"},"method":{"type":"string"}}}`
	actions[0].RequestSchema = json.RawMessage(newSchema)
	g2, err := gatetest.New(gatetest.Options{Actions: actions})
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
	waitFor(t, 20*time.Second, "tools/list_changed after a schema change", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.changed > 0
	})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		if tool.Name == "http_fetch" {
			b, _ := json.Marshal(tool.InputSchema)
			if !strings.Contains(string(b), `"method"`) {
				t.Errorf("http_fetch schema after the change = %s", b)
			}
		}
	}
}

// TestNoLoggingCapability: MCP deprecated the logging feature
// (SEP-2577: servers on stdio log to stderr), so the server declares no
// logging capability, and over stdio logging/setLevel is an unknown
// method like any other. Holds are reported with progress notifications
// (TestHoldApproved).
func TestNoLoggingCapability(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	if caps := h.cs.InitializeResult().Capabilities; caps == nil || caps.Tools == nil || len(capabilityNames(t, caps)) != 2 {
		t.Errorf("capabilities = %v, want tools and resources only", capabilityNames(t, caps))
	}
	got := byID(t, runStdio(t, initLine+"\n"+`{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"debug"}}`+"\n"))
	if c := errCode(got["1"]); c != -32601 {
		t.Errorf("logging/setLevel: %v", got["1"])
	}
}

// capabilityNames lists the capabilities a server declared, by their JSON
// names.
func capabilityNames(t *testing.T, caps any) []string {
	t.Helper()
	b, err := json.Marshal(caps)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// TestNonObjectArgumentsRefused is gap G14: arguments that are not a JSON
// object are refused locally, never sent to the gate.
func TestNonObjectArgumentsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	for _, args := range []any{[]any{1}, "x", 5, true} {
		te := toolErr(t, h.call("slow_task", args))
		if te.Code != codeSchemaValidation || !strings.Contains(te.Message, "must be a JSON object") {
			t.Errorf("arguments %v: %+v", args, te)
		}
	}
	if n := len(h.gate.RequestsFor(gatetest.RouteExecute)); n != 0 {
		t.Errorf("%d execute requests for non-object arguments", n)
	}
}

// TestExecuteTimeoutFromAction is gap G4: an execute call is bounded by
// the action's own resource_limits.timeout_seconds plus a margin, or by
// the server's default when the action declares none.
func TestExecuteTimeoutFromAction(t *testing.T) {
	t.Parallel()
	sum := gate.ActionSummary{ActionID: "a", Version: "1", RiskLevel: "low"}
	for _, tc := range []struct {
		detail string
		want   time.Duration
	}{
		{`{"resource_limits":{"timeout_seconds":45}}`, 75 * time.Second},
		{`{"resource_limits":{}}`, 120 * time.Second},
		{``, 120 * time.Second},
	} {
		var d *gate.ActionDetail
		if tc.detail != "" {
			d = mustDetail(t, tc.detail)
		}
		e, err := buildEntry(sum, d, nil, 120*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if e.timeout != tc.want {
			t.Errorf("detail %s: timeout %v, want %v", tc.detail, e.timeout, tc.want)
		}
	}
}

// TestInitializeNotBlockedByDiscovery is gap G15: initialize is answered
// while the first discovery is still waiting on the gate.
func TestInitializeNotBlockedByDiscovery(t *testing.T) {
	t.Parallel()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	g.Inject(gatetest.RouteActions, gatetest.Fault{Kind: gatetest.Stall, Duration: 30 * time.Second, Count: 1})
	h := newHarnessFor(t, g, Options{})
	// The gate records a request once it has answered it: none yet means
	// the session was set up before discovery got anything back.
	if n := len(g.RequestsFor(gatetest.RouteActions)); n != 0 {
		t.Errorf("initialize waited for discovery (%d action list requests answered)", n)
	}
	if err := h.cs.Ping(h.ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// TestCancelledCallGetsNoResponse is gap G5's notifications/cancelled
// over stdio: the held call stops polling and no response is written for
// its id, while later requests are answered.
func TestCancelledCallGetsNoResponse(t *testing.T) {
	t.Parallel()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	c, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	srv, err := New(Options{Client: c, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, &StdioTransport{In: inR, Out: outW}) }()
	lines := make(chan map[string]any, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	send := func(s string) {
		t.Helper()
		if _, err := io.WriteString(inW, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	// next returns the next message that has an id, skipping notifications.
	next := func() map[string]any {
		t.Helper()
		for {
			select {
			case m, ok := <-lines:
				if !ok {
					t.Fatal("stdout closed")
				}
				if _, hasID := m["id"]; hasID {
					return m
				}
			case <-ctx.Done():
				t.Fatal("no answer")
			}
		}
	}
	send(initLine)
	if m := next(); m["id"] != float64(0) {
		t.Fatalf("initialize answer: %v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":"held","method":"tools/call","params":{"name":"gmail_send","arguments":{}}}`)
	// Wait until the server is waiting on the approval, not merely until
	// the gate has created it: cancelling while the 202 is still on its
	// way ends the call before any wait (a different path, and the cause
	// of this test's old flakiness).
	waitFor(t, 10*time.Second, "the server to wait on the hold", func() bool { return len(srv.holds.list()) == 1 })
	send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"held","reason":"user"}}`)
	waitFor(t, 5*time.Second, "the call to be abandoned", func() bool {
		for _, r := range srv.holds.list() {
			if r.Status == "abandoned" {
				return true
			}
		}
		return false
	})
	send(`{"jsonrpc":"2.0","id":"after","method":"ping"}`)
	if m := next(); m["id"] != "after" {
		t.Errorf("answer after the cancellation: %v (a cancelled request must get no response)", m)
	}
	_ = inW.Close() // an io.Pipe's Close always returns nil
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_ = outW.Close() // an io.Pipe's Close always returns nil
	for m := range lines {
		if m["id"] == "held" {
			t.Errorf("response to the cancelled call: %v", m)
		}
	}
}

// TestDiscoveryBoundedParallel is gap G13's discovery: actions are
// fetched several at a time (the Rust adapter fetches one at a time), but
// never more than DiscoveryConcurrency at once. Every detail request is
// held by the gate, so a slot frees only when one is answered: in the
// first hold window no more than the bound can arrive, and more than one
// must. The actions declare no request schema (the detail says so), so
// none is asked for: one request per action, not two.
func TestDiscoveryBoundedParallel(t *testing.T) {
	t.Parallel()
	const n, bound = 12, 3
	hold := 300 * time.Millisecond
	var actions []gatetest.Action
	for i := 0; i < n; i++ {
		actions = append(actions, gatetest.Action{ID: fmt.Sprintf("act_%02d", i), Version: "1", RiskLevel: "low"})
	}
	g := gatetest.StartUnix(t, gatetest.Options{Actions: actions})
	g.Inject(gatetest.RouteAction, gatetest.Fault{Kind: gatetest.Stall, Duration: hold})
	h := newHarnessFor(t, g, Options{DiscoveryConcurrency: bound})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil || len(res.Tools) != n+1 {
		t.Fatalf("tools/list: %v, %v", res, err)
	}
	if s := len(g.RequestsFor(gatetest.RouteSchema)); s != 0 {
		t.Errorf("%d schema requests for actions whose detail says they have none", s)
	}
	reqs := g.RequestsFor(gatetest.RouteAction)
	if len(reqs) != n {
		t.Fatalf("%d detail requests, want %d", len(reqs), n)
	}
	first := reqs[0].Time
	for _, r := range reqs {
		if r.Time.Before(first) {
			first = r.Time
		}
	}
	inFirstWindow := 0
	for _, r := range reqs {
		if r.Time.Sub(first) < hold {
			inFirstWindow++
		}
	}
	if inFirstWindow > bound {
		t.Errorf("%d detail requests arrived while the first was held, bound %d", inFirstWindow, bound)
	}
	if inFirstWindow < 2 {
		t.Errorf("only %d detail request arrived while the first was held: discovery is sequential", inFirstWindow)
	}
}

// TestHoldAfterGateRestart is gaps G1 and G8 together: a gate restart
// during a hold rotates the lease issuer, so the lease the approval is
// bound to is refused (401). A new lease would not help (the gate shows
// an approval only to the session that requested it), so the call ends
// at once with pending_approval saying to ask the operator, instead of
// polling until the hold timeout.
func TestHoldAfterGateRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{server: Options{HoldTimeout: 60 * time.Second}})
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, err := h.cs.CallTool(h.ctx, &mcp.CallToolParams{Name: "gmail_send", Arguments: map[string]any{}})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	waitFor(t, 5*time.Second, "the hold", func() bool { return len(h.gate.Approvals()) == 1 })
	if err := h.gate.Restart(); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		if res == nil {
			return
		}
		te := toolErr(t, res)
		if te.Code != codePendingApproval || te.ApprovalID == "" || !strings.Contains(te.Message, "Ask the operator") {
			t.Errorf("held call after a gate restart: %+v", te)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("held call kept waiting after the gate refused its lease")
	}
	rejected := 0
	for _, r := range h.gate.RequestsFor(gatetest.RoutePoll) {
		if r.Status == 401 {
			rejected++
		}
	}
	if rejected != 1 {
		t.Errorf("%d polls refused, want 1 (no retry with the refused lease)", rejected)
	}
}
