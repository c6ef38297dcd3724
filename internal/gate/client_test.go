package gate_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

var testActions = []gatetest.Action{
	{ID: "http_fetch", Version: "1.0.0", RiskLevel: "low", EgressProfile: "proxy_allowlist",
		DeclaredSideEffects: []string{"http_read"},
		RequestSchema:       json.RawMessage(`{"type":"object","required":["url"],"properties":{"url":{"type":"string"}}}`)},
	{ID: "gmail_send", Version: "1.2.0", RiskLevel: "high", DeclaredSideEffects: []string{"http_write"},
		RequestSchema: json.RawMessage(`{"type":"object"}`)},
}

// clock is a settable clock shared by a test gate and a client.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

type transportCase struct {
	name  string
	start func(t *testing.T, opts gatetest.Options) (*gatetest.Gate, gate.Config)
}

var transports = []transportCase{
	{"tcp", func(t *testing.T, opts gatetest.Options) (*gatetest.Gate, gate.Config) {
		g := gatetest.StartTCP(t, opts)
		return g, gate.Config{URL: g.URL()}
	}},
	{"unix", func(t *testing.T, opts gatetest.Options) (*gatetest.Gate, gate.Config) {
		g := gatetest.StartUnix(t, opts)
		return g, gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()}
	}},
}

