package opserve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// Client is what the server needs from the gate's admin API;
// *operator.Client has it.
type Client interface {
	List(ctx context.Context, o operator.ListOptions) ([]operator.Summary, error)
	Get(ctx context.Context, id string) (*operator.Detail, error)
	Approve(ctx context.Context, id string, learn operator.Learn) (*operator.Decision, error)
	Deny(ctx context.Context, id, reason string) (*operator.Decision, error)
	Allowlist(ctx context.Context, actionID, agentID string, remove bool) error
	AuditEvents(ctx context.Context, q operator.AuditQuery) ([]json.RawMessage, error)
	Check(ctx context.Context) error
	Target() string
	PublicBaseURL() string
}

// Options configure a [Server].
type Options struct {
	Client  Client
	Version string
	Logger  *slog.Logger
	// EnableAllowlist registers latchgate_allowlist, which changes gate
	// policy for good; off unless asked for.
	EnableAllowlist bool
	// ClientConfirms says the client asks the person before every call of
	// the mutating tools itself (a per-call permission prompt), so a
	// client without elicitation may use them. Approve then also needs
	// action_id equal to the held action's, so that the client's prompt
	// names it.
	ClientConfirms bool
	// ConfirmTimeout bounds how long a confirmation may wait for the
	// person, within the hold's own expiry; default 300s.
	ConfirmTimeout time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Server is the operator MCP server for one stdio session.
type Server struct {
	opts    Options
	client  Client
	log     *slog.Logger
	now     func() time.Time
	mcp     *mcp.Server
	schemas map[string]*jsonschema.Resolved

	mu      sync.Mutex
	pending map[string]*question // request state -> the question asked
}

// Tool names (gate-vectors mcp_static_definitions.operator_tools).
const (
	toolList      = "latchgate_list_pending"
	toolGet       = "latchgate_get_approval"
	toolApprove   = "latchgate_approve"
	toolDeny      = "latchgate_deny"
	toolAllowlist = "latchgate_allowlist"
)

// New builds the server.
func New(opts Options) (*Server, error) {
	if opts.Client == nil {
		return nil, errors.New("create operator server: no admin client")
	}
	s := &Server{opts: opts, client: opts.Client, log: opts.Logger, now: opts.Now,
		schemas: map[string]*jsonschema.Resolved{}, pending: map[string]*question{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.Version == "" {
		s.opts.Version = "dev"
	}
	if s.opts.ConfirmTimeout <= 0 {
		s.opts.ConfirmTimeout = 300 * time.Second
	}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: "latchgate-mcp-operator", Title: "LatchGate operator", Version: s.opts.Version},
		&mcp.ServerOptions{
			Logger:       s.log,
			Instructions: instructions,
			Capabilities: &mcp.ServerCapabilities{
				Tools:     &mcp.ToolCapabilities{},
				Resources: &mcp.ResourceCapabilities{},
				Prompts:   &mcp.PromptCapabilities{},
			},
		})
	for _, t := range tools(opts.EnableAllowlist) {
		rs, err := compile(t.InputSchema.(json.RawMessage))
		if err != nil {
			return nil, fmt.Errorf("create operator server: tool %s: %w", t.Name, err)
		}
		s.schemas[t.Name] = rs
		s.mcp.AddTool(t, s.handler(t.Name))
	}
	s.mcp.AddReceivingMiddleware(s.middleware)
	s.addResources()
	s.addPrompts()
	return s, nil
}

const instructions = `This server lets you help a person decide LatchGate approval holds: actions an agent asked the gate to run that wait for a human. It cannot run actions. latchgate_list_pending and latchgate_get_approval read the queue; latchgate_approve and latchgate_deny decide, and each one first asks the person to confirm in a prompt built from the gate's own record of the hold. If they do not confirm, nothing is sent to the gate: do not retry to get a different answer. Approving makes the gate run the action at once and learn its first unknown domain and path.`

// MCP returns the SDK server, for in-process tests.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Run serves t until the client goes away or ctx ends.
func (s *Server) Run(ctx context.Context, t mcp.Transport) error {
	err := s.mcp.Run(ctx, t)
	if errors.Is(err, context.Canceled) || errors.Is(err, mcp.ErrConnectionClosed) {
		return nil
	}
	return err
}

func compile(raw json.RawMessage) (*jsonschema.Resolved, error) {
	var sc jsonschema.Schema
	if err := json.Unmarshal(raw, &sc); err != nil {
		return nil, err
	}
	return sc.Resolve(nil)
}

func ptr[T any](v T) *T { return &v }

var (
	readOnly = &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: ptr(false), IdempotentHint: true, OpenWorldHint: ptr(false)}
	decides  = &mcp.ToolAnnotations{ReadOnlyHint: false, DestructiveHint: ptr(true), IdempotentHint: true, OpenWorldHint: ptr(false)}
)

