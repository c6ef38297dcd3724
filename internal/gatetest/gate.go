package gatetest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
)

// A Gate is a running (or stopped) reference gate. All methods are safe
// for concurrent use.
type Gate struct {
	opts    Options
	clock   func() time.Time
	mux     *http.ServeMux
	actions map[string]Action
	order   []string // action ids, sorted
	schemas map[string]*jsonschema.Resolved

	// adminMux is the admin router: every client route plus the
	// operator routes (admin.go).
	adminMux *http.ServeMux

	mu         sync.Mutex
	admin      adminState // operator side, under mu
	key        issuerKey
	replay     map[string]time.Time // jti -> forget after
	budgets    map[string]*uint64   // session_id -> calls left
	scripts    map[string][]Outcome
	defaults   map[string]Outcome
	approvals  map[string]*approval
	approveN   int
	approveYes bool
	receipts   map[string][]byte
	faults     map[string][]*Fault
	requests   []Request
	recorded   chan struct{} // closed and replaced on every recorded request
	publicBase string
	tcpAddr    string // resolved host:port once ListenTCP succeeded
	unixPath   string
	servers    []*http.Server
	stopping   chan struct{} // closed by Stop to release stalled handlers
	running    bool
	closed     bool
	connWG     sync.WaitGroup
}

// New builds a gate from opts. It does not listen: call [Gate.ListenTCP]
// or [Gate.ListenUnix] (or use [StartTCP] / [StartUnix] in tests).
func New(opts Options) (*Gate, error) {
	if opts.PublicBaseURL == "" {
		opts.PublicBaseURL = "http://localhost:3000"
	}
	if _, err := NormalizeHTU(opts.PublicBaseURL); err != nil {
		return nil, fmt.Errorf("check public base url: %w", err)
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 300 * time.Second
	}
	if opts.LeaseTTL > maxLeaseTTL {
		opts.LeaseTTL = maxLeaseTTL
	}
	if opts.ApprovalTTL <= 0 {
		opts.ApprovalTTL = 300 * time.Second
	}
	if opts.Principal == "" {
		opts.Principal = "dev:anonymous"
	}
	g := &Gate{
		opts:       opts,
		clock:      opts.Clock,
		actions:    map[string]Action{},
		schemas:    map[string]*jsonschema.Resolved{},
		replay:     map[string]time.Time{},
		budgets:    map[string]*uint64{},
		scripts:    map[string][]Outcome{},
		defaults:   map[string]Outcome{},
		approvals:  map[string]*approval{},
		receipts:   map[string][]byte{},
		faults:     map[string][]*Fault{},
		publicBase: strings.TrimRight(opts.PublicBaseURL, "/"),
		stopping:   make(chan struct{}),
		recorded:   make(chan struct{}),
	}
	if g.clock == nil {
		g.clock = time.Now
	}
	actions := append([]Action(nil), opts.Actions...)
	if opts.ManifestDir != "" {
		loaded, err := LoadManifests(opts.ManifestDir)
		if err != nil {
			return nil, err
		}
		actions = append(actions, loaded...)
	}
	for _, a := range actions {
		if err := g.addAction(a); err != nil {
			return nil, err
		}
	}
	key := opts.IssuerKey
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, fmt.Errorf("generate issuer key: %w", err)
		}
	}
	if err := g.setKey(key); err != nil {
		return nil, err
	}
	if err := g.initAdmin(); err != nil {
		return nil, err
	}
	g.mux = g.routes()
	g.adminMux = g.adminRoutes()
	return g, nil
}

func (g *Gate) addAction(a Action) error {
	if a.ID == "" {
		return errors.New("add action: empty id")
	}
	if _, dup := g.actions[a.ID]; dup {
		return fmt.Errorf("add action %s: duplicate id", a.ID)
	}
	if a.Version == "" {
		a.Version = "1.0.0"
	}
	if a.RiskLevel == "" {
		a.RiskLevel = "low"
	}
	if a.ProviderModuleDigest == "" {
		a.ProviderModuleDigest = "builtin:http_api"
	}
	if a.RequestSchema != nil {
		rs, err := compileSchema(a.RequestSchema)
		if err != nil {
			return fmt.Errorf("add action %s: request schema: %w", a.ID, err)
		}
		g.schemas[a.ID] = rs
	}
	g.actions[a.ID] = a
	// Keep order sorted: the real registry lists actions by id.
	i := 0
	for i < len(g.order) && g.order[i] < a.ID {
		i++
	}
	g.order = append(g.order, "")
	copy(g.order[i+1:], g.order[i:])
	g.order[i] = a.ID
	return nil
}

