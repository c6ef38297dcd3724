package gatetest

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// opClient is the tests' operator client: it signs operator proofs with
// the tests' own code (helpers_test.go), token = the api_key.
type opClient struct {
	*testClient
	token string
}

// newOpClient talks to g's admin router: over TCP when it has an admin
// TCP listener, else over the admin socket.
func newOpClient(t testing.TB, g *Gate, token string, key *ecdsa.PrivateKey, now func() time.Time) *opClient {
	t.Helper()
	c := &testClient{t: t, htuBase: g.PublicBaseURL(), key: key, now: now}
	if c.now == nil {
		c.now = time.Now
	}
	if u := g.AdminURL(); u != "" {
		c.base = u
		c.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	} else {
		c.base = "http://localhost"
		c.hc = unixHTTPClient(g.AdminSocketPath())
	}
	t.Cleanup(c.hc.CloseIdleConnections)
	return &opClient{testClient: c, token: token}
}

// op sends an operator request with a fresh correct proof (htu without
// the query).
func (c *opClient) op(method, path string, body []byte) response {
	c.t.Helper()
	htuPath, _, _ := strings.Cut(path, "?")
	proof := c.proof(proofSpec{htm: method, htu: c.htuBase + htuPath, token: c.token})
	return c.mustSend(method, path, body, map[string]string{"Authorization": "DPoP " + c.token, "DPoP": proof})
}

// adminGate starts a gate with the fixtures, an admin TCP listener and
// one operator credential "ops"; it returns the gate, an agent client
// with a lease and an operator client.
func adminGate(t *testing.T, opts Options) (*Gate, *testClient, *opClient) {
	t.Helper()
	cred, keyPEM, err := NewOperatorCredential("ops")
	if err != nil {
		t.Fatal(err)
	}
	if opts.ManifestDir == "" && opts.Actions == nil {
		opts.ManifestDir = fixtures
	}
	opts.OperatorCredentials = map[string]OperatorCredential{"ops": cred}
	g := StartTCP(t, opts)
	if _, err := g.ListenAdminTCP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	agent := newClient(t, g, opts.Clock)
	agent.issueLease()
	return g, agent, newOpClient(t, g, cred.APIKey, parsePEMKey(t, keyPEM), opts.Clock)
}

func parsePEMKey(t testing.TB, data []byte) *ecdsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}

func held(t *testing.T, agent *testClient, g *Gate, action string, o Outcome, body string) string {
	t.Helper()
	o.Kind = Held
	g.Script(action, o)
	r := agent.execute(action, body)
	if r.status != 202 {
		t.Fatalf("execute %s = %d %s", action, r.status, r.body)
	}
	return r.json(t)["approval_id"].(string)
}

