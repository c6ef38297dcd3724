package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// structuredFrom is the first protocol version whose tool results may
// carry structuredContent.
const structuredFrom = "2025-06-18"

func wantsStructured(req *mcp.CallToolRequest) bool {
	if req == nil || req.Session == nil {
		return false
	}
	p := req.Session.InitializeParams()
	return p != nil && p.ProtocolVersion >= structuredFrom
}

// callHandler returns the handler of one gate tool. Handlers run
// concurrently (the SDK runs each request in its own goroutine), so one
// slow or held call never blocks another call or a ping.
func (s *Server) callHandler(name string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		defer func() {
			// A bug in one call must not take the IDE's session down.
			if r := recover(); r != nil {
				s.log.Error("tool call panicked", "action_id", name, "panic", r, "stack", string(debug.Stack()))
				c := &callState{s: s, actionID: name, traceID: "tr_" + gate.NewUUIDv7(), structured: wantsStructured(req)}
				res, err = c.fail(codeGateUnavailable, fmt.Sprintf("Internal error in latchgate-mcp while calling '%s'.", name)), nil
			}
		}()
		return s.call(ctx, name, req), nil
	}
}

func (s *Server) call(ctx context.Context, name string, req *mcp.CallToolRequest) *mcp.CallToolResult {
	structured := wantsStructured(req)
	c := &callState{s: s, actionID: name, traceID: "tr_" + gate.NewUUIDv7(), structured: structured, req: req}
	e, ok := s.cat.lookup(name)
	if !ok {
		return c.fail(codeActionNotFound, fmt.Sprintf("Action '%s' not found in registry.", name))
	}
	var raw json.RawMessage
	if req != nil && req.Params != nil {
		raw = req.Params.Arguments
	}
	args, msg := checkArguments(raw, e)
	if msg != "" {
		return c.fail(codeSchemaValidation, fmt.Sprintf("Input validation failed for '%s': %s", name, msg))
	}
	ectx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	start := s.now()
	res, err := s.client.Execute(ectx, e.actionID, args)
	if err != nil {
		if ctx.Err() != nil {
			return c.fail(codeGateUnavailable, fmt.Sprintf("Call to '%s' was cancelled.", name))
		}
		return c.gateFailure(err, e.timeout)
	}
	s.noteGateOK()
	s.log.Debug("action answered", "action_id", name, "status", res.Status, "took", s.now().Sub(start))
	switch {
	case res.Status == 202 || res.Decision == "pending_approval":
		return s.awaitApproval(ctx, c, res)
	case res.Decision == "executed" && res.OutputTooLarge:
		return c.outputTooLarge(res.OutputSize, res.ReceiptID, "")
	case res.Decision == "executed":
		return (&successResult{Output: res.Output, ReceiptID: res.ReceiptID, Verified: res.FullySuccessful(),
			ActionID: name, GateTraceID: res.TraceID}).result(structured)
	}
	return c.fail(codeGateUnavailable, fmt.Sprintf("Unexpected gate response for action '%s'.", name))
}

// checkArguments validates tool arguments before they are sent: a missing
// argument object becomes {}, anything but an object is refused, and the
// action's schema is applied (without format assertions: we must never
// refuse what the gate would accept). It returns the body to send, or a
// message saying what is wrong.
func checkArguments(raw json.RawMessage, e *toolEntry) (json.RawMessage, string) {
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" || trimmed == "null" {
		raw = json.RawMessage("{}")
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, "arguments are not valid JSON"
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, "arguments must be a JSON object"
	}
	if rs := e.validator(); rs != nil {
		if err := rs.Validate(v); err != nil {
			return nil, firstLine(err.Error())
		}
	}
	return raw, ""
}

// callState carries what every result of one call needs.
type callState struct {
	s          *Server
	actionID   string
	traceID    string
	structured bool
	req        *mcp.CallToolRequest
}

func (c *callState) fail(code, msg string) *mcp.CallToolResult {
	return c.failWith(&toolError{Code: code, Message: msg})
}

func (c *callState) failWith(te *toolError) *mcp.CallToolResult {
	te.ActionID = c.actionID
	te.TraceID = c.traceID
	c.s.log.Info("tool call failed", "action_id", c.actionID, "code", te.Code, "trace_id", c.traceID)
	return te.result(c.structured)
}

