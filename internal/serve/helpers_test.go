package serve

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// fixtureActions is the test catalogue: one action per behaviour the
// server must handle, including two it must skip.
func fixtureActions() []gatetest.Action {
	return []gatetest.Action{
		{ID: "http_fetch", Version: "1.0.0", RiskLevel: "low", EgressProfile: "proxy_allowlist",
			AllowedDomains: []string{"example.com"}, DeclaredSideEffects: []string{},
			RequestSchema: json.RawMessage(`{"type":"object","required":["url"],"additionalProperties":false,"properties":{"url":{"type":"string","format":"uri","minLength":1}}}`)},
		{ID: "gmail_send", Version: "1.2.0", RiskLevel: "high", EgressProfile: "proxy_allowlist",
			DeclaredSideEffects: []string{"http_write"},
			RequestSchema:       json.RawMessage(`{"type":"object","properties":{"raw":{"type":"string"}}}`)},
		{ID: "fs_delete", Version: "2.0.0", RiskLevel: "critical", EgressProfile: "none",
			DeclaredSideEffects: []string{"fs_delete"}},
		{ID: "slow_task", Version: "1.0.0", RiskLevel: "low", DeclaredSideEffects: []string{"compute"},
			RequestSchema: json.RawMessage(`{"type":"object"}`)},
		{ID: "bad.name", Version: "1.0.0", RiskLevel: "low"},
		{ID: "string_schema", Version: "1.0.0", RiskLevel: "low", RequestSchema: json.RawMessage(`{"type":"string"}`)},
	}
}

type harness struct {
	t      *testing.T
	gate   *gatetest.Gate
	client *gate.Client
	srv    *Server
	cs     *mcp.ClientSession
	ctx    context.Context

	mu       sync.Mutex
	progress []float64
	// messages are the progress notifications' messages.
	messages []string
	changed  int
}

type harnessOpts struct {
	gate     gatetest.Options
	server   Options
	protocol string
	start    startOrder
}

// startOrder says when the harness starts discovery relative to the
// client session. Production starts discovery with the session, so either
// may come first; tests about list_changed need one order for sure.
type startOrder int

const (
	// startWithSession starts discovery, then connects at once.
	startWithSession startOrder = iota
	// startAfterSession connects and initializes first: the first
	// population is sure to notify the session.
	startAfterSession
	// startBeforeSession waits for the first discovery to end before
	// connecting: the first population notifies nobody.
	startBeforeSession
)

func newHarness(t *testing.T, ho harnessOpts) *harness {
	t.Helper()
	if ho.gate.Actions == nil {
		ho.gate.Actions = fixtureActions()
	}
	return newHarnessProto(t, gatetest.StartUnix(t, ho.gate), ho.server, ho.protocol, ho.start)
}

// newHarnessFor connects a server to an existing gate.
func newHarnessFor(t *testing.T, g *gatetest.Gate, opts Options) *harness {
	return newHarnessProto(t, g, opts, "", startWithSession)
}

