package gatetest

import (
	"crypto/ecdsa"
	"encoding/json"
	"time"
)

// Options configure a [Gate]. The zero value is a usable gate with no
// actions; the defaults mirror the real gate's.
type Options struct {
	// PublicBaseURL is the gate's public_base_url: the base it builds the
	// expected DPoP htu from, whatever address the request arrived on.
	// Default "http://localhost:3000", the real gate's default. A trailing
	// "/" is trimmed, as the gate does.
	PublicBaseURL string

	// Actions is the action registry. ManifestDir, when set, is loaded
	// with [LoadManifests] and appended. Action ids must be unique.
	Actions     []Action
	ManifestDir string

	// LeaseTTL is the lease lifetime; default 300s, capped at 3600s like
	// the real gate's MAX_LEASE_TTL_SECS.
	LeaseTTL time.Duration

	// ApprovalTTL is how long a held request stays pollable; default 300s
	// (APPROVAL_TTL_SECS). After it, poll answers a bare 404.
	ApprovalTTL time.Duration

	// Clock is the gate's clock, used for lease iat/nbf/exp, the DPoP iat
	// window, replay TTLs and approval expiry. Default time.Now.
	Clock func() time.Time

	// Principal is the lease "sub"; default "dev:anonymous", what the
	// real gate's "none" identity provider assigns.
	Principal string

	// IssuerKey, when set, is the initial lease-signing key, so tests can
	// check leases against fixed vectors. Restart always rotates to a fresh
	// random key, as a real gate restart does.
	IssuerKey *ecdsa.PrivateKey

	// FSRootPrefixes restricts the lease "fs_root" to directories under
	// one of these prefixes. Nil accepts any existing absolute directory
	// not on the gate's system blocklist; the real gate defaults to its
	// own $HOME, which would make tests depend on where the repo lives.
	FSRootPrefixes []string

	// Logf, when set, receives one line per request (e.g. t.Logf).
	Logf func(format string, args ...any)

	// OperatorCredentials are the gate's [operator_credentials.<name>]:
	// the api_key an operator sends as its token and the thumbprint of
	// its DPoP key. Without any, every operator route answers as the
	// gate does when operator auth is not configured. See
	// [NewOperatorCredential].
	OperatorCredentials map[string]OperatorCredential

	// HoldUnknownDomains applies the real gate's domain pre-check: a
	// request to an action with a proxy_allowlist egress profile whose
	// "url" host is neither in the action's allowed_domains nor learned
	// (by an approval) is held for approval with that host as its
	// unresolved domain, instead of executing. Scripted outcomes and
	// SetDefault still win. Off by default, so tests that call such
	// actions with arbitrary URLs keep executing.
	HoldUnknownDomains bool
}

// OutcomeKind selects what the gate answers to an execute request.
type OutcomeKind int

const (
	// Executed answers 200 with an ExecutionResponse and stores a receipt.
	Executed OutcomeKind = iota + 1
	// Denied answers 403 policy_denied with deny_reason, principal,
	// action_id and remediation.
	Denied
	// Held answers 202 pending_approval and stores an approval bound to
	// the lease's session. What approval then runs is the same Outcome's
	// Output (or, with ErrorCode set, a failed execution).
	Held
	// BudgetExceeded answers 403 budget_exhausted.
	BudgetExceeded
	// SchemaViolation answers 422 schema_violation (no detail, as the
	// real gate). Bodies that fail the action's request schema get this
	// without scripting.
	SchemaViolation
	// RateLimited answers 429 rate_limited with Retry-After (default 1).
	RateLimited
	// ServerError answers Status (default 502) with ErrorCode (default
	// action_execution_failed), e.g. 503 draining or 500 internal_error.
	ServerError
	// NotFound answers 404 action_not_found.
	NotFound
	// TooLarge answers 413 with a plain-text body, like the gate's body
	// limit layer.
	TooLarge
)

