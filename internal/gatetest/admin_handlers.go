package gatetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// rfc3339 is how the gate writes timestamps in approval records.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// approvalStatuses are the values GET /v1/approvals accepts for status.
var approvalStatuses = map[string]bool{StatePending: true, StateClaimed: true, StateApproved: true, StateDenied: true, StateFailed: true}

// handleListApprovals is GET /v1/approvals?status=&limit=: live
// approvals, newest first, 50 by default and at most 200. Unknown query
// keys are ignored; a bad status or limit is a plain-text 400, as the
// gate's query extractor answers.
func (g *Gate) handleListApprovals(w http.ResponseWriter, r *http.Request) {
	if g.operatorAuth(w, r, "/v1/approvals", styleUnauthorized) == nil {
		return
	}
	q := r.URL.Query()
	status := q.Get("status")
	if status != "" && !approvalStatuses[status] {
		badQuery(w, "Failed to deserialize query string: status: unknown variant `"+status+"`, expected one of `pending`, `claimed`, `approved`, `denied`, `failed`")
		return
	}
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			badQuery(w, "Failed to deserialize query string: limit: invalid digit found in string")
			return
		}
		limit = min(int(n), 200)
	}
	now := g.now()
	g.mu.Lock()
	var live []*approval
	for id := range g.approvals {
		if ap := g.lookupLocked(id, now); ap != nil && (status == "" || ap.state == status) {
			live = append(live, ap)
		}
	}
	sort.Slice(live, func(i, j int) bool {
		if !live[i].created.Equal(live[j].created) {
			return live[i].created.After(live[j].created)
		}
		return live[i].id > live[j].id
	})
	if len(live) > limit {
		live = live[:limit]
	}
	items := make([]map[string]any, 0, len(live))
	for _, ap := range live {
		m := map[string]any{
			"approval_id": ap.id, "status": ap.state, "action_id": ap.actionID, "action_version": ap.actionVersion,
			"principal": ap.principal, "session_id": ap.sessionID, "risk_level": ap.riskLevel,
			"request_hash": ap.requestHash, "created_at": rfc3339(ap.created), "expires_at": rfc3339(ap.expires),
		}
		if ap.claimedBy != "" {
			m["claimed_by"] = ap.claimedBy
		}
		items = append(items, m)
	}
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"approvals": items, "count": len(items)})
}

