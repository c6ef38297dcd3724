package gatetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Approval states, as the gate's approval store names them.
const (
	StatePending  = "pending"
	StateClaimed  = "claimed"
	StateApproved = "approved"
	StateDenied   = "denied"
	StateFailed   = "failed"
)

// Errors from [Gate.Approve] and [Gate.Deny], mirroring the admin
// router's claim results.
var (
	// ErrApprovalNotFound: unknown or expired (the gate's 404).
	ErrApprovalNotFound = errors.New("approval not found")
	// ErrApprovalClaimed: another decision is in progress, or only the
	// durable outcome of a decided approval is left (the gate's 409).
	ErrApprovalClaimed = errors.New("approval already claimed")
	// ErrApprovalDecided: the approval is terminal (the gate's 200
	// already_approved / already_denied / already_failed).
	ErrApprovalDecided = errors.New("approval already decided")
)

// testOperator is who decides when a test calls [Gate.Approve] or
// [Gate.Deny], or when [Gate.SetApproveAfter] decides on a poll.
const testOperator = "gatetest"

type approval struct {
	id, actionID, sessionID, principal, traceID, requestHash string
	actionVersion, riskLevel                                 string
	outcome                                                  Outcome
	args                                                     json.RawMessage
	review                                                   review
	state                                                    string
	polls                                                    int
	receiptID, reason, errorCode                             string
	created, expires                                         time.Time
	claimedBy, decidedBy                                     string
	claimedAt, completedAt                                   time.Time
	learnedDomain, learnedPath                               string
	response                                                 []byte
}

// review is what the gate shows an operator about a held request.
type review struct {
	targets, egress                    []string
	unresolvedDomains, unresolvedPaths []string
}

// An Approval is a snapshot of one held request, for assertions.
type Approval struct {
	ID          string
	ActionID    string
	SessionID   string // the session of the lease that made the request
	Principal   string // the lease's sub
	TraceID     string
	RequestHash string
	RiskLevel   string
	State       string // pending, claimed, approved, denied or failed
	Polls       int    // authenticated polls that found it
	ReceiptID   string // set once approved
	Reason      string // deny reason or failure code
	Created     time.Time
	Expires     time.Time
	// ClaimedBy is the operator credential that claimed it (approved or
	// denied it), "gatetest" for the Go methods and SetApproveAfter.
	ClaimedBy string
	// UnresolvedDomains and UnresolvedPaths are the review data the
	// operator sees; LearnedDomain and LearnedPath what approving taught
	// the gate.
	UnresolvedDomains []string
	UnresolvedPaths   []string
	Targets           []string
	LearnedDomain     string
	LearnedPath       string
	// Response is the ExecutionResponse of the approved execution, what
	// the admin approve route returned.
	Response []byte
}

