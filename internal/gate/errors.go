package gate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Error is an answer from the gate with a status of 400 or more. Code is
// the gate's own error code (the "error" field of its JSON body), empty
// when the gate answered with a bare status or a non-JSON body, which
// several of its handlers do.
type Error struct {
	// Op says what the client was doing, e.g. "execute http_fetch".
	Op     string
	Status int
	Code   string
	// Message, DenyReason, Remediation, Principal and ActionID are the
	// optional string fields the gate adds to some error bodies.
	Message     string
	DenyReason  string
	Remediation string
	Principal   string
	ActionID    string
	// RetryAfter is the Retry-After header of a 429, zero when absent.
	RetryAfter time.Duration
	// Body is the start of the raw body, for diagnostics. It never holds
	// anything the client sent.
	Body string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": gate answered ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.DenyReason != "":
		b.WriteString(": " + e.DenyReason)
	case e.Code == "" && e.Body != "":
		b.WriteString(": " + e.Body)
	}
	return b.String()
}

// maxErrorBody caps how much of a non-JSON error body an Error keeps.
const maxErrorBody = 300

func newError(op string, status int, header func(string) string, body []byte) *Error {
	e := &Error{Op: op, Status: status}
	var fields map[string]any
	if json.Unmarshal(body, &fields) == nil {
		str := func(k string) string {
			s, _ := fields[k].(string)
			return s
		}
		e.Code, e.Message, e.DenyReason = str("error"), str("message"), str("deny_reason")
		e.Remediation, e.Principal, e.ActionID = str("remediation"), str("principal"), str("action_id")
		if e.Message == "" {
			e.Message = str("detail")
		}
	} else {
		s := strings.TrimSpace(sanitize(string(body)))
		if len(s) > maxErrorBody {
			s = truncateUTF8(s, maxErrorBody)
		}
		e.Body = s
	}
	if ra := header("Retry-After"); ra != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

// IsAuthRejection reports whether the gate rejected the lease or proof
// before doing anything: the cases where a fresh lease and one retry are
// safe (spec §5.6) and useful (after a gate restart the issuer key changes).
func (e *Error) IsAuthRejection() bool {
	if e.Status != 401 {
		return false
	}
	switch e.Code {
	case "lease_expired", "invalid_lease", "replay_detected", "":
		return true
	}
	return false
}

// TransportError means the gate could not be reached or did not answer:
// nothing came back that the gate wrote. Hint tells the user what is most
// likely wrong (spec §2.3).
type TransportError struct {
	Op   string
	Err  error
	Hint string
	// Timeout is set when the request ran out of time after it was sent,
	// so the gate may have acted on it.
	Timeout bool
	// staleConn marks a failure on a reused keep-alive connection.
	staleConn bool
}

func (e *TransportError) Error() string {
	return e.Op + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// RedirectError is a redirect the gate (or something in front of it)
// answered with. The client never follows one: the gate's API has no
// redirects, and following one to another origin would hand that origin
// the DPoP proof, the session id and the tool's arguments. It is not a
// transport failure: something answered.
type RedirectError struct {
	Op     string
	Status int
	// Location is the redirect target, redacted (see [RedactURL]) and with
	// control characters replaced.
	Location string
	// OffOrigin is set when Location is on another scheme, host or port.
	OffOrigin bool
}

func (e *RedirectError) Error() string {
	if e.OffOrigin {
		return fmt.Sprintf("%s: refuse redirect (HTTP %d) to %s: latchgate-mcp never follows a redirect off the gate's origin, "+
			"which would carry the DPoP proof, the session id and the tool arguments there", e.Op, e.Status, e.Location)
	}
	return fmt.Sprintf("%s: refuse redirect (HTTP %d) to %s: the gate's API never redirects", e.Op, e.Status, e.Location)
}

// redirectHint is the hint of a *RedirectError.
const redirectHint = "point --gate-url at the gate itself, not at a proxy or load balancer that redirects"

// LeaseError means no lease could be obtained. It wraps the *Error or
// *TransportError that caused it, so callers can tell "gate down" from
// "gate refused the lease" with errors.As.
type LeaseError struct{ Err error }

func (e *LeaseError) Error() string { return "obtain lease: " + e.Err.Error() }
func (e *LeaseError) Unwrap() error { return e.Err }

func newTransportError(op, socket string, err error) *TransportError {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the method and URL are in Op already
	}
	te := &TransportError{Op: op, Err: err}
	switch {
	case socket != "" && len(socket) >= maxSocketPath:
		te.Hint = fmt.Sprintf("the socket path is %d bytes; Unix socket paths must be shorter than %d", len(socket), maxSocketPath)
	case isCertError(err):
		te.Hint = "the gate's TLS certificate is not trusted: name the CA that signed it with --tls-ca"
	case isTLSHandshakeRefused(err):
		te.Hint = "the gate refused the TLS handshake: it may require a client certificate (--tls-cert and --tls-key)"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		te.Timeout = true
		te.Hint = "the gate did not answer in time; it may be overloaded or stuck"
	case errors.Is(err, syscall.ENOENT) || errors.Is(err, os.ErrNotExist):
		te.Hint = "gate socket " + socket + " not found: is the gate running? start it with \"latchgate up\", or use --gate-url"
	case errors.Is(err, syscall.ECONNREFUSED):
		te.Hint = "nothing is listening: start the gate with \"latchgate up\""
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		te.Hint = "permission denied on the gate socket: it must be owned by (or group-accessible to) this user"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || strings.Contains(err.Error(), "EOF"):
		te.Hint = "the gate closed the connection; it may have restarted"
	}
	return te
}

// maxSocketPath is the smallest sun_path limit among the platforms we run
// on (104 bytes on macOS and the BSDs, 108 on Linux).
const maxSocketPath = 104

func isCertError(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var tv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &tv)
}

// isTLSHandshakeRefused reports a TLS alert from the gate, which is how a
// listener that requires a client certificate answers one without.
func isTLSHandshakeRefused(err error) bool {
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "remote error: tls:")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Hint returns the user-facing hint carried by err (a *TransportError,
// *URLError or *RedirectError, or an error wrapping one), or "".
func Hint(err error) string {
	var (
		te *TransportError
		ue *URLError
		re *RedirectError
	)
	switch {
	case errors.As(err, &te):
		return te.Hint
	case errors.As(err, &ue):
		return ue.Hint
	case errors.As(err, &re):
		return redirectHint
	}
	return ""
}

// IsTransport reports whether err means the gate was not reached.
func IsTransport(err error) bool {
	var te *TransportError
	return errors.As(err, &te)
}

// sanitize replaces control characters with spaces, as the gate does with
// deny reasons, so nothing the gate sends can drive a terminal.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return ' '
		}
		return r
	}, s)
}

// Sanitize replaces control characters (U+0000–U+001F, U+007F–U+009F)
// with spaces and cuts the result to at most max bytes without splitting
// a UTF-8 sequence: the gate's rule for reasons shown to people.
func Sanitize(s string, max int) string {
	return truncateUTF8(sanitize(s), max)
}

func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}
