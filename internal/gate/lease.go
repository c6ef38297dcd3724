package gate

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Lease is a DPoP-bound lease the gate issued to this process.
type Lease struct {
	// JWT is the lease token. Never log it.
	JWT string
	// SessionID is the gate's session for this lease; approvals and
	// budgets are tied to it, and every lease gets a new one.
	SessionID string
	// Subject is the principal the gate assigned (the JWT "sub").
	Subject string
	// FSRoot is the canonical fs_root the gate accepted, if any.
	FSRoot string
	// Expires is when the client stops using the lease: the JWT exp,
	// or earlier if the local clock disagrees with the gate's (the
	// lease's lifetime counted from when we received it).
	Expires time.Time
	// renewAt is when the client replaces the lease.
	renewAt time.Time
}

// renewBefore is how long before expiry a lease is replaced, so no request
// is ever sent with a lease about to lapse in flight. Leases shorter than
// twice that are replaced at half their life instead, so a gate configured
// with short leases does not get a lease request before every call.
const renewBefore = 60 * time.Second

func (l *Lease) setRenewal(received time.Time) {
	margin := min(renewBefore, l.Expires.Sub(received)/2)
	l.renewAt = l.Expires.Add(-margin)
}

// usable reports whether l can still be sent at now.
func (l *Lease) usable(now time.Time) bool {
	return l != nil && now.Before(l.renewAt)
}

// Valid reports whether l has not yet expired at now (it may be past its
// renewal point). Pinned leases, used to poll an approval, are good until
// this is false.
func (l *Lease) Valid(now time.Time) bool {
	return l != nil && now.Before(l.Expires)
}

// Lease returns a lease that is good for at least another minute, issuing
// a new one if needed. Concurrent callers share one issuance.
func (c *Client) Lease(ctx context.Context) (*Lease, error) {
	for {
		c.leaseMu.Lock()
		if c.lease.usable(c.now()) {
			l := c.lease
			c.leaseMu.Unlock()
			return l, nil
		}
		if wait := c.issuing; wait != nil {
			c.leaseMu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, &LeaseError{Err: &TransportError{Op: "issue lease", Err: ctx.Err(), Timeout: errors.Is(ctx.Err(), context.DeadlineExceeded)}}
			}
			c.leaseMu.Lock()
			err := c.issueErr
			l := c.lease
			c.leaseMu.Unlock()
			if err != nil {
				return nil, err
			}
			if l.usable(c.now()) {
				return l, nil
			}
			continue
		}
		done := make(chan struct{})
		c.issuing = done
		c.leaseMu.Unlock()

		l, err := c.issueLease(ctx)

		c.leaseMu.Lock()
		c.issuing = nil
		c.issueErr = err
		if err == nil {
			c.lease = l
		}
		c.leaseMu.Unlock()
		close(done)
		if err != nil {
			return nil, err
		}
		return l, nil
	}
}

// dropLease forgets l if it is still the current lease, so the next call
// issues a fresh one.
func (c *Client) dropLease(l *Lease) {
	c.leaseMu.Lock()
	if c.lease == l {
		c.lease = nil
	}
	c.leaseMu.Unlock()
}

// InvalidateLease forgets the current lease, e.g. after the gate was seen
// to restart.
func (c *Client) InvalidateLease() {
	c.leaseMu.Lock()
	c.lease = nil
	c.leaseMu.Unlock()
}

type leaseRequest struct {
	Scopes []string `json:"scopes"`
	JWK    JWK      `json:"dpop_jwk"`
	FSRoot string   `json:"fs_root,omitempty"`
}

type leaseResponse struct {
	LeaseJWT  string `json:"lease_jwt"`
	SessionID string `json:"session_id"`
	FSRoot    string `json:"fs_root"`
}

// LeaseBody returns the body of a lease request: only the fields the gate
// accepts (it rejects unknown ones), never a session id.
func LeaseBody(jwk JWK, fsRoot string) []byte {
	b, _ := json.Marshal(leaseRequest{Scopes: []string{"tools:call"}, JWK: jwk, FSRoot: fsRoot})
	return b
}

