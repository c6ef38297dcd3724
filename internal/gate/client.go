package gate

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config says how to reach a gate.
type Config struct {
	// URL is the gate's TCP base URL (http or https). When empty the
	// client dials Socket instead.
	URL string
	// Socket is the gate's client Unix socket, used when URL is empty.
	Socket string
	// PublicBaseURL is the gate's public_base_url, the base of every DPoP
	// htu. It defaults to URL; over a socket it is required, because the
	// gate builds the expected htu from its own configuration.
	PublicBaseURL string
	// SessionID is sent as X-LatchGate-Session-Id on authenticated calls.
	// The gate ignores it today; it is a label for its logs.
	SessionID string
	// FSRoot is sent as the lease's fs_root (the directory the agent works
	// in). Empty omits it. If the gate rejects it, the lease is retried
	// without it (the gate's fs_root rules make that common for IDEs
	// launched from "/").
	FSRoot string
	// TLS configures HTTPS to an https URL (trusted CAs, a client
	// certificate for mutual TLS); nil uses the system roots. See
	// [TLSFiles]. It is refused with a socket or an http URL, where it
	// would silently do nothing.
	TLS *tls.Config
	// Key is the DPoP key; nil generates one.
	Key *Key
	// Logger receives debug and warning logs; nil discards them. Keys,
	// leases and proofs are never logged, only jti, method and path.
	Logger *slog.Logger
	// Now is the clock for proof iat and lease expiry; nil is time.Now.
	Now func() time.Time

	// Timeouts per kind of call. Zero picks the default: discovery and
	// health 5s, lease 10s, poll and receipt 10s, execute 120s (callers
	// pass the action's own limit through ctx when they know it).
	DiscoveryTimeout time.Duration
	LeaseTimeout     time.Duration
	PollTimeout      time.Duration
	ExecuteTimeout   time.Duration
	// MaxRetryAfter caps how long a 429's Retry-After is honoured before
	// giving up; default 5s.
	MaxRetryAfter time.Duration
	// MaxOutputBytes caps the output of an executed action (and a
	// receipt's provider_receipt) that the client keeps; default
	// [DefaultMaxOutputBytes]. A larger output is counted, not held: the
	// result says how large it was (ExecuteResult.OutputTooLarge) and still
	// carries the receipt id.
	MaxOutputBytes int64
}

// DefaultMaxOutputBytes is the default [Config.MaxOutputBytes]: 1 MiB,
// far more than an agent can use in one tool result (clients truncate much
// earlier), and small enough that many concurrent calls cannot exhaust
// memory.
const DefaultMaxOutputBytes = 1 << 20

// Client talks to one gate. It is safe for concurrent use; concurrent
// calls share one lease and one connection pool.
type Client struct {
	cfg       Config
	base      string // where requests go: URL, or http://localhost over a socket
	publicURL string // htu base
	http      *http.Client
	key       *Key
	log       *slog.Logger
	now       func() time.Time

	leaseMu  sync.Mutex
	lease    *Lease
	issuing  chan struct{} // non-nil while one goroutine issues a lease
	issueErr error
	noFSRoot bool // the gate refused our fs_root once; stop sending it
}