func newClient(t *testing.T, cfg gate.Config) *gate.Client {
	t.Helper()
	c, err := gate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// assertClean fails the test if the gate rejected any authenticated
// request or saw a proof reused or carrying a query.
func assertClean(t *testing.T, g *gatetest.Gate, allowRejected bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range g.Requests() {
		if r.Proof != nil {
			if seen[r.Proof.JTI] {
				t.Errorf("proof jti %s reused", r.Proof.JTI)
			}
			seen[r.Proof.JTI] = true
			if strings.ContainsAny(r.Proof.HTU, "?#") {
				t.Errorf("htu %q carries a query or fragment", r.Proof.HTU)
			}
		}
		hasBody := len(r.Body) > 0
		if ct := r.Header.Get("Content-Type"); (ct != "") != hasBody {
			t.Errorf("%s %s: Content-Type %q with body length %d", r.Method, r.Path, ct, len(r.Body))
		}
		if r.Route == gatetest.RouteLeases {
			var body map[string]json.RawMessage
			_ = json.Unmarshal(r.Body, &body)
			if _, ok := body["session_id"]; ok {
				t.Errorf("lease request carries session_id")
			}
		}
		if !allowRejected && r.Status == 401 {
			t.Errorf("%s %s rejected: %s (%s)", r.Method, r.Path, r.Error, r.Reason)
		}
	}
}

func TestExecuteOverBothTransports(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			g, cfg := tc.start(t, gatetest.Options{Actions: testActions})
			cfg.SessionID = "label-1"
			c := newClient(t, cfg)
			ctx := context.Background()
			if err := c.Health(ctx); err != nil {
				t.Fatalf("Health: %v", err)
			}
			list, err := c.ListActions(ctx)
			if err != nil || len(list) != 2 || list[0].ActionID != "gmail_send" {
				t.Fatalf("ListActions = %+v, %v", list, err)
			}
			d, err := c.Action(ctx, "http_fetch")
			if err != nil || d.EgressProfile() != "proxy_allowlist" || d.DeclaredSideEffects == nil {
				t.Fatalf("Action = %+v, %v", d, err)
			}
			if _, err := c.RequestSchema(ctx, "http_fetch"); err != nil {
				t.Fatalf("RequestSchema: %v", err)
			}
			for i := 0; i < 3; i++ {
				res, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"https://example.com"}`))
				if err != nil {
					t.Fatalf("Execute: %v", err)
				}
				if res.Status != 200 || res.Decision != "executed" || res.ReceiptID == "" {
					t.Fatalf("Execute = %+v", res)
				}
			}
			leases := g.RequestsFor(gatetest.RouteLeases)
			if len(leases) != 1 {
				t.Errorf("%d lease requests for 3 calls, want 1", len(leases))
			}
			for _, r := range g.RequestsFor(gatetest.RouteExecute) {
				if r.Header.Get("X-LatchGate-Session-Id") != "label-1" {
					t.Errorf("session header = %q", r.Header.Get("X-LatchGate-Session-Id"))
				}
			}
			assertClean(t, g, false)
		})
	}
}

func TestExecuteErrorsAreTyped(t *testing.T) {
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions})
	c := newClient(t, cfg)
	ctx := context.Background()
	g.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Denied, DenyReason: "not in ACL"})
	_, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`))
	var ge *gate.Error
	if !errors.As(err, &ge) || ge.Status != 403 || ge.Code != "policy_denied" || ge.DenyReason != "not in ACL" || ge.Remediation == "" {
		t.Fatalf("denied: err = %#v", err)
	}
	_, err = c.Execute(ctx, "http_fetch", json.RawMessage(`{}`))
	if !errors.As(err, &ge) || ge.Status != 422 || ge.Code != "schema_violation" {
		t.Fatalf("schema: err = %#v", err)
	}
	g.Script("http_fetch", gatetest.Outcome{Kind: gatetest.TooLarge})
	_, err = c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`))
	if !errors.As(err, &ge) || ge.Status != 413 || ge.Code != "" || ge.Body == "" {
		t.Fatalf("too large: err = %#v", err)
	}
	if _, err := c.Execute(ctx, "../leases", nil); err == nil || errors.As(err, &ge) {
		t.Fatalf("path traversal id: err = %v", err)
	}
}

func TestRateLimitRetryAfterHonoured(t *testing.T) {
	g, cfg := transports[0].start(t, gatetest.Options{Actions: testActions})
	c := newClient(t, cfg)
	g.Script("http_fetch", gatetest.Outcome{Kind: gatetest.RateLimited, RetryAfter: time.Second})
	start := time.Now()
	res, err := c.Execute(context.Background(), "http_fetch", json.RawMessage(`{"url":"x"}`))
	if err != nil || res.Decision != "executed" {
		t.Fatalf("Execute = %+v, %v", res, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Retry-After", d)
	}
	if n := len(g.RequestsFor(gatetest.RouteExecute)); n != 2 {
		t.Errorf("%d execute requests, want 2", n)
	}
	// Twice in a row: the second 429 is returned, typed.
	g.Script("http_fetch", gatetest.Outcome{Kind: gatetest.RateLimited, RetryAfter: time.Second},
		gatetest.Outcome{Kind: gatetest.RateLimited, RetryAfter: time.Second})
	_, err = c.Execute(context.Background(), "http_fetch", json.RawMessage(`{"url":"x"}`))
	var ge *gate.Error
	if !errors.As(err, &ge) || ge.Status != 429 || ge.RetryAfter != time.Second {
		t.Fatalf("err = %#v", err)
	}
}

// TestGateRestartNewKey checks the client recovers by itself when the gate
// restarts with a new signing key: the stale lease is refused once, a new
// lease is issued and the call retried.
func TestGateRestartNewKey(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			g, cfg := tc.start(t, gatetest.Options{Actions: testActions})
			c := newClient(t, cfg)
			ctx := context.Background()
			if _, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`)); err != nil {
				t.Fatal(err)
			}
			first := c.CurrentLease()
			if err := g.Restart(); err != nil {
				t.Fatal(err)
			}
			res, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`))
			if err != nil || res.Decision != "executed" {
				t.Fatalf("after restart: %+v, %v", res, err)
			}
			if c.CurrentLease() == first || c.CurrentLease().SessionID == first.SessionID {
				t.Error("lease was not replaced after the restart")
			}
			ex := g.RequestsFor(gatetest.RouteExecute)
			if len(ex) != 3 || ex[1].Error != "invalid_lease" || ex[2].Status != 200 {
				t.Errorf("execute requests after restart: %d, statuses %v", len(ex), statuses(ex))
			}
			assertClean(t, g, true)
		})
	}
}

func statuses(rs []gatetest.Request) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

// TestLeaseRenewal checks the lease is replaced a minute before expiry by
// the shared clock, and not before.
func TestLeaseRenewal(t *testing.T) {
	clk := newClock()
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions, Clock: clk.now, LeaseTTL: 300 * time.Second})
	cfg.Now = clk.now
	c := newClient(t, cfg)
	ctx := context.Background()
	call := func() {
		t.Helper()
		if _, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`)); err != nil {
			t.Fatal(err)
		}
	}
	call()
	clk.advance(230 * time.Second) // 70 s left: keep
	call()
	if n := len(g.RequestsFor(gatetest.RouteLeases)); n != 1 {
		t.Fatalf("%d leases with 70 s left, want 1", n)
	}
	clk.advance(20 * time.Second) // 50 s left: renew
	call()
	if n := len(g.RequestsFor(gatetest.RouteLeases)); n != 2 {
		t.Fatalf("%d leases with 50 s left, want 2", n)
	}
	assertClean(t, g, false)
}

