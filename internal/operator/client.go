package operator

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// Config says how to reach the gate's admin API and as whom.
type Config struct {
	// Socket is the gate's admin Unix socket (gate-admin.sock), used when
	// URL is empty.
	Socket string
	// URL is the admin listener's base URL (http or https), e.g. the
	// gate's admin mTLS listener.
	URL string
	// PublicBaseURL is the gate's public_base_url, the base of every
	// proof's htu. Required: the admin listener's own address is not it.
	PublicBaseURL string
	// TLS configures HTTPS to an https URL; refused otherwise.
	TLS *tls.Config
	// Key is the operator's P-256 key, whose thumbprint the gate has as
	// the credential's dpop_jkt. Required.
	Key *gate.Key
	// Token is the credential's api_key. Required. It is sent only in
	// the Authorization header and never logged.
	Token string
	// Timeout bounds reads (list, detail, audit, allowlist) and deny;
	// default 30s.
	Timeout time.Duration
	// ApproveTimeout bounds an approve, during which the gate executes
	// the held action synchronously: it must outlast the action's own
	// timeout (30s is common, 120s not rare). Default 180s.
	ApproveTimeout time.Duration
	// Logger receives debug logs (method, path, jti); nil discards.
	Logger *slog.Logger
	// Now is the clock for proof iat; nil is time.Now.
	Now func() time.Time
}

// Client talks to one gate's admin API. It is safe for concurrent use.
type Client struct {
	cfg       Config
	base      string
	publicURL string
	http      *http.Client
	log       *slog.Logger
	now       func() time.Time
}

// New checks cfg and returns a client; it does not contact the gate
// (see [Client.Check]).
func New(cfg Config) (*Client, error) {
	if cfg.Key == nil {
		return nil, errors.New("configure operator client: no operator key")
	}
	if cfg.Token == "" {
		return nil, errors.New("configure operator client: no operator token")
	}
	if err := checkToken(cfg.Token); err != nil {
		return nil, fmt.Errorf("configure operator client: %w", err)
	}
	c := &Client{cfg: cfg, log: cfg.Logger, now: cfg.Now}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.cfg.Timeout <= 0 {
		c.cfg.Timeout = 30 * time.Second
	}
	if c.cfg.ApproveTimeout <= 0 {
		c.cfg.ApproveTimeout = 180 * time.Second
	}
	if cfg.PublicBaseURL == "" {
		return nil, errors.New("configure operator client: no public base URL (the gate's public_base_url)")
	}
	pub, err := gate.ValidateBaseURL(cfg.PublicBaseURL)
	if err != nil {
		return nil, fmt.Errorf("check public base url: %w", err)
	}
	c.publicURL = pub
	tr := &http.Transport{MaxIdleConns: 16, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	switch {
	case cfg.URL != "" && cfg.Socket != "":
		return nil, errors.New("configure operator client: an admin URL and an admin socket are exclusive")
	case cfg.URL != "":
		u, err := gate.ValidateBaseURL(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("check admin url: %w", err)
		}
		c.base = u
		dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		tr.DialContext = dialer.DialContext
		if cfg.TLS != nil {
			if !strings.HasPrefix(strings.ToLower(u), "https://") {
				return nil, errors.New("configure operator client: TLS settings need an https admin URL")
			}
			tr.TLSClientConfig = cfg.TLS.Clone()
		}
	case cfg.Socket != "":
		if cfg.TLS != nil {
			return nil, errors.New("configure operator client: TLS settings need an https admin URL, not a Unix socket")
		}
		c.base = "http://localhost"
		sock := cfg.Socket
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", sock)
		}
	default:
		return nil, errors.New("configure operator client: no admin socket and no admin URL")
	}
	c.http = &http.Client{Transport: tr}
	return c, nil
}

// Target says where requests go, for messages: "unix:<socket>" or the URL.
func (c *Client) Target() string {
	if c.cfg.URL != "" {
		return c.base
	}
	return "unix:" + c.cfg.Socket
}