// New returns a client for the gate cfg describes. It checks the URLs and
// generates the DPoP key, but does not contact the gate.
func New(cfg Config) (*Client, error) {
	c := &Client{cfg: cfg, key: cfg.Key, log: cfg.Logger, now: cfg.Now}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	setDefault(&c.cfg.DiscoveryTimeout, 5*time.Second)
	setDefault(&c.cfg.LeaseTimeout, 10*time.Second)
	setDefault(&c.cfg.PollTimeout, 10*time.Second)
	setDefault(&c.cfg.ExecuteTimeout, 120*time.Second)
	setDefault(&c.cfg.MaxRetryAfter, 5*time.Second)
	if c.cfg.MaxOutputBytes <= 0 {
		c.cfg.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if cfg.SessionID != "" {
		if err := ValidateSessionID(cfg.SessionID); err != nil {
			return nil, fmt.Errorf("check session id: %w", err)
		}
	}

	tr := &http.Transport{
		MaxIdleConns:        128,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	if cfg.URL != "" {
		u, err := ValidateBaseURL(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("check gate url: %w", err)
		}
		c.base = u
		c.publicURL = u
		dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		tr.DialContext = dialer.DialContext
		if cfg.TLS != nil {
			if !strings.HasPrefix(strings.ToLower(u), "https://") {
				return nil, errors.New("configure gate client: TLS settings need an https gate URL")
			}
			tr.TLSClientConfig = cfg.TLS.Clone()
		}
	} else {
		if cfg.TLS != nil {
			return nil, errors.New("configure gate client: TLS settings need an https gate URL, not a Unix socket")
		}
		if cfg.Socket == "" {
			return nil, errors.New("configure gate client: no gate URL and no socket")
		}
		if cfg.PublicBaseURL == "" {
			return nil, errors.New("configure gate client: a public base URL is required with a Unix socket")
		}
		c.base = "http://localhost"
		sock := cfg.Socket
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", sock)
		}
	}
	if cfg.PublicBaseURL != "" {
		u, err := ValidateBaseURL(cfg.PublicBaseURL)
		if err != nil {
			return nil, fmt.Errorf("check public base url: %w", err)
		}
		c.publicURL = u
	}
	// Redirects are never followed: the gate's API has none, and one to
	// another origin would carry the DPoP proof, the session id and the
	// tool arguments there. do turns a 3xx into a *RedirectError.
	c.http = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	if c.key == nil {
		k, err := GenerateKey()
		if err != nil {
			return nil, err
		}
		c.key = k
	}
	return c, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// PublicBaseURL returns the base the client builds DPoP htu values from.
func (c *Client) PublicBaseURL() string { return c.publicURL }

// Target describes where the client sends requests, for logs and doctor:
// the socket path or the gate URL.
func (c *Client) Target() string {
	if c.cfg.URL != "" {
		return c.base
	}
	return "unix:" + c.cfg.Socket
}

// Key returns the client's DPoP key.
func (c *Client) Key() *Key { return c.key }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// maxBody bounds how much of a gate answer is read: far above any real
// answer (a thousand actions list in about 100 KB), but it stops a broken
// peer from exhausting memory. Outputs, which can be large, are read by
// readCapped under MaxOutputBytes instead.
const maxBody = 8 << 20

// maxErrorRead bounds how much of an error answer (status 300 and up) is
// read: error bodies are a few hundred bytes.
const maxErrorRead = 64 << 10

type response struct {
	status int
	header http.Header
	body   []byte
	// capped is set for a 2xx answer read with a bigField: body is then
	// capped.envelope.
	capped *cappedObject
}

// bigField names the member of a 2xx answer that may be large (an output)
// and is read under a cap; see readCapped.
type bigField struct {
	name  string
	limit int64
}

// do sends one request and reads the answer. It never interprets the
// status, except that a redirect is refused (*RedirectError) rather than
// followed. Transport failures come back as *TransportError.
func (c *Client) do(ctx context.Context, op, method, path string, body []byte, hdr map[string]string, big *bigField) (*response, error) {
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s: build request: %w", op, err)
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	var reused bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	}))
	resp, err := c.http.Do(req)
	if err != nil {
		te := newTransportError(op, c.cfg.Socket, err)
		te.staleConn = reused && !te.Timeout && ctx.Err() == nil
		return nil, te
	}
	defer func() { _ = resp.Body.Close() }() // read as far as wanted; closing it has nothing to report
	out := &response{status: resp.StatusCode, header: resp.Header}
	if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
		return nil, c.redirectError(op, req.URL, resp.StatusCode, loc)
	}
	switch {
	case resp.StatusCode >= 300:
		out.body, err = io.ReadAll(io.LimitReader(resp.Body, maxErrorRead))
	case big != nil:
		out.capped, err = readCapped(resp.Body, big.name, big.limit)
		if err == nil {
			out.body = out.capped.envelope
		} else if !isReadError(err) {
			return nil, fmt.Errorf("%s: decode answer: %w", op, err)
		}
	default:
		out.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		if err == nil && len(out.body) > maxBody {
			return nil, fmt.Errorf("%s: the gate's answer is larger than %d MiB", op, maxBody>>20)
		}
	}
	if err != nil {
		return nil, newTransportError(op, c.cfg.Socket, err)
	}
	return out, nil
}

