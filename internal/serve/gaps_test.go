package serve

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestGateTraceIDReported is gap G7 on the agent side: the gate's own
// trace_id (the handle for its audit log) is passed on, beside the local
// tr_ one, in the structured result of an executed call and in the error
// of a held call that ends badly.
func TestGateTraceIDReported(t *testing.T) {
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
