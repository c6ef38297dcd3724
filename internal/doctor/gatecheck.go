package doctor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// gateTarget is one gate as entries reach it: the same address and
// public base URL are checked once for every entry that names them.
type gateTarget struct {
	url, socket, public string
	fsRoot              string
	subjects            []string // the entries that use it
	missingPublic       bool
	// lostRuntimeDir is set when the default socket was computed without
	// XDG_RUNTIME_DIR because the IDE does not pass it on, though this
	// shell has it: the server then looks in /tmp instead.
	lostRuntimeDir bool
	// failed says how the gate failed, for planning a fix: "config",
	// "connect", "public_base_url", or "" (it worked, or failed in a way
	// no rewrite of the entry fixes).
	failed string
}

func (g *gateTarget) label() string {
	if g.url != "" {
		return "HTTP " + gate.RedactURL(g.url)
	}
	return "socket " + g.socket
}

// gateFor reads the gate an entry's serve reaches, with serve's own
// precedence: flags, then LATCHGATE_* variables, then the default socket.
// nil when the entry does not run serve.
func gateFor(opts Options, e *entry, l *launch) *gateTarget {
	if len(l.args) == 0 || l.args[0] != "serve" {
		return nil
	}
	flag := func(name string) (string, bool) {
		for i, a := range l.args {
			if a == name && i+1 < len(l.args) {
				return l.args[i+1], true
			}
			if v, ok := strings.CutPrefix(a, name+"="); ok {
				return v, true
			}
		}
		return "", false
	}
	g := &gateTarget{fsRoot: gate.DefaultFSRoot(l.dir)}
	u, uok := flag("--gate-url")
	s, sok := flag("--gate-socket")
	switch {
	case uok:
		g.url = u
	case sok:
		g.socket = s
	default:
		g.url = strings.TrimSpace(l.lookup("LATCHGATE_URL"))
		if g.url == "" {
			g.socket = strings.TrimSpace(l.lookup("LATCHGATE_SOCKET"))
		}
	}
	if p, ok := flag("--public-base-url"); ok {
		g.public = p
	} else if p := strings.TrimSpace(l.lookup("LATCHGATE_PUBLIC_URL")); p != "" {
		g.public = p
	} else {
		g.public = strings.TrimSpace(l.lookup("LATCHGATE_PUBLIC_BASE_URL"))
	}
	if g.url == "" && g.socket == "" {
		g.socket = gate.DefaultSocketPath(gate.Env{Getenv: l.lookup, UID: opts.Env.UID})
		g.lostRuntimeDir = l.lookup("XDG_RUNTIME_DIR") == "" && opts.Env.Get("XDG_RUNTIME_DIR") != ""
	}
	if g.url == "" && g.public == "" {
		g.missingPublic = true
	}
	return g
}

// gateTargets groups the entries by the gate they reach.
func gateTargets(opts Options, entries []*entry) []*gateTarget {
	var targets []*gateTarget
	byKey := map[string]*gateTarget{}
	for _, e := range entries {
		if e.URL != "" {
			continue
		}
		g := gateFor(opts, e, launchFor(opts.Env, e))
		if g == nil {
			continue
		}
		key := g.url + "|" + g.socket + "|" + g.public + "|" + g.fsRoot
		if have, ok := byKey[key]; ok {
			have.subjects = append(have.subjects, e.subject)
			e.gate = have
			continue
		}
		g.subjects = []string{e.subject}
		e.gate = g
		byKey[key] = g
		targets = append(targets, g)
	}
	return targets
}

// gateJobs checks each gate.
func gateJobs(opts Options, targets []*gateTarget) []func(context.Context) []Check {
	var jobs []func(context.Context) []Check
	for _, g := range targets {
		jobs = append(jobs, func(ctx context.Context) []Check { return checkGate(ctx, opts, g) })
	}
	return jobs
}

