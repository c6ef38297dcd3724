package opserve

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

const (
	pendingURI = "latchgate://approvals/pending"
	auditURI   = "latchgate://audit/recent"
	statusURI  = "latchgate://status"
)

// addResources offers the approval queue, the last audit events (from
// GET /v1/audit/events, the route that exists: G7) and this server's
// status. There is no latchgate://actions: this server runs none.
func (s *Server) addResources() {
	s.mcp.AddResource(&mcp.Resource{URI: pendingURI, Name: "Pending Approvals", MIMEType: "application/json",
		Description: "Current approval queue with risk levels and expiry."}, s.readPending)
	s.mcp.AddResource(&mcp.Resource{URI: auditURI, Name: "Recent Audit", MIMEType: "application/json",
		Description: "Last 25 audit ledger entries."}, s.readAudit)
	s.mcp.AddResource(&mcp.Resource{URI: statusURI, Name: "Operator Status", MIMEType: "application/json",
		Description: "Whether the gate accepts this operator credential, where it is, and how decisions are confirmed."}, s.readStatus)
}

func resource(uri string, v any) (*mcp.ReadResourceResult, error) {
	b, err := operator.MarshalSafe(v)
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "application/json", Text: string(b)}}}, nil
}

func internalError(what string, err error) error {
	msg := what + ": " + operator.Clean(err.Error(), 500)
	if h := operator.Hint(err); h != "" {
		msg += " (" + operator.Clean(h, 300) + ")"
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
}

func (s *Server) readPending(ctx context.Context, _ *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	list, err := s.client.List(ctx, operator.ListOptions{Status: "pending", Limit: 200})
	if err != nil {
		return nil, internalError("cannot list approvals", err)
	}
	if list == nil {
		list = []operator.Summary{}
	}
	return resource(pendingURI, map[string]any{"approvals": list, "count": len(list)})
}

func (s *Server) readAudit(ctx context.Context, _ *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	evs, err := s.client.AuditEvents(ctx, operator.AuditQuery{Limit: 25})
	if err != nil {
		return nil, internalError("cannot read audit events", err)
	}
	if evs == nil {
		evs = []json.RawMessage{}
	}
	return resource(auditURI, map[string]any{"events": evs})
}

func (s *Server) readStatus(ctx context.Context, _ *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	st := map[string]any{
		"adapter_version": s.opts.Version,
		"admin":           s.client.Target(),
		"public_base_url": s.client.PublicBaseURL(),
		"confirmation":    "elicitation",
		"allowlist_tool":  s.opts.EnableAllowlist,
	}
	if s.opts.ClientConfirms {
		st["confirmation"] = "elicitation, or the client's per-call prompt (--confirm client-prompt)"
	}
	if err := s.client.Check(ctx); err != nil {
		st["gate_healthy"], st["gate_error"] = false, operator.Clean(err.Error(), 500)
	} else {
		st["gate_healthy"] = true
	}
	return resource(statusURI, st)
}

// addPrompts offers explain_denial (from the audit events of a trace,
// the route that exists) and review_pending.
func (s *Server) addPrompts() {
	s.mcp.AddPrompt(&mcp.Prompt{Name: "explain_denial",
		Description: "Fetch the audit ledger entries for a trace_id and produce a human-readable explanation of why the action was denied.",
		Arguments:   []*mcp.PromptArgument{{Name: "trace_id", Description: "The gate's trace_id of the denied call (gate_trace_id in the agent's error).", Required: true}}},
		s.explainDenial)
	s.mcp.AddPrompt(&mcp.Prompt{Name: "review_pending",
		Description: "Fetch all pending approvals and format as a prioritized review list with risk levels, time remaining, and context."},
		s.reviewPending)
}

func (s *Server) explainDenial(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	trace := req.Params.Arguments["trace_id"]
	if trace == "" {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing required argument 'trace_id'"}
	}
	if err := operator.ValidateResourceID("trace_id", trace); err != nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "trace_id contains invalid characters"}
	}
	var body any
	evs, err := s.client.AuditEvents(ctx, operator.AuditQuery{TraceID: trace, Limit: 100})
	if err != nil {
		body = map[string]string{"error": "could not fetch audit entries: " + operator.Clean(err.Error(), 500)}
	} else {
		body = map[string]any{"events": evs}
	}
	b, _ := operator.MarshalSafe(body)
	text := fmt.Sprintf("Explain in plain words why LatchGate denied or held the action of trace %s, from these audit ledger entries (newest first). Say which rule or operator decided, and what would let it through.\n\n%s", trace, b)
	return &mcp.GetPromptResult{Description: "Explain trace " + trace,
		Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}, nil
}

func (s *Server) reviewPending(ctx context.Context, _ *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	var body any
	list, err := s.client.List(ctx, operator.ListOptions{Status: "pending", Limit: 200})
	if err != nil {
		body = map[string]string{"error": "could not list approvals: " + operator.Clean(err.Error(), 500)}
	} else {
		body = map[string]any{"approvals": list}
	}
	b, _ := operator.MarshalSafe(body)
	text := "Review these pending LatchGate approvals. Order them by risk and time left, say for each what it would do and to which targets, and point out unknown domains and paths. Do not approve anything yourself: the person decides.\n\n" + string(b)
	return &mcp.GetPromptResult{Description: "Pending approvals",
		Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}, nil
}
