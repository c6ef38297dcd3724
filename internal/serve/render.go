package serve

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Error codes in tool results. The first eleven are the Rust adapter's;
// rate_limited, conflict and approval_expired are ours, for outcomes it
// mislabels (gate-protocol §10 G3, G12), and output_too_large for an
// output over the client's cap (gate.Config.MaxOutputBytes).
const (
	codePolicyDenied     = "policy_denied"
	codePendingApproval  = "pending_approval"
	codeBudgetExhausted  = "budget_exhausted"
	codeActionNotFound   = "action_not_found"
	codeSchemaValidation = "schema_validation"
	codeEgressBlocked    = "egress_blocked"
	codeLeaseExpired     = "lease_expired"
	codeRevoked          = "revoked"
	codeGateUnavailable  = "gate_unavailable"
	codeSandboxError     = "sandbox_error"
	codeAuthFailed       = "auth_failed"
	codeRateLimited      = "rate_limited"
	codeConflict         = "conflict"
	codeApprovalExpired  = "approval_expired"
	codeOutputTooLarge   = "output_too_large"
)

// gateCodes maps each error code the gate (or an older gate) sends to the
// code the model sees. Unlike the Rust adapter, every code the real gate
// emits is listed, so none falls through to a misleading status default.
var gateCodes = map[string]string{
	"policy_denied": codePolicyDenied, "acl_denied": codePolicyDenied, "not_allowed": codePolicyDenied,
	"action_not_registered": codePolicyDenied, "action_digest_mismatch": codePolicyDenied,
	"pending_approval": codePendingApproval,
	"budget_exhausted": codeBudgetExhausted, "budget_exceeded": codeBudgetExhausted,
	"budget_session_not_found": codeBudgetExhausted,
	"action_not_found":         codeActionNotFound, "not_found": codeActionNotFound,
	"schema_validation": codeSchemaValidation, "validation_error": codeSchemaValidation,
	"schema_violation": codeSchemaValidation,
	"egress_blocked":   codeEgressBlocked, "domain_blocked": codeEgressBlocked,
	"lease_expired": codeLeaseExpired, "grant_expired": codeLeaseExpired,
	"revoked": codeRevoked, "epoch_advanced": codeRevoked,
	"sandbox_error": codeSandboxError, "wasm_error": codeSandboxError, "provider_error": codeSandboxError,
	"action_execution_failed": codeSandboxError,
	"auth_failed":             codeAuthFailed, "dpop_invalid": codeAuthFailed, "lease_invalid": codeAuthFailed,
	"invalid_lease": codeAuthFailed, "invalid_dpop": codeAuthFailed, "replay_detected": codeAuthFailed,
	"missing_auth_header": codeAuthFailed, "identity_unauthenticated": codeAuthFailed,
	"identity_forbidden": codeAuthFailed, "scope_not_permitted": codeAuthFailed,
	"invalid_fs_root": codeAuthFailed, "fs_root_denied": codeAuthFailed,
	"rate_limited": codeRateLimited, "rate_limit_exceeded": codeRateLimited,
	"grant_consumed": codeConflict, "conflict": codeConflict,
	"budget_already_initialised": codeConflict,
	"internal_error":             codeGateUnavailable, "evidence_persistence_failed": codeGateUnavailable,
	"policy_engine_unavailable": codeGateUnavailable, "policy_engine_timeout": codeGateUnavailable,
	"policy_engine_invalid_response": codeGateUnavailable, "budget_store_unavailable": codeGateUnavailable,
	"store_unavailable": codeGateUnavailable, "draining": codeGateUnavailable,
	"replay_cache_unavailable": codeGateUnavailable, "clock_error": codeGateUnavailable,
	"identity_provider_unavailable": codeGateUnavailable,
}

// mapGateCode returns the tool error code for a gate error code and HTTP
// status. Unknown codes fall back on the status, as the Rust adapter does,
// except that 429 is rate_limited, not budget_exhausted (a rate limit
// clears in a second; an exhausted budget does not).
func mapGateCode(code string, status int) string {
	if c, ok := gateCodes[code]; ok {
		return c
	}
	switch {
	case status == 404:
		return codeActionNotFound
	case status == 401 || status == 403:
		return codeAuthFailed
	case status == 429:
		return codeRateLimited
	case status == 413:
		return codeSchemaValidation
	case status >= 400 && status < 500:
		return codePolicyDenied
	}
	return codeGateUnavailable
}

// toolError is the JSON a failed tool call carries in its text block (and
// as structuredContent): a stable code the model can branch on, a message
// for people, and the ids an operator needs to find the call in the
// gate's audit log.
type toolError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	ActionID   string `json:"action_id,omitempty"`
	TraceID    string `json:"trace_id,omitempty"`
	ApprovalID string `json:"approval_id,omitempty"`
	// ReceiptID is set on output_too_large: where the output is kept.
	ReceiptID   string `json:"receipt_id,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	// GateTraceID is the gate's own trace id, when it sent one.
	GateTraceID string `json:"gate_trace_id,omitempty"`
	// RetryAfterSeconds is set on rate_limited.
	RetryAfterSeconds int `json:"retry_after_seconds,omitempty"`
}

func (e *toolError) result(structured bool) *mcp.CallToolResult {
	b, _ := json.Marshal(e)
	r := &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}
	if structured {
		r.StructuredContent = e
	}
	return r
}

// renderOutput renders a provider output for the model: a JSON string
// raw, null as "(no output)", anything else as indented JSON.
func renderOutput(out json.RawMessage) string {
	out = bytes.TrimSpace(out)
	if len(out) == 0 || string(out) == "null" {
		return "(no output)"
	}
	if out[0] == '"' {
		var s string
		if json.Unmarshal(out, &s) == nil {
			return s
		}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "  "); err != nil {
		return string(out)
	}
	return buf.String()
}

const inconclusiveNote = "\n⚠️  Note: action executed but outcome verification was inconclusive."

// successText is the text block of an executed call: the output, the
// receipt id (the audit handle) and a note when verification was not
// conclusive.
func successText(out json.RawMessage, receiptID string, fullySuccessful bool) string {
	if receiptID == "" {
		receiptID = "unknown"
	}
	s := renderOutput(out) + "\n\n[receipt_id: " + receiptID + "]"
	if !fullySuccessful {
		s += inconclusiveNote
	}
	return s
}

// successResult is the structured form of an executed call.
type successResult struct {
	Output      json.RawMessage `json:"output"`
	ReceiptID   string          `json:"receipt_id,omitempty"`
	Verified    bool            `json:"verified"`
	ActionID    string          `json:"action_id"`
	GateTraceID string          `json:"gate_trace_id,omitempty"`
	ApprovalID  string          `json:"approval_id,omitempty"`
}

func (s *successResult) result(structured bool) *mcp.CallToolResult {
	r := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: successText(s.Output, s.ReceiptID, s.Verified)}}}
	if structured {
		if len(s.Output) == 0 {
			s.Output = json.RawMessage("null")
		}
		r.StructuredContent = s
	}
	return r
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
