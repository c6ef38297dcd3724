package opserve

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/approveui"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// question is one confirmation asked and not yet answered. The request
// state the client echoes is a random handle to it, so neither the
// client nor the model can make one up or change what it was about.
type question struct {
	tool    string
	key     string // the arguments that matter, as asked about
	choice  string // the answer that confirms: "approve", "deny" or "allow"
	expires time.Time
	session *mcp.ServerSession
}

// confirmKey is the elicitation's id in the input requests.
const confirmKey = "confirm"

// confirmSchema asks for an explicit choice, with no default: an
// accidental Enter must not approve.
func confirmSchema(choices ...string) json.RawMessage {
	enum, _ := json.Marshal(choices)
	return json.RawMessage(`{"type":"object","properties":{"decision":{"type":"string","title":"Decision","enum":` + string(enum) + `}},"required":["decision"]}`)
}

// canElicit reports whether the client said it can show a form.
func canElicit(req *mcp.CallToolRequest) bool {
	if req.Session == nil {
		return false
	}
	ip := req.Session.InitializeParams()
	return ip != nil && ip.Capabilities != nil && ip.Capabilities.Elicitation != nil
}

// answering reports whether the call is the second round of a question
// (it carries the client's answer or our state).
func answering(req *mcp.CallToolRequest) bool {
	return req.Params.RequestState != "" || len(req.Params.InputResponses) > 0
}

// ask records a question and returns the result that makes the client
// put it to the person: input requests (SEP-2322), which the SDK turns
// into elicitation/create for clients on older protocol versions.
func (s *Server) ask(ctx context.Context, req *mcp.CallToolRequest, tool, key, choice string, choices []string, message string, holdExpires time.Time) *mcp.CallToolResult {
	var b [18]byte
	_, _ = rand.Read(b[:])
	handle := base64.RawURLEncoding.EncodeToString(b[:])
	exp := s.now().Add(s.opts.ConfirmTimeout)
	if !holdExpires.IsZero() && holdExpires.Before(exp) {
		exp = holdExpires
	}
	s.mu.Lock()
	now := s.now()
	for h, q := range s.pending {
		if now.After(q.expires) {
			delete(s.pending, h)
		}
	}
	s.pending[handle] = &question{tool: tool, key: key, choice: choice, expires: exp, session: req.Session}
	s.mu.Unlock()
	if box, okb := ctx.Value(deadlineKey{}).(*deadline); okb {
		box.set(exp.Sub(s.now()))
	}
	return &mcp.CallToolResult{
		InputRequests: mcp.InputRequestMap{confirmKey: &mcp.ElicitParams{Mode: "form", Message: message, RequestedSchema: confirmSchema(choices...)}},
		RequestState:  handle,
	}
}

// take checks the answer to a question and forgets the question (one
// answer per question). It returns "" when the person confirmed exactly
// this call, else why not.
func (s *Server) take(ctx context.Context, req *mcp.CallToolRequest, tool, key string) string {
	if box, okb := ctx.Value(deadlineKey{}).(*deadline); okb {
		box.stop()
	}
	s.mu.Lock()
	q := s.pending[req.Params.RequestState]
	delete(s.pending, req.Params.RequestState)
	s.mu.Unlock()
	switch {
	case req.Params.RequestState == "" || q == nil:
		return "no question of this server matches the answer"
	case q.session != req.Session || q.tool != tool || q.key != key:
		return "the answer is for another question"
	case s.now().After(q.expires):
		return "the question expired before the answer came"
	}
	resp, present := req.Params.InputResponses[confirmKey]
	if !present {
		return "no answer came"
	}
	er, isElicit := resp.(*mcp.ElicitResult)
	if !isElicit {
		return "the answer is not a confirmation"
	}
	switch er.Action {
	case "accept":
	case "decline":
		return "the person declined"
	case "cancel":
		return "the person dismissed the question"
	default:
		return fmt.Sprintf("the answer was %q", operator.Clean(er.Action, 32))
	}
	if got, _ := er.Content["decision"].(string); got != q.choice {
		return fmt.Sprintf("the person chose %q", operator.Clean(got, 32))
	}
	return ""
}

func notConfirmed(approvalID, why string) *mcp.CallToolResult {
	return fail("not_confirmed", approvalID, "Not confirmed by a human (%s); nothing was sent to the gate. Do not retry to get a different answer.", why)
}

func (s *Server) refuseNoElicitation(tool, approvalID string) *mcp.CallToolResult {
	return fail("not_confirmed", approvalID, "This MCP client cannot ask the person to confirm (it offers no elicitation), so %s sent nothing to the gate. "+
		"Decide in a terminal with \"latchgate-mcp approve\", or start this server with --confirm client-prompt once the client asks the person before every call of this tool.", tool)
}