const uuidPattern = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
const idPattern = `^[A-Za-z0-9_:-]{1,128}$`

func tools(allowlist bool) []*mcp.Tool {
	ts := []*mcp.Tool{
		{Name: toolList, Annotations: readOnly,
			Description: "List pending LatchGate approvals awaiting operator decision. Returns approval summaries with action, principal, risk level, and expiry. Use latchgate_get_approval for full review detail.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)},
		{Name: toolGet, Annotations: readOnly,
			Description: "Get full detail of a pending approval for operator review. Includes the execution plan: approved targets, secret names (never values), risk level, provider digest, budget snapshot, unresolved domains and paths, and plan hash. Use this before approving to verify the scope.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"approval_id":{"type":"string","pattern":"` + uuidPattern + `","description":"The approval_id to inspect."}},"required":["approval_id"],"additionalProperties":false}`)},
		{Name: toolApprove, Annotations: decides,
			Description: "Approve a pending LatchGate action execution. A person confirms every call in a prompt built from the gate's record of the hold; if they do not, nothing is sent to the gate. On approval the gate executes the action at once and first adds the request's first unresolved domain and path to its learned allowlist, so later requests there are no longer held (learn_domain and learn_path choose others). Returns the execution's output and receipt.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{` +
				`"approval_id":{"type":"string","pattern":"` + uuidPattern + `","description":"The approval_id from the pending_approval response."},` +
				`"learn_domain":{"type":"string","maxLength":253,"description":"Domain the gate should learn instead of the first unresolved one."},` +
				`"learn_path":{"type":"string","maxLength":1024,"description":"Path glob the gate should learn instead of the first unresolved one."},` +
				`"action_id":{"type":"string","pattern":"` + idPattern + `","description":"The held action's id. Required when the server relies on the client's own per-call prompt, so that prompt names the action."}` +
				`},"required":["approval_id"],"additionalProperties":false}`)},
		{Name: toolDeny, Annotations: decides,
			Description: "Deny a pending LatchGate action execution. A person confirms every call; if they do not, nothing is sent to the gate. The reason is recorded in the audit trail and returned to the agent.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{` +
				`"approval_id":{"type":"string","pattern":"` + uuidPattern + `","description":"The approval_id from the pending_approval response."},` +
				`"reason":{"type":"string","maxLength":500,"description":"Denial reason (recorded in audit trail)."},` +
				`"action_id":{"type":"string","pattern":"` + idPattern + `","description":"The held action's id (optional)."}` +
				`},"required":["approval_id"],"additionalProperties":false}`)},
	}
	if allowlist {
		ts = append(ts, &mcp.Tool{Name: toolAllowlist, Annotations: decides,
			Description: "Permanently allow an action for an agent without requiring approval. This modifies security policy: a person confirms every call. agent_id is the gate principal (e.g. uid:1000 or dev:anonymous), as latchgate_get_approval shows it. The gate's denials still apply.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{` +
				`"action_id":{"type":"string","pattern":"` + idPattern + `","description":"Action to allowlist (e.g. 'github_read')."},` +
				`"agent_id":{"type":"string","pattern":"` + idPattern + `","description":"The gate principal to allow, e.g. 'uid:1000'."}` +
				`},"required":["action_id","agent_id"],"additionalProperties":false}`)})
	}
	return ts
}

// toolError is the body of a failed tool call, the shape the agent side
// uses: {"code","message","approval_id"?}.
type toolError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	ApprovalID string `json:"approval_id,omitempty"`
	Hint       string `json:"hint,omitempty"`
}

func fail(code, approvalID, format string, args ...any) *mcp.CallToolResult {
	b, _ := operator.MarshalSafe(toolError{Code: code, Message: fmt.Sprintf(format, args...), ApprovalID: approvalID})
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}
}

func ok(v any) *mcp.CallToolResult {
	b, err := operator.MarshalSafe(v)
	if err != nil {
		return fail("gate_unavailable", "", "cannot encode the answer: %v", err)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}
}