// handleGetApproval is GET /v1/approvals/{id}: the review detail of a
// live approval, or the durable outcome once the live record is gone.
// Every error is a bare status.
func (g *Gate) handleGetApproval(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if g.operatorAuth(w, r, "/v1/approvals/"+id, styleBare) == nil {
		return
	}
	// The record is built under the lock and written after it, so a
	// slow reader never stalls the gate.
	m := g.approvalDetail(id)
	if m == nil {
		writeBare(w, http.StatusNotFound, "not_found", "unknown or expired approval")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// approvalDetail is the review record of a live approval, the durable
// outcome of a decided one whose live record expired, or nil.
func (g *Gate) approvalDetail(id string) map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	ap := g.lookupLocked(id, g.now())
	if ap == nil {
		d, ok := g.admin.durable[id]
		if !ok {
			return nil
		}
		m := map[string]any{"approval_id": d.id, "status": d.state, "completed_at": rfc3339(d.completedAt), "source": "durable_outcome"}
		putIf(m, "receipt_id", d.receiptID)
		if d.state == StateDenied {
			putIf(m, "deny_reason", d.reason)
		}
		putIf(m, "error_code", d.errorCode)
		return m
	}
	a := g.actions[ap.actionID]
	m := map[string]any{
		"approval_id": ap.id, "status": ap.state, "action_id": ap.actionID, "principal": ap.principal,
		"session_id": ap.sessionID, "request_hash": ap.requestHash, "policy_version": "gatetest",
		"created_at": rfc3339(ap.created), "action_version": ap.actionVersion, "risk_level": ap.riskLevel,
		"provider_module_digest": a.ProviderModuleDigest, "expires_at": rfc3339(ap.expires),
		"plan_hash": ap.requestHash,
	}
	putIf(m, "claimed_by", ap.claimedBy)
	if !ap.claimedAt.IsZero() {
		m["claimed_at"] = rfc3339(ap.claimedAt)
	}
	if !ap.completedAt.IsZero() {
		m["completed_at"] = rfc3339(ap.completedAt)
	}
	putIf(m, "receipt_id", ap.receiptID)
	if ap.state == StateDenied {
		putIf(m, "deny_reason", ap.reason)
	}
	putIf(m, "error_code", ap.errorCode)
	putIf(m, "verifier_kind", a.VerifierKind)
	putList(m, "approved_targets", ap.review.targets)
	putList(m, "approved_egress", ap.review.egress)
	putList(m, "unresolved_domains", ap.review.unresolvedDomains)
	putList(m, "unresolved_paths", ap.review.unresolvedPaths)
	if left, ok := g.budgets[ap.sessionID]; ok {
		m["budget_snapshot"] = map[string]any{"calls_remaining": *left, "policy_approved_calls_after": *left}
	}
	return m
}

func putIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func putList(m map[string]any, k string, v []string) {
	if len(v) > 0 {
		m[k] = v
	}
}

// learnDomainPattern is what the gate accepts as learn_domain: a
// hostname.
var learnDomainPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// handleApprove is POST /v1/approvals/{id}/approve, in the gate's
// order: auth, draining, the operator write limit, learn_* checks, the
// atomic claim, learning, then the synchronous execution of the held
// request.
func (g *Gate) handleApprove(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	op := g.operatorAuth(w, r, "/v1/approvals/"+id+"/approve", stylePipeline)
	if op == nil {
		return
	}
	if g.isDraining() {
		writeError(w, http.StatusServiceUnavailable, "draining", nil)
		return
	}
	if g.takeThrottle() {
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusTooManyRequests, "operator_throttled", nil)
		return
	}
	q := r.URL.Query()
	learn := learnChoice{domain: q.Get("learn_domain"), path: q.Get("learn_path")}
	if q.Has("learn_domain") && (len(learn.domain) > 253 || !learnDomainPattern.MatchString(learn.domain)) {
		writeError(w, http.StatusBadRequest, "bad_request", map[string]string{"deny_reason": "invalid learn_domain: " + sanitizeReason(learn.domain, 200)})
		return
	}
	if q.Has("learn_path") && (learn.path == "" || len(learn.path) > 1024 || !strings.HasPrefix(learn.path, "/") || sanitizeReason(learn.path, 1024) != learn.path) {
		writeError(w, http.StatusBadRequest, "bad_request", map[string]string{"deny_reason": "invalid learn_path: must be an absolute path or glob"})
		return
	}
	res, err := g.approveAs(id, *op, learn)
	if err != nil {
		writeClaimError(w, err)
		return
	}
	if res.failCode != "" {
		writeError(w, res.failStatus, res.failCode, nil)
		return
	}
	writeRaw(w, http.StatusOK, "application/json", res.body)
}