// TestOperatorVectors checks the two operator proofs of gate-vectors.json
// inside and outside their validity window, and their replay.
func TestOperatorVectors(t *testing.T) {
	v := loadVectors(t)
	for _, p := range v.Valid.Proofs {
		if p.Operator.JKT == "" {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			clock := newFakeClock(p.Window[0])
			token := strings.TrimPrefix(p.Authorization, "DPoP ")
			g := StartUnix(t, Options{Clock: clock.Now, OperatorCredentials: map[string]OperatorCredential{
				"dev": {APIKey: token, JKT: p.Operator.JKT}}})
			dir, err := os.MkdirTemp("", "lg")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := os.RemoveAll(dir); err != nil {
					t.Error(err)
				}
			})
			if err := g.ListenAdminUnix(filepath.Join(dir, "admin.sock")); err != nil {
				t.Fatal(err)
			}
			c := newOpClient(t, g, token, vectorKey(t, v, "rfc7517_a2"), clock.Now)
			path := strings.TrimPrefix(p.HTU, "http://localhost:3000")
			if strings.HasSuffix(p.HTU, "/v1/approvals") {
				path += "?status=pending" // the request line of the vector; htu has no query
			}
			send := func() response {
				return c.mustSend(p.HTM, path, nil, map[string]string{"Authorization": p.Authorization, "DPoP": p.Proof})
			}
			// The window's last second: still valid.
			clock.Advance(time.Duration(p.Window[1]-p.Window[0]) * time.Second)
			r := send()
			if strings.HasSuffix(path, "/approve") {
				// Authenticated: the approval is unknown.
				wantError(t, r, 404, "action_not_found")
			} else if r.status != 200 || r.json(t)["count"] != float64(0) {
				t.Fatalf("list = %d %s", r.status, r.body)
			}
			if last := g.Requests()[len(g.Requests())-1]; last.Operator != "dev" || last.Proof.HTU != p.HTU {
				t.Errorf("record: operator %q, htu %q", last.Operator, last.Proof.HTU)
			}
			// The same proof again is a replay (approve names it; list
			// answers "unauthorized" whatever the cause).
			r = send()
			if strings.HasSuffix(path, "/approve") {
				wantError(t, r, 401, CodeReplayDetected)
			} else {
				wantError(t, r, 401, CodeUnauthorized)
			}
			if last := g.Requests()[len(g.Requests())-1]; last.Error != CodeReplayDetected {
				t.Errorf("recorded verdict %q, want replay_detected", last.Error)
			}
			// A gate whose clock is one second later finds it too old.
			clock2 := newFakeClock(p.Window[1] + 1)
			g2 := StartTCP(t, Options{Clock: clock2.Now, PublicBaseURL: "http://localhost:3000", OperatorCredentials: map[string]OperatorCredential{
				"dev": {APIKey: token, JKT: p.Operator.JKT}}})
			if _, err := g2.ListenAdminTCP("127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			c2 := newOpClient(t, g2, token, vectorKey(t, v, "rfc7517_a2"), clock2.Now)
			c2.mustSend(p.HTM, path, nil, map[string]string{"Authorization": p.Authorization, "DPoP": p.Proof})
			if last := g2.Requests()[0]; last.Error != CodeInvalidDPoP || !strings.Contains(last.Reason, "iat too old") {
				t.Errorf("outside window: %s %s", last.Error, last.Reason)
			}
		})
	}
}

// TestOperatorAuthFailures derives invalid operator requests and checks
// the gate's order and its three ways of reporting them.
func TestOperatorAuthFailures(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	id := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	other := newKey(t)
	ath := func(s string) *string { return &s }
	cases := []struct {
		name   string
		header func(method, path string) map[string]string
		code   string // the recorded verdict
	}{
		{"no_authorization", func(m, p string) map[string]string {
			return map[string]string{"DPoP": op.proof(proofSpec{htm: m, htu: op.htuBase + p, token: op.token})}
		}, CodeMissingAuthHeader},
		{"bearer_scheme", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + op.token, "DPoP": op.proof(proofSpec{htm: m, htu: op.htuBase + p, token: op.token})}
		}, CodeInvalidAuthScheme},
		{"no_dpop", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "DPoP " + op.token}
		}, CodeMissingDPoPHeader},
		{"wrong_token", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "DPoP key-ops-00000000000000000000000000000000",
				"DPoP": op.proof(proofSpec{htm: m, htu: op.htuBase + p, token: "key-ops-00000000000000000000000000000000"})}
		}, CodeInvalidOperatorToken},
		{"agent_lease_as_token", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "DPoP " + agent.lease,
				"DPoP": agent.proof(proofSpec{htm: m, htu: op.htuBase + p, token: agent.lease})}
		}, CodeInvalidOperatorToken},
		{"wrong_key", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "DPoP " + op.token,
				"DPoP": op.proof(proofSpec{htm: m, htu: op.htuBase + p, token: op.token, jwkKey: other, signKey: other})}
		}, CodeKeyBindingFailed},
		{"wrong_ath", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "DPoP " + op.token,
				"DPoP": op.proof(proofSpec{htm: m, htu: op.htuBase + p, token: op.token, ath: ath("fu54ZZq1DU3YIPQkJwnRiICcoCSVBu34PXACKXPV4so")})}
		}, CodeInvalidDPoP},
		{"wrong_path_in_htu", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "DPoP " + op.token,
				"DPoP": op.proof(proofSpec{htm: m, htu: op.htuBase + "/v1/approvals/x", token: op.token})}
		}, CodeInvalidDPoP},
		{"wrong_method", func(m, p string) map[string]string {
			return map[string]string{"Authorization": "DPoP " + op.token,
				"DPoP": op.proof(proofSpec{htm: "PUT", htu: op.htuBase + p, token: op.token})}
		}, CodeInvalidDPoP},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// approve names the cause, with deny_reason where the gate
			// gives one.
			p := "/v1/approvals/" + id + "/approve"
			m := wantError(t, op.mustSend("POST", p, nil, tc.header("POST", p)), 401, tc.code)
			switch tc.code {
			case CodeKeyBindingFailed:
				if m["deny_reason"] != keyBindingReason {
					t.Errorf("deny_reason = %v", m["deny_reason"])
				}
			case CodeInvalidDPoP:
				if m["deny_reason"] == nil {
					t.Errorf("no deny_reason: %v", m)
				}
			}
			// list says only "unauthorized"; get is bare.
			wantError(t, op.mustSend("GET", "/v1/approvals", nil, tc.header("GET", "/v1/approvals")), 401, CodeUnauthorized)
			if last := g.Requests()[len(g.Requests())-1]; last.Error != tc.code {
				t.Errorf("list recorded %q, want %q", last.Error, tc.code)
			}
			wantBare(t, op.mustSend("GET", "/v1/approvals/"+id, nil, tc.header("GET", "/v1/approvals/"+id)), 401)
		})
	}
	if ap := g.Approvals()[0]; ap.State != StatePending {
		t.Errorf("a rejected request changed the approval: %+v", ap)
	}

	t.Run("not_configured", func(t *testing.T) {
		g := StartTCP(t, Options{ManifestDir: fixtures})
		if _, err := g.ListenAdminTCP("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		c := newOpClient(t, g, "anything", newKey(t), nil)
		wantError(t, c.op("GET", "/v1/approvals", nil), 401, "operator_auth_not_configured")
		wantError(t, c.op("POST", "/v1/approvals/"+id+"/approve", nil), 500, "internal_error")
	})
}