// checkGate reaches one gate step by step: the connection, /healthz, the
// actions, then a lease and a DPoP proof. A step that fails ends the run
// for that gate, since the later ones would fail the same way.
func checkGate(ctx context.Context, opts Options, g *gateTarget) []Check {
	subj := g.label()
	var out []Check
	add := func(c Check) {
		c.Section, c.Subject = SectionGate, subj
		out = append(out, c)
	}
	used := "used by " + strings.Join(g.subjects, ", ")
	if len(g.subjects) > 2 {
		used = fmt.Sprintf("used by %s and %d more", g.subjects[0], len(g.subjects)-1)
	}
	if g.missingPublic {
		g.failed = "config"
		add(Check{ID: "gate.config", Status: Error,
			Message: "the entry reaches the gate over a socket without --public-base-url; serve refuses to start (" + used + ")",
			Hint:    "add --public-base-url with the value of public_base_url in latchgate.toml (or reinstall: latchgate-mcp doctor --fix)"})
		return out
	}

	// The connection itself.
	start := time.Now()
	if c, ok := dialCheck(ctx, opts.Timeout, g.url, g.socket); !ok {
		g.failed = "connect"
		c.DurationMS = ms(time.Since(start))
		if g.lostRuntimeDir {
			c.Hint = lostRuntimeDirHint
		}
		add(c)
		return out
	} else {
		c.Message += " (" + used + ")"
		c.DurationMS = ms(time.Since(start))
		add(c)
	}

	capture := &leaseLog{}
	client, err := gate.New(gate.Config{URL: g.url, Socket: g.socket, PublicBaseURL: g.public, FSRoot: g.fsRoot,
		Logger: slog.New(capture), DiscoveryTimeout: opts.Timeout, LeaseTimeout: opts.Timeout, PollTimeout: opts.Timeout})
	if err != nil {
		add(Check{ID: "gate.config", Status: Error, Message: err.Error(),
			Hint: "fix the gate address in the entry, or reinstall it: latchgate-mcp doctor --fix"})
		return out
	}
	defer client.Close()

	start = time.Now()
	if err := client.Health(ctx); err != nil {
		add(gateError("gate.health", "GET /healthz failed", err, time.Since(start)))
		return out
	}
	add(Check{ID: "gate.health", Status: OK, Message: "GET /healthz: ok", DurationMS: ms(time.Since(start))})

	start = time.Now()
	if c, ok := readiness(ctx, client); ok {
		c.DurationMS = ms(time.Since(start))
		add(c)
	}

	start = time.Now()
	actions, err := client.ListActions(ctx)
	if err != nil {
		add(gateError("gate.actions", "GET /v1/actions failed", err, time.Since(start)))
		return out
	}
	c := Check{ID: "gate.actions", Status: OK, Message: plural(len(actions), "action", "actions") + " (tools)", DurationMS: ms(time.Since(start))}
	if len(actions) == 0 {
		c.Status, c.Hint = Warn, "the gate has no actions, so the IDE lists no latchgate tools; add action manifests to the gate"
	}
	add(c)

	start = time.Now()
	err = client.VerifyAuth(ctx)
	took := time.Since(start)
	if err != nil {
		c := authError(err, g, took)
		if c.ID == "gate.public_base_url" {
			g.failed = "public_base_url"
		}
		add(c)
		return out
	}
	msg := "lease and DPoP proof accepted"
	if l := client.CurrentLease(); l != nil && l.Subject != "" {
		msg += ", principal " + l.Subject
	}
	add(Check{ID: "gate.auth", Status: OK, Message: msg + ", public_base_url " + client.PublicBaseURL(), DurationMS: ms(took)})
	if code, message := capture.refused(); code != "" {
		add(Check{ID: "gate.fs_root", Status: Warn,
			Message: fmt.Sprintf("%s: the gate refuses fs_root %s (%s); serve leases without one", code, g.fsRoot, message),
			Hint:    "to confine actions to the project, add its directory to fs_root_allowed_prefixes in latchgate.toml"})
	} else if l := client.CurrentLease(); l != nil && l.FSRoot != "" {
		add(Check{ID: "gate.fs_root", Status: OK, Message: "fs_root " + l.FSRoot + " accepted"})
	}
	return out
}