// TestLeaseSkew checks a client whose clock runs far behind the gate's
// still renews in time: expiry counts the lease's lifetime from receipt.
func TestLeaseSkew(t *testing.T) {
	gclk, cclk := newClock(), newClock()
	cclk.advance(-2 * time.Hour)
	_, cfg := transports[1].start(t, gatetest.Options{Actions: testActions, Clock: gclk.now})
	cfg.Now = cclk.now
	c := newClient(t, cfg)
	l, err := c.Lease(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Expires.Sub(cclk.now()); got > 301*time.Second || got < 299*time.Second {
		t.Errorf("lease usable for %v by the local clock, want about 300 s", got)
	}
}

func TestConcurrentCallsShareOneLease(t *testing.T) {
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions})
	c := newClient(t, cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Execute(context.Background(), "http_fetch", json.RawMessage(`{"url":"x"}`)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(g.RequestsFor(gatetest.RouteLeases)); n != 1 {
		t.Errorf("%d leases for 32 concurrent calls, want 1", n)
	}
	assertClean(t, g, false)
}

func TestFSRootRefusedRetriesWithout(t *testing.T) {
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions, FSRootPrefixes: []string{"/nonexistent-prefix"}})
	dir := t.TempDir()
	cfg.FSRoot = dir
	c := newClient(t, cfg)
	l, err := c.Lease(context.Background())
	if err != nil {
		t.Fatalf("Lease: %v", err)
	}
	if l.FSRoot != "" {
		t.Errorf("lease fs_root = %q, want none", l.FSRoot)
	}
	reqs := g.RequestsFor(gatetest.RouteLeases)
	if len(reqs) != 2 || !strings.Contains(string(reqs[0].Body), "fs_root") || strings.Contains(string(reqs[1].Body), "fs_root") {
		t.Errorf("lease requests: %d", len(reqs))
	}
}

func TestApprovalPollAndReceipt(t *testing.T) {
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions})
	c := newClient(t, cfg)
	ctx := context.Background()
	g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Output: json.RawMessage(`{"sent":true}`)})
	res, err := c.Execute(ctx, "gmail_send", json.RawMessage(`{}`))
	if err != nil || res.Status != 202 || res.ApprovalID == "" || res.Lease == nil {
		t.Fatalf("Execute = %+v, %v", res, err)
	}
	p, err := c.Poll(ctx, res.Lease, res.ApprovalID)
	if err != nil || p.Status != "pending" || p.RetryAfterSeconds != 2 {
		t.Fatalf("Poll = %+v, %v", p, err)
	}
	if err := g.Approve(res.ApprovalID); err != nil {
		t.Fatal(err)
	}
	var rid string
	for i := 0; i < 100 && rid == ""; i++ {
		p, err = c.Poll(ctx, res.Lease, res.ApprovalID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == "approved" {
			rid = p.ReceiptID
		} else {
			time.Sleep(10 * time.Millisecond) // bounded: at most 1 s
		}
	}
	if rid == "" {
		t.Fatal("approval never reported approved")
	}
	rc, err := c.Receipt(ctx, rid)
	if err != nil || string(rc.ProviderReceipt) != `{"sent":true}` || !rc.FullySuccessful() {
		t.Fatalf("Receipt = %+v, %v", rc, err)
	}
	// A poll from another session (a new lease) sees a bare 404.
	c2 := newClient(t, cfg)
	_, err = c2.Poll(ctx, nil, res.ApprovalID)
	var ge *gate.Error
	if !errors.As(err, &ge) || ge.Status != 404 {
		t.Errorf("poll from another session: %v", err)
	}
	assertClean(t, g, false)
}