// review reads the gate's record of a hold, the only source of what a
// confirmation says, and refuses what cannot be decided.
func (s *Server) review(ctx context.Context, id string) (*operator.Detail, *mcp.CallToolResult) {
	d, err := s.client.Get(ctx, id)
	if err != nil {
		return nil, gateFailure(id, err)
	}
	switch d.Status {
	case "pending":
		return d, nil
	case "claimed":
		return nil, fail("conflict", id, "Another operator (%s) is deciding approval %s right now.", operator.Clean(orNone(d.ClaimedBy), 128), id)
	}
	return nil, fail("already_decided", id, "Approval %s is %s already: nothing to decide.", id, operator.Clean(d.Status, 32))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// holdSummary describes a hold from the gate's record, for a person.
func holdSummary(d *operator.Detail, now time.Time) string {
	var b strings.Builder
	for _, l := range approveui.DetailLines(d, now) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func (s *Server) approve(ctx context.Context, req *mcp.CallToolRequest) *mcp.CallToolResult {
	var a approveArgs
	if res := s.parseArgs(req, toolApprove, &a); res != nil {
		return res
	}
	key := strings.Join([]string{a.ApprovalID, a.LearnDomain, a.LearnPath}, "\x00")
	if answering(req) {
		if why := s.take(ctx, req, toolApprove, key); why != "" {
			return notConfirmed(a.ApprovalID, why)
		}
		return s.doApprove(ctx, req, a)
	}
	d, res := s.review(ctx, a.ApprovalID)
	if res != nil {
		return res
	}
	if a.ActionID != "" && a.ActionID != d.ActionID {
		return fail("schema_validation", a.ApprovalID, "approval %s holds %s, not %s: nothing was sent to the gate", a.ApprovalID, operator.Clean(d.ActionID, 64), a.ActionID)
	}
	if !canElicit(req) {
		if !s.opts.ClientConfirms {
			return s.refuseNoElicitation(toolApprove, a.ApprovalID)
		}
		if a.ActionID == "" {
			return fail("schema_validation", a.ApprovalID, "action_id is required (it must be %s) so that the client's own prompt names the action; nothing was sent to the gate", operator.Clean(d.ActionID, 64))
		}
		return s.doApprove(ctx, req, a)
	}
	learn := learnStatement(d, a)
	exp, _ := d.Expires()
	msg := fmt.Sprintf("Approve this held LatchGate action? (from the gate's record)\n\n%s\n%s\n\nChoose \"approve\" to let it run now. Anything else sends nothing to the gate.",
		holdSummary(d, s.now()), learn)
	return s.ask(ctx, req, toolApprove, key, "approve", []string{"approve", "reject"}, msg, exp)
}

func (s *Server) doApprove(ctx context.Context, req *mcp.CallToolRequest, a approveArgs) *mcp.CallToolResult {
	stop := s.progress(ctx, req, "the gate is executing the approved action")
	dec, err := s.client.Approve(ctx, a.ApprovalID, operator.Learn{Domain: a.LearnDomain, Path: a.LearnPath})
	stop()
	if err != nil {
		return gateFailure(a.ApprovalID, err)
	}
	if dec.Already() {
		return fail("already_decided", a.ApprovalID, "Nothing done: approval %s was %s before.", a.ApprovalID, strings.ReplaceAll(dec.Result, "_", " "))
	}
	out := map[string]any{"result": dec.Result, "approval_id": dec.ApprovalID, "action_id": dec.ActionID, "receipt_id": dec.ReceiptID,
		"verified": dec.Verified, "approved_by": dec.ApprovedBy}
	if len(dec.Output) > 0 {
		out["output"] = dec.Output
	}
	if dec.LearnedDomain != "" {
		out["learned_domain"] = dec.LearnedDomain
	}
	if dec.LearnedPath != "" {
		out["learned_path"] = dec.LearnedPath
	}
	if dec.TraceID != "" {
		out["gate_trace_id"] = dec.TraceID
	}
	return ok(out)
}

func (s *Server) deny(ctx context.Context, req *mcp.CallToolRequest) *mcp.CallToolResult {
	var a denyArgs
	if res := s.parseArgs(req, toolDeny, &a); res != nil {
		return res
	}
	reason := strings.TrimSpace(operator.SanitizeReason(a.Reason))
	key := strings.Join([]string{a.ApprovalID, reason}, "\x00")
	if answering(req) {
		if why := s.take(ctx, req, toolDeny, key); why != "" {
			return notConfirmed(a.ApprovalID, why)
		}
		return s.doDeny(ctx, a.ApprovalID, reason)
	}
	d, res := s.review(ctx, a.ApprovalID)
	if res != nil {
		return res
	}
	if a.ActionID != "" && a.ActionID != d.ActionID {
		return fail("schema_validation", a.ApprovalID, "approval %s holds %s, not %s: nothing was sent to the gate", a.ApprovalID, operator.Clean(d.ActionID, 64), a.ActionID)
	}
	if !canElicit(req) {
		if !s.opts.ClientConfirms {
			return s.refuseNoElicitation(toolDeny, a.ApprovalID)
		}
		return s.doDeny(ctx, a.ApprovalID, reason)
	}
	shown := "(none: the gate records operator_denied)"
	if reason != "" {
		shown = "\"" + operator.Clean(reason, 500) + "\" (written by the operator's assistant)"
	}
	exp, _ := d.Expires()
	msg := fmt.Sprintf("Deny this held LatchGate action? (from the gate's record)\n\n%s\nReason sent to the agent and the audit log: %s\n\nChoose \"deny\" to deny it. Anything else sends nothing to the gate.",
		holdSummary(d, s.now()), shown)
	return s.ask(ctx, req, toolDeny, key, "deny", []string{"deny", "keep waiting"}, msg, exp)
}

func (s *Server) doDeny(ctx context.Context, id, reason string) *mcp.CallToolResult {
	dec, err := s.client.Deny(ctx, id, reason)
	if err != nil {
		return gateFailure(id, err)
	}
	if dec.Already() {
		return fail("already_decided", id, "Nothing done: approval %s was %s before.", id, strings.ReplaceAll(dec.Result, "_", " "))
	}
	return ok(map[string]any{"result": dec.Result, "approval_id": dec.ApprovalID, "action_id": dec.ActionID,
		"denied_by": dec.DeniedBy, "deny_reason": dec.DenyReason})
}

func (s *Server) allowlist(ctx context.Context, req *mcp.CallToolRequest) *mcp.CallToolResult {
	var a allowArgs
	if res := s.parseArgs(req, toolAllowlist, &a); res != nil {
		return res
	}
	key := a.ActionID + "\x00" + a.AgentID
	if answering(req) {
		if why := s.take(ctx, req, toolAllowlist, key); why != "" {
			return notConfirmed("", why)
		}
	} else {
		if !canElicit(req) {
			if !s.opts.ClientConfirms {
				return s.refuseNoElicitation(toolAllowlist, "")
			}
		} else {
			msg := fmt.Sprintf("Change LatchGate policy for good?\n\nLet the principal %s run the action %s without approval from now on. The gate's denials still apply.\n\nChoose \"allow\" to change the policy. Anything else sends nothing to the gate.",
				operator.Clean(a.AgentID, 128), operator.Clean(a.ActionID, 128))
			return s.ask(ctx, req, toolAllowlist, key, "allow", []string{"allow", "keep approvals"}, msg, time.Time{})
		}
	}
	if err := s.client.Allowlist(ctx, a.ActionID, a.AgentID, false); err != nil {
		return gateFailure("", err)
	}
	return ok(map[string]any{"ok": true, "action_id": a.ActionID, "agent_id": a.AgentID})
}

// progress sends a progress notification every few seconds while a slow
// gate call runs, when the client asked for progress; the returned func
// stops it.
func (s *Server) progress(ctx context.Context, req *mcp.CallToolRequest, msg string) func() {
	token := req.Params.GetProgressToken()
	if token == nil || req.Session == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: float64(n), Message: msg})
			}
		}
	}()
	return func() { close(done) }
}

// learnStatement says what approving teaches the gate: by default the
// hold's first unknown domain and path, from the gate's record; a choice
// the model made instead is said to be the assistant's.
func learnStatement(d *operator.Detail, a approveArgs) string {
	domain, path := d.Learns()
	var parts []string
	switch {
	case a.LearnDomain != "":
		parts = append(parts, "the domain "+operator.Clean(a.LearnDomain, 253)+" (chosen by the operator's assistant)")
	case domain != "":
		parts = append(parts, "the domain "+operator.Clean(domain, 253))
	}
	switch {
	case a.LearnPath != "":
		parts = append(parts, "the path "+operator.Clean(a.LearnPath, 300)+" (chosen by the operator's assistant)")
	case path != "":
		parts = append(parts, "the path "+operator.Clean(path, 300))
	}
	if len(parts) == 0 {
		return "The gate runs it now. It learns nothing from this approval."
	}
	return "The gate runs it now and first adds " + strings.Join(parts, " and ") +
		" to its learned allowlist: later requests there are no longer held for approval."
}
