package gatetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func (g *Gate) routes() *http.ServeMux {
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
	mux.HandleFunc(RouteReceipt, g.handleReceipt)
	return mux
}

// route finds the handler for r. Unknown routes and wrong methods get
// empty-bodied 404 and 405 answers, as the gate's router gives, not the
// ServeMux's text pages.
func (g *Gate) route(mux *http.ServeMux, r *http.Request) (http.HandlerFunc, string) {
	// The gate's router has no redirects: a path that is not in clean
	// form (double slashes, dot segments) is simply unknown.
	if p := r.URL.Path; p == "" || path.Clean(p) != p {
		return func(w http.ResponseWriter, _ *http.Request) {
			writeBare(w, http.StatusNotFound, "not_found", "no such route")
		}, routeNotFound
	}
	// mux.Handler does not fill in path values, so known routes go
	// through mux.ServeHTTP, which does.
	if _, pattern := mux.Handler(r); pattern != "" {
		return mux.ServeHTTP, pattern
	}
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := mux.Handler(probe); p != "" {
			return func(w http.ResponseWriter, _ *http.Request) {
				writeBare(w, http.StatusMethodNotAllowed, "method_not_allowed", "")
			}, routeBadMethod
		}
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		writeBare(w, http.StatusNotFound, "not_found", "no such route")
	}, routeNotFound
}

// ServeHTTP implements http.Handler: it applies injected faults, routes
// the request and records it. Tests can also mount a Gate on their own
// server.
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	stopping := g.stopping
	g.mu.Unlock()

	rec := &Request{
		Time:     g.now(),
		Method:   r.Method,
		Host:     r.Host,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
	}
	mux := g.mux
	if kind, ok := r.Context().Value(listenerKey{}).(string); ok {
		rec.Listener = kind
		if isAdminListener(kind) {
			mux = g.adminMux
		}
	}
	if p := r.Header.Get("DPoP"); p != "" {
		rec.Proof = decodeProof(p)
	}
	body, tooLarge := readBody(r)
	rec.Body = body
	r.Body = http.NoBody
	if !tooLarge {
		r.Body = nopCloser{bytes.NewReader(body)}
	}
	handler, pattern := g.route(mux, r)
	rec.Route = pattern
	rw := &recorder{ResponseWriter: w}
	// The record is appended before the response completes (deferred
	// handler work runs before the server finishes the response), so a
	// test that has its answer always finds the request recorded.
	var once sync.Once
	finish := func() {
		once.Do(func() {
			rec.Status = rw.status
			rec.Error, rec.Reason = rw.code, rw.reason
			rec.Lease = rw.lease
			rec.Operator = rw.operator
			rec.Response = rw.body.Bytes()
			g.mu.Lock()
			rec.Seq = len(g.requests) + 1
			g.requests = append(g.requests, *rec)
			close(g.recorded)
			g.recorded = make(chan struct{})
			g.mu.Unlock()
			if g.opts.Logf != nil {
				g.opts.Logf("gatetest: #%d %s %s -> %d %s %s", rec.Seq, rec.Method, rec.Path, rec.Status, rec.Error, rec.Reason)
			}
		})
	}
	defer finish()

	if f := g.takeFault(pattern); f != nil {
		rec.Fault = f.Kind
		switch f.Kind {
		case Drop:
			rw.code = "dropped"
			if conn, _, err := http.NewResponseController(rw).Hijack(); err == nil {
				finish()
				_ = conn.Close() // dropping the connection is the fault; how it closes does not matter
			}
			return
		case Stall:
			if !wait(r.Context(), stopping, f.Duration) || f.Duration == 0 {
				rw.code = "stalled"
				return
			}
		case Garbage:
			status := f.Status
			if status == 0 {
				status = http.StatusInternalServerError
			}
			rw.code = "garbage"
			writeRaw(rw, status, "text/html", []byte("<html><body><h1>gatetest: garbage</h1>\x00\xff{not json</body></html>"))
			return
		case Respond:
			for k, v := range f.Header {
				rw.Header().Set(k, v)
			}
			rw.code = "injected"
			ct := ""
			if json.Valid([]byte(f.Body)) && f.Body != "" {
				ct = "application/json"
			}
			writeRaw(rw, f.Status, ct, []byte(f.Body))
			return
		}
	}
	if tooLarge {
		writeRaw(rw, http.StatusRequestEntityTooLarge, "text/plain; charset=utf-8", []byte("Failed to buffer the request body: length limit exceeded"))
		note(rw, "payload_too_large", "body over 1 MiB")
		return
	}
	handler(rw, r)
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// wait blocks for d (forever when d is 0) or until the request is
// cancelled or the gate stops. It reports whether d elapsed.
func wait(ctx context.Context, stopping <-chan struct{}, d time.Duration) bool {
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
		return true
	case <-ctx.Done():
		return false
	case <-stopping:
		return false
	}
}

