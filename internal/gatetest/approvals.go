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
	// ErrApprovalClaimed: another decision is in progress (the gate's 409).
	ErrApprovalClaimed = errors.New("approval already claimed")
	// ErrApprovalDecided: the approval is terminal (the gate's 200
	// already_approved / already_denied / already_failed).
	ErrApprovalDecided = errors.New("approval already decided")
)

type approval struct {
	id, actionID, sessionID, principal, traceID, requestHash string
	outcome                                                  Outcome
	args                                                     json.RawMessage
	state                                                    string
	polls                                                    int
	receiptID, reason                                        string
	created, expires                                         time.Time
	response                                                 []byte
}

// An Approval is a snapshot of one held request, for assertions.
type Approval struct {
	ID          string
	ActionID    string
	SessionID   string // the session of the lease that made the request
	TraceID     string
	RequestHash string
	State       string // pending, claimed, approved, denied or failed
	Polls       int    // authenticated polls that found it
	ReceiptID   string // set once approved
	Reason      string // deny reason or failure code
	Created     time.Time
	Expires     time.Time
	// Response is the ExecutionResponse of the approved execution, what
	// the admin approve route would return.
	Response []byte
}

func (g *Gate) hold(a Action, o Outcome, lease *Lease, args json.RawMessage, hash, traceID string) (string, error) {
	now := g.now()
	id, err := newUUIDv7(now)
	if err != nil {
		return "", err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.approvals[id] = &approval{
		id: id, actionID: a.ID, sessionID: lease.SessionID, principal: lease.Subject,
		traceID: traceID, requestHash: hash, outcome: o, args: args,
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
		ID: ap.id, ActionID: ap.actionID, SessionID: ap.sessionID, TraceID: ap.traceID,
		RequestHash: ap.requestHash, State: ap.state, Polls: ap.polls, ReceiptID: ap.receiptID,
		Reason: ap.reason, Created: ap.created, Expires: ap.expires, Response: ap.response,
	}
}

// lookupLocked finds a live approval; expired ones are deleted.
func (g *Gate) lookupLocked(id string, now time.Time) *approval {
	ap, ok := g.approvals[id]
	if !ok {
		return nil
	}
	if now.After(ap.expires) {
		delete(g.approvals, id)
		return nil
	}
	return ap
}

// claimLocked moves a pending approval to claimed.
func (g *Gate) claimLocked(id string, now time.Time) (*approval, error) {
	ap := g.lookupLocked(id, now)
	switch {
	case ap == nil:
		return nil, fmt.Errorf("claim approval %s: %w", id, ErrApprovalNotFound)
	case ap.state == StateClaimed:
		return nil, fmt.Errorf("claim approval %s: %w", id, ErrApprovalClaimed)
	case ap.state != StatePending:
		return nil, fmt.Errorf("claim approval %s: %w (%s)", id, ErrApprovalDecided, ap.state)
	}
	ap.state = StateClaimed
	return ap, nil
}

// Approve claims a pending approval and runs its held outcome, as an
// operator's approve does: the call blocks for the outcome's Delay (polls
// meanwhile see "claimed"), then the approval is approved with a receipt,
// or failed when the outcome has an ErrorCode.
func (g *Gate) Approve(approvalID string) error {
	g.mu.Lock()
	ap, err := g.claimLocked(approvalID, g.now())
	g.mu.Unlock()
	if err != nil {
		return err
	}
	g.runApproved(ap, g.stopChan())
	return nil
}

func (g *Gate) runApproved(ap *approval, stopping <-chan struct{}) {
	if ap.outcome.Delay > 0 {
		t := time.NewTimer(ap.outcome.Delay)
		select {
		case <-t.C:
		case <-stopping:
			// A restart in the middle of execution leaves the approval
			// failed, never silently pending forever.
			t.Stop()
			g.mu.Lock()
			ap.state, ap.reason = StateFailed, "execution_failed"
			g.mu.Unlock()
			return
		}
	}
	if ap.outcome.ErrorCode != "" {
		g.mu.Lock()
		ap.state, ap.reason = StateFailed, ap.outcome.ErrorCode
		g.mu.Unlock()
		return
	}
	a := g.actions[ap.actionID]
	o := ap.outcome
	o.Kind = Executed
	resp, receiptID := g.execute(a, o, ap.args, ap.traceID, map[string]any{
		"decision": "allow", "approval_id": ap.id, "approved_by": "gatetest",
		"approval_hash": nil, "operator_authn_method": "operator_dpop", "operator_sender_binding": "gatetest",
	})
	g.mu.Lock()
	ap.state, ap.receiptID, ap.response = StateApproved, receiptID, resp
	g.mu.Unlock()
}

// Deny denies a pending approval with the gate's default reason,
// "operator_denied".
func (g *Gate) Deny(approvalID string) error {
	return g.DenyWithReason(approvalID, "")
}

// DenyWithReason denies a pending approval; polls then report reason
// ("operator_denied" when empty).
func (g *Gate) DenyWithReason(approvalID, reason string) error {
	if reason == "" {
		reason = "operator_denied"
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	ap, err := g.claimLocked(approvalID, g.now())
	if err != nil {
		return err
	}
	ap.state, ap.reason = StateDenied, reason
	return nil
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
	if g.approveN > 0 && ap.polls >= g.approveN && ap.state == StatePending {
		if g.approveYes {
			ap.state = StateClaimed
			runAsync = ap
		} else {
			// The held outcome's DenyReason, as Options documents.
			reason := ap.outcome.DenyReason
			if reason == "" {
				reason = "operator_denied"
			}
			ap.state, ap.reason = StateDenied, reason
		}
	}
	stopping := g.stopping
	g.mu.Unlock()
	if runAsync != nil {
		if runAsync.outcome.Delay > 0 {
			// Execution takes a while: this poll sees "claimed".
			go g.runApproved(runAsync, stopping)
		} else {
			g.runApproved(runAsync, stopping)
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