// lostRuntimeDirHint explains a default socket looked for in /tmp
// because the IDE strips XDG_RUNTIME_DIR (ide-configs §0.3).
const lostRuntimeDirHint = "the IDE does not pass XDG_RUNTIME_DIR to the server, so it looks for the default socket in /tmp: " +
	"forward it in the entry's env (\"XDG_RUNTIME_DIR\": \"${env:XDG_RUNTIME_DIR}\") or name the socket with --gate-socket (latchgate-mcp install does both)"

// readiness reads GET /readyz: the gate is up, but a dependency it
// needs for calls (Redis, OPA, the ledger, the approval store) may not
// be. A gate without the route says nothing (false).
func readiness(ctx context.Context, client *gate.Client) (Check, bool) {
	c := Check{ID: "gate.ready"}
	r, err := client.Ready(ctx)
	if err != nil {
		var ge *gate.Error
		if errors.As(err, &ge) && ge.Status == 404 {
			return c, false
		}
		c.Status, c.Message = Warn, "GET /readyz failed: "+err.Error()
		c.Hint = "look at the gate's log"
		return c, true
	}
	var down []string
	for _, d := range []struct {
		name string
		up   bool
	}{{"redis", r.Redis}, {"opa", r.OPA}, {"ledger", r.Ledger}, {"approval_store", r.ApprovalStore}} {
		if !d.up {
			down = append(down, d.name)
		}
	}
	if r.EgressProxy != nil && !*r.EgressProxy {
		down = append(down, "egress_proxy")
	}
	if r.Status == "ready" && len(down) == 0 {
		c.Status, c.Message = OK, "GET /readyz: ready"
		return c, true
	}
	c.Status = Warn
	c.Message = "GET /readyz: " + r.Status
	if len(down) > 0 {
		c.Message += " (down: " + strings.Join(down, ", ") + ")"
	}
	c.Hint = "tools are listed, but calls may fail until the gate's dependencies are up; see the gate's log"
	if r.Status == "not_ready" {
		c.Status = Error
	}
	return c, true
}

// dialCheck opens and closes one connection to the gate, naming what is
// wrong with a socket path before trying it.
func dialCheck(ctx context.Context, timeout time.Duration, gateURL, socket string) (Check, bool) {
	c := Check{ID: "gate.connect"}
	network, addr := "unix", socket
	if gateURL != "" {
		u, err := url.Parse(gateURL)
		if err != nil || u.Host == "" {
			c.Status, c.Message = Error, fmt.Sprintf("invalid gate URL %q", gateURL)
			c.Hint = "use the gate's base URL, e.g. http://localhost:3000"
			return c, false
		}
		network, addr = "tcp", u.Host
		if u.Port() == "" {
			port := "80"
			if u.Scheme == "https" {
				port = "443"
			}
			addr = net.JoinHostPort(u.Hostname(), port)
		}
	} else {
		info, err := os.Stat(socket)
		switch {
		case errors.Is(err, os.ErrNotExist):
			c.Status, c.Message = Error, "the socket "+socket+" does not exist: the gate is not running there"
			c.Hint = "start the gate (latchgate up), or point the entry at the gate that runs: latchgate-mcp doctor --fix (it finds the gate as install does; --gate-url or --gate-socket names one)"
			return c, false
		case err != nil:
			c.Status, c.Message = Error, "cannot look at the socket: "+err.Error()
			c.Hint = "check the permissions of its directory"
			return c, false
		case info.Mode()&os.ModeSocket == 0:
			c.Status, c.Message = Error, socket+" is not a socket"
			c.Hint = "the entry names the wrong file: use the gate's client socket"
			return c, false
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		c.Status, c.Message = Error, "cannot connect: "+err.Error()
		c.Hint = "is the gate running? start it with \"latchgate up\""
		if errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), "permission denied") {
			c.Hint = "the socket must be owned by (or group-accessible to) this user"
		}
		return c, false
	}
	_ = conn.Close() // a probe that sent nothing: nothing to lose
	c.Status, c.Message = OK, "accepts connections"
	return c, true
}