func TestAdminRoutesOnlyOnAdminRouter(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	// Client router: no admin routes.
	wantBare(t, agent.mustSend("GET", "/v1/approvals", nil, nil), 404)
	wantBare(t, agent.mustSend("POST", "/v1/admin/policy/allowlist", []byte(`{}`), nil), 404)
	// Admin router: client routes too (an agent can execute there).
	agentOnAdmin := &testClient{t: t, base: g.AdminURL(), htuBase: agent.htuBase, hc: agent.hc, key: agent.key, lease: agent.lease, now: agent.now}
	if r := agentOnAdmin.execute("http_fetch", `{"url":"https://httpbin.org/get"}`); r.status != 200 {
		t.Fatalf("execute on the admin router = %d %s", r.status, r.body)
	}
	// Receipts there need operator auth, not a lease.
	rid := g.Receipts()[0]
	wantError(t, agentOnAdmin.authed("GET", "/v1/receipts/"+rid, nil), 401, CodeUnauthorized)
	if r := op.op("GET", "/v1/receipts/"+rid, nil); r.status != 200 {
		t.Errorf("operator receipt = %d %s", r.status, r.body)
	}
	// DELETE on a GET-only route is a bare 405.
	wantBare(t, op.mustSend("DELETE", "/v1/approvals", nil, nil), 405)
	for _, r := range g.Requests() {
		if r.Route == RouteExecute && r.Listener != kindAdminTCP && r.Listener != "tcp" {
			t.Errorf("listener %q", r.Listener)
		}
	}
}

func TestAdminUnixSocketMode(t *testing.T) {
	g := StartUnix(t, Options{ManifestDir: fixtures})
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	sock := filepath.Join(dir, "run", "gate-admin.sock")
	if err := g.ListenAdminUnix(sock); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{filepath.Dir(sock): 0o700, sock: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %o, want %o", path, fi.Mode().Perm(), want)
		}
	}
	// Stop and Start bring the admin socket back too; Close removes it.
	if err := g.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	c := newOpClient(t, g, "x", newKey(t), nil)
	wantError(t, c.op("GET", "/v1/approvals", nil), 401, "operator_auth_not_configured")
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("admin socket left behind: %v", err)
	}
}

