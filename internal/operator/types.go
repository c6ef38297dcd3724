package operator

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Summary is one entry of GET /v1/approvals.
type Summary struct {
	ApprovalID    string `json:"approval_id"`
	Status        string `json:"status"`
	ActionID      string `json:"action_id"`
	ActionVersion string `json:"action_version,omitempty"`
	Principal     string `json:"principal"`
	SessionID     string `json:"session_id"`
	Owner         string `json:"owner,omitempty"`
	RiskLevel     string `json:"risk_level,omitempty"`
	RequestHash   string `json:"request_hash,omitempty"`
	CreatedAt     string `json:"created_at,omitempty"`
	ExpiresAt     string `json:"expires_at,omitempty"`
	ClaimedBy     string `json:"claimed_by,omitempty"`
}

// Created returns CreatedAt as a time, false when absent or unparsable.
func (s Summary) Created() (time.Time, bool) { return parseTime(s.CreatedAt) }

// Expires returns ExpiresAt as a time, false when absent or unparsable.
func (s Summary) Expires() (time.Time, bool) { return parseTime(s.ExpiresAt) }

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// Detail is the gate's review record of one approval
// (GET /v1/approvals/{id}): what the operator decides on. Fields the gate
// leaves out are empty. Raw keeps the whole answer, including fields this
// version does not know.
type Detail struct {
	ApprovalID    string `json:"approval_id"`
	Status        string `json:"status"`
	ActionID      string `json:"action_id"`
	ActionVersion string `json:"action_version"`
	Principal     string `json:"principal"`
	SessionID     string `json:"session_id"`
	RequestHash   string `json:"request_hash"`
	PolicyVersion string `json:"policy_version"`
	RiskLevel     string `json:"risk_level"`
	CreatedAt     string `json:"created_at"`
	ExpiresAt     string `json:"expires_at"`
	ClaimedBy     string `json:"claimed_by"`
	ClaimedAt     string `json:"claimed_at"`
	CompletedAt   string `json:"completed_at"`
	ReceiptID     string `json:"receipt_id"`
	DenyReason    string `json:"deny_reason"`
	ErrorCode     string `json:"error_code"`
	VerifierKind  string `json:"verifier_kind"`
	Digest        string `json:"provider_module_digest"`
	PlanHash      string `json:"plan_hash"`
	// Source is "durable_outcome" once the live record is gone and only
	// the decision is left.
	Source string `json:"source"`
	// The plan under review. Targets, secrets and egress are whatever
	// shape the gate gives (lists of strings or of objects): see
	// [Strings].
	Targets           json.RawMessage `json:"approved_targets"`
	Secrets           json.RawMessage `json:"approved_secrets"`
	Egress            json.RawMessage `json:"approved_egress"`
	UnresolvedDomains []string        `json:"unresolved_domains"`
	UnresolvedPaths   []string        `json:"unresolved_paths"`
	Budget            *struct {
		CallsRemaining  *int64 `json:"calls_remaining"`
		ApprovedCallsAt *int64 `json:"policy_approved_calls_after"`
	} `json:"budget_snapshot"`
	DatabaseReview json.RawMessage `json:"database_review"`

	Raw json.RawMessage `json:"-"`
}

// Expires returns ExpiresAt as a time, false when absent or unparsable.
func (d *Detail) Expires() (time.Time, bool) { return parseTime(d.ExpiresAt) }

// Learns says what approving this hold without an explicit choice
// teaches the gate: its first unresolved domain and path ("" when none).
// The gate adds them to its learned allowlist before it executes, so
// later requests there are no longer held.
func (d *Detail) Learns() (domain, path string) {
	if len(d.UnresolvedDomains) > 0 {
		domain = d.UnresolvedDomains[0]
	}
	if len(d.UnresolvedPaths) > 0 {
		path = d.UnresolvedPaths[0]
	}
	return domain, path
}