// isReadError reports whether err came from reading the connection rather
// than from what was read.
func isReadError(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// redirectError describes a redirect the client refused.
func (c *Client) redirectError(op string, from *url.URL, status int, location string) *RedirectError {
	e := &RedirectError{Op: op, Status: status, Location: Sanitize(RedactURL(location), 300)}
	to, err := from.Parse(location)
	e.OffOrigin = err != nil || !strings.EqualFold(to.Scheme, from.Scheme) || !strings.EqualFold(to.Host, from.Host)
	return e
}

// get runs an unauthenticated GET and returns the body of a 2xx answer.
func (c *Client) get(ctx context.Context, op, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.DiscoveryTimeout)
	defer cancel()
	resp, err := c.do(ctx, op, http.MethodGet, path, nil, nil, nil)
	if isStale(err) {
		resp, err = c.do(ctx, op, http.MethodGet, path, nil, nil, nil)
	}
	if err != nil {
		return nil, err
	}
	if resp.status >= 300 {
		return nil, newError(op, resp.status, resp.header.Get, resp.body)
	}
	return resp.body, nil
}

// authed sends a request with a lease and a fresh proof. When pinned is
// nil it uses the current lease and, if the gate rejects it (a gate
// restart rotates the issuer key; clocks drift), drops it, obtains a new
// one and retries once: safe because the gate authenticates before it
// does anything. A pinned lease is used as is, never replaced, because the
// gate ties approvals to the lease's session. A 429 is retried once after
// its Retry-After when that is short.
func (c *Client) authed(ctx context.Context, op, method, path string, body []byte, pinned *Lease, big *bigField) (*response, *Lease, error) {
	lease := pinned
	retriedAuth, retried429, retriedStale := false, false, false
	for {
		if lease == nil {
			l, err := c.Lease(ctx)
			if err != nil {
				return nil, nil, err
			}
			lease = l
		}
		jti := NewUUIDv7()
		proof, err := c.key.Proof(method, c.publicURL+path, lease.JWT, c.now(), jti)
		if err != nil {
			return nil, lease, fmt.Errorf("%s: %w", op, err)
		}
		hdr := map[string]string{"Authorization": "DPoP " + lease.JWT, "DPoP": proof}
		if c.cfg.SessionID != "" {
			hdr["X-LatchGate-Session-Id"] = c.cfg.SessionID
		}
		c.log.Debug("gate request", "method", method, "path", path, "jti", jti)
		resp, err := c.do(ctx, op, method, path, body, hdr, big)
		if isStale(err) && !retriedStale {
			// A kept-alive connection the gate had closed (it restarted):
			// the request never reached a live gate. Retry on a new
			// connection, with a new proof.
			retriedStale = true
			continue
		}
		if err != nil {
			return nil, lease, err
		}
		if resp.status < 400 {
			return resp, lease, nil
		}
		gerr := newError(op, resp.status, resp.header.Get, resp.body)
		if gerr.IsAuthRejection() && pinned == nil && !retriedAuth {
			retriedAuth = true
			c.log.Info("gate rejected the lease; obtaining a new one", "op", op, "code", gerr.Code)
			c.dropLease(lease)
			lease = nil
			continue
		}
		if resp.status == http.StatusTooManyRequests && !retried429 && gerr.RetryAfter > 0 && gerr.RetryAfter <= c.cfg.MaxRetryAfter {
			retried429 = true
			c.log.Info("gate rate limited the request; retrying", "op", op, "after", gerr.RetryAfter)
			t := time.NewTimer(gerr.RetryAfter)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, lease, gerr
			case <-t.C:
			}
			continue
		}
		return nil, lease, gerr
	}
}

// isStale reports whether err is a failure on a reused keep-alive
// connection that the peer had already closed.
func isStale(err error) bool {
	var te *TransportError
	return errors.As(err, &te) && te.staleConn
}