func compileSchema(raw json.RawMessage) (*jsonschema.Resolved, error) {
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return s.Resolve(nil)
}

func (g *Gate) setKey(priv *ecdsa.PrivateKey) error {
	kid, err := keyID(&priv.PublicKey)
	if err != nil {
		return fmt.Errorf("derive issuer kid: %w", err)
	}
	g.key = issuerKey{priv: priv, kid: kid}
	return nil
}

// PublicBaseURL returns the base the gate builds expected htu values from.
func (g *Gate) PublicBaseURL() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.publicBase
}

// SetPublicBaseURL changes the gate's public_base_url, e.g. to the
// address ListenTCP picked. A trailing "/" is trimmed.
func (g *Gate) SetPublicBaseURL(u string) error {
	if _, err := NormalizeHTU(u); err != nil {
		return fmt.Errorf("set public base url: %w", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.publicBase = strings.TrimRight(u, "/")
	return nil
}

// URL returns "http://host:port" of the TCP listener, or "" when the gate
// does not listen on TCP.
func (g *Gate) URL() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tcpAddr == "" {
		return ""
	}
	return "http://" + g.tcpAddr
}

// SocketPath returns the Unix socket path, or "" when there is none.
func (g *Gate) SocketPath() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.unixPath
}

// KeyID returns the kid of the current lease-signing key; it changes on
// every [Gate.Restart].
func (g *Gate) KeyID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.key.kid
}

// ListenTCP serves the client router on addr ("127.0.0.1:0" picks a free
// port) and returns its base URL, "http://127.0.0.1:PORT".
func (g *Gate) ListenTCP(addr string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return "", errors.New("listen tcp: gate is closed")
	}
	if g.tcpAddr != "" {
		return "", fmt.Errorf("listen tcp: already listening on %s", g.tcpAddr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen tcp: %w", err)
	}
	g.tcpAddr = ln.Addr().String()
	g.running = true
	g.serveLocked(ln, "tcp")
	return "http://" + g.tcpAddr, nil
}

// ListenUnix serves the client router on a Unix socket at path, as the
// gate does: the directory is created 0700 if missing, a stale socket is
// removed, and the socket is made 0600. Keep path short (under ~100
// bytes): use os.MkdirTemp("", "lg") rather than t.TempDir().
func (g *Gate) ListenUnix(path string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errors.New("listen unix: gate is closed")
	}
	if g.unixPath != "" {
		return fmt.Errorf("listen unix: already listening on %s", g.unixPath)
	}
	ln, err := listenUnix(path)
	if err != nil {
		return err
	}
	g.unixPath = path
	g.running = true
	g.serveLocked(ln, "unix")
	return nil
}

func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("listen unix: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		// A socket left by an earlier run. If it cannot go, Listen
		// below fails and says why.
		_ = os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen unix: %w", err)
	}
	// Go removes the socket file when the listener closes; the gate does
	// the same on shutdown.
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close() // the Chmod error is the one to report
		return nil, fmt.Errorf("listen unix: %w", err)
	}
	return ln, nil
}

type listenerKey struct{}

func (g *Gate) serveLocked(ln net.Listener, kind string) {
	srv := &http.Server{
		Handler:           g,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), listenerKey{}, kind)
		},
	}
	g.servers = append(g.servers, srv)
	g.connWG.Add(1)
	go func() {
		defer g.connWG.Done()
		// Serve returns ErrServerClosed when Stop closes it; anything
		// else is a listener that failed under the test, which the
		// test's log should show.
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) && g.opts.Logf != nil {
			g.opts.Logf("gatetest: serve %s: %v", kind, err)
		}
	}()
}