// gateError turns a failed gate call into a check.
func gateError(id, what string, err error, took time.Duration) Check {
	c := Check{ID: id, Status: Error, Message: what + ": " + err.Error(), DurationMS: ms(took)}
	if h := gate.Hint(err); h != "" {
		c.Hint = h
	} else {
		c.Hint = "look at the gate's log for this request"
	}
	return c
}

// authError names a failed lease or proof by the gate's error code, with
// what to change in latchgate.toml.
func authError(err error, g *gateTarget, took time.Duration) Check {
	c := Check{ID: "gate.auth", Status: Error, DurationMS: ms(took)}
	var ge *gate.Error
	if !errors.As(err, &ge) {
		c.Message = err.Error()
		c.Hint = gate.Hint(err)
		if c.Hint == "" {
			c.Hint = "look at the gate's log"
		}
		return c
	}
	reason := ge.DenyReason
	if reason == "" {
		reason = ge.Message
	}
	c.Message = fmt.Sprintf("%s (%d): %s", ge.Code, ge.Status, reason)
	switch {
	case ge.Code == "invalid_dpop" && strings.Contains(strings.ToLower(reason), "htu"):
		c.ID = "gate.public_base_url"
		c.Message = fmt.Sprintf("public_base_url mismatch: the entry builds DPoP proofs for %s, and the gate expects another base (%s)", g.public, reason)
		c.Hint = "make public_base_url in latchgate.toml and the entry's --public-base-url the same URL"
	case ge.Code == "identity_unauthenticated":
		c.ID = "gate.identity"
		c.Hint = "the gate's identity provider cannot tell who this is: peercred works over the Unix socket only; use --gate-socket, or change [identity] in latchgate.toml"
	case ge.Code == "identity_forbidden":
		c.ID = "gate.identity"
		c.Hint = "map this user's uid in the peercred identity map of latchgate.toml, or set allow_unmapped = true there"
	case ge.Code == "identity_provider_unavailable":
		c.ID = "gate.identity"
		c.Hint = "the gate's identity provider is down; see the gate's log and [identity] in latchgate.toml"
	case ge.Code == "scope_not_permitted":
		c.ID = "gate.identity"
		c.Hint = "the identity's max_scopes in latchgate.toml must include tools:call"
	case ge.Code == "fs_root_denied" || ge.Code == "invalid_fs_root":
		c.ID = "gate.fs_root"
		c.Hint = "add the project directory to fs_root_allowed_prefixes in latchgate.toml"
	case ge.Code == "rate_limit_exceeded" || ge.Code == "draining":
		c.Hint = "the gate is busy or shutting down; run doctor again in a moment"
	default:
		c.Message = err.Error()
		c.Hint = "look at the gate's log for this request"
	}
	return c
}

// leaseLog is a slog handler that keeps the gate client's report of a
// refused fs_root: the client retries without it, and doctor names it.
type leaseLog struct {
	mu            sync.Mutex
	code, message string
}

func (h *leaseLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *leaseLog) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "fs_root") {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "code":
			h.code = a.Value.String()
		case "message":
			h.message = a.Value.String()
		}
		return true
	})
	return nil
}

func (h *leaseLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *leaseLog) WithGroup(string) slog.Handler      { return h }

func (h *leaseLog) refused() (code, message string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.code, h.message
}

// GateAnswers reports, for install's summary, whether the gate at gateURL
// (or the Unix socket) accepts a connection within timeout; the error
// says what is wrong and what to do, as doctor's check would.
func GateAnswers(ctx context.Context, timeout time.Duration, gateURL, socket string) error {
	c, ok := dialCheck(ctx, timeout, gateURL, socket)
	if ok {
		return nil
	}
	if c.Hint != "" {
		return fmt.Errorf("%s; %s", c.Message, c.Hint)
	}
	return errors.New(c.Message)
}
