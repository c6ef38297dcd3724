package gatetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// Admin route names, for [Gate.Inject] and [Request.Route]. They are
// served only on the admin router ([Gate.ListenAdminUnix],
// [Gate.ListenAdminTCP], [Gate.AdminHandler]), which also serves every
// client route, as the gate's admin listener does.
const (
	RouteApprovals       = "GET /v1/approvals"
	RouteApproval        = "GET /v1/approvals/{id}"
	RouteApprove         = "POST /v1/approvals/{id}/approve"
	RouteDeny            = "POST /v1/approvals/{id}/deny"
	RouteAllowlistAdd    = "POST /v1/admin/policy/allowlist"
	RouteAllowlistRemove = "DELETE /v1/admin/policy/allowlist"
	RouteAuditEvents     = "GET /v1/audit/events"
)

// Listener kinds of the admin router, as [Request.Listener] shows them.
const (
	kindAdminTCP     = "admin-tcp"
	kindAdminUnix    = "admin-unix"
	kindAdminHandler = "admin-handler"
)

func isAdminListener(kind string) bool { return strings.HasPrefix(kind, "admin-") }

// An OperatorCredential is one [operator_credentials.<name>] entry of
// the gate's configuration: the api_key the operator sends as its token
// and the RFC 7638 thumbprint of its DPoP key (dpop_jkt).
type OperatorCredential struct {
	APIKey string
	JKT    string
}

// adminState is the operator side of the gate, guarded by Gate.mu.
type adminState struct {
	creds     []namedCredential // sorted by name
	tcpAddr   string
	unixPath  string
	draining  bool
	throttled int // approve/deny requests still to answer 429; <0 means all
	// durable holds the decided approvals whose live record expired,
	// like the gate's SQLite outcome table.
	durable   map[string]*approval
	learned   []Learned
	allowlist map[string]map[string]bool // action_id -> agent_id
	audit     []auditRecord
}

type namedCredential struct {
	name string
	OperatorCredential
}

// credentialName matches the gate's operator credential names.
var credentialName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (g *Gate) initAdmin() error {
	g.admin.durable = map[string]*approval{}
	g.admin.allowlist = map[string]map[string]bool{}
	for name, c := range g.opts.OperatorCredentials {
		if !credentialName.MatchString(name) {
			return fmt.Errorf("add operator credential %q: name must be 1-128 of [A-Za-z0-9_-]", name)
		}
		if c.APIKey == "" {
			return fmt.Errorf("add operator credential %s: empty api_key", name)
		}
		g.admin.creds = append(g.admin.creds, namedCredential{name: name, OperatorCredential: c})
	}
	sort.Slice(g.admin.creds, func(i, j int) bool { return g.admin.creds[i].name < g.admin.creds[j].name })
	return nil
}

// adminRoutes is the admin router: the client routes (with operator auth
// on receipts, as the gate's admin router has) plus the operator routes.
func (g *Gate) adminRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc(RouteHealthz, g.handleHealthz)
	mux.HandleFunc(RouteReadyz, g.handleReadyz)
	mux.HandleFunc(RouteActions, g.handleActions)
	mux.HandleFunc(RouteAction, g.handleAction)
	mux.HandleFunc(RouteSchema, g.handleSchema)
	mux.HandleFunc(RouteLeases, g.handleLeases)
	mux.HandleFunc(RouteJWKS, g.handleJWKS)
	mux.HandleFunc(RouteExecute, g.handleExecute)
	mux.HandleFunc(RoutePoll, g.handlePoll)
	mux.HandleFunc(RouteReceipt, g.handleAdminReceipt)
	mux.HandleFunc(RouteApprovals, g.handleListApprovals)
	mux.HandleFunc(RouteApproval, g.handleGetApproval)
	mux.HandleFunc(RouteApprove, g.handleApprove)
	mux.HandleFunc(RouteDeny, g.handleDeny)
	mux.HandleFunc(RouteAllowlistAdd, g.handleAllowlist)
	mux.HandleFunc(RouteAllowlistRemove, g.handleAllowlist)
	mux.HandleFunc(RouteAuditEvents, g.handleAuditEvents)
	return mux
}

// ListenAdminUnix serves the admin router on a Unix socket at path, as
// the gate's gate-admin.sock: the directory is created 0700 if missing,
// a stale socket is removed, the socket is made 0600 (only the gate's
// user may connect). Keep path short, as for [Gate.ListenUnix].
func (g *Gate) ListenAdminUnix(path string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errors.New("listen admin unix: gate is closed")
	}
	if g.admin.unixPath != "" {
		return fmt.Errorf("listen admin unix: already listening on %s", g.admin.unixPath)
	}
	ln, err := listenUnix(path)
	if err != nil {
		return fmt.Errorf("listen admin unix: %w", err)
	}
	g.admin.unixPath = path
	g.running = true
	g.serveLocked(ln, kindAdminUnix)
	return nil
}

// ListenAdminTCP serves the admin router on addr, as the gate's
// listen_admin_http_addr, and returns its base URL. Requests there sign
// their proofs for [Gate.PublicBaseURL], not for this address.
func (g *Gate) ListenAdminTCP(addr string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return "", errors.New("listen admin tcp: gate is closed")
	}
	if g.admin.tcpAddr != "" {
		return "", fmt.Errorf("listen admin tcp: already listening on %s", g.admin.tcpAddr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen admin tcp: %w", err)
	}
	g.admin.tcpAddr = ln.Addr().String()
	g.running = true
	g.serveLocked(ln, kindAdminTCP)
	return "http://" + g.admin.tcpAddr, nil
}

// AdminURL returns "http://host:port" of the admin TCP listener, or "".
func (g *Gate) AdminURL() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.admin.tcpAddr == "" {
		return ""
	}
	return "http://" + g.admin.tcpAddr
}

// AdminSocketPath returns the admin Unix socket path, or "".
func (g *Gate) AdminSocketPath() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.admin.unixPath
}

// AdminHandler returns the admin router as an http.Handler, to mount on
// a server of the test's own (an HTTPS listener, say: see
// [StartAdminHTTPS]). Its requests are recorded with Listener
// "admin-handler".
func (g *Gate) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), listenerKey{}, kindAdminHandler)))
	})
}

// SetDraining makes the gate answer 503 draining to execute and approve
// requests (deny is not checked, as on the gate), or stops that.
func (g *Gate) SetDraining(on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.admin.draining = on
}

func (g *Gate) isDraining() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.admin.draining
}

// ThrottleOperatorWrites makes the next n approve or deny requests fail
// with 429 operator_throttled and Retry-After: 2, the gate's operator
// write limit; n < 0 throttles every one until called again with 0.
func (g *Gate) ThrottleOperatorWrites(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.admin.throttled = n
}

func (g *Gate) takeThrottle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.admin.throttled < 0:
		return true
	case g.admin.throttled > 0:
		g.admin.throttled--
		return true
	}
	return false
}