// PublicBaseURL is the htu base the client signs for.
func (c *Client) PublicBaseURL() string { return c.publicURL }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// maxBody bounds a response read: an approve returns the action's
// output, which the gate caps far below this.
const maxBody = 32 << 20

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one operator request: a fresh proof for method and the path
// without its query, the api_key as the DPoP token, Content-Type only
// with a body. A GET that failed on a kept-alive connection the gate had
// closed is sent once more on a new one; writes never are.
func (c *Client) do(ctx context.Context, op, method, pathAndQuery string, body []byte, timeout time.Duration) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	path, _, _ := strings.Cut(pathAndQuery, "?")
	for attempt := 0; ; attempt++ {
		jti := gate.NewUUIDv7()
		proof, err := c.cfg.Key.Proof(method, c.publicURL+path, c.cfg.Token, c.now(), jti)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		var rd io.Reader
		if len(body) > 0 {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+pathAndQuery, rd)
		if err != nil {
			return nil, fmt.Errorf("%s: build request: %w", op, err)
		}
		if len(body) > 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "DPoP "+c.cfg.Token)
		req.Header.Set("DPoP", proof)
		var reused bool
		req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
		}))
		c.log.Debug("admin request", "method", method, "path", path, "jti", jti)
		resp, err := c.http.Do(req)
		if err != nil {
			if method == http.MethodGet && reused && attempt == 0 && ctx.Err() == nil {
				continue
			}
			return nil, newTransportError(op, c.cfg.Socket, err, ctx.Err() != nil)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		_ = resp.Body.Close() // read to the limit; closing it has nothing to report
		if err != nil {
			return nil, newTransportError(op, c.cfg.Socket, err, ctx.Err() != nil)
		}
		return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
	}
}

// Check proves the credential works with one authenticated, cheap
// request (GET /v1/approvals?limit=1), so a command fails at once and
// says why instead of on the first decision.
func (c *Client) Check(ctx context.Context) error {
	_, err := c.List(ctx, ListOptions{Limit: 1})
	return err
}

// ListOptions filter [Client.List].
type ListOptions struct {
	// Status is pending, claimed, approved, denied or failed; "" for all.
	Status string
	// Limit is at most 200 (the gate's cap); 0 leaves the gate's default
	// of 50.
	Limit int
}

// List returns approvals, newest first (GET /v1/approvals).
func (c *Client) List(ctx context.Context, o ListOptions) ([]Summary, error) {
	q := url.Values{}
	if o.Status != "" {
		switch o.Status {
		case "pending", "claimed", "approved", "denied", "failed":
		default:
			return nil, fmt.Errorf("list approvals: unknown status %q: use pending, claimed, approved, denied or failed", o.Status)
		}
		q.Set("status", o.Status)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(min(o.Limit, 200)))
	}
	path := "/v1/approvals"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	const op = "list approvals"
	resp, err := c.do(ctx, op, http.MethodGet, path, nil, c.cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, newError(op, resp)
	}
	var body struct {
		Approvals []Summary `json:"approvals"`
	}
	if err := json.Unmarshal(resp.body, &body); err != nil {
		return nil, fmt.Errorf("%s: the gate's answer is not an approval list: %w", op, err)
	}
	return body.Approvals, nil
}