func TestTransportErrorHints(t *testing.T) {
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	missing := newClient(t, gate.Config{Socket: filepath.Join(dir, "gate.sock"), PublicBaseURL: "http://localhost:3000"})
	err = missing.Health(context.Background())
	var te *gate.TransportError
	if !errors.As(err, &te) || !strings.Contains(te.Hint, "not found") {
		t.Errorf("missing socket: %v (hint %q)", err, gate.Hint(err))
	}
	if _, err := missing.Execute(context.Background(), "x", nil); !gate.IsTransport(err) {
		t.Errorf("execute on missing socket: %v", err)
	} else {
		var le *gate.LeaseError
		if !errors.As(err, &le) {
			t.Errorf("execute on missing socket is not a lease error: %v", err)
		}
	}

	long := newClient(t, gate.Config{Socket: "/tmp/" + strings.Repeat("d", 120) + "/gate.sock", PublicBaseURL: "http://localhost:3000"})
	if err := long.Health(context.Background()); !strings.Contains(gate.Hint(err), "shorter than 104") {
		t.Errorf("long socket path: %v (hint %q)", err, gate.Hint(err))
	}

	refused := newClient(t, gate.Config{URL: "http://127.0.0.1:1"})
	err = refused.Health(context.Background())
	if !errors.As(err, &te) || !strings.Contains(te.Hint, "latchgate up") {
		t.Errorf("refused: %v (hint %q)", err, gate.Hint(err))
	}

	if os.Getuid() != 0 {
		g := gatetest.StartUnix(t, gatetest.Options{})
		if err := os.Chmod(g.SocketPath(), 0); err != nil {
			t.Fatal(err)
		}
		denied := newClient(t, gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()})
		err = denied.Health(context.Background())
		if !errors.As(err, &te) || !strings.Contains(te.Hint, "permission") {
			t.Errorf("permission: %v (hint %q)", err, gate.Hint(err))
		}
	}
}

func TestStallTimesOut(t *testing.T) {
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions})
	cfg.ExecuteTimeout = 300 * time.Millisecond
	c := newClient(t, cfg)
	if _, err := c.Lease(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.Inject(gatetest.RouteExecute, gatetest.Fault{Kind: gatetest.Stall, Duration: 60 * time.Second, Count: 1})
	start := time.Now()
	_, err := c.Execute(context.Background(), "http_fetch", json.RawMessage(`{"url":"x"}`))
	var te *gate.TransportError
	if !errors.As(err, &te) || !te.Timeout {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("timeout took %v: ExecuteTimeout was not applied", d)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]gate.Config{
		"nothing":          {},
		"socket no public": {Socket: "/tmp/x.sock"},
		"bad url":          {URL: "localhost:3000"},
		"bad public":       {URL: "http://h", PublicBaseURL: "ftp://x"},
	} {
		if _, err := gate.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// TestShortLeaseRenewal checks a lease shorter than two minutes is renewed
// at half its life, not before every call.
func TestShortLeaseRenewal(t *testing.T) {
	clk := newClock()
	g, cfg := transports[1].start(t, gatetest.Options{Actions: testActions, Clock: clk.now, LeaseTTL: 30 * time.Second})
	cfg.Now = clk.now
	c := newClient(t, cfg)
	for i := 0; i < 3; i++ {
		if _, err := c.Execute(context.Background(), "http_fetch", json.RawMessage(`{"url":"x"}`)); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(16 * time.Second)
	if _, err := c.Execute(context.Background(), "http_fetch", json.RawMessage(`{"url":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if n := len(g.RequestsFor(gatetest.RouteLeases)); n != 2 {
		t.Errorf("%d leases, want 2 (one, then a renewal at half life)", n)
	}
}

func TestReadyAndVerifyAuth(t *testing.T) {
	for _, tc := range transports {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg := tc.start(t, gatetest.Options{Actions: testActions})
			c := newClient(t, cfg)
			r, err := c.Ready(context.Background())
			if err != nil || r.Status == "" || r.ActionsRegistered != 2 {
				t.Fatalf("Ready = %+v, %v", r, err)
			}
			if err := c.VerifyAuth(context.Background()); err != nil {
				t.Fatalf("VerifyAuth: %v", err)
			}
		})
	}
	// A public base URL that is not the gate's: the proof's htu is wrong.
	g := gatetest.StartUnix(t, gatetest.Options{Actions: testActions, PublicBaseURL: "http://localhost:3000"})
	c := newClient(t, gate.Config{Socket: g.SocketPath(), PublicBaseURL: "http://127.0.0.1:3000"})
	err := c.VerifyAuth(context.Background())
	var ge *gate.Error
	if !errors.As(err, &ge) || ge.Code != "invalid_dpop" || !strings.Contains(ge.DenyReason, "htu") {
		t.Fatalf("VerifyAuth with the wrong public URL: %v", err)
	}
}
