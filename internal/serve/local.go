package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

const myPendingName = "latchgate_my_pending"

// isLocal reports whether name is a tool served by this process itself.
func (s *Server) isLocal(name string) bool { return name == myPendingName }

// addLocalTools adds the tools served by this process itself.
// latchgate_my_pending reports the approvals this process has requested,
// re-polling the ones still pending; the gate has no agent-side listing
// (the Rust adapter calls an admin-only route and always fails).
func (s *Server) addLocalTools() {
	t := &mcp.Tool{
		Name:        myPendingName,
		Description: "List your own pending approvals. Read-only — cannot approve or deny. Use after reconnect to discover in-flight approvals from a previous session.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: ptr(false), IdempotentHint: true, OpenWorldHint: ptr(false)},
	}
	s.cat.locals = append(s.cat.locals, t)
	s.mcp.AddTool(t, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		recs := s.holds.list()
		for i := range recs {
			r := &recs[i]
			if r.Status != "pending" || !r.lease.Valid(s.now()) {
				continue
			}
			p, err := s.client.Poll(ctx, r.lease, r.ApprovalID)
			if err != nil {
				var ge *gate.Error
				if errors.As(err, &ge) && ge.Status == 404 {
					r.Status = "expired"
				}
				continue
			}
			r.Status, r.ReceiptID, r.Reason = p.Status, p.ReceiptID, p.Reason
			s.holds.update(r.ApprovalID, p.Status, p.ReceiptID, p.Reason)
		}
		body := struct {
			Approvals []holdRecord `json:"approvals"`
		}{recs}
		text, _ := json.MarshalIndent(body, "", "  ")
		res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}}
		if wantsStructured(req) {
			res.StructuredContent = body
		}
		if len(recs) == 0 {
			res.Content = []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("No approvals requested by this session.\n\n%s", text)}}
		}
		return res, nil
	})
}