func (g *Gate) takeFault(pattern string) *Fault {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, key := range []string{pattern, RouteAny} {
		list := g.faults[key]
		if len(list) == 0 {
			continue
		}
		f := list[0]
		taken := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				g.faults[key] = list[1:]
			}
		}
		return &taken
	}
	return nil
}

func (g *Gate) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (g *Gate) handleReadyz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ready", "redis": true, "opa": true, "ledger": true,
		"approval_store": true, "egress_proxy": nil, "actions_registered": len(g.order),
	})
}

func (g *Gate) handleActions(w http.ResponseWriter, _ *http.Request) {
	list := make([]listEntry, 0, len(g.order))
	for _, id := range g.order {
		a := g.actions[id]
		list = append(list, listEntry{ActionID: a.ID, Version: a.Version, RiskLevel: a.RiskLevel, DatabaseMode: a.DatabaseMode})
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": list})
}

func (g *Gate) handleAction(w http.ResponseWriter, r *http.Request) {
	a, ok := g.actions[r.PathValue("id")]
	if !ok {
		writeBare(w, http.StatusNotFound, "action_not_found", "")
		return
	}
	body, err := a.detail()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", nil)
		return
	}
	writeRaw(w, http.StatusOK, "application/json", body)
}

func (g *Gate) handleSchema(w http.ResponseWriter, r *http.Request) {
	a, ok := g.actions[r.PathValue("id")]
	if !ok {
		writeBare(w, http.StatusNotFound, "action_not_found", "")
		return
	}
	if a.RequestSchema == nil {
		writeBare(w, http.StatusNotFound, "no_request_schema", "")
		return
	}
	writeRaw(w, http.StatusOK, "application/json", a.RequestSchema)
}

func (g *Gate) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	g.mu.Lock()
	key := g.key
	g.mu.Unlock()
	x, y, err := jwkCoords(&key.priv.PublicKey)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "kid": key.kid, "use": "sig", "alg": "ES256", "x": x, "y": y,
	}}})
}

var (
	scopePattern  = regexp.MustCompile(`^[a-z][a-z0-9:_-]{3,63}$`)
	builtinScopes = map[string]bool{"tools:call": true, "audit:read": true}
	// fsRootBlocklist is the gate's exact-match list of system directories.
	fsRootBlocklist = map[string]bool{
		"/": true, "/bin": true, "/boot": true, "/dev": true, "/etc": true, "/home": true, "/lib": true,
		"/lib64": true, "/media": true, "/mnt": true, "/opt": true, "/proc": true, "/root": true,
		"/run": true, "/sbin": true, "/snap": true, "/srv": true, "/sys": true, "/tmp": true,
		"/usr": true, "/var": true,
	}
	leaseFields = []string{"scopes", "dpop_jwk", "budgets", "fs_root"}
)

