package serve

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// holdRecord is one approval this process is (or was) waiting on, kept so
// latchgate_my_pending can report it: the gate has no agent-side listing.
type holdRecord struct {
	ApprovalID string    `json:"approval_id"`
	ActionID   string    `json:"action_id"`
	Status     string    `json:"status"`
	Since      time.Time `json:"since"`
	ReceiptID  string    `json:"receipt_id,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	lease      *gate.Lease
}

type holdTracker struct {
	mu sync.Mutex
	m  map[string]*holdRecord
}

func (h *holdTracker) set(r *holdRecord) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.m[r.ApprovalID] = r
}

func (h *holdTracker) update(id, status, receipt, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r, ok := h.m[id]; ok {
		r.Status, r.ReceiptID, r.Reason = status, receipt, reason
	}
}

func (h *holdTracker) list() []holdRecord {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]holdRecord, 0, len(h.m))
	for _, r := range h.m {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// Poll intervals: the gate suggests one (2s pending, 1s claimed); we keep
// it within these bounds.
const (
	minPoll     = time.Second
	maxPoll     = 30 * time.Second
	defaultPoll = 2 * time.Second
)

// awaitApproval waits for an operator's decision on a held call and turns
// it into the call's result. It keeps the client informed when the client
// asked for progress (a progress notification with a message when the hold
// starts and on every poll, which also keeps the client's call timeout
// from running out) and the user through stderr, polls with the lease
// the held request was sent with (the gate binds approvals to that lease's
// session, so a renewed lease would see 404), fetches the output of an
// approved action from its receipt, and reports failed and expired
// approvals at once. Cancelling the call stops the wait.
func (s *Server) awaitApproval(ctx context.Context, c *callState, res *gate.ExecuteResult) *mcp.CallToolResult {
	id := c.actionID
	aid := res.ApprovalID
	if aid == "" {
		return c.failWith(&toolError{Code: codePendingApproval, ApprovalID: "unknown", GateTraceID: res.TraceID,
			Message: fmt.Sprintf("Action '%s' is waiting for operator approval, but the gate gave no approval id.", id)})
	}
	s.holds.set(&holdRecord{ApprovalID: aid, ActionID: id, Status: "pending", Since: s.now(), lease: res.Lease})
	howTo := fmt.Sprintf("Approve via 'latchgate-mcp approve %s' or 'latchgate-mcp approve' (every hold).", aid)
	token := progressToken(c.req)
	waiting := fmt.Sprintf("Action '%s' is waiting for operator approval (ID: %s). %s", id, aid, howTo)
	s.log.Info("action held for operator approval", "action_id", id, "approval_id", aid)
	if token != nil {
		s.notifyProgress(ctx, c.req, token, 0, waiting)
	}
	deadline := s.now().Add(s.opts.HoldTimeout)
	pending := func(msg string) *mcp.CallToolResult {
		return c.failWith(&toolError{Code: codePendingApproval, ApprovalID: aid, GateTraceID: res.TraceID, Message: msg})
	}
	interval := time.Duration(0) // the first poll is immediate
	transportFailures := 0
	for n := 1; ; n++ {
		if interval > 0 {
			if left := deadline.Sub(s.now()); left < interval {
				interval = max(left, 0)
			}
			if !s.pollWait(ctx, interval) {
				s.holds.update(aid, "abandoned", "", "call cancelled")
				return pending(fmt.Sprintf("Stopped waiting for approval of '%s' (cancelled). %s", id, howTo))
			}
		}
		if !s.now().Before(deadline) {
			return pending(fmt.Sprintf("Action '%s' is waiting for operator approval. %s", id, howTo))
		}
		if !res.Lease.Valid(s.now()) {
			s.holds.update(aid, "unknown", "", "lease expired")
			return pending(fmt.Sprintf("Action '%s' is still held (approval %s), but this session's lease expired, and the gate only shows an approval to the session that requested it. Ask the operator for the outcome; do not call the action again blindly.", id, aid))
		}
		p, err := s.client.Poll(ctx, res.Lease, aid)
		if err != nil {
			if ctx.Err() != nil {
				s.holds.update(aid, "abandoned", "", "call cancelled")
				return pending(fmt.Sprintf("Stopped waiting for approval of '%s' (cancelled). %s", id, howTo))
			}
			var gerr *gate.Error
			switch {
			case errors.As(err, &gerr) && gerr.Status == 404:
				s.holds.update(aid, "expired", "", "")
				return c.failWith(&toolError{Code: codeApprovalExpired, ApprovalID: aid, GateTraceID: res.TraceID,
					Message: fmt.Sprintf("The approval for '%s' (%s) expired or is no longer visible to this session.", id, aid)})
			case errors.As(err, &gerr) && gerr.Status == 401:
				s.holds.update(aid, "unknown", "", "lease rejected")
				return pending(fmt.Sprintf("Action '%s' may still be held (approval %s), but the gate no longer accepts the lease it was requested with (the gate may have restarted). Ask the operator for the outcome.", id, aid))
			case gate.IsTransport(err):
				s.noteGateError(err)
				transportFailures++
				interval = min(defaultPoll*time.Duration(transportFailures), maxPoll)
				s.log.Debug("approval poll failed; retrying", "approval_id", aid, "error", err)
				continue
			default:
				s.log.Warn("approval poll failed; retrying", "approval_id", aid, "error", err)
				interval = defaultPoll
				continue
			}
		}
		transportFailures = 0
		s.noteGateOK()
		switch p.Status {
		case "approved", "executed":
			s.holds.update(aid, "approved", p.ReceiptID, "")
			s.log.Info("held action approved", "action_id", id, "approval_id", aid)
			return s.approvedResult(ctx, c, res, p)
		case "denied":
			reason := gate.Sanitize(orDefault(p.Reason, "no reason provided"), 500)
			s.holds.update(aid, "denied", "", reason)
			s.log.Info("held action denied", "action_id", id, "approval_id", aid, "reason", reason)
			return c.failWith(&toolError{Code: codePolicyDenied, ApprovalID: aid, GateTraceID: res.TraceID,
				Message: fmt.Sprintf("Action '%s' was denied: %s", id, reason)})
		case "failed":
			reason := gate.Sanitize(orDefault(p.Reason, "execution_failed"), 500)
			s.holds.update(aid, "failed", "", reason)
			return c.failWith(&toolError{Code: codeSandboxError, ApprovalID: aid, GateTraceID: res.TraceID,
				Message: fmt.Sprintf("Action '%s' was approved but its execution failed: %s", id, reason)})
		case "expired":
			s.holds.update(aid, "expired", "", "")
			return c.failWith(&toolError{Code: codeApprovalExpired, ApprovalID: aid, GateTraceID: res.TraceID,
				Message: fmt.Sprintf("Approval for '%s' expired.", id)})
		}
		// pending, claimed, or a status this version does not know: wait.
		interval = defaultPoll
		if p.RetryAfterSeconds > 0 {
			interval = min(max(time.Duration(p.RetryAfterSeconds)*time.Second, minPoll), maxPoll)
		}
		if token != nil {
			s.notifyProgress(ctx, c.req, token, float64(n), fmt.Sprintf("Waiting for operator approval of '%s' (%s). %s", id, aid, howTo))
		}
	}
}

// approvedResult builds the result of an approved call from its receipt:
// the poll answer carries only the receipt id. The action is never run
// again to get its output (that would repeat its side effects).
func (s *Server) approvedResult(ctx context.Context, c *callState, res *gate.ExecuteResult, p *gate.PollResult) *mcp.CallToolResult {
	sr := &successResult{ActionID: c.actionID, ReceiptID: p.ReceiptID, GateTraceID: res.TraceID, ApprovalID: res.ApprovalID}
	if p.ReceiptID == "" {
		sr.Output = nil
		return sr.result(c.structured)
	}
	rc, err := s.client.Receipt(ctx, p.ReceiptID)
	if err != nil {
		s.log.Warn("cannot fetch the receipt of an approved action", "receipt_id", p.ReceiptID, "error", err)
		r := sr.result(false)
		r.Content = []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf(
			"Action '%s' was approved and executed, but its output could not be fetched (%v).\n\n[receipt_id: %s]", c.actionID, err, p.ReceiptID)}}
		return r
	}
	if rc.OutputTooLarge {
		return c.outputTooLarge(rc.OutputSize, p.ReceiptID, res.ApprovalID)
	}
	if rc.NormalizedResult.Kind != "" && rc.NormalizedResult.Kind != "success" {
		reason := orDefault(rc.NormalizedResult.Reason, rc.NormalizedResult.Kind)
		return c.failWith(&toolError{Code: codeSandboxError, ApprovalID: res.ApprovalID, GateTraceID: res.TraceID,
			Message: fmt.Sprintf("Action '%s' was approved but did not succeed: %s [receipt_id: %s]", c.actionID, gate.Sanitize(reason, 500), p.ReceiptID)})
	}
	sr.Output = rc.ProviderReceipt
	sr.Verified = rc.FullySuccessful()
	return sr.result(c.structured)
}

func progressToken(req *mcp.CallToolRequest) any {
	if req == nil || req.Params == nil {
		return nil
	}
	return req.Params.GetProgressToken()
}

func (s *Server) notifyProgress(ctx context.Context, req *mcp.CallToolRequest, token any, n float64, msg string) {
	if req == nil || req.Session == nil {
		return
	}
	if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: n, Message: msg}); err != nil {
		s.log.Debug("cannot send progress", "error", err)
	}
}
