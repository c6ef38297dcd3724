package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Health checks GET /healthz.
func (c *Client) Health(ctx context.Context) error {
	_, err := c.get(ctx, "check gate health", "/healthz")
	return err
}

// ActionSummary is one entry of GET /v1/actions.
type ActionSummary struct {
	ActionID     string `json:"action_id"`
	Version      string `json:"version"`
	RiskLevel    string `json:"risk_level"`
	DatabaseMode string `json:"database_mode,omitempty"`
}

// ListActions returns the gate's actions, in the gate's order (sorted by
// id). Missing versions and risk levels are filled in the way the Rust
// adapter fills them ("?" and "unknown") so descriptions match.
func (c *Client) ListActions(ctx context.Context) ([]ActionSummary, error) {
	const op = "list actions"
	body, err := c.get(ctx, op, "/v1/actions")
	if err != nil {
		return nil, err
	}
	var resp struct {
		Actions *[]ActionSummary `json:"actions"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("%s: decode answer: %w", op, err)
	}
	if resp.Actions == nil {
		return nil, fmt.Errorf("%s: the gate's answer has no \"actions\" array", op)
	}
	out := *resp.Actions
	for i := range out {
		if out[i].ActionID == "" {
			return nil, fmt.Errorf("%s: an action has no action_id", op)
		}
		if out[i].Version == "" {
			out[i].Version = "?"
		}
		if out[i].RiskLevel == "" {
			out[i].RiskLevel = "unknown"
		}
	}
	return out, nil
}

// ActionDetail is GET /v1/actions/{id}: the fields tool annotations and
// descriptions are derived from. Raw keeps the whole answer.
type ActionDetail struct {
	ActionID  string `json:"action_id"`
	Version   string `json:"version"`
	RiskLevel string `json:"risk_level"`
	// DeclaredSideEffects is nil when the gate did not send the field,
	// and empty when the action declares none: the two mean different
	// things for readOnlyHint.
	DeclaredSideEffects *[]string       `json:"declared_side_effects"`
	Egress              json.RawMessage `json:"egress"`
	EgressProfileField  string          `json:"egress_profile"`
	Database            *Database       `json:"database"`
	ResourceLimits      struct {
		TimeoutSeconds int `json:"timeout_seconds"`
	} `json:"resource_limits"`
	IO struct {
		// HasRequestSchema is nil when the gate did not say; false means
		// GET .../schema/request would answer 404, so it need not be asked.
		HasRequestSchema *bool `json:"has_request_schema"`
	} `json:"io"`
	Raw json.RawMessage `json:"-"`
}

// Database describes a database action's predeclared statements.
type Database struct {
	Mode                       string      `json:"mode"`
	Statements                 []Statement `json:"statements"`
	AllowsParameterizedQueries bool        `json:"allows_parameterized_queries"`
	ParameterizedOperations    []string    `json:"parameterized_operations"`
}

// Statement is one predeclared database statement.
type Statement struct {
	ID         string   `json:"id"`
	Operation  string   `json:"operation"`
	Tables     []string `json:"tables"`
	ParamCount int      `json:"param_count"`
}

// EgressProfile returns the action's egress profile: "none",
// "proxy_allowlist", another name, or "" when unknown. The gate sends the
// profile as an externally tagged enum ("none" or {"proxy_allowlist":…});
// older shapes use {"profile":…} or a top-level egress_profile.
func (d *ActionDetail) EgressProfile() string {
	if d == nil {
		return ""
	}
	if len(d.Egress) > 0 {
		var s string
		if json.Unmarshal(d.Egress, &s) == nil {
			return s
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(d.Egress, &obj) == nil && obj != nil {
			if p, ok := obj["profile"]; ok {
				if json.Unmarshal(p, &s) == nil {
					return s
				}
			}
			if len(obj) == 1 {
				for k := range obj {
					return k
				}
			}
		}
	}
	return d.EgressProfileField
}

// Action returns an action's detail.
func (c *Client) Action(ctx context.Context, id string) (*ActionDetail, error) {
	op := "get action " + id
	if err := ValidateActionID(id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	body, err := c.get(ctx, op, "/v1/actions/"+id)
	if err != nil {
		return nil, err
	}
	var d ActionDetail
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("%s: decode answer: %w", op, err)
	}
	d.Raw = body
	return &d, nil
}

// RequestSchema returns an action's request JSON Schema, raw.
func (c *Client) RequestSchema(ctx context.Context, id string) (json.RawMessage, error) {
	op := "get request schema of " + id
	if err := ValidateActionID(id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	body, err := c.get(ctx, op, "/v1/actions/"+id+"/schema/request")
	if err != nil {
		return nil, err
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("%s: the answer is not JSON", op)
	}
	return body, nil
}

// ValidateActionID checks an action id before it goes into a URL path:
// non-empty, at most 256 bytes, only [A-Za-z0-9._-], not all dots. This
// stops a tool name from walking the gate's routes ("../leases").
func ValidateActionID(id string) error {
	if id == "" {
		return errors.New("empty action id")
	}
	if len(id) > 256 {
		return errors.New("action id longer than 256 bytes")
	}
	dots := true
	for i := 0; i < len(id); i++ {
		ch := id[i]
		switch {
		case ch == '.':
		case ch == '_' || ch == '-' || ('a' <= ch && ch <= 'z') || ('A' <= ch && ch <= 'Z') || ('0' <= ch && ch <= '9'):
			dots = false
		default:
			return fmt.Errorf("action id %q has a character outside [A-Za-z0-9._-]", id)
		}
	}
	if dots {
		return fmt.Errorf("action id %q is only dots", id)
	}
	return nil
}

// ExecuteResult is a 200 or 202 answer to an execute request.
type ExecuteResult struct {
	// Status is 200 (executed) or 202 (held for approval).
	Status   int
	Decision string `json:"decision"`
	TraceID  string `json:"trace_id"`
	ActionID string `json:"action_id"`
	// Executed fields.
	ReceiptID    string          `json:"receipt_id"`
	Output       json.RawMessage `json:"output"`
	Verification *struct {
		Outcome           string `json:"outcome"`
		IsFullySuccessful bool   `json:"is_fully_successful"`
	} `json:"verification"`
	// Held fields.
	ApprovalID  string `json:"approval_id"`
	RequestHash string `json:"request_hash"`
	// OutputTooLarge reports that the output was larger than the
	// client's MaxOutputBytes and was not kept (Output is nil); OutputSize
	// is its size in bytes as the gate sent it. The action ran: ReceiptID
	// names the record that holds the output.
	OutputTooLarge bool  `json:"-"`
	OutputSize     int64 `json:"-"`
	// Lease is the lease the request was sent with. An approval is bound
	// to that lease's session, so polls must use it.
	Lease *Lease `json:"-"`
	// Raw is the answer without its output.
	Raw json.RawMessage `json:"-"`
}

// FullySuccessful reports whether the gate verified the action's effect.
func (r *ExecuteResult) FullySuccessful() bool {
	return r.Verification != nil && r.Verification.IsFullySuccessful
}

// Execute runs POST /v1/actions/{id}/execute with args as the body (nil or
// empty sends {}). ctx bounds the call; without a deadline the client's
// ExecuteTimeout applies. A timeout is reported as a *TransportError with
// Timeout set: the action may have run, so it is not "gate down".
func (c *Client) Execute(ctx context.Context, id string, args json.RawMessage) (*ExecuteResult, error) {
	op := "execute " + id
	if err := ValidateActionID(id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(args) == 0 || string(args) == "null" {
		args = json.RawMessage("{}")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.ExecuteTimeout)
		defer cancel()
	}
	resp, lease, err := c.authed(ctx, op, http.MethodPost, "/v1/actions/"+id+"/execute", args, nil,
		&bigField{name: "output", limit: c.cfg.MaxOutputBytes})
	if err != nil {
		return nil, err
	}
	var r ExecuteResult
	if err := json.Unmarshal(resp.body, &r); err != nil {
		return nil, fmt.Errorf("%s: decode answer (HTTP %d): %w", op, resp.status, err)
	}
	r.Status, r.Lease, r.Raw = resp.status, lease, resp.body
	if cp := resp.capped; cp != nil {
		if r.Output, r.OutputSize, r.OutputTooLarge, err = cp.value(); err != nil {
			return nil, fmt.Errorf("%s: decode output: %w", op, err)
		}
	}
	return &r, nil
}

// PollResult is GET /v1/approvals/{id}/poll.
type PollResult struct {
	Status            string `json:"status"`
	ReceiptID         string `json:"receipt_id"`
	Reason            string `json:"reason"`
	RetryAfterSeconds int    `json:"retry_after_seconds"`
}

// Poll asks for an approval's status with lease, which must be the lease
// the held request was sent with (the gate answers 404 to any other
// session). A nil lease uses the current one.
func (c *Client) Poll(ctx context.Context, lease *Lease, approvalID string) (*PollResult, error) {
	op := "poll approval " + approvalID
	if err := ValidateActionID(approvalID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.PollTimeout)
	defer cancel()
	resp, _, err := c.authed(ctx, op, http.MethodGet, "/v1/approvals/"+url.PathEscape(approvalID)+"/poll", nil, lease, nil)
	if err != nil {
		return nil, err
	}
	var r PollResult
	if err := json.Unmarshal(resp.body, &r); err != nil {
		return nil, fmt.Errorf("%s: decode answer: %w", op, err)
	}
	if r.Status == "" {
		return nil, fmt.Errorf("%s: the answer has no status", op)
	}
	return &r, nil
}

// Receipt is GET /v1/receipts/{id}: the signed record of an execution. It
// is where the output of an approved action is found, since the poll
// answer does not carry it.
type Receipt struct {
	ReceiptID        string          `json:"receipt_id"`
	ProviderReceipt  json.RawMessage `json:"provider_receipt"`
	NormalizedResult struct {
		Kind    string `json:"kind"`
		Summary string `json:"summary"`
		Reason  string `json:"reason"`
	} `json:"normalized_result"`
	VerificationOutcome struct {
		Status string `json:"status"`
	} `json:"verification_outcome"`
	// OutputTooLarge and OutputSize are ExecuteResult's, for
	// ProviderReceipt.
	OutputTooLarge bool  `json:"-"`
	OutputSize     int64 `json:"-"`
	// Raw is the receipt without its provider_receipt.
	Raw json.RawMessage `json:"-"`
}

// FullySuccessful reports whether the receipt records a successful,
// verified (or declared unverifiable) execution.
func (r *Receipt) FullySuccessful() bool {
	s := r.VerificationOutcome.Status
	return r.NormalizedResult.Kind == "success" && (s == "verified" || s == "unverifiable_declared")
}

// Receipt fetches a receipt. Any valid lease may read any receipt.
func (c *Client) Receipt(ctx context.Context, receiptID string) (*Receipt, error) {
	op := "get receipt " + receiptID
	if err := ValidateActionID(receiptID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.PollTimeout)
	defer cancel()
	resp, _, err := c.authed(ctx, op, http.MethodGet, "/v1/receipts/"+receiptID, nil, nil,
		&bigField{name: "provider_receipt", limit: c.cfg.MaxOutputBytes})
	if err != nil {
		return nil, err
	}
	var r Receipt
	if err := json.Unmarshal(resp.body, &r); err != nil {
		return nil, fmt.Errorf("%s: decode answer: %w", op, err)
	}
	r.Raw = resp.body
	if cp := resp.capped; cp != nil {
		if r.ProviderReceipt, r.OutputSize, r.OutputTooLarge, err = cp.value(); err != nil {
			return nil, fmt.Errorf("%s: decode provider_receipt: %w", op, err)
		}
	}
	return &r, nil
}

// MaxOutputBytes returns the cap on a kept output ([Config.MaxOutputBytes]).
func (c *Client) MaxOutputBytes() int64 { return c.cfg.MaxOutputBytes }

// Now returns the client's clock reading.
func (c *Client) Now() time.Time { return c.now() }