func (g *Gate) hold(a Action, o Outcome, lease *Lease, args json.RawMessage, hash, traceID string, rv review) (string, error) {
	now := g.now()
	id, err := newUUIDv7(now)
	if err != nil {
		return "", err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.approvals[id] = &approval{
		id: id, actionID: a.ID, sessionID: lease.SessionID, principal: lease.Subject,
		traceID: traceID, requestHash: hash, outcome: o, args: args, review: rv,
		actionVersion: a.Version, riskLevel: a.RiskLevel,
		state: StatePending, created: now, expires: now.Add(g.opts.ApprovalTTL),
	}
	return id, nil
}

// Approvals returns a snapshot of every live approval, oldest first.
// Expired approvals are gone, as they are from the gate's store.
func (g *Gate) Approvals() []Approval {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Approval
	for _, ap := range g.approvals {
		if now.After(ap.expires) {
			continue
		}
		out = append(out, ap.snapshot())
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (ap *approval) snapshot() Approval {
	return Approval{
		ID: ap.id, ActionID: ap.actionID, SessionID: ap.sessionID, Principal: ap.principal, TraceID: ap.traceID,
		RequestHash: ap.requestHash, RiskLevel: ap.riskLevel, State: ap.state, Polls: ap.polls, ReceiptID: ap.receiptID,
		Reason: ap.reason, Created: ap.created, Expires: ap.expires, ClaimedBy: ap.claimedBy,
		UnresolvedDomains: ap.review.unresolvedDomains, UnresolvedPaths: ap.review.unresolvedPaths,
		Targets: ap.review.targets, LearnedDomain: ap.learnedDomain, LearnedPath: ap.learnedPath,
		Response: ap.response,
	}
}

func (ap *approval) terminal() bool {
	return ap.state == StateApproved || ap.state == StateDenied || ap.state == StateFailed
}

// lookupLocked finds a live approval. Expired ones leave the live store;
// a decided one leaves its outcome behind in the durable store, as the
// gate's SQLite outcome table keeps it.
func (g *Gate) lookupLocked(id string, now time.Time) *approval {
	ap, ok := g.approvals[id]
	if !ok {
		return nil
	}
	if now.After(ap.expires) {
		delete(g.approvals, id)
		if ap.terminal() {
			g.admin.durable[id] = ap
		}
		return nil
	}
	return ap
}

// claimError is a failed claim: err is one of the ErrApproval sentinels,
// ap the approval when it exists (terminal), durable set when only the
// durable outcome is left.
type claimError struct {
	err     error
	ap      *approval
	durable bool
}

func (e *claimError) Error() string { return e.err.Error() }
func (e *claimError) Unwrap() error { return e.err }

// claimLocked moves a pending approval to claimed, for operator by.
func (g *Gate) claimLocked(id string, now time.Time, by string) (*approval, error) {
	ap := g.lookupLocked(id, now)
	switch {
	case ap == nil:
		if _, ok := g.admin.durable[id]; ok {
			return nil, fmt.Errorf("claim approval %s: %w", id, &claimError{err: ErrApprovalClaimed, durable: true})
		}
		return nil, fmt.Errorf("claim approval %s: %w", id, &claimError{err: ErrApprovalNotFound})
	case ap.state == StateClaimed:
		return nil, fmt.Errorf("claim approval %s: %w", id, &claimError{err: ErrApprovalClaimed, ap: ap})
	case ap.state != StatePending:
		return nil, fmt.Errorf("claim approval %s: %w (%s)", id, &claimError{err: ErrApprovalDecided, ap: ap}, ap.state)
	}
	ap.state, ap.claimedBy, ap.claimedAt = StateClaimed, by, now
	return ap, nil
}

// operatorID is who decides: the credential name (approved_by,
// denied_by) and its DPoP thumbprint (operator_sender_binding).
type operatorID struct {
	name, jkt string
}

// learnChoice is what an approve asked the gate to learn; empty fields
// mean "the first unresolved one", the gate's auto-learning.
type learnChoice struct {
	domain, path string
}

// Approve claims a pending approval and runs its held outcome, as an
// operator's approve does: the call blocks for the outcome's Delay (polls
// meanwhile see "claimed"), then the approval is approved with a receipt,
// or failed when the outcome has an ErrorCode. Like the gate, it first
// learns the first unresolved domain and path.
func (g *Gate) Approve(approvalID string) error {
	_, err := g.approveAs(approvalID, operatorID{name: testOperator, jkt: testOperator}, learnChoice{})
	return err
}

// approveAs is the one approve path, for the Go method and the admin
// route: claim, learn, execute.
func (g *Gate) approveAs(approvalID string, op operatorID, learn learnChoice) (execResult, error) {
	g.mu.Lock()
	ap, err := g.claimLocked(approvalID, g.now(), op.name)
	g.mu.Unlock()
	if err != nil {
		return execResult{}, err
	}
	return g.runApproved(ap, g.stopChan(), op, learn), nil
}

// execResult is what running an approved request produced: the
// ExecutionResponse, or the failure the pipeline reports.
type execResult struct {
	body       []byte
	failCode   string
	failStatus int
}

func (g *Gate) runApproved(ap *approval, stopping <-chan struct{}, op operatorID, learn learnChoice) execResult {
	g.mu.Lock()
	ap.learnedDomain, ap.learnedPath = g.learnLocked(ap, learn)
	g.mu.Unlock()
	fail := func(code string, status int) execResult {
		g.mu.Lock()
		ap.state, ap.reason, ap.errorCode, ap.decidedBy, ap.completedAt = StateFailed, code, code, op.name, g.now()
		g.mu.Unlock()
		g.audit(auditEvent{Type: "approval_failed", TraceID: ap.traceID, ActionID: ap.actionID, Principal: ap.principal,
			SessionID: ap.sessionID, Decision: "failed", ApprovalID: ap.id, Operator: op.name, Reason: code})
		return execResult{failCode: code, failStatus: status}
	}
	if ap.outcome.Delay > 0 {
		t := time.NewTimer(ap.outcome.Delay)
		select {
		case <-t.C:
		case <-stopping:
			// A restart in the middle of execution leaves the approval
			// failed, never silently pending forever.
			t.Stop()
			return fail("execution_failed", http.StatusServiceUnavailable)
		}
	}
	if ap.outcome.ErrorCode != "" {
		status := ap.outcome.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		return fail(ap.outcome.ErrorCode, status)
	}
	a := g.actions[ap.actionID]
	o := ap.outcome
	o.Kind = Executed
	extra := map[string]any{"approval": map[string]any{
		"decision": "allow", "approval_id": ap.id, "approved_by": op.name,
		"approval_hash": nil, "operator_authn_method": "operator_dpop", "operator_sender_binding": op.jkt,
	}}
	if ap.learnedDomain != "" {
		extra["learned_domain"] = ap.learnedDomain
	}
	if ap.learnedPath != "" {
		extra["learned_path"] = ap.learnedPath
	}
	resp, receiptID := g.execute(a, o, ap.args, ap.traceID, extra)
	g.mu.Lock()
	ap.state, ap.receiptID, ap.response = StateApproved, receiptID, resp
	ap.decidedBy, ap.completedAt = op.name, g.now()
	g.mu.Unlock()
	g.audit(auditEvent{Type: "approval_granted", TraceID: ap.traceID, ActionID: ap.actionID, Principal: ap.principal,
		SessionID: ap.sessionID, Decision: "approved", ApprovalID: ap.id, ReceiptID: receiptID, Operator: op.name})
	return execResult{body: resp}
}

// Deny denies a pending approval with the gate's default reason,
// "operator_denied".
func (g *Gate) Deny(approvalID string) error {
	return g.DenyWithReason(approvalID, "")
}

// DenyWithReason denies a pending approval; polls then report reason
// ("operator_denied" when empty).
func (g *Gate) DenyWithReason(approvalID, reason string) error {
	_, err := g.denyAs(approvalID, testOperator, reason)
	return err
}

// denyAs is the one deny path, for the Go methods and the admin route.
func (g *Gate) denyAs(approvalID, operator, reason string) (*approval, error) {
	if reason == "" {
		reason = "operator_denied"
	}
	g.mu.Lock()
	now := g.now()
	ap, err := g.claimLocked(approvalID, now, operator)
	if err != nil {
		g.mu.Unlock()
		return nil, err
	}
	ap.state, ap.reason, ap.decidedBy, ap.completedAt = StateDenied, reason, operator, now
	g.mu.Unlock()
	g.audit(auditEvent{Type: "approval_denied", TraceID: ap.traceID, ActionID: ap.actionID, Principal: ap.principal,
		SessionID: ap.sessionID, Decision: "denied", ApprovalID: ap.id, Operator: operator, Reason: reason})
	return ap, nil
}

// handlePoll is GET /v1/approvals/{id}/poll: every failure is a bare
// status, and a session mismatch looks like an unknown id.
func (g *Gate) handlePoll(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	lease, aerr := g.authenticate(r, "/v1/approvals/"+id+"/poll")
	if aerr != nil {
		writeBare(w, http.StatusUnauthorized, aerr.Code, aerr.Reason)
		return
	}
	noteLease(w, lease)
	now := g.now()
	g.mu.Lock()
	ap := g.lookupLocked(id, now)
	if ap == nil {
		g.mu.Unlock()
		writeBare(w, http.StatusNotFound, "not_found", "unknown or expired approval")
		return
	}
	if ap.sessionID != lease.SessionID {
		g.mu.Unlock()
		writeBare(w, http.StatusNotFound, "not_found", "approval belongs to session "+ap.sessionID+", lease has "+lease.SessionID)
		return
	}
	ap.polls++
	var runAsync *approval
	var denied bool
	if g.approveN > 0 && ap.polls >= g.approveN && ap.state == StatePending {
		if g.approveYes {
			ap.state, ap.claimedBy, ap.claimedAt = StateClaimed, testOperator, now
			runAsync = ap
		} else {
			// The held outcome's DenyReason, as Options documents.
			reason := ap.outcome.DenyReason
			if reason == "" {
				reason = "operator_denied"
			}
			ap.state, ap.reason, ap.claimedBy, ap.decidedBy, ap.completedAt = StateDenied, reason, testOperator, testOperator, now
			denied = true
		}
	}
	stopping := g.stopping
	g.mu.Unlock()
	if denied {
		g.audit(auditEvent{Type: "approval_denied", TraceID: ap.traceID, ActionID: ap.actionID, Principal: ap.principal,
			SessionID: ap.sessionID, Decision: "denied", ApprovalID: ap.id, Operator: testOperator, Reason: ap.reason})
	}
	if runAsync != nil {
		op := operatorID{name: testOperator, jkt: testOperator}
		if runAsync.outcome.Delay > 0 {
			// Execution takes a while: this poll sees "claimed".
			go g.runApproved(runAsync, stopping, op, learnChoice{})
		} else {
			g.runApproved(runAsync, stopping, op, learnChoice{})
		}
	}

	g.mu.Lock()
	resp := map[string]any{}
	switch ap.state {
	case StatePending:
		resp["status"], resp["retry_after_seconds"] = "pending", 2
	case StateClaimed:
		resp["status"], resp["retry_after_seconds"] = "pending", 1
	case StateApproved:
		resp["status"], resp["receipt_id"] = "approved", ap.receiptID
	case StateDenied:
		resp["status"], resp["reason"] = "denied", ap.reason
	case StateFailed:
		resp["status"], resp["reason"] = "failed", ap.reason
	}
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}