// Stop closes the listeners and every open connection, releasing stalled
// requests, but keeps all state (key, approvals, receipts, scripts), so a
// client sees the gate go away. [Gate.Start] brings it back on the same
// addresses.
func (g *Gate) Stop() error {
	g.mu.Lock()
	if !g.running {
		g.mu.Unlock()
		return nil
	}
	servers := g.servers
	g.servers = nil
	g.running = false
	close(g.stopping)
	g.mu.Unlock()
	var errs []error
	for _, srv := range servers {
		if err := srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	g.connWG.Wait()
	return errors.Join(errs...)
}

// Start listens again on the addresses of the previous ListenTCP and
// ListenUnix calls (the same port, even if it was picked with ":0").
func (g *Gate) Start() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errors.New("start gate: gate is closed")
	}
	if g.running {
		return nil
	}
	g.stopping = make(chan struct{})
	type bound struct {
		ln   net.Listener
		kind string
	}
	var lns []bound
	closeAll := func() {
		for _, b := range lns {
			_ = b.ln.Close() // the listen error is the one to report
		}
	}
	for _, a := range []struct{ addr, kind string }{{g.tcpAddr, "tcp"}, {g.admin.tcpAddr, kindAdminTCP}} {
		if a.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			closeAll()
			return fmt.Errorf("start gate: listen tcp: %w", err)
		}
		lns = append(lns, bound{ln, a.kind})
	}
	for _, a := range []struct{ path, kind string }{{g.unixPath, "unix"}, {g.admin.unixPath, kindAdminUnix}} {
		if a.path == "" {
			continue
		}
		ln, err := listenUnix(a.path)
		if err != nil {
			closeAll()
			return fmt.Errorf("start gate: %w", err)
		}
		lns = append(lns, bound{ln, a.kind})
	}
	g.running = true
	for _, b := range lns {
		g.serveLocked(b.ln, b.kind)
	}
	return nil
}

// Restart simulates a gate restart: it drops every connection, generates
// a new lease-signing key (so every outstanding lease now fails with
// invalid_lease, unknown kid), forgets lease budgets and the replay store,
// and serves again on the same addresses. Approvals and receipts live in
// the gate's stores and survive, as they would with Redis and SQLite.
func (g *Gate) Restart() error {
	if err := g.Stop(); err != nil {
		return fmt.Errorf("restart gate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("restart gate: generate issuer key: %w", err)
	}
	g.mu.Lock()
	err = g.setKey(key)
	g.replay = map[string]time.Time{}
	g.budgets = map[string]*uint64{}
	g.mu.Unlock()
	if err != nil {
		return fmt.Errorf("restart gate: %w", err)
	}
	return g.Start()
}

// Close stops the gate for good and removes its socket files.
func (g *Gate) Close() error {
	err := g.Stop()
	g.mu.Lock()
	g.closed = true
	paths := []string{g.unixPath, g.admin.unixPath}
	g.mu.Unlock()
	for _, path := range paths {
		if path == "" {
			continue
		}
		if rmErr := os.Remove(path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
	}
	return err
}

// Script queues outcomes for actionID's next execute requests, one per
// request, in order. A RateLimited outcome is answered before
// authentication, as the gate's rate limiter runs first; the others after
// authentication and the body checks.
func (g *Gate) Script(actionID string, outcomes ...Outcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.scripts[actionID] = append(g.scripts[actionID], outcomes...)
}

// SetDefault sets the outcome used for actionID when its script queue is
// empty. Without one, high and critical risk actions are Held and the
// others Executed.
func (g *Gate) SetDefault(actionID string, o Outcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.defaults[actionID] = o
}

// SetApproveAfter makes every pending approval decide itself when it has
// been polled polls times: that poll already sees "approved" (approve)
// or "denied". polls <= 0 turns the knob off, so approvals wait for
// [Gate.Approve] or [Gate.Deny].
func (g *Gate) SetApproveAfter(polls int, approve bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.approveN = polls
	g.approveYes = approve
}

// Inject arranges a failure for requests matching route (one of the
// Route constants, or [RouteAny]). Faults for a route apply in the order
// injected; one with Count n is used up after n requests.
func (g *Gate) Inject(route string, f Fault) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fc := f
	g.faults[route] = append(g.faults[route], &fc)
}

// ClearFaults removes every injected fault.
func (g *Gate) ClearFaults() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.faults = map[string][]*Fault{}
}

func (g *Gate) now() time.Time { return g.clock() }
