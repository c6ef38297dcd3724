package operator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Error is an admin API answer with a status other than 200. Code is the
// gate's error code, "" when it answered with a bare status (the detail
// route does) or plain text. Every string in it came from the gate and
// is already cleaned for printing.
type Error struct {
	Op         string
	Status     int
	Code       string
	DenyReason string
	Message    string
	// Body is the start of a non-JSON body.
	Body       string
	RetryAfter time.Duration
}

// Conflict reports the gate's 409 on approve or deny: another operator
// has claimed the approval and is deciding it, or it was decided and
// only its durable outcome is left. It is not "gate unavailable" (G12).
func (e *Error) Conflict() bool { return e.Status == 409 }

// NotFound reports an unknown or expired approval (the gate does not
// say which).
func (e *Error) NotFound() bool { return e.Status == 404 }

// Unauthorized reports a rejected operator credential.
func (e *Error) Unauthorized() bool { return e.Status == 401 }

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Conflict():
		b.WriteString("another operator is deciding it right now, or it was decided and only its outcome is left (gate answered 409 conflict)")
		return b.String()
	case e.NotFound():
		b.WriteString("no such approval: unknown, or expired (approvals live 300 s) (gate answered 404")
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		b.WriteString(")")
		return b.String()
	}
	b.WriteString("gate answered ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
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

// Hint says what to do about the error, "" when nothing useful can be
// said. A 401 on list or detail cannot tell a wrong credential from a
// wrong public base URL, so it names both.
func (e *Error) Hint() string {
	switch {
	case e.Status == 401:
		switch e.Code {
		case "invalid_operator_token":
			return "the token matches no [operator_credentials] api_key in the gate's latchgate.toml"
		case "key_binding_failed":
			return "the operator key is not the one whose thumbprint the gate has as dpop_jkt for this token"
		case "invalid_dpop":
			if strings.Contains(e.DenyReason, "htu") {
				return "--public-base-url must equal public_base_url in the gate's latchgate.toml"
			}
			return "the gate rejected the proof; check the clock of this machine (the gate allows 60 s of age and 5 s of skew)"
		case "operator_auth_not_configured":
			return "the gate has no [operator_credentials]; create one with \"latchgate init\""
		}
		return "check the operator token and key against [operator_credentials] in the gate's latchgate.toml, and that --public-base-url equals its public_base_url"
	case e.Status == 429:
		return "the gate limits operator requests; try again in a moment"
	case e.Status == 503 && e.Code == "draining":
		return "the gate is shutting down and takes no new work; approve after it is back"
	}
	return ""
}

// maxErrorBody caps a kept non-JSON error body.
const maxErrorBody = 300

func newError(op string, r *response) *Error {
	e := &Error{Op: op, Status: r.status}
	var fields map[string]any
	if json.Unmarshal(r.body, &fields) == nil {
		str := func(k string) string {
			s, _ := fields[k].(string)
			return Clean(s, 500)
		}
		e.Code, e.DenyReason, e.Message = str("error"), str("deny_reason"), str("message")
		if e.Message == "" {
			e.Message = str("detail")
		}
	} else if len(r.body) > 0 {
		e.Body = Clean(strings.TrimSpace(string(r.body)), maxErrorBody)
	}
	if ra := r.header.Get("Retry-After"); ra != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

// TransportError means the admin API was not reached or did not answer.
type TransportError struct {
	Op   string
	Err  error
	Hint string
	// Timeout is set when the request ran out of time after it was sent:
	// for an approve the gate may be executing the action still.
	Timeout bool
}

func (e *TransportError) Error() string { return e.Op + ": " + e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

func newTransportError(op, socket string, err error, ctxDone bool) *TransportError {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	te := &TransportError{Op: op, Err: err}
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var cv *tls.CertificateVerificationError
	var alert tls.AlertError
	var ne net.Error
	switch {
	case errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &cv):
		te.Hint = "the admin listener's TLS certificate is not trusted: name the CA that signed it with --tls-ca"
	case errors.As(err, &alert) || strings.Contains(err.Error(), "remote error: tls:"):
		te.Hint = "the admin listener refused the TLS handshake: it may require a client certificate (--tls-cert and --tls-key)"
	case ctxDone || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		te.Timeout = true
		te.Hint = "the gate did not answer in time"
	case errors.Is(err, syscall.ENOENT) || errors.Is(err, os.ErrNotExist):
		te.Hint = "admin socket " + socket + " not found: is the gate running (\"latchgate up\")? or name it with --admin-socket"
	case errors.Is(err, syscall.ECONNREFUSED):
		te.Hint = "nothing is listening there: start the gate with \"latchgate up\""
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		te.Hint = "permission denied on the admin socket: the gate makes it 0600, so only the gate's user can approve"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || strings.Contains(err.Error(), "EOF"):
		te.Hint = "the gate closed the connection; it may have restarted"
	}
	return te
}

// Hint returns the hint carried by err (an *Error or a
// *TransportError), or "".
func Hint(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint()
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Hint
	}
	return ""
}