// handleLeases issues a lease in the gate's order: body extraction (axum
// rejections are plain text), fs_root, then the issuer's jwk and scope
// checks, then budgets.
func (g *Gate) handleLeases(w http.ResponseWriter, r *http.Request) {
	rejectText := func(status int, msg string) {
		note(w, "rejected", msg)
		writeRaw(w, status, "text/plain; charset=utf-8", []byte(msg))
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !(mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		rejectText(http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`")
		return
	}
	body, _ := readBody(r)
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			rejectText(http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: invalid type: expected struct IssueLeaseRequest")
			return
		}
		rejectText(http.StatusBadRequest, "Failed to parse the request body as JSON: "+err.Error())
		return
	}
	for k := range fields {
		if !slices.Contains(leaseFields, k) {
			rejectText(http.StatusUnprocessableEntity, fmt.Sprintf("Failed to deserialize the JSON body into the target type: unknown field `%s`, expected one of `scopes`, `dpop_jwk`, `budgets`, `fs_root`", k))
			return
		}
	}
	var req struct {
		Scopes  []string `json:"scopes"`
		DPoPJWK *struct {
			Kty *string `json:"kty"`
			Crv *string `json:"crv"`
			X   *string `json:"x"`
			Y   *string `json:"y"`
		} `json:"dpop_jwk"`
		Budgets *struct {
			MaxCalls *uint64 `json:"max_calls"`
		} `json:"budgets"`
		FSRoot *string `json:"fs_root"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		rejectText(http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+err.Error())
		return
	}
	switch {
	case req.Scopes == nil:
		rejectText(http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: missing field `scopes`")
		return
	case req.DPoPJWK == nil:
		rejectText(http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: missing field `dpop_jwk`")
		return
	case req.DPoPJWK.Kty == nil || req.DPoPJWK.Crv == nil || req.DPoPJWK.X == nil || req.DPoPJWK.Y == nil:
		rejectText(http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: dpop_jwk: missing field (kty, crv, x and y are required)")
		return
	}

	var fsRoot string
	if req.FSRoot != nil {
		canon, status, code, msg := g.checkFSRoot(*req.FSRoot)
		if code != "" {
			writeError(w, status, code, map[string]string{"message": msg})
			return
		}
		fsRoot = canon
	}
	invalid := func(msg string) {
		writeError(w, http.StatusBadRequest, "invalid_request", map[string]string{"message": msg})
	}
	if *req.DPoPJWK.Kty != "EC" {
		invalid(fmt.Sprintf("dpop_jwk.kty must be 'EC', got '%s'", *req.DPoPJWK.Kty))
		return
	}
	if *req.DPoPJWK.Crv != "P-256" {
		invalid(fmt.Sprintf("dpop_jwk.crv must be 'P-256', got '%s'", *req.DPoPJWK.Crv))
		return
	}
	if len(req.Scopes) == 0 {
		invalid("scopes must not be empty")
		return
	}
	for _, s := range req.Scopes {
		if !builtinScopes[s] && !(scopePattern.MatchString(s) && strings.Contains(s, ":") && !strings.HasSuffix(s, ":")) {
			invalid(fmt.Sprintf("invalid scope '%s'", s))
			return
		}
	}

	now := g.now()
	jti, err := newUUIDv7(now)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", nil)
		return
	}
	sessionID, err := newUUIDv7(now)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", nil)
		return
	}
	exp := now.Add(g.opts.LeaseTTL)
	claims := leaseClaims{
		Iss: "latchgate", Sub: g.opts.Principal, Aud: "latchgate",
		Exp: exp.Unix(), Nbf: now.Unix(), Iat: now.Unix(),
		Jti: jti, SessionID: sessionID, Scope: req.Scopes,
		Cnf: map[string]any{"jkt": thumbprint(*req.DPoPJWK.X, *req.DPoPJWK.Y)},
	}
	if req.Budgets != nil && req.Budgets.MaxCalls != nil {
		claims.Budgets = &leaseBudgets{MaxCalls: req.Budgets.MaxCalls}
	}
	g.mu.Lock()
	key := g.key
	if claims.Budgets != nil {
		left := *req.Budgets.MaxCalls
		g.budgets[sessionID] = &left
	}
	g.mu.Unlock()
	jwt, err := signJWT(key.priv, map[string]string{"typ": "JWT", "alg": "ES256", "kid": key.kid}, claims)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", nil)
		return
	}
	resp := map[string]string{
		"lease_jwt":  jwt,
		"session_id": sessionID,
		"lease_jti":  jti,
		"expires_at": time.Unix(exp.Unix(), 0).UTC().Format(time.RFC3339),
	}
	if fsRoot != "" {
		resp["fs_root"] = fsRoot
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkFSRoot validates a lease fs_root on this host, as the gate does.
func (g *Gate) checkFSRoot(p string) (canon string, status int, code, msg string) {
	if p == "" || !filepath.IsAbs(p) {
		return "", http.StatusBadRequest, "invalid_fs_root", "fs_root must be an absolute path"
	}
	canon, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", http.StatusBadRequest, "invalid_fs_root", "fs_root does not exist"
	}
	fi, err := os.Stat(canon)
	if err != nil || !fi.IsDir() {
		return "", http.StatusBadRequest, "invalid_fs_root", "fs_root is not a directory"
	}
	if fsRootBlocklist[canon] || fsRootBlocklist[filepath.Clean(p)] {
		return "", http.StatusForbidden, "fs_root_denied", "system directory: " + canon
	}
	if g.opts.FSRootPrefixes != nil {
		if len(g.opts.FSRootPrefixes) == 0 {
			return "", http.StatusForbidden, "fs_root_denied", "per-session fs_root is disabled (fs_root_allowed_prefixes is empty)"
		}
		for _, prefix := range g.opts.FSRootPrefixes {
			pc, err := filepath.EvalSymlinks(prefix)
			if err != nil {
				continue
			}
			if canon == pc || strings.HasPrefix(canon, strings.TrimSuffix(pc, "/")+"/") {
				return canon, 0, "", ""
			}
		}
		return "", http.StatusForbidden, "fs_root_denied", "outside allowed prefixes: " + canon
	}
	return canon, 0, "", ""
}

// rejectAuth answers a request that failed lease or proof verification
// the way the gate does: 401 with the error code, and the deny_reason for
// a bad proof.
func rejectAuth(w http.ResponseWriter, aerr *authError) {
	var extra map[string]string
	if aerr.Code == CodeInvalidDPoP {
		extra = map[string]string{"deny_reason": aerr.Reason}
	}
	writeError(w, http.StatusUnauthorized, aerr.Code, extra)
	note(w, aerr.Code, aerr.Reason)
}

// authenticate runs §5.5 for htm and the gate's own expected htu for
// path, then the replay store.
func (g *Gate) authenticate(r *http.Request, path string) (*Lease, *authError) {
	authz, hasAuthz := r.Header["Authorization"]
	if !hasAuthz || len(authz) == 0 {
		return nil, &authError{Code: CodeMissingAuthHeader, Reason: "missing Authorization header"}
	}
	token, ok := strings.CutPrefix(authz[0], "DPoP ")
	if !ok || token == "" {
		return nil, &authError{Code: CodeInvalidLease, Reason: "Authorization scheme is not 'DPoP '"}
	}
	proof := r.Header.Get("DPoP")
	if proof == "" {
		return nil, &authError{Code: CodeMissingAuthHeader, Reason: "missing DPoP header"}
	}
	now := g.now()
	g.mu.Lock()
	key := g.key
	expected := g.publicBase + path
	g.mu.Unlock()
	lease, aerr := verifyLease(token, key, now)
	if aerr != nil {
		return nil, aerr
	}
	jti, aerr := verifyProof(proof, r.Method, expected, token, lease.JKT, now)
	if aerr != nil {
		aerr.Reason = sanitizeReason(aerr.Reason, 300)
		return nil, aerr
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, until := range g.replay {
		if now.After(until) {
			delete(g.replay, k)
		}
	}
	if _, seen := g.replay[jti]; seen {
		return nil, &authError{Code: CodeReplayDetected, Reason: "jti " + jti + " already used"}
	}
	g.replay[jti] = now.Add(replayTTL)
	return lease, nil
}

func (g *Gate) handleExecute(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	// Step 0: the rate limiter runs before authentication.
	g.mu.Lock()
	if q := g.scripts[id]; len(q) > 0 && q[0].Kind == RateLimited {
		o := q[0]
		g.scripts[id] = q[1:]
		g.mu.Unlock()
		writeRateLimited(w, o)
		return
	}
	g.mu.Unlock()
	// Step 1: a draining gate takes no new work.
	if g.isDraining() {
		writeError(w, http.StatusServiceUnavailable, "draining", nil)
		return
	}

	lease, aerr := g.authenticate(r, "/v1/actions/"+id+"/execute")
	if aerr != nil {
		rejectAuth(w, aerr)
		return
	}
	noteLease(w, lease)
	a, ok := g.actions[id]
	if !ok {
		writeError(w, http.StatusNotFound, "action_not_found", nil)
		return
	}
	body, _ := readBody(r)
	args, reason := g.checkBody(a, body)
	if reason != "" {
		writeError(w, http.StatusUnprocessableEntity, "schema_violation", nil)
		note(w, "schema_violation", reason)
		return
	}
	hash, err := RequestHash(args)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "schema_violation", nil)
		note(w, "schema_violation", err.Error())
		return
	}
	if !slices.Contains(lease.Scopes, "tools:call") {
		g.writeDenied(w, lease, id, "lease is missing required scope(s): tools:call")
		return
	}
	o, rv := g.applyPolicy(a, g.nextOutcome(a), args, lease.Subject)
	// A held request answers 202 at once; its Delay is the approved
	// execution's duration.
	if o.Kind != Held && o.Delay > 0 && !wait(r.Context(), g.stopChan(), o.Delay) {
		note(w, "cancelled", "client went away or gate stopped during Delay")
		return
	}
	traceID, _ := newUUIDv7(g.now())
	switch o.Kind {
	case Executed:
		if !g.spendBudget(lease.SessionID) {
			writeError(w, http.StatusForbidden, "budget_exhausted", nil)
			return
		}
		resp, receiptID := g.execute(a, o, args, traceID, nil)
		g.audit(auditEvent{Type: "action_executed", TraceID: traceID, ActionID: id, Principal: lease.Subject,
			SessionID: lease.SessionID, Decision: "executed", ReceiptID: receiptID})
		writeRaw(w, http.StatusOK, "application/json", resp)
	case Held:
		ap, err := g.hold(a, o, lease, args, hash, traceID, rv)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal_error", nil)
			return
		}
		g.audit(auditEvent{Type: "approval_required", TraceID: traceID, ActionID: id, Principal: lease.Subject,
			SessionID: lease.SessionID, Decision: "pending_approval", ApprovalID: ap})
		writeJSON(w, http.StatusAccepted, map[string]string{
			"decision": "pending_approval", "approval_id": ap, "request_hash": hash, "trace_id": traceID,
		})
	case Denied:
		reason := o.DenyReason
		if reason == "" {
			reason = "policy denied by test gate"
		}
		g.audit(auditEvent{Type: "policy_denied", TraceID: traceID, ActionID: id, Principal: lease.Subject,
			SessionID: lease.SessionID, Decision: "denied", Reason: reason})
		g.writeDenied(w, lease, id, reason)
	case BudgetExceeded:
		writeError(w, http.StatusForbidden, "budget_exhausted", nil)
	case SchemaViolation:
		writeError(w, http.StatusUnprocessableEntity, "schema_violation", nil)
	case RateLimited:
		writeRateLimited(w, o)
	case NotFound:
		writeError(w, http.StatusNotFound, "action_not_found", nil)
	case TooLarge:
		writeRaw(w, http.StatusRequestEntityTooLarge, "text/plain; charset=utf-8", []byte("Failed to buffer the request body: length limit exceeded"))
		note(w, "payload_too_large", "scripted")
	case ServerError:
		status, code := o.Status, o.ErrorCode
		if status == 0 {
			status = http.StatusBadGateway
		}
		if code == "" {
			code = "action_execution_failed"
		}
		writeError(w, status, code, nil)
	default:
		writeError(w, http.StatusInternalServerError, "internal_error", nil)
		note(w, "internal_error", fmt.Sprintf("unknown outcome kind %d", o.Kind))
	}
}

func (g *Gate) stopChan() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stopping
}

