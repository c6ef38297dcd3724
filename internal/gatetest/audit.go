package gatetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// auditEvent is one entry of the gate's audit ledger, as far as the test
// gate keeps one: decisions on execute requests and on approvals. The
// event type names are the test gate's own; the fields are the flattened
// ones GET /v1/audit/events returns.
type auditEvent struct {
	TraceID    string `json:"trace_id"`
	Timestamp  string `json:"timestamp"`
	Type       string `json:"event_type"`
	ActionID   string `json:"action_id,omitempty"`
	Principal  string `json:"principal,omitempty"`
	SessionID  string `json:"session_id,omitempty"`
	Decision   string `json:"decision,omitempty"`
	ApprovalID string `json:"approval_id,omitempty"`
	ReceiptID  string `json:"receipt_id,omitempty"`
	Operator   string `json:"operator,omitempty"`
	Reason     string `json:"deny_reason,omitempty"`
	PrevHash   string `json:"prev_hash"`
}

type auditRecord struct {
	at   time.Time
	ev   auditEvent
	hash string
}

// audit appends an event to the ledger, chained to the previous one by
// prev_hash.
func (g *Gate) audit(ev auditEvent) {
	now := g.now()
	ev.Timestamp = now.UTC().Format("2006-01-02T15:04:05.000Z")
	g.mu.Lock()
	defer g.mu.Unlock()
	if n := len(g.admin.audit); n > 0 {
		ev.PrevHash = g.admin.audit[n-1].hash
	}
	b, _ := json.Marshal(ev)
	sum := sha256.Sum256(b)
	g.admin.audit = append(g.admin.audit, auditRecord{at: now, ev: ev, hash: hex.EncodeToString(sum[:])})
}

// handleAuditEvents is GET /v1/audit/events: newest first, filtered by
// the query, limit 100 by default and clamped to 1..1000.
func (g *Gate) handleAuditEvents(w http.ResponseWriter, r *http.Request) {
	if g.operatorAuth(w, r, "/v1/audit/events", styleUnauthorized) == nil {
		return
	}
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			badQuery(w, "Failed to deserialize query string: limit: invalid digit found in string")
			return
		}
		limit = min(max(n, 1), 1000)
	}
	var after, before time.Time
	for _, tb := range []struct {
		key string
		dst *time.Time
	}{{"after", &after}, {"before", &before}} {
		if s := q.Get(tb.key); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				badQuery(w, "Failed to deserialize query string: "+tb.key+": input contains invalid characters")
				return
			}
			*tb.dst = t
		}
	}
	match := func(ev auditEvent) bool {
		for key, val := range map[string]string{
			"trace_id": ev.TraceID, "event_type": ev.Type, "action_id": ev.ActionID,
			"principal": ev.Principal, "session_id": ev.SessionID, "decision": ev.Decision,
		} {
			if want := q.Get(key); want != "" && want != val {
				return false
			}
		}
		return true
	}
	g.mu.Lock()
	events := []auditEvent{}
	for i := len(g.admin.audit) - 1; i >= 0 && len(events) < limit; i-- {
		rec := g.admin.audit[i]
		if (!after.IsZero() && !rec.at.After(after)) || (!before.IsZero() && !rec.at.Before(before)) || !match(rec.ev) {
			continue
		}
		events = append(events, rec.ev)
	}
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}

// badQuery answers a query the gate's extractor rejects: 400, plain text.
func badQuery(w http.ResponseWriter, msg string) {
	note(w, "bad_query", msg)
	writeRaw(w, http.StatusBadRequest, "text/plain; charset=utf-8", []byte(msg))
}