func newHarnessProto(t *testing.T, g *gatetest.Gate, sopts Options, proto string, order startOrder) *harness {
	t.Helper()
	h := &harness{t: t, gate: g}
	c, err := gate.New(gate.Config{Socket: h.gate.SocketPath(), PublicBaseURL: h.gate.PublicBaseURL(),
		ExecuteTimeout: sopts.ExecuteTimeout, Now: sopts.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	h.client = c
	opts := sopts
	opts.Client = c
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Poll approvals every 50 ms at most, not every 2 s as the gate
	// asks: what is tested is what happens between polls, not their
	// pace. Tests that step polls by hand replace this again.
	srv.pollWait = func(ctx context.Context, d time.Duration) bool { return sleepCtx(ctx, min(d, 50*time.Millisecond)) }
	h.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.ctx = ctx
	switch order {
	case startWithSession:
		srv.Start(ctx)
	case startBeforeSession:
		srv.Start(ctx)
		select {
		case <-srv.firstDone:
		case <-time.After(30 * time.Second):
			t.Fatal("the first discovery did not end")
		}
	}
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ss.Close(); err != nil {
			t.Errorf("close server session: %v", err)
		}
	})
	cl := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			h.mu.Lock()
			h.changed++
			h.mu.Unlock()
		},
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			h.mu.Lock()
			h.progress = append(h.progress, r.Params.Progress)
			h.messages = append(h.messages, r.Params.Message)
			h.mu.Unlock()
		},
	})
	if proto == "" {
		proto = "2025-06-18"
	}
	cs, err := cl.Connect(ctx, ct, &mcp.ClientSessionOptions{ProtocolVersion: proto})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.Close(); err != nil {
			t.Errorf("close client session: %v", err)
		}
	})
	h.cs = cs
	if order == startAfterSession {
		srv.Start(ctx)
	}
	return h
}

func (h *harness) call(name string, args any) *mcp.CallToolResult {
	h.t.Helper()
	res, err := h.cs.CallTool(h.ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		h.t.Fatalf("CallTool(%s): %v", name, err)
	}
	return res
}

func text(r *mcp.CallToolResult) string {
	var parts []string
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// toolErr decodes the error object of a failed call.
func toolErr(t *testing.T, r *mcp.CallToolResult) toolError {
	t.Helper()
	if !r.IsError {
		t.Fatalf("result is not an error: %s", text(r))
	}
	var te toolError
	if err := json.Unmarshal([]byte(text(r)), &te); err != nil {
		t.Fatalf("error text is not JSON: %q", text(r))
	}
	return te
}

// waitFor polls cond until it holds or the bound passes.
func waitFor(t *testing.T, bound time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", bound, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// assertOverlapped checks the gate received every one of calls before it
// could have answered the first (each is held for delay): proof that the
// server sent them concurrently, whatever the machine's speed.
func assertOverlapped(t *testing.T, g *gatetest.Gate, calls int, delay time.Duration) {
	t.Helper()
	ex := g.RequestsFor(gatetest.RouteExecute)
	if len(ex) < calls {
		t.Fatalf("%d execute requests, want %d", len(ex), calls)
	}
	ex = ex[len(ex)-calls:]
	first, last := ex[0].Time, ex[0].Time
	for _, r := range ex {
		if r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
	}
	if last.Sub(first) >= delay {
		t.Errorf("the last of %d calls reached the gate %v after the first, which was held %v: calls were serialised", calls, last.Sub(first), delay)
	}
}

// fakeClock is a settable clock shared by a test gate, the gate client
// and the server.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// pollStepper replaces a server's wait between approval polls with one the
// test drives: the hold loop parks in it and runs one more poll per step.
// Tests that move a fake clock need this: a proof signed before the clock
// jumps and checked by the gate after it is rejected as stale, which is
// what made these tests flaky when a poll happened to be in flight.
type pollStepper struct {
	parked chan struct{}
	step   chan struct{}
}

func stepPolls(s *Server) *pollStepper {
	p := &pollStepper{parked: make(chan struct{}), step: make(chan struct{})}
	s.pollWait = func(ctx context.Context, _ time.Duration) bool {
		select {
		case p.parked <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		select {
		case <-p.step:
			return true
		case <-ctx.Done():
			return false
		}
	}
	return p
}

// waitParked waits until the hold loop has finished a poll and waits for
// the next step: no request of it is in flight.
func (p *pollStepper) waitParked(t *testing.T) {
	t.Helper()
	select {
	case <-p.parked:
	case <-time.After(10 * time.Second):
		t.Fatal("the hold loop did not come back to wait for its next poll")
	}
}

// next lets the parked hold loop poll once more.
func (p *pollStepper) next(t *testing.T) {
	t.Helper()
	select {
	case p.step <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatal("the hold loop is not waiting for a step")
	}
}