func TestListAndGetApprovals(t *testing.T) {
	clock := newFakeClock(1800000000)
	g, agent, op := adminGate(t, Options{Clock: clock.Now, LeaseTTL: time.Hour})
	first := held(t, agent, g, "gmail_send", Outcome{UnresolvedDomains: []string{"evil.example"}, UnresolvedPaths: []string{"/etc/x"}},
		`{"raw":"bWFpbA"}`)
	clock.Advance(time.Second)
	second := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)

	r := op.op("GET", "/v1/approvals?status=pending&agent_id=ignored", nil)
	if r.status != 200 {
		t.Fatalf("list = %d %s", r.status, r.body)
	}
	var list struct {
		Approvals []map[string]any `json:"approvals"`
		Count     int              `json:"count"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Count != 2 || list.Approvals[0]["approval_id"] != second || list.Approvals[1]["approval_id"] != first {
		t.Fatalf("list (newest first) = %s", r.body)
	}
	a := list.Approvals[1]
	for k, want := range map[string]any{"status": "pending", "action_id": "gmail_send", "risk_level": "high",
		"principal": "dev:anonymous", "action_version": "1.2.0", "created_at": "2027-01-15T08:00:00Z", "expires_at": "2027-01-15T08:05:00Z"} {
		if a[k] != want {
			t.Errorf("list item %s = %v, want %v", k, a[k], want)
		}
	}
	if _, ok := a["claimed_by"]; ok {
		t.Errorf("claimed_by on a pending approval: %v", a)
	}
	if r := op.op("GET", "/v1/approvals?limit=1", nil); !strings.Contains(string(r.body), `"count":1`) {
		t.Errorf("limit=1: %s", r.body)
	}
	for _, q := range []string{"status=expired", "limit=-1", "limit=x"} {
		if r := op.op("GET", "/v1/approvals?"+q, nil); r.status != 400 || json.Valid(r.body) {
			t.Errorf("%s = %d %q, want a plain-text 400", q, r.status, r.body)
		}
	}
	if r := op.op("GET", "/v1/approvals?status=approved", nil); !strings.Contains(string(r.body), `"count":0`) {
		t.Errorf("status=approved: %s", r.body)
	}

	d := op.op("GET", "/v1/approvals/"+first, nil).json(t)
	want := map[string]any{
		"approval_id": first, "status": "pending", "action_id": "gmail_send", "risk_level": "high",
		"unresolved_domains": []any{"evil.example"}, "unresolved_paths": []any{"/etc/x"},
		"approved_egress": []any{"gmail.googleapis.com"}, "expires_at": "2027-01-15T08:05:00Z",
	}
	for k, w := range want {
		if diff := cmp.Diff(w, d[k]); diff != "" {
			t.Errorf("detail %s (-want +got):\n%s", k, diff)
		}
	}
	if d := op.op("GET", "/v1/approvals/"+second, nil).json(t); cmp.Diff([]any{"https://httpbin.org/get"}, d["approved_targets"]) != "" {
		t.Errorf("targets derived from url: %v", d["approved_targets"])
	}
	wantBare(t, op.op("GET", "/v1/approvals/019a0000-0000-7000-8000-000000000000", nil), 404)
}

func TestApproveFlow(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	id := held(t, agent, g, "gmail_send", Outcome{Output: json.RawMessage(`{"sent":true}`), UnresolvedDomains: []string{"mail.example"}},
		`{"raw":"bWFpbA"}`)
	r := op.op("POST", "/v1/approvals/"+id+"/approve", nil)
	if r.status != 200 {
		t.Fatalf("approve = %d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["decision"] != "executed" || m["learned_domain"] != "mail.example" {
		t.Errorf("approve body = %s", r.body)
	}
	prov := m["approval"].(map[string]any)
	if prov["approved_by"] != "ops" || prov["approval_id"] != id || prov["operator_authn_method"] != "operator_dpop" || prov["operator_sender_binding"] == "gatetest" {
		t.Errorf("approval provenance = %v", prov)
	}
	if diff := cmp.Diff(map[string]any{"sent": true}, m["output"]); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if got := g.Learned(); len(got) != 1 || got[0].Domain != "mail.example" || got[0].ApprovalID != id {
		t.Errorf("Learned = %+v", got)
	}
	// The agent's poll sees it, with the receipt of this execution.
	p := agent.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t)
	if p["status"] != "approved" || p["receipt_id"] != m["receipt_id"] {
		t.Errorf("poll = %v", p)
	}
	// Deciding again: 200 already_approved, both ways.
	for _, verb := range []string{"approve", "deny"} {
		a := op.op("POST", "/v1/approvals/"+id+"/"+verb, nil).json(t)
		if a["decision"] != "already_approved" || a["receipt_id"] != m["receipt_id"] {
			t.Errorf("%s again = %v", verb, a)
		}
	}
	if d := op.op("GET", "/v1/approvals/"+id, nil).json(t); d["claimed_by"] != "ops" || d["status"] != "approved" || d["completed_at"] == nil {
		t.Errorf("detail after = %v", d)
	}
	wantError(t, op.op("POST", "/v1/approvals/019a0000-0000-7000-8000-000000000000/approve", nil), 404, "action_not_found")

	t.Run("learn_choice", func(t *testing.T) {
		id := held(t, agent, g, "http_fetch", Outcome{UnresolvedDomains: []string{"a.example"}, UnresolvedPaths: []string{"/srv/a"}}, `{"url":"https://a.example/"}`)
		for _, q := range []string{"learn_domain=Bad_Domain!", "learn_domain=", "learn_path=relative/x"} {
			wantError(t, op.op("POST", "/v1/approvals/"+id+"/approve?"+q, nil), 400, "bad_request")
		}
		m := op.op("POST", "/v1/approvals/"+id+"/approve?learn_domain=b.example&learn_path=/srv/b/*", nil).json(t)
		if m["learned_domain"] != "b.example" || m["learned_path"] != "/srv/b/*" {
			t.Errorf("learned = %v, %v", m["learned_domain"], m["learned_path"])
		}
		// The query is not part of htu.
		last := g.RequestsFor(RouteApprove)
		if htu := last[len(last)-1].Proof.HTU; strings.Contains(htu, "?") {
			t.Errorf("htu %q", htu)
		}
	})
	t.Run("failed_execution", func(t *testing.T) {
		id := held(t, agent, g, "http_fetch", Outcome{ErrorCode: "action_execution_failed"}, `{"url":"https://httpbin.org/get"}`)
		wantError(t, op.op("POST", "/v1/approvals/"+id+"/approve", nil), 502, "action_execution_failed")
		if p := agent.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t); p["status"] != "failed" {
			t.Errorf("poll = %v", p)
		}
		if a := op.op("POST", "/v1/approvals/"+id+"/approve", nil).json(t); a["decision"] != "already_failed" {
			t.Errorf("again = %v", a)
		}
	})
}

func TestApproveConcurrentIsConflict(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	id := held(t, agent, g, "http_fetch", Outcome{Delay: 300 * time.Millisecond}, `{"url":"https://httpbin.org/get"}`)
	var wg sync.WaitGroup
	var first response
	wg.Add(1)
	go func() {
		defer wg.Done()
		first = op.op("POST", "/v1/approvals/"+id+"/approve", nil)
	}()
	waitFor(t, "claim", func() bool { return g.Approvals()[0].State == StateClaimed })
	if p := agent.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t); p["status"] != "pending" || p["retry_after_seconds"] != float64(1) {
		t.Errorf("poll while claimed = %v", p)
	}
	if l := op.op("GET", "/v1/approvals?status=claimed", nil).json(t); l["count"] != float64(1) {
		t.Errorf("list claimed = %v", l)
	}
	wantError(t, op.op("POST", "/v1/approvals/"+id+"/approve", nil), 409, "conflict")
	wantError(t, op.op("POST", "/v1/approvals/"+id+"/deny", nil), 409, "conflict")
	wg.Wait()
	if first.status != 200 {
		t.Errorf("first approve = %d %s", first.status, first.body)
	}
}

func TestDenyFlow(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	id := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	r := op.op("POST", "/v1/approvals/"+id+"/deny", []byte(`{"reason":"not\u001b[31m today"}`))
	m := r.json(t)
	want := map[string]any{"decision": "deny", "action_id": "http_fetch", "approval_id": id, "denied_by": "ops",
		"deny_reason": "not [31m today", "trace_id": g.Approvals()[0].TraceID}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("deny (-want +got):\n%s", diff)
	}
	if p := agent.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t); p["status"] != "denied" || p["reason"] != "not [31m today" {
		t.Errorf("poll = %v", p)
	}
	// No body: the default reason.
	id2 := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	if m := op.op("POST", "/v1/approvals/"+id2+"/deny", nil).json(t); m["deny_reason"] != "operator_denied" {
		t.Errorf("deny without body = %v", m)
	}
	// Not JSON: a plain-text 400.
	id3 := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	if r := op.op("POST", "/v1/approvals/"+id3+"/deny", []byte(`{`)); r.status != 400 || json.Valid(r.body) {
		t.Errorf("bad body = %d %s", r.status, r.body)
	}
	// Every request carried Content-Type only with a body.
	for _, rec := range g.RequestsFor(RouteDeny) {
		if (len(rec.Body) > 0) != (rec.Header.Get("Content-Type") != "") {
			t.Errorf("deny body %q with Content-Type %q", rec.Body, rec.Header.Get("Content-Type"))
		}
	}
}

func TestDurableOutcome(t *testing.T) {
	clock := newFakeClock(1800000000)
	g, agent, op := adminGate(t, Options{Clock: clock.Now, LeaseTTL: time.Hour})
	decided := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	pending := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	op.op("POST", "/v1/approvals/"+decided+"/deny", []byte(`{"reason":"no"}`))
	clock.Advance(301 * time.Second)
	d := op.op("GET", "/v1/approvals/"+decided, nil).json(t)
	if d["source"] != "durable_outcome" || d["status"] != "denied" || d["deny_reason"] != "no" {
		t.Errorf("durable detail = %v", d)
	}
	wantError(t, op.op("POST", "/v1/approvals/"+decided+"/approve", nil), 409, "conflict")
	// An expired undecided one is simply gone.
	wantBare(t, op.op("GET", "/v1/approvals/"+pending, nil), 404)
	wantError(t, op.op("POST", "/v1/approvals/"+pending+"/approve", nil), 404, "action_not_found")
	if l := op.op("GET", "/v1/approvals", nil).json(t); l["count"] != float64(0) {
		t.Errorf("list after expiry = %v", l)
	}
}

func TestDrainingAndThrottling(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	id := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	g.SetDraining(true)
	wantError(t, op.op("POST", "/v1/approvals/"+id+"/approve", nil), 503, "draining")
	wantError(t, agent.execute("http_fetch", `{"url":"https://httpbin.org/get"}`), 503, "draining")
	g.SetDraining(false)
	g.ThrottleOperatorWrites(1)
	r := op.op("POST", "/v1/approvals/"+id+"/approve", nil)
	wantError(t, r, 429, "operator_throttled")
	if r.header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	if r := op.op("POST", "/v1/approvals/"+id+"/approve", nil); r.status != 200 {
		t.Errorf("after the throttle = %d %s", r.status, r.body)
	}
}

func TestAllowlist(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	body := func(action, agent string) []byte {
		b, _ := json.Marshal(map[string]string{"action_id": action, "agent_id": agent})
		return b
	}
	// gmail_send is high risk: held, until the principal is allowlisted.
	if r := agent.execute("gmail_send", `{"raw":"bWFpbA"}`); r.status != 202 {
		t.Fatalf("before = %d", r.status)
	}
	r := op.op("POST", "/v1/admin/policy/allowlist", body("gmail_send", "dev:anonymous"))
	if diff := cmp.Diff(map[string]any{"ok": true, "action_id": "gmail_send", "agent_id": "dev:anonymous"}, r.json(t)); diff != "" {
		t.Errorf("allowlist (-want +got):\n%s", diff)
	}
	if r := agent.execute("gmail_send", `{"raw":"bWFpbA"}`); r.status != 200 {
		t.Errorf("allowlisted = %d %s", r.status, r.body)
	}
	// A denial still applies.
	g.Script("gmail_send", Outcome{Kind: Denied})
	wantError(t, agent.execute("gmail_send", `{"raw":"bWFpbA"}`), 403, "policy_denied")
	op.op("DELETE", "/v1/admin/policy/allowlist", body("gmail_send", "dev:anonymous"))
	if r := agent.execute("gmail_send", `{"raw":"bWFpbA"}`); r.status != 202 {
		t.Errorf("after removal = %d", r.status)
	}
	wantError(t, op.op("POST", "/v1/admin/policy/allowlist", body("gmail_send", "foo bar")), 400, "invalid_input")
	wantError(t, op.op("POST", "/v1/admin/policy/allowlist", body("gmail.send", "uid:1000")), 400, "invalid_input")
	m := wantError(t, op.op("POST", "/v1/admin/policy/allowlist", body("nope", "uid:1000")), 404, "action_not_found")
	if m["action_id"] != "nope" {
		t.Errorf("404 body = %v", m)
	}
	if r := op.op("POST", "/v1/admin/policy/allowlist", []byte(`{"action_id":"gmail_send"}`)); r.status != 422 {
		t.Errorf("missing agent_id = %d", r.status)
	}
}

func TestHoldUnknownDomains(t *testing.T) {
	_, agent, op := adminGate(t, Options{HoldUnknownDomains: true})
	// Allowed (exact and wildcard): executes.
	for _, u := range []string{"https://httpbin.org/get", "https://en.wikipedia.org/wiki/Go"} {
		if r := agent.execute("http_fetch", `{"url":"`+u+`"}`); r.status != 200 {
			t.Fatalf("%s = %d %s", u, r.status, r.body)
		}
	}
	r := agent.execute("http_fetch", `{"url":"https://Example.org/a"}`)
	if r.status != 202 {
		t.Fatalf("unknown domain = %d %s", r.status, r.body)
	}
	id := r.json(t)["approval_id"].(string)
	if d := op.op("GET", "/v1/approvals/"+id, nil).json(t); cmp.Diff([]any{"example.org"}, d["unresolved_domains"]) != "" {
		t.Errorf("unresolved_domains = %v", d["unresolved_domains"])
	}
	if m := op.op("POST", "/v1/approvals/"+id+"/approve", nil).json(t); m["learned_domain"] != "example.org" {
		t.Errorf("approve = %v", m)
	}
	// Learned: the next call there executes.
	if r := agent.execute("http_fetch", `{"url":"https://example.org/b"}`); r.status != 200 {
		t.Errorf("after learning = %d %s", r.status, r.body)
	}
}

func TestAuditEvents(t *testing.T) {
	g, agent, op := adminGate(t, Options{})
	agent.execute("http_fetch", `{"url":"https://httpbin.org/get"}`)
	id := held(t, agent, g, "http_fetch", Outcome{}, `{"url":"https://httpbin.org/get"}`)
	op.op("POST", "/v1/approvals/"+id+"/deny", []byte(`{"reason":"no"}`))
	var all struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(op.op("GET", "/v1/audit/events", nil).body, &all); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range all.Events {
		types = append(types, e["event_type"].(string))
	}
	if diff := cmp.Diff([]string{"approval_denied", "approval_required", "action_executed"}, types); diff != "" {
		t.Errorf("events, newest first (-want +got):\n%s", diff)
	}
	if all.Events[0]["prev_hash"] == "" || all.Events[2]["prev_hash"] != "" {
		t.Errorf("hash chain: %v", all.Events)
	}
	trace := g.Approvals()[0].TraceID
	var byTrace struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(op.op("GET", "/v1/audit/events?trace_id="+trace, nil).body, &byTrace); err != nil {
		t.Fatal(err)
	}
	if len(byTrace.Events) != 2 || byTrace.Events[0]["operator"] != "ops" || byTrace.Events[0]["approval_id"] != id {
		t.Errorf("by trace = %v", byTrace.Events)
	}
	if r := op.op("GET", "/v1/audit/events?limit=0", nil); strings.Count(string(r.body), "event_type") != 1 {
		t.Errorf("limit=0 clamps to 1: %s", r.body)
	}
	if r := op.op("GET", "/v1/audit/events?limit=many", nil); r.status != 400 {
		t.Errorf("bad limit = %d", r.status)
	}
}

func TestOperatorCredentialFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ops")
	cred, err := WriteOperatorCredential(dir, "default")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cred.APIKey, "key-default-") || len(cred.APIKey) != len("key-default-")+32 {
		t.Errorf("api_key %q", cred.APIKey)
	}
	for _, f := range []string{OperatorKeyFile, OperatorTokenFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi.Mode(), err)
		}
	}
	back, err := LoadOperatorCredential(dir)
	if err != nil || back != cred {
		t.Errorf("load = %+v, %v; want %+v", back, err, cred)
	}
	if _, err := WriteOperatorCredential(dir, "default"); err == nil {
		t.Error("a second write replaced the files")
	}
	if _, _, err := NewOperatorCredential("bad name"); err == nil {
		t.Error("bad name accepted")
	}
}