// outputTooLarge is the result of an action that ran but whose output is
// over the client's cap: an error the model can read, saying the action
// did run (so it is not retried blindly) and where its output is kept.
func (c *callState) outputTooLarge(size int64, receiptID, approvalID string) *mcp.CallToolResult {
	limit := c.s.client.MaxOutputBytes()
	msg := fmt.Sprintf("Action '%s' ran, but its output is %s, over latchgate-mcp's %s limit for a tool result, so it is not shown. "+
		"Do not run the action again to see it: the output is kept in LatchGate receipt %s; ask the operator for it, "+
		"or narrow the request so the output is smaller.", c.actionID, byteSize(size), byteSize(limit), orDefault(receiptID, "(none given)"))
	return c.failWith(&toolError{Code: codeOutputTooLarge, Message: msg, ReceiptID: receiptID, ApprovalID: approvalID})
}

// byteSize formats n bytes for a message.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// gateFailure turns an error from the gate client into a tool result the
// model can act on.
func (c *callState) gateFailure(err error, timeout time.Duration) *mcp.CallToolResult {
	s := c.s
	s.noteGateError(err)
	id := c.actionID
	var (
		gerr  *gate.Error
		terr  *gate.TransportError
		rerr  *gate.RedirectError
		lerr  *gate.LeaseError
		isLse = errors.As(err, &lerr)
	)
	switch {
	case errors.As(err, &rerr):
		s.log.Warn("the gate answered with a redirect; not followed", "action_id", id, "error", err)
		return c.fail(codeGateUnavailable, fmt.Sprintf("LatchGate answered the call to '%s' with a redirect (HTTP %d), which latchgate-mcp never follows: "+
			"it would carry the call's credentials and arguments elsewhere. The action did not run. Ask the user to check the gate address.", id, rerr.Status))
	case errors.As(err, &gerr):
		if isLse {
			s.noteGateOK()
			msg := fmt.Sprintf("LatchGate refused a lease for '%s': %s (HTTP %d)", id, orDefault(gerr.Code, "no code"), gerr.Status)
			if gerr.Message != "" {
				msg += ": " + gate.Sanitize(gerr.Message, 500)
			}
			if strings.HasPrefix(gerr.Code, "identity_") || gerr.Code == "scope_not_permitted" {
				msg += ". Check the gate's identity configuration for this user."
			}
			return c.failWith(&toolError{Code: codeAuthFailed, Message: msg})
		}
		s.noteGateOK()
		code := mapGateCode(gerr.Code, gerr.Status)
		te := &toolError{Code: code, Remediation: gerr.Remediation}
		switch {
		case gerr.Message != "":
			te.Message = gate.Sanitize(gerr.Message, 500)
		case gerr.DenyReason != "":
			te.Message = gate.Sanitize(gerr.DenyReason, 500)
		default:
			te.Message = fmt.Sprintf("Action '%s' failed: %s (HTTP %d).", id, orDefault(gerr.Code, "error"), gerr.Status)
		}
		switch code {
		case codeRateLimited:
			te.RetryAfterSeconds = max(int(gerr.RetryAfter/time.Second), 1)
			te.Message = fmt.Sprintf("LatchGate is rate limiting calls to '%s'; retry in %d s.", id, te.RetryAfterSeconds)
		case codeSchemaValidation:
			if gerr.Status == 413 {
				te.Message = fmt.Sprintf("The arguments for '%s' are too large for the gate.", id)
			} else if gerr.Message == "" {
				te.Message = fmt.Sprintf("LatchGate rejected the arguments for '%s': they do not match the action's request schema.", id)
			}
		case codeAuthFailed:
			te.Message = fmt.Sprintf("LatchGate rejected the credentials for '%s' (%s).", id, orDefault(gerr.Code, fmt.Sprintf("HTTP %d", gerr.Status)))
			if gerr.DenyReason != "" {
				te.Message += " " + gate.Sanitize(gerr.DenyReason, 300) + "."
			}
			if strings.Contains(gerr.DenyReason, "htu") {
				te.Message += " The --public-base-url of latchgate-mcp must equal public_base_url in the gate's latchgate.toml."
			}
		}
		return c.failWith(te)
	case errors.As(err, &terr):
		if terr.Timeout {
			return c.fail(codeGateUnavailable, fmt.Sprintf("LatchGate did not answer within %s for '%s'. The action may still have run; check its result before retrying.", timeout.Round(time.Second), id))
		}
		msg := fmt.Sprintf("Cannot reach LatchGate for '%s'. Verify the gate is running.", id)
		if h := terr.Hint; h != "" {
			msg += " (" + h + ")"
		}
		if st := s.health.state(); !st.Healthy && st.NextRetry > 0 {
			msg += fmt.Sprintf(" Next reconnection attempt in %ds.", int(st.NextRetry.Seconds()+0.5))
		}
		return c.fail(codeGateUnavailable, msg)
	}
	s.log.Warn("unexpected gate client error", "action_id", id, "error", err)
	return c.fail(codeGateUnavailable, fmt.Sprintf("Unexpected error for '%s'. Contact the operator with trace_id.", id))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
