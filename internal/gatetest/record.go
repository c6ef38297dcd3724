package gatetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// A Request is one request the gate received, recorded after it was
// answered (or dropped).
type Request struct {
	Seq      int       // 1-based arrival order
	Time     time.Time // gate clock at arrival
	Listener string    // "tcp" or "unix"; "admin-tcp", "admin-unix" or "admin-handler" on the admin router
	Method   string
	Host     string // the Host header; the gate ignores it for htu
	Path     string // the request path, without query
	RawQuery string
	Route    string      // the matched Route constant; "unknown" or "method not allowed" otherwise
	Header   http.Header // as received, including Authorization and DPoP
	Body     []byte
	// Proof is the decoded DPoP header, nil when absent or not three
	// segments; it is filled in whether or not the proof verified.
	Proof *ProofClaims
	// Lease is the verified lease, nil when the route needs no auth or
	// authentication failed.
	Lease *Lease
	// Operator is the name of the operator credential that authenticated
	// the request, "" when none did.
	Operator string
	// Status is the HTTP status sent; 0 when a fault dropped the connection.
	Status int
	// Error is the gate error code answered ("invalid_dpop", ...), also
	// for bare 401/404 responses where the client sees no body; "" on
	// success.
	Error string
	// Reason says why, e.g. "htu mismatch: expected ..., got ...".
	Reason string
	// Fault is the injected fault that applied, 0 if none.
	Fault FaultKind
	// Response is the body sent.
	Response []byte
}

// Requests returns a copy of every request recorded so far, in arrival
// order.
func (g *Gate) Requests() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Request, len(g.requests))
	copy(out, g.requests)
	return out
}

// RequestsFor returns the recorded requests for one route.
func (g *Gate) RequestsFor(route string) []Request {
	var out []Request
	for _, r := range g.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

// WaitRequests blocks until at least n requests for route (or for any
// route, with [RouteAny]) have been recorded, and returns them. It
// replaces sleeps in tests that wait for a client to reach the gate; it
// fails when ctx ends first.
func (g *Gate) WaitRequests(ctx context.Context, route string, n int) ([]Request, error) {
	for {
		g.mu.Lock()
		var got []Request
		for _, r := range g.requests {
			if route == RouteAny || r.Route == route {
				got = append(got, r)
			}
		}
		changed := g.recorded
		g.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, fmt.Errorf("wait for %d %s requests (have %d): %w", n, route, len(got), ctx.Err())
		}
	}
}

// ResetRequests forgets the recorded requests.
func (g *Gate) ResetRequests() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = nil
}

// recorder captures what a handler writes, for the request record.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	// code and reason are the gate's verdict, set by the handler even when
	// the wire response is bare.
	code, reason string
	lease        *Lease
	operator     string
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (Drop
// hijacks it).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON answers status with v as the body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, "application/json", bytes.TrimRight(buf.Bytes(), "\n"))
}

func writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	// An error means the client hung up: there is no one left to answer,
	// and the record already holds the verdict.
	_, _ = w.Write(body)
}

// writeError answers {"error":code} plus extra string fields, and notes
// the verdict for the record.
func writeError(w http.ResponseWriter, status int, code string, extra map[string]string) {
	body := map[string]string{"error": code}
	for k, v := range extra {
		body[k] = v
	}
	note(w, code, extra["deny_reason"])
	writeJSON(w, status, body)
}

// writeBare answers status with an empty body, as several gate handlers
// do, but still records the verdict.
func writeBare(w http.ResponseWriter, status int, code, reason string) {
	note(w, code, reason)
	w.WriteHeader(status)
}

func note(w http.ResponseWriter, code, reason string) {
	if rec, ok := w.(*recorder); ok {
		rec.code, rec.reason = code, reason
	}
}

func noteLease(w http.ResponseWriter, l *Lease) {
	if rec, ok := w.(*recorder); ok {
		rec.lease = l
	}
}

// maxBody is the gate's body limit, MAX_REQUEST_BODY_BYTES.
const maxBody = 1 << 20

func readBody(r *http.Request) ([]byte, bool) {
	if r.Body == nil {
		return nil, false
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	return b, len(b) > maxBody
}
