package gate_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestReceiptRetriesAfterBare401 is gap G8: a bare 401 (no body, as some
// gate handlers answer) on a receipt fetch drops the lease, obtains a new
// one and retries once; nothing happens before auth, so this is safe.
func TestReceiptRetriesAfterBare401(t *testing.T) {
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions})
	c := newClient(t, cfg)
	ctx := context.Background()
	res, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`))
	if err != nil || res.ReceiptID == "" {
		t.Fatalf("execute: %+v, %v", res, err)
	}
	first := c.CurrentLease()
	g.Inject(gatetest.RouteReceipt, gatetest.Fault{Kind: gatetest.Respond, Status: 401, Count: 1})
	rc, err := c.Receipt(ctx, res.ReceiptID)
	if err != nil {
		t.Fatalf("receipt after a bare 401: %v", err)
	}
	if rc.ReceiptID != res.ReceiptID {
		t.Errorf("receipt id = %q, want %q", rc.ReceiptID, res.ReceiptID)
	}
	if c.CurrentLease() == first {
		t.Error("the lease was not replaced after the 401")
	}
	if n := len(g.RequestsFor(gatetest.RouteReceipt)); n != 2 {
		t.Errorf("%d receipt requests, want 2 (one retry)", n)
	}
	if n := len(g.RequestsFor(gatetest.RouteLeases)); n != 2 {
		t.Errorf("%d lease requests, want 2", n)
	}
}

// TestSecondRejectionIsReturned checks the retry after a rejected lease
// happens once only: a gate that keeps refusing gets two requests, not a
// loop.
func TestSecondRejectionIsReturned(t *testing.T) {
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions})
	c := newClient(t, cfg)
	g.Inject(gatetest.RouteExecute, gatetest.Fault{Kind: gatetest.Respond, Status: 401,
		Body: `{"error":"invalid_lease","message":"lease rejected"}`})
	_, err := c.Execute(context.Background(), "http_fetch", json.RawMessage(`{"url":"x"}`))
	if err == nil {
		t.Fatal("execute succeeded against a gate that refuses every lease")
	}
	if n := len(g.RequestsFor(gatetest.RouteExecute)); n != 2 {
		t.Errorf("%d execute requests, want 2", n)
	}
}