func (c *Client) issueLease(ctx context.Context) (*Lease, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.LeaseTimeout)
	defer cancel()
	c.leaseMu.Lock()
	fsRoot := c.cfg.FSRoot
	if c.noFSRoot {
		fsRoot = ""
	}
	c.leaseMu.Unlock()
	for {
		body := LeaseBody(c.key.JWK(), fsRoot)
		resp, err := c.do(ctx, "issue lease", http.MethodPost, "/v1/leases", body, nil, nil)
		if isStale(err) {
			resp, err = c.do(ctx, "issue lease", http.MethodPost, "/v1/leases", body, nil, nil)
		}
		if err != nil {
			return nil, &LeaseError{Err: err}
		}
		if resp.status >= 300 {
			gerr := newError("issue lease", resp.status, resp.header.Get, resp.body)
			if fsRoot != "" && (gerr.Code == "invalid_fs_root" || gerr.Code == "fs_root_denied") {
				c.log.Warn("gate refused fs_root; leasing without it", "fs_root", fsRoot, "code", gerr.Code, "message", gerr.Message)
				c.leaseMu.Lock()
				c.noFSRoot = true
				c.leaseMu.Unlock()
				fsRoot = ""
				continue
			}
			return nil, &LeaseError{Err: gerr}
		}
		var lr leaseResponse
		if err := json.Unmarshal(resp.body, &lr); err != nil || lr.LeaseJWT == "" {
			return nil, &LeaseError{Err: errors.New("issue lease: the gate's answer has no lease_jwt")}
		}
		received := c.now()
		l := &Lease{JWT: lr.LeaseJWT, SessionID: lr.SessionID, FSRoot: lr.FSRoot}
		claims, ok := DecodeLeaseClaims(lr.LeaseJWT)
		if ok && claims.Exp > 0 {
			l.Subject = claims.Sub
			if l.SessionID == "" {
				l.SessionID = claims.SessionID
			}
			exp := time.Unix(claims.Exp, 0)
			// Tolerate clock skew: trust the lease's lifetime, counted
			// from when we got it, if that ends sooner than exp by our clock.
			if claims.Iat > 0 && claims.Exp > claims.Iat {
				if local := received.Add(time.Duration(claims.Exp-claims.Iat) * time.Second); local.Before(exp) {
					exp = local
				}
			}
			l.Expires = exp
		} else {
			c.log.Warn("cannot read the lease expiry; assuming five minutes")
			l.Expires = received.Add(300 * time.Second)
		}
		l.setRenewal(received)
		c.log.Debug("lease issued", "session_id", l.SessionID, "expires", l.Expires.UTC().Format(time.RFC3339))
		return l, nil
	}
}

// LeaseClaims are the lease JWT claims the client reads, unverified: it
// only needs them to schedule renewal and to show who it is.
type LeaseClaims struct {
	Sub       string `json:"sub"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
	SessionID string `json:"session_id"`
}

// DecodeLeaseClaims reads the payload of a JWT without verifying it. ok
// is false when the token is not a JWT or its payload is not JSON.
func DecodeLeaseClaims(jwt string) (LeaseClaims, bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return LeaseClaims{}, false
	}
	raw, err := b64.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return LeaseClaims{}, false
	}
	var lc LeaseClaims
	if err := json.Unmarshal(raw, &lc); err != nil {
		return LeaseClaims{}, false
	}
	return lc, true
}

// LeaseExpiry returns the exp claim of a lease JWT, read unverified.
func LeaseExpiry(jwt string) (int64, bool) {
	lc, ok := DecodeLeaseClaims(jwt)
	if !ok || lc.Exp == 0 {
		return 0, false
	}
	return lc.Exp, true
}

// fsRootBlocklist is the gate's list of directories it never accepts as
// fs_root (spec §4.5).
var fsRootBlocklist = map[string]bool{
	"/": true, "/bin": true, "/boot": true, "/dev": true, "/etc": true, "/home": true,
	"/lib": true, "/lib64": true, "/media": true, "/mnt": true, "/opt": true, "/proc": true,
	"/root": true, "/run": true, "/sbin": true, "/snap": true, "/srv": true, "/sys": true,
	"/tmp": true, "/usr": true, "/var": true,
}

// DefaultFSRoot returns the fs_root to send for a process working in dir:
// dir itself when it is an absolute directory the gate could accept, ""
// otherwise. IDEs often start servers in "/", and sending that would make
// every lease fail.
func DefaultFSRoot(dir string) string {
	if dir == "" || !filepath.IsAbs(dir) {
		return ""
	}
	clean := filepath.Clean(dir)
	if real, err := filepath.EvalSymlinks(clean); err == nil {
		clean = real
	}
	if fsRootBlocklist[clean] {
		return ""
	}
	if fi, err := os.Stat(clean); err != nil || !fi.IsDir() {
		return ""
	}
	return dir
}

// CurrentLease returns the lease in use, or nil, without contacting the
// gate. It is for status displays.
func (c *Client) CurrentLease() *Lease {
	c.leaseMu.Lock()
	defer c.leaseMu.Unlock()
	return c.lease
}