// gateFailure turns an admin API error into a tool error with the right
// code: a 409 is "conflict", not "gate unavailable" (G12).
func gateFailure(approvalID string, err error) *mcp.CallToolResult {
	var oe *operator.Error
	var te *operator.TransportError
	code := "gate_unavailable"
	switch {
	case errors.As(err, &oe) && oe.Conflict():
		code = "conflict"
	case errors.As(err, &oe) && oe.NotFound():
		code = "action_not_found"
	case errors.As(err, &oe) && (oe.Status == 401 || oe.Status == 403):
		code = "auth_failed"
	case errors.As(err, &oe) && oe.Status >= 500 && oe.Status != 503:
		code = "sandbox_error"
	case errors.As(err, &te):
		code = "gate_unavailable"
	}
	b, _ := operator.MarshalSafe(toolError{Code: code, Message: operator.Clean(err.Error(), 1000), ApprovalID: approvalID,
		Hint: operator.Clean(operator.Hint(err), 500)})
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}
}

// parseArgs checks a call's arguments against its tool's schema before
// anything else happens (the Rust adapter reads them ad hoc, §7.11).
func (s *Server) parseArgs(req *mcp.CallToolRequest, name string, dst any) *mcp.CallToolResult {
	raw := req.Params.Arguments
	if len(raw) == 0 || string(raw) == "null" {
		raw = json.RawMessage(`{}`)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fail("schema_validation", "", "arguments are not JSON: %v", err)
	}
	if _, isObj := v.(map[string]any); !isObj {
		return fail("schema_validation", "", "arguments must be a JSON object")
	}
	if err := s.schemas[name].Validate(v); err != nil {
		return fail("schema_validation", "", "%s", operator.Clean(err.Error(), 500))
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fail("schema_validation", "", "%s", operator.Clean(err.Error(), 500))
	}
	return nil
}

type approveArgs struct {
	ApprovalID  string `json:"approval_id"`
	LearnDomain string `json:"learn_domain"`
	LearnPath   string `json:"learn_path"`
	ActionID    string `json:"action_id"`
}

type denyArgs struct {
	ApprovalID string `json:"approval_id"`
	Reason     string `json:"reason"`
	ActionID   string `json:"action_id"`
}

type allowArgs struct {
	ActionID string `json:"action_id"`
	AgentID  string `json:"agent_id"`
}

func (s *Server) handler(name string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		switch name {
		case toolList:
			var a struct{}
			if res := s.parseArgs(req, name, &a); res != nil {
				return res, nil
			}
			list, err := s.client.List(ctx, operator.ListOptions{Status: "pending", Limit: 200})
			if err != nil {
				return gateFailure("", err), nil
			}
			if list == nil {
				list = []operator.Summary{}
			}
			return ok(map[string]any{"approvals": list, "count": len(list)}), nil
		case toolGet:
			var a approveArgs
			if res := s.parseArgs(req, name, &a); res != nil {
				return res, nil
			}
			d, err := s.client.Get(ctx, a.ApprovalID)
			if err != nil {
				return gateFailure(a.ApprovalID, err), nil
			}
			return ok(d.Raw), nil
		case toolApprove:
			return s.approve(ctx, req), nil
		case toolDeny:
			return s.deny(ctx, req), nil
		case toolAllowlist:
			return s.allowlist(ctx, req), nil
		}
		return fail("action_not_found", "", "unknown tool %s", name), nil
	}
}

// middleware bounds the person's answer in the older protocol, where
// the SDK asks (elicitation/create) between the two rounds of a
// decision tool inside this request, and turns a failed question (the
// client refused the request, timed out, or went away) into the tool
// result it is: nothing was confirmed, nothing was sent.
func (s *Server) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != "tools/call" {
			return next(ctx, method, req)
		}
		p, okp := req.GetParams().(*mcp.CallToolParamsRaw)
		if !okp || (p.Name != toolApprove && p.Name != toolDeny && p.Name != toolAllowlist) {
			return next(ctx, method, req)
		}
		ctx, cancel := context.WithCancel(ctx)
		box := &deadline{cancel: cancel}
		defer box.stop()
		defer cancel()
		res, err := next(context.WithValue(ctx, deadlineKey{}, box), method, req)
		if err != nil {
			msg := err.Error()
			if errors.Is(err, context.Canceled) || strings.Contains(msg, "context canceled") {
				msg = "no answer in time"
			}
			s.log.Info("confirmation failed; nothing sent to the gate", "tool", p.Name, "error", err)
			return fail("not_confirmed", "", "Not confirmed by a human; nothing was sent to the gate (the confirmation failed: %s).", operator.Clean(msg, 300)), nil
		}
		return res, nil
	}
}

// deadline cancels a decision request's context when the question it
// asked expires, and is cleared once the answer is in: the gate call
// that follows has its own timeouts.
type deadline struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	timer  *time.Timer
}

type deadlineKey struct{}

func (d *deadline) set(after time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(max(after, 0), d.cancel)
}

func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}