func writeRateLimited(w http.ResponseWriter, o Outcome) {
	secs := int64(1)
	if o.RetryAfter > 0 {
		secs = int64((o.RetryAfter + time.Second - 1) / time.Second)
	}
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeError(w, http.StatusTooManyRequests, "rate_limited", nil)
}

func (g *Gate) writeDenied(w http.ResponseWriter, lease *Lease, actionID, reason string) {
	writeError(w, http.StatusForbidden, "policy_denied", map[string]string{
		"deny_reason": sanitizeReason(reason, 500),
		"principal":   lease.Subject,
		"action_id":   actionID,
		"remediation": "Run: latchgate policy grant " + lease.Subject + " " + actionID,
	})
}

// nextOutcome pops the action's script, falling back to its default and
// then to the risk-based policy shape.
func (g *Gate) nextOutcome(a Action) Outcome {
	g.mu.Lock()
	defer g.mu.Unlock()
	if q := g.scripts[a.ID]; len(q) > 0 {
		g.scripts[a.ID] = q[1:]
		return q[0]
	}
	if o, ok := g.defaults[a.ID]; ok {
		return o
	}
	if a.RiskLevel == "high" || a.RiskLevel == "critical" {
		return Outcome{Kind: Held}
	}
	return Outcome{Kind: Executed}
}