// String returns the kind's name, for test messages.
func (k OutcomeKind) String() string {
	switch k {
	case Executed:
		return "executed"
	case Denied:
		return "denied"
	case Held:
		return "held"
	case BudgetExceeded:
		return "budget_exceeded"
	case SchemaViolation:
		return "schema_violation"
	case RateLimited:
		return "rate_limited"
	case ServerError:
		return "server_error"
	case NotFound:
		return "not_found"
	case TooLarge:
		return "too_large"
	}
	return "unknown"
}

// An Outcome is one scripted answer to an execute request for an action.
type Outcome struct {
	Kind OutcomeKind
	// Output is the provider output (ExecutionResponse.output and the
	// receipt's provider_receipt). Nil means the default: an object that
	// echoes the request arguments.
	Output json.RawMessage
	// DenyReason is the deny_reason of Denied; for Held, the reason an
	// auto-deny reports. Default "policy denied by test gate".
	DenyReason string
	// RetryAfter is the Retry-After of RateLimited, rounded up to whole
	// seconds; default 1s.
	RetryAfter time.Duration
	// Delay is how long the gate waits before answering (after auth and
	// the body checks), to exercise client timeouts and cancellation.
	// For Held, the 202 comes at once and Delay is how long the approved
	// execution takes, during which polls see "claimed".
	Delay time.Duration
	// Status and ErrorCode override ServerError's status and error code.
	// On Held, a non-empty ErrorCode makes execution after approval fail:
	// the approval ends "failed" with that reason.
	Status    int
	ErrorCode string
	// NotFullySuccessful marks an executed result as
	// verification_failed, for clients that render inconclusive results.
	NotFullySuccessful bool
	// UnresolvedDomains, UnresolvedPaths and Targets are the review data
	// of a Held outcome, what GET /v1/approvals/{id} shows an operator
	// (unresolved_domains, unresolved_paths, approved_targets). Approving
	// without learn_domain or learn_path makes the gate learn the first
	// of each. Nil Targets are derived from the request's "url" and
	// "path" arguments.
	UnresolvedDomains []string
	UnresolvedPaths   []string
	Targets           []string
}

// FaultKind selects an injected failure.
type FaultKind int

const (
	// Drop closes the connection without writing a response.
	Drop FaultKind = iota + 1
	// Stall waits Duration before handling the request normally; a zero
	// Duration waits until the client gives up or the gate stops.
	Stall
	// Garbage answers Status (default 500) with a non-JSON body.
	Garbage
	// Respond answers Status with Body (and Header) verbatim, e.g. a 429
	// on POST /v1/leases or a 503 draining.
	Respond
)

// String returns the kind's name, for test messages.
func (k FaultKind) String() string {
	switch k {
	case 0:
		return "none"
	case Drop:
		return "drop"
	case Stall:
		return "stall"
	case Garbage:
		return "garbage"
	case Respond:
		return "respond"
	}
	return "unknown"
}

// A Fault is an injected failure for one route, see [Gate.Inject].
type Fault struct {
	Kind     FaultKind
	Duration time.Duration
	Status   int
	Body     string
	Header   map[string]string
	// Count is how many requests the fault applies to; 0 means every
	// request until [Gate.ClearFaults].
	Count int
}

// Route names, for [Gate.Inject] and [Request.Route]. They are the
// patterns the gate's router matches (Go ServeMux syntax).
const (
	RouteHealthz   = "GET /healthz"
	RouteReadyz    = "GET /readyz"
	RouteActions   = "GET /v1/actions"
	RouteAction    = "GET /v1/actions/{id}"
	RouteSchema    = "GET /v1/actions/{id}/schema/request"
	RouteLeases    = "POST /v1/leases"
	RouteJWKS      = "GET /.well-known/jwks.json"
	RouteExecute   = "POST /v1/actions/{id}/execute"
	RoutePoll      = "GET /v1/approvals/{id}/poll"
	RouteReceipt   = "GET /v1/receipts/{id}"
	RouteAny       = "*" // Inject only: every route, including unknown ones
	routeNotFound  = "unknown"
	routeBadMethod = "method not allowed"
)
