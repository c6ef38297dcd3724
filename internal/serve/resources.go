package serve

import (
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

const (
	actionsURI = "latchgate://actions"
	statusURI  = "latchgate://status"
)

func (s *Server) addResources() {
	s.mcp.AddResource(&mcp.Resource{URI: actionsURI, Name: "Registered Actions",
		Description: "All registered LatchGate actions with schemas, risk levels, and annotations.",
		MIMEType:    "application/json"}, s.readActions)
	s.mcp.AddResource(&mcp.Resource{URI: statusURI, Name: "Gate Status",
		Description: "Gate health, session metadata, and adapter version.",
		MIMEType:    "application/json"}, s.readStatus)
}

// readActions serves the tool definitions: the cached ones, or freshly
// discovered if there are none yet.
func (s *Server) readActions(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	entries, loaded := s.cat.snapshot()
	if !loaded {
		if err := s.refresh(ctx); err != nil {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "cannot fetch actions: " + err.Error()}
		}
		entries, _ = s.cat.snapshot()
	}
	tools := make([]*mcp.Tool, len(entries))
	for i, e := range entries {
		tools[i] = e.tool
	}
	text, err := json.MarshalIndent(tools, "", "  ")
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: actionsURI, MIMEType: "application/json", Text: string(text)}}}, nil
}

// readStatus reports this adapter's view of the gate without calling it.
// The session and principal are the gate's (from the current lease), not
// the local labels, which the gate ignores.
func (s *Server) readStatus(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	st := s.health.state()
	entries, loaded := s.cat.snapshot()
	status := map[string]any{
		"adapter_version":   s.opts.Version,
		"agent_id":          s.opts.AgentID,
		"session_id":        s.opts.SessionID,
		"gate_healthy":      st.Healthy,
		"gate_status":       s.gateStatusLine(),
		"gate":              gate.RedactURL(s.client.Target()),
		"public_base_url":   gate.RedactURL(s.client.PublicBaseURL()),
		"tools":             len(entries),
		"tools_loaded":      loaded,
		"pending_approvals": countPending(s.holds.list()),
	}
	if req != nil && req.Session != nil {
		if p := req.Session.InitializeParams(); p != nil {
			status["protocol_version"] = p.ProtocolVersion
		}
	}
	if l := s.client.CurrentLease(); l != nil {
		status["gate_session_id"] = l.SessionID
		status["principal"] = l.Subject
		status["lease_expires_at"] = l.Expires.UTC().Format("2006-01-02T15:04:05Z")
	}
	text, _ := json.MarshalIndent(status, "", "  ")
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: statusURI, MIMEType: "application/json", Text: string(text)}}}, nil
}

func countPending(rs []holdRecord) int {
	n := 0
	for _, r := range rs {
		if r.Status == "pending" {
			n++
		}
	}
	return n
}