func (g *Gate) spendBudget(session string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	left, ok := g.budgets[session]
	if !ok {
		return true
	}
	if *left == 0 {
		return false
	}
	*left--
	return true
}

// checkBody applies the gate's body checks: an empty body is {}, the body
// must be JSON within the action's size limit, nesting depth 10 and 100
// items per array, and must match the request schema. It returns the
// arguments as JSON, or a reason for the 422 (which the gate does not
// send).
func (g *Gate) checkBody(a Action, body []byte) (json.RawMessage, string) {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if a.MaxRequestBytes > 0 && len(body) > a.MaxRequestBytes {
		return nil, fmt.Sprintf("body is %d bytes, over max_request_bytes %d", len(body), a.MaxRequestBytes)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, "body is not JSON: " + err.Error()
	}
	if reason := checkShape(v, 1); reason != "" {
		return nil, reason
	}
	if rs := g.schemas[a.ID]; rs != nil {
		if err := rs.Validate(v); err != nil {
			return nil, "schema: " + err.Error()
		}
	}
	return json.RawMessage(body), ""
}

func checkShape(v any, depth int) string {
	switch v := v.(type) {
	case map[string]any:
		if depth > 10 {
			return "nesting deeper than 10"
		}
		for _, e := range v {
			if r := checkShape(e, depth+1); r != "" {
				return r
			}
		}
	case []any:
		if depth > 10 {
			return "nesting deeper than 10"
		}
		if len(v) > 100 {
			return "array with more than 100 items"
		}
		for _, e := range v {
			if r := checkShape(e, depth+1); r != "" {
				return r
			}
		}
	}
	return ""
}