// Get returns the gate's review detail of one approval
// (GET /v1/approvals/{id}).
func (c *Client) Get(ctx context.Context, id string) (*Detail, error) {
	op := "get approval " + Clean(id, 64)
	if err := ValidateApprovalID(id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	resp, err := c.do(ctx, op, http.MethodGet, "/v1/approvals/"+id, nil, c.cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, newError(op, resp)
	}
	d := &Detail{Raw: json.RawMessage(resp.body)}
	if err := json.Unmarshal(resp.body, d); err != nil {
		return nil, fmt.Errorf("%s: the gate's answer is not an approval: %w", op, err)
	}
	return d, nil
}

// Learn names what an approve should teach the gate instead of its
// default, the request's first unresolved domain and path.
type Learn struct {
	Domain string
	Path   string
}

// Approve approves a held request (POST /v1/approvals/{id}/approve): the
// gate learns (see [Learn]) and then executes it before answering, so
// this can take as long as the action. A decided approval comes back as
// a [Decision] with Result already_*, not as an error; a claimed one is
// an *Error with [Error.Conflict].
func (c *Client) Approve(ctx context.Context, id string, learn Learn) (*Decision, error) {
	op := "approve " + Clean(id, 64)
	if err := ValidateApprovalID(id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	q := url.Values{}
	if learn.Domain != "" {
		q.Set("learn_domain", learn.Domain)
	}
	if learn.Path != "" {
		q.Set("learn_path", learn.Path)
	}
	path := "/v1/approvals/" + id + "/approve"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.do(ctx, op, http.MethodPost, path, nil, c.cfg.ApproveTimeout)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, newError(op, resp)
	}
	return decode(op, id, resp.body)
}

// MaxReasonBytes bounds a deny reason, as the Rust adapter does
// (REASON_MAX_BYTES).
const MaxReasonBytes = 2000

// Deny denies a held request (POST /v1/approvals/{id}/deny). The reason
// is recorded in the gate's audit and shown to the agent; control
// characters become spaces and it is cut to [MaxReasonBytes]. An empty
// reason sends no body (the gate then records "operator_denied").
func (c *Client) Deny(ctx context.Context, id, reason string) (*Decision, error) {
	op := "deny " + Clean(id, 64)
	if err := ValidateApprovalID(id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var body []byte
	if r := strings.TrimSpace(SanitizeReason(reason)); r != "" {
		body, _ = json.Marshal(map[string]string{"reason": r})
	}
	resp, err := c.do(ctx, op, http.MethodPost, "/v1/approvals/"+id+"/deny", body, c.cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, newError(op, resp)
	}
	return decode(op, id, resp.body)
}

// SanitizeReason applies the gate's rule for reasons: control characters
// (U+0000–U+001F, U+007F–U+009F) become spaces, and the text is cut to
// MaxReasonBytes without splitting a character.
func SanitizeReason(s string) string { return gate.Sanitize(s, MaxReasonBytes) }

// Allowlist adds (or with remove, deletes) an approval bypass for
// agentID, the gate principal such as "uid:1000" or "dev:anonymous"
// (POST or DELETE /v1/admin/policy/allowlist). It skips only the hold;
// the gate's denials still apply.
func (c *Client) Allowlist(ctx context.Context, actionID, agentID string, remove bool) error {
	verb, method := "allowlist", http.MethodPost
	if remove {
		verb, method = "remove allowlist entry", http.MethodDelete
	}
	op := verb + " " + Clean(actionID, 64) + " for " + Clean(agentID, 64)
	if err := ValidateResourceID("action_id", actionID); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateResourceID("agent_id", agentID); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	body, _ := json.Marshal(map[string]string{"action_id": actionID, "agent_id": agentID})
	resp, err := c.do(ctx, op, method, "/v1/admin/policy/allowlist", body, c.cfg.Timeout)
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return newError(op, resp)
	}
	return nil
}

// AuditQuery filters [Client.AuditEvents]; empty fields are not sent.
type AuditQuery struct {
	TraceID, EventType, ActionID, Principal, SessionID, Decision string
	// Limit is 1..1000; 0 leaves the gate's default of 100.
	Limit int
}

// AuditEvents returns audit ledger events, newest first
// (GET /v1/audit/events), each as the gate wrote it.
func (c *Client) AuditEvents(ctx context.Context, q AuditQuery) ([]json.RawMessage, error) {
	const op = "read audit events"
	v := url.Values{}
	for k, s := range map[string]string{"trace_id": q.TraceID, "event_type": q.EventType, "action_id": q.ActionID,
		"principal": q.Principal, "session_id": q.SessionID, "decision": q.Decision} {
		if s == "" {
			continue
		}
		if err := ValidateResourceID(k, s); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		v.Set(k, s)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(min(q.Limit, 1000)))
	}
	path := "/v1/audit/events"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	resp, err := c.do(ctx, op, http.MethodGet, path, nil, c.cfg.Timeout)
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, newError(op, resp)
	}
	var body struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(resp.body, &body); err != nil {
		return nil, fmt.Errorf("%s: the gate's answer is not an event list: %w", op, err)
	}
	return body.Events, nil
}