// handleDeny is POST /v1/approvals/{id}/deny with an optional
// {"reason": "..."} body. The gate does not check draining here.
func (g *Gate) handleDeny(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	op := g.operatorAuth(w, r, "/v1/approvals/"+id+"/deny", stylePipeline)
	if op == nil {
		return
	}
	if g.takeThrottle() {
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusTooManyRequests, "operator_throttled", nil)
		return
	}
	body, _ := readBody(r)
	var req struct {
		Reason *string `json:"reason"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			note(w, "bad_body", err.Error())
			writeRaw(w, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("Failed to parse the request body as JSON: "+err.Error()))
			return
		}
	}
	reason := ""
	if req.Reason != nil {
		reason = sanitizeReason(*req.Reason, 2000)
	}
	ap, err := g.denyAs(id, op.name, reason)
	if err != nil {
		writeClaimError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"decision": "deny", "trace_id": ap.traceID, "action_id": ap.actionID, "approval_id": ap.id,
		"denied_by": op.name, "deny_reason": ap.reason,
	})
}

// writeClaimError answers a failed claim as the gate does: unknown or
// expired 404 action_not_found (it does not say which), claimed or only
// durable 409 conflict, terminal 200 already_<state>.
func writeClaimError(w http.ResponseWriter, err error) {
	var ce *claimError
	if !errors.As(err, &ce) {
		writeError(w, http.StatusInternalServerError, "internal_error", nil)
		return
	}
	switch {
	case errors.Is(ce.err, ErrApprovalNotFound):
		writeError(w, http.StatusNotFound, "action_not_found", nil)
	case errors.Is(ce.err, ErrApprovalClaimed):
		writeError(w, http.StatusConflict, "conflict", nil)
		note(w, "conflict", map[bool]string{true: "only the durable outcome is left", false: "claimed by another operator"}[ce.durable])
	default:
		ap := ce.ap
		m := map[string]any{"decision": "already_" + ap.state, "approval_id": ap.id, "status": ap.state}
		if !ap.completedAt.IsZero() {
			m["completed_at"] = rfc3339(ap.completedAt)
		}
		putIf(m, "receipt_id", ap.receiptID)
		if ap.state == StateDenied {
			putIf(m, "deny_reason", ap.reason)
		}
		note(w, "already_"+ap.state, "")
		writeJSON(w, http.StatusOK, m)
	}
}

// allowlistID is the gate's rule for allowlist action_id and agent_id:
// real principals such as "dev:anonymous" and "uid:1000" have a colon.
var allowlistID = regexp.MustCompile(`^[A-Za-z0-9_:-]{1,128}$`)

// handleAllowlist is POST and DELETE /v1/admin/policy/allowlist
// {"action_id","agent_id"}: add or remove an approval bypass for one
// principal. It skips only the hold; denials still apply.
func (g *Gate) handleAllowlist(w http.ResponseWriter, r *http.Request) {
	if g.operatorAuth(w, r, "/v1/admin/policy/allowlist", styleUnauthorized) == nil {
		return
	}
	body, _ := readBody(r)
	var req struct {
		ActionID *string `json:"action_id"`
		AgentID  *string `json:"agent_id"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		note(w, "bad_body", err.Error())
		writeRaw(w, http.StatusBadRequest, "text/plain; charset=utf-8", []byte("Failed to parse the request body as JSON: "+err.Error()))
		return
	}
	if req.ActionID == nil || req.AgentID == nil {
		note(w, "bad_body", "missing field")
		writeRaw(w, http.StatusUnprocessableEntity, "text/plain; charset=utf-8", []byte("Failed to deserialize the JSON body into the target type: missing field `action_id` or `agent_id`"))
		return
	}
	for _, f := range []struct{ name, v string }{{"action_id", *req.ActionID}, {"agent_id", *req.AgentID}} {
		if !allowlistID.MatchString(f.v) {
			writeError(w, http.StatusBadRequest, "invalid_input", map[string]string{"detail": f.name + " must be 1-128 characters of [A-Za-z0-9_:-]"})
			return
		}
	}
	if _, ok := g.actions[*req.ActionID]; !ok {
		writeError(w, http.StatusNotFound, "action_not_found", map[string]string{"action_id": *req.ActionID})
		return
	}
	g.mu.Lock()
	if r.Method == http.MethodDelete {
		delete(g.admin.allowlist[*req.ActionID], *req.AgentID)
	} else {
		if g.admin.allowlist[*req.ActionID] == nil {
			g.admin.allowlist[*req.ActionID] = map[string]bool{}
		}
		g.admin.allowlist[*req.ActionID][*req.AgentID] = true
	}
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "action_id": *req.ActionID, "agent_id": *req.AgentID})
}

// handleAdminReceipt is GET /v1/receipts/{id} on the admin router, where
// the gate wants operator auth instead of a lease.
func (g *Gate) handleAdminReceipt(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if g.operatorAuth(w, r, "/v1/receipts/"+id, styleUnauthorized) == nil {
		return
	}
	g.mu.Lock()
	rb, ok := g.receipts[id]
	g.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", nil)
		return
	}
	writeRaw(w, http.StatusOK, "application/json", rb)
}