// execute runs a scripted execution: it stores the receipt and returns
// the ExecutionResponse body. extra, when set, adds members to it: the
// approval provenance of an operator-approved execution and what the
// approval taught the gate (learned_domain, learned_path).
func (g *Gate) execute(a Action, o Outcome, args json.RawMessage, traceID string, extra map[string]any) ([]byte, string) {
	now := g.now()
	grantID, _ := newUUIDv7(now)
	receiptID, _ := newUUIDv7(now)
	output := o.Output
	if output == nil {
		output, _ = json.Marshal(map[string]any{"action_id": a.ID, "arguments": args})
	}
	outcome, success := "verified", true
	if o.NotFullySuccessful {
		outcome, success = "verification_failed", false
	}
	resp := map[string]any{
		"decision":             "executed",
		"trace_id":             traceID,
		"action_id":            a.ID,
		"grant_id":             grantID,
		"receipt_id":           receiptID,
		"output":               output,
		"verification_outcome": outcome,
		"verification":         map[string]any{"outcome": outcome, "is_fully_successful": success},
		"runtime":              map[string]any{"duration_ms": o.Delay.Milliseconds(), "exit_code": 0, "fuel_consumed": 100000},
	}
	for k, v := range extra {
		resp[k] = v
	}
	body, _ := json.Marshal(resp)

	var verification any = map[string]any{"status": "verified", "evidence": map[string]any{}}
	normalized := map[string]any{"kind": "success", "summary": "executed by gatetest"}
	if !success {
		verification = map[string]any{"status": "verification_failed", "reason": "scripted by gatetest"}
	}
	resultHash, _ := RequestHash(output)
	receipt := map[string]any{
		"receipt_id":             receiptID,
		"grant_id":               grantID,
		"provider_module_digest": a.ProviderModuleDigest,
		"provider_receipt":       output,
		"normalized_result":      normalized,
		"verification_outcome":   verification,
		"effect_evidence":        []any{},
		"result_hash":            strings.TrimPrefix(resultHash, "sha256:"),
		"started_at":             now.UTC().Format(time.RFC3339Nano),
		"finished_at":            now.Add(o.Delay).UTC().Format(time.RFC3339Nano),
		"failure_class":          nil,
		"signature_status":       "unsigned",
	}
	rb, _ := json.Marshal(receipt)
	g.mu.Lock()
	g.receipts[receiptID] = rb
	g.mu.Unlock()
	return body, receiptID
}

func (g *Gate) handleReceipt(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	lease, aerr := g.authenticate(r, "/v1/receipts/"+id)
	if aerr != nil {
		rejectAuth(w, aerr)
		return
	}
	noteLease(w, lease)
	g.mu.Lock()
	rb, ok := g.receipts[id]
	g.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", nil)
		return
	}
	writeRaw(w, http.StatusOK, "application/json", rb)
}

// Receipts returns the ids of every stored receipt, sorted.
func (g *Gate) Receipts() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ids := make([]string, 0, len(g.receipts))
	for id := range g.receipts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// newUUIDv7 returns a lowercase hyphenated UUIDv7, the gate's id format.
func newUUIDv7(now time.Time) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		return "", err
	}
	ms := uint64(now.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}