// Strings flattens a JSON value the gate sent for display: strings stay
// as they are, arrays give one entry per element, objects one
// "key: value" entry per member (sorted), anything else its JSON text.
// Nothing is cleaned: pass the results through [Clean] before printing.
func Strings(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return []string{string(raw)}
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case string:
			out = append(out, prefix+x)
		case []any:
			for _, e := range x {
				walk(prefix, e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				b, _ := json.Marshal(x[k])
				if s, ok := x[k].(string); ok {
					parts = append(parts, k+": "+s)
				} else {
					parts = append(parts, k+": "+string(b))
				}
			}
			out = append(out, prefix+strings.Join(parts, ", "))
		default:
			b, _ := json.Marshal(x)
			out = append(out, prefix+string(b))
		}
	}
	walk("", v)
	return out
}

// Results of a decision, as "approve --json" reports them.
const (
	ResultApproved         = "approved"
	ResultDenied           = "denied"
	ResultAlreadyApproved  = "already_approved"
	ResultAlreadyDenied    = "already_denied"
	ResultAlreadyFailed    = "already_failed"
	ResultAlreadyCompleted = "already_completed"
	ResultConflict         = "conflict"
	ResultNotFound         = "not_found"
	ResultFailed           = "failed"
)

// Decision is the gate's answer to an approve or deny.
type Decision struct {
	ApprovalID string
	// Result is approved or denied for a decision this call made, or
	// already_approved, already_denied, already_failed or
	// already_completed when the approval had been decided before.
	Result string
	// Status is the approval's state as the gate reports it.
	Status   string
	ActionID string
	TraceID  string
	// ReceiptID and Output are those of the approved execution (or, for
	// already_approved, the receipt of the earlier one).
	ReceiptID string
	Output    json.RawMessage
	// Verified is the execution's verification.is_fully_successful.
	Verified      bool
	ApprovedBy    string
	DeniedBy      string
	DenyReason    string
	LearnedDomain string
	LearnedPath   string
	Raw           json.RawMessage
}

// Already reports whether the approval had been decided before this call.
func (d *Decision) Already() bool { return strings.HasPrefix(d.Result, "already_") }

func decode(op, id string, body []byte) (*Decision, error) {
	var w struct {
		Decision     string          `json:"decision"`
		ApprovalID   string          `json:"approval_id"`
		Status       string          `json:"status"`
		ActionID     string          `json:"action_id"`
		TraceID      string          `json:"trace_id"`
		ReceiptID    string          `json:"receipt_id"`
		Output       json.RawMessage `json:"output"`
		DeniedBy     string          `json:"denied_by"`
		DenyReason   string          `json:"deny_reason"`
		LearnedDom   string          `json:"learned_domain"`
		LearnedPath  string          `json:"learned_path"`
		Verification struct {
			Full bool `json:"is_fully_successful"`
		} `json:"verification"`
		Approval struct {
			ApprovedBy string `json:"approved_by"`
		} `json:"approval"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%s: the gate's answer is not JSON: %w", op, err)
	}
	d := &Decision{ApprovalID: orString(w.ApprovalID, id), Status: w.Status, ActionID: w.ActionID, TraceID: w.TraceID,
		ReceiptID: w.ReceiptID, Output: w.Output, Verified: w.Verification.Full, ApprovedBy: w.Approval.ApprovedBy,
		DeniedBy: w.DeniedBy, DenyReason: w.DenyReason, LearnedDomain: w.LearnedDom, LearnedPath: w.LearnedPath,
		Raw: json.RawMessage(body)}
	switch w.Decision {
	case "executed":
		d.Result, d.Status = ResultApproved, orString(w.Status, "approved")
	case "deny":
		d.Result, d.Status = ResultDenied, orString(w.Status, "denied")
	case ResultAlreadyApproved, ResultAlreadyDenied, ResultAlreadyFailed, ResultAlreadyCompleted:
		d.Result = w.Decision
	default:
		return nil, fmt.Errorf("%s: the gate answered an unknown decision %q", op, Clean(w.Decision, 64))
	}
	return d, nil
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ResultOf names the outcome of an approve or deny for scripts: the
// decision's Result, or conflict, not_found or failed for an error.
func ResultOf(d *Decision, err error) string {
	if err == nil && d != nil {
		return d.Result
	}
	var e *Error
	if errors.As(err, &e) {
		switch {
		case e.Conflict():
			return ResultConflict
		case e.NotFound():
			return ResultNotFound
		}
	}
	return ResultFailed
}
