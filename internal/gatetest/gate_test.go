package gatetest

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const fixtures = "testdata/manifests"

func TestExecuteWithVectorProof(t *testing.T) {
	v := loadVectors(t)
	p := v.Valid.Proofs[0]
	clock := newFakeClock(1900000010)
	g := StartTCP(t, Options{
		PublicBaseURL: "http://localhost:3000",
		ManifestDir:   fixtures,
		IssuerKey:     vectorKey(t, v, "derived_issuer"),
		Clock:         clock.Now,
	})
	if g.KeyID() != v.Lease.Header.Kid {
		t.Fatalf("kid = %s, want %s", g.KeyID(), v.Lease.Header.Kid)
	}
	c := newClient(t, g, clock.Now)
	hdr := map[string]string{"Authorization": p.Authorization, "DPoP": p.Proof}
	body := []byte(`{"url":"https://httpbin.org/get"}`)
	r := c.mustSend("POST", "/v1/actions/http_fetch/execute", body, hdr)
	if r.status != 200 {
		t.Fatalf("execute = %d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["decision"] != "executed" || m["action_id"] != "http_fetch" {
		t.Errorf("response = %s", r.body)
	}
	// The same proof again is a replay, whatever else is right.
	wantError(t, c.mustSend("POST", "/v1/actions/http_fetch/execute", body, hdr), 401, CodeReplayDetected)

	// The invalid vectors over HTTP give invalid_dpop with the reason in
	// deny_reason. wrong_key_binding needs a different cnf.jkt and
	// wrong_ath a different lease, which the vector's lease cannot give.
	for _, ic := range v.Invalid.Cases {
		if ic.Name == "wrong_key_binding" || ic.Name == "wrong_ath" || ic.Name == "wrong_htu" || ic.Name == "wrong_method" {
			continue
		}
		t.Run(ic.Name, func(t *testing.T) {
			clock.mu.Lock()
			clock.t = time.Unix(ic.Now, 0)
			clock.mu.Unlock()
			r := c.mustSend("POST", "/v1/actions/http_fetch/execute", body, map[string]string{"Authorization": ic.Authorization, "DPoP": ic.Proof})
			m := wantError(t, r, 401, CodeInvalidDPoP)
			if m["deny_reason"] == "" {
				t.Errorf("no deny_reason: %s", r.body)
			}
		})
	}
}

func TestLeaseIssuance(t *testing.T) {
	clock := newFakeClock(1800000000)
	g := StartTCP(t, Options{ManifestDir: fixtures, Clock: clock.Now, LeaseTTL: 120 * time.Second})
	c := newClient(t, g, clock.Now)
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	r := c.mustSend("POST", "/v1/leases", c.leaseBody(fmt.Sprintf(`,"fs_root":%q,"budgets":{"max_calls":5,"other":1}`, dir)), nil)
	if r.status != 200 {
		t.Fatalf("lease = %d %s", r.status, r.body)
	}
	resp := r.json(t)
	if resp["expires_at"] != time.Unix(1800000120, 0).UTC().Format(time.RFC3339) || resp["fs_root"] != dir {
		t.Errorf("response = %s", r.body)
	}
	jwt := resp["lease_jwt"].(string)
	claims := jwtClaims(t, jwt)
	want := map[string]any{
		"iss": "latchgate", "sub": "dev:anonymous", "aud": "latchgate",
		"exp": float64(1800000120), "nbf": float64(1800000000), "iat": float64(1800000000),
		"jti": resp["lease_jti"], "session_id": resp["session_id"], "scope": []any{"tools:call"},
		"budgets": map[string]any{"max_calls": float64(5)},
		"cnf":     map[string]any{"jkt": jkt(&c.key.PublicKey)},
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
	// The lease verifies against the JWKS, checked with the test's own code.
	jwks := c.mustSend("GET", "/.well-known/jwks.json", nil, nil).json(t)
	key := jwks["keys"].([]any)[0].(map[string]any)
	parts := strings.Split(jwt, ".")
	var hdr map[string]string
	hb, _ := enc.DecodeString(parts[0])
	if err := json.Unmarshal(hb, &hdr); err != nil {
		t.Fatalf("lease header: %v", err)
	}
	if hdr["kid"] != key["kid"] || hdr["alg"] != "ES256" || hdr["typ"] != "JWT" || key["kid"] != g.KeyID() {
		t.Errorf("header %v, jwks key %v", hdr, key)
	}
	xb, _ := enc.DecodeString(key["x"].(string))
	yb, _ := enc.DecodeString(key["y"].(string))
	pub, err := ecdsa.ParseUncompressedPublicKey(c.key.Curve, append([]byte{4}, append(xb, yb...)...))
	if err != nil {
		t.Fatalf("jwks key: %v", err)
	}
	sig, _ := enc.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Error("lease signature does not verify against the JWKS key")
	}
	// A second lease gets a new session.
	second := c.issueLease()
	if second["session_id"] == resp["session_id"] {
		t.Error("two leases share a session_id")
	}
}

func TestLeaseFSRootDisabled(t *testing.T) {
	g := StartTCP(t, Options{FSRootPrefixes: []string{}})
	c := newClient(t, g, nil)
	wd, _ := os.Getwd()
	m := wantError(t, c.mustSend("POST", "/v1/leases", c.leaseBody(fmt.Sprintf(`,"fs_root":%q`, wd)), nil), 403, "fs_root_denied")
	if !strings.Contains(m["message"].(string), "disabled") {
		t.Errorf("body = %v", m)
	}
	// Without fs_root the lease is issued.
	c.issueLease()
}

func TestLeaseRejections(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures, FSRootPrefixes: []string{os.TempDir()}})
	c := newClient(t, g, nil)
	x, y := coords(&c.key.PublicKey)
	jwk := fmt.Sprintf(`{"kty":"EC","crv":"P-256","x":%q,"y":%q}`, x, y)
	home, _ := os.UserHomeDir()
	cases := []struct {
		name        string
		body        string
		contentType string
		status      int
		code        string // "" means a plain-text body
		message     string
	}{
		{"no_content_type", `{"scopes":["tools:call"],"dpop_jwk":` + jwk + `}`, "\x00", 415, "", "Content-Type"},
		{"malformed_json", `{"scopes":`, "", 400, "", "parse"},
		{"unknown_field_session_id", `{"scopes":["tools:call"],"dpop_jwk":` + jwk + `,"session_id":"s"}`, "", 422, "", "unknown field `session_id`"},
		{"missing_dpop_jwk", `{"scopes":["tools:call"]}`, "", 422, "", "missing field `dpop_jwk`"},
		{"missing_scopes", `{"dpop_jwk":` + jwk + `}`, "", 422, "", "missing field `scopes`"},
		{"jwk_missing_y", `{"scopes":["tools:call"],"dpop_jwk":{"kty":"EC","crv":"P-256","x":"a"}}`, "", 422, "", "missing field"},
		{"not_an_object", `[1]`, "", 422, "", "deserialize"},
		{"kty_rsa", `{"scopes":["tools:call"],"dpop_jwk":{"kty":"RSA","crv":"P-256","x":"a","y":"b"}}`, "", 400, "invalid_request", "dpop_jwk.kty must be 'EC', got 'RSA'"},
		{"crv_p384", `{"scopes":["tools:call"],"dpop_jwk":{"kty":"EC","crv":"P-384","x":"a","y":"b"}}`, "", 400, "invalid_request", "dpop_jwk.crv must be 'P-256', got 'P-384'"},
		{"empty_scopes", `{"scopes":[],"dpop_jwk":` + jwk + `}`, "", 400, "invalid_request", "scopes"},
		{"bad_scope", `{"scopes":["Tools"],"dpop_jwk":` + jwk + `}`, "", 400, "invalid_request", "'Tools'"},
		{"scope_trailing_colon", `{"scopes":["abcd:"],"dpop_jwk":` + jwk + `}`, "", 400, "invalid_request", "'abcd:'"},
		{"fs_root_relative", `{"scopes":["tools:call"],"dpop_jwk":` + jwk + `,"fs_root":"proj"}`, "", 400, "invalid_fs_root", ""},
		{"fs_root_missing", `{"scopes":["tools:call"],"dpop_jwk":` + jwk + `,"fs_root":"/no/such/dir/lg"}`, "", 400, "invalid_fs_root", ""},
		{"fs_root_system_dir", `{"scopes":["tools:call"],"dpop_jwk":` + jwk + `,"fs_root":"/etc"}`, "", 403, "fs_root_denied", "system directory"},
		{"fs_root_outside_prefixes", `{"scopes":["tools:call"],"dpop_jwk":` + jwk + `,"fs_root":"/usr/lib"}`, "", 403, "fs_root_denied", "outside allowed prefixes"},
	}
	if home != "" && home != "/" {
		cases = append(cases, struct {
			name, body, contentType string
			status                  int
			code, message           string
		}{"fs_root_home_is_blocked_or_outside", `{"scopes":["tools:call"],"dpop_jwk":` + jwk + `,"fs_root":"/home"}`, "", 403, "fs_root_denied", ""})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.contentType != "" {
				hdr["Content-Type"] = tc.contentType
			}
			r := c.mustSend("POST", "/v1/leases", []byte(tc.body), hdr)
			if r.status != tc.status {
				t.Fatalf("status = %d, want %d (%s)", r.status, tc.status, r.body)
			}
			if tc.code == "" {
				if json.Valid(r.body) || !strings.Contains(string(r.body), tc.message) {
					t.Errorf("want a plain-text body containing %q, got %q", tc.message, r.body)
				}
				return
			}
			m := r.json(t)
			if m["error"] != tc.code || !strings.Contains(fmt.Sprint(m["message"]), tc.message) {
				t.Errorf("body = %s", r.body)
			}
			if tc.code == "invalid_request" && len(m) != 2 {
				t.Errorf("invalid_request body must have exactly error and message: %s", r.body)
			}
		})
	}
}

// TestAuthRejections drives every rejection path of the execute route
// over HTTP with the test client's own proofs.
func TestAuthRejections(t *testing.T) {
	clock := newFakeClock(1800000000)
	g := StartTCP(t, Options{ManifestDir: fixtures, Clock: clock.Now, PublicBaseURL: "http://localhost:3000/"})
	c := newClient(t, g, clock.Now)
	c.issueLease()
	other := newKey(t)
	const path = "/v1/actions/http_fetch/execute"
	const htu = "http://localhost:3000" + path
	body := []byte(`{"url":"https://httpbin.org/get"}`)
	now := clock.Now().Unix()

	// A lease signed by a key the gate never had, with the gate's kid.
	forged := func() string {
		claims := jwtClaims(t, c.lease)
		cb, _ := json.Marshal(claims)
		hb, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "ES256", "kid": g.KeyID()})
		return sign(t, other, hb, cb)
	}()
	replayJTI := "replayed-jti"

	cases := []struct {
		name   string
		header func() map[string]string
		code   string
		reason string
	}{
		{"ok", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease})}
		}, "", ""},
		{"htu_with_query_ok", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu + "?x=1", token: c.lease})}
		}, "", ""},
		{"missing_authorization", func() map[string]string {
			return map[string]string{"DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease})}
		}, CodeMissingAuthHeader, ""},
		{"missing_dpop", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease}
		}, CodeMissingAuthHeader, ""},
		{"bearer_scheme", func() map[string]string {
			return map[string]string{"Authorization": "Bearer " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease})}
		}, CodeInvalidLease, ""},
		{"lowercase_scheme", func() map[string]string {
			return map[string]string{"Authorization": "dpop " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease})}
		}, CodeInvalidLease, ""},
		{"garbage_lease", func() map[string]string {
			return map[string]string{"Authorization": "DPoP not-a-jwt", "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: "not-a-jwt"})}
		}, CodeInvalidLease, ""},
		{"forged_lease", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + forged, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: forged})}
		}, CodeInvalidLease, ""},
		{"wrong_htm", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "GET", htu: htu, token: c.lease})}
		}, CodeInvalidDPoP, "htm mismatch"},
		{"wrong_htu_path", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: "http://localhost:3000/v1/actions/fs_read/execute", token: c.lease})}
		}, CodeInvalidDPoP, "htu mismatch"},
		{"wrong_htu_host", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: g.URL() + path, token: c.lease})}
		}, CodeInvalidDPoP, "expected 'http://localhost:3000/v1/actions/http_fetch/execute'"},
		{"iat_too_old", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease, iat: ptr(now - 61)})}
		}, CodeInvalidDPoP, "iat too old"},
		{"iat_in_future", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease, iat: ptr(now + 6)})}
		}, CodeInvalidDPoP, "iat too far in future"},
		{"ath_mismatch", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease + "x"})}
		}, CodeInvalidDPoP, "ath mismatch"},
		{"key_not_cnf_jkt", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease, jwkKey: other, signKey: other})}
		}, CodeInvalidDPoP, "cnf.jkt"},
		{"bad_signature", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease, signKey: other})}
		}, CodeInvalidDPoP, "signature verification failed"},
		{"replay_first_use", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease, jti: replayJTI})}
		}, "", ""},
		{"replayed_jti", func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease, jti: replayJTI})}
		}, CodeReplayDetected, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.mustSend("POST", path, body, tc.header())
			if tc.code == "" {
				if r.status != 200 {
					t.Fatalf("rejected: %d %s", r.status, r.body)
				}
				return
			}
			m := wantError(t, r, 401, tc.code)
			if tc.code == CodeInvalidDPoP {
				if !strings.Contains(fmt.Sprint(m["deny_reason"]), tc.reason) {
					t.Errorf("deny_reason = %q, want %q", m["deny_reason"], tc.reason)
				}
			} else if _, ok := m["deny_reason"]; ok || len(m) != 1 {
				t.Errorf("body = %s, want only error", r.body)
			}
			rec := g.Requests()
			last := rec[len(rec)-1]
			if last.Error != tc.code || last.Lease != nil || last.Route != RouteExecute {
				t.Errorf("record = %+v", last)
			}
		})
	}

	t.Run("replay_across_routes", func(t *testing.T) {
		// The replay store is keyed by jti alone: a jti used on execute
		// is burnt for receipts too.
		r := c.mustSend("GET", "/v1/receipts/x", nil, map[string]string{
			"Authorization": "DPoP " + c.lease,
			"DPoP":          c.proof(proofSpec{htm: "GET", htu: "http://localhost:3000/v1/receipts/x", token: c.lease, jti: replayJTI}),
		})
		wantError(t, r, 401, CodeReplayDetected)
	})

	t.Run("expired_lease", func(t *testing.T) {
		clock.Advance(300 * time.Second)
		wantError(t, c.execute("http_fetch", string(body)), 401, CodeLeaseExpired)
		c.issueLease()
		if r := c.execute("http_fetch", string(body)); r.status != 200 {
			t.Fatalf("after renewal: %d %s", r.status, r.body)
		}
	})

	t.Run("replay_store_forgets_after_ttl", func(t *testing.T) {
		c.issueLease()
		hdr := func() map[string]string {
			return map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": c.proof(proofSpec{htm: "POST", htu: htu, token: c.lease, jti: "ttl-jti"})}
		}
		if r := c.mustSend("POST", path, body, hdr()); r.status != 200 {
			t.Fatalf("first: %d %s", r.status, r.body)
		}
		clock.Advance(181 * time.Second)
		c.issueLease()
		if r := c.mustSend("POST", path, body, hdr()); r.status != 200 {
			t.Fatalf("after replay TTL: %d %s", r.status, r.body)
		}
	})
}

func TestScopeRequiredForExecute(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures, Principal: "agent-jira-bot"})
	c := newClient(t, g, nil)
	x, y := coords(&c.key.PublicKey)
	r := c.mustSend("POST", "/v1/leases", []byte(fmt.Sprintf(`{"scopes":["audit:read"],"dpop_jwk":{"kty":"EC","crv":"P-256","x":%q,"y":%q}}`, x, y)), nil)
	c.lease = r.json(t)["lease_jwt"].(string)
	if sub := jwtClaims(t, c.lease)["sub"]; sub != "agent-jira-bot" {
		t.Errorf("sub = %v", sub)
	}
	m := wantError(t, c.execute("http_fetch", `{"url":"https://a.example"}`), 403, "policy_denied")
	if !strings.Contains(m["deny_reason"].(string), "tools:call") || m["principal"] != "agent-jira-bot" ||
		m["remediation"] != "Run: latchgate policy grant agent-jira-bot http_fetch" {
		t.Errorf("body = %v", m)
	}
}

func TestScriptedOutcomes(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	args := `{"url":"https://httpbin.org/get"}`

	t.Run("default_executes_low_risk", func(t *testing.T) {
		r := c.execute("http_fetch", args)
		m := r.json(t)
		if r.status != 200 || m["decision"] != "executed" {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want := map[string]any{"action_id": "http_fetch", "arguments": map[string]any{"url": "https://httpbin.org/get"}}
		if diff := cmp.Diff(want, m["output"]); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
		for _, k := range []string{"trace_id", "grant_id", "receipt_id"} {
			if !isUUIDv7(fmt.Sprint(m[k])) {
				t.Errorf("%s = %v, want a UUIDv7", k, m[k])
			}
		}
		if m["verification_outcome"] != "verified" || m["verification"].(map[string]any)["is_fully_successful"] != true {
			t.Errorf("verification: %s", r.body)
		}
	})

	t.Run("scripted_output_then_default", func(t *testing.T) {
		g.Script("http_fetch", Outcome{Kind: Executed, Output: json.RawMessage(`{"status_code":200,"body":"hi"}`), NotFullySuccessful: true})
		m := c.execute("http_fetch", args).json(t)
		if diff := cmp.Diff(map[string]any{"status_code": float64(200), "body": "hi"}, m["output"]); diff != "" {
			t.Errorf("output (-want +got):\n%s", diff)
		}
		if m["verification_outcome"] != "verification_failed" {
			t.Errorf("verification_outcome = %v", m["verification_outcome"])
		}
		if m := c.execute("http_fetch", args).json(t); m["output"].(map[string]any)["action_id"] != "http_fetch" {
			t.Errorf("queue not consumed: %v", m)
		}
	})

	t.Run("denied", func(t *testing.T) {
		g.Script("http_fetch", Outcome{Kind: Denied, DenyReason: "not in ACL\nsecond line"})
		m := wantError(t, c.execute("http_fetch", args), 403, "policy_denied")
		want := map[string]any{
			"error": "policy_denied", "deny_reason": "not in ACL second line", "principal": "dev:anonymous",
			"action_id": "http_fetch", "remediation": "Run: latchgate policy grant dev:anonymous http_fetch",
		}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	})

	simple := []struct {
		o      Outcome
		status int
		code   string
	}{
		{Outcome{Kind: BudgetExceeded}, 403, "budget_exhausted"},
		{Outcome{Kind: SchemaViolation}, 422, "schema_violation"},
		{Outcome{Kind: ServerError}, 502, "action_execution_failed"},
		{Outcome{Kind: ServerError, Status: 503, ErrorCode: "draining"}, 503, "draining"},
		{Outcome{Kind: ServerError, Status: 500, ErrorCode: "internal_error"}, 500, "internal_error"},
		{Outcome{Kind: NotFound}, 404, "action_not_found"},
	}
	for _, tc := range simple {
		t.Run(tc.code, func(t *testing.T) {
			g.Script("http_fetch", tc.o)
			wantError(t, c.execute("http_fetch", args), tc.status, tc.code)
		})
	}

	t.Run("too_large", func(t *testing.T) {
		g.Script("http_fetch", Outcome{Kind: TooLarge})
		r := c.execute("http_fetch", args)
		if r.status != 413 || json.Valid(r.body) {
			t.Errorf("%d %q", r.status, r.body)
		}
	})

	t.Run("rate_limited_before_auth", func(t *testing.T) {
		g.Script("http_fetch", Outcome{Kind: RateLimited, RetryAfter: 2500 * time.Millisecond}, Outcome{Kind: RateLimited})
		// No credentials at all: the limiter answers first.
		r := c.mustSend("POST", "/v1/actions/http_fetch/execute", []byte(args), nil)
		wantError(t, r, 429, "rate_limited")
		if got := r.header.Get("Retry-After"); got != "3" {
			t.Errorf("Retry-After = %q, want 3", got)
		}
		r = c.execute("http_fetch", args)
		wantError(t, r, 429, "rate_limited")
		if got := r.header.Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After = %q, want 1", got)
		}
	})

	t.Run("set_default", func(t *testing.T) {
		g.SetDefault("http_fetch", Outcome{Kind: Denied})
		defer g.SetDefault("http_fetch", Outcome{Kind: Executed})
		wantError(t, c.execute("http_fetch", args), 403, "policy_denied")
		wantError(t, c.execute("http_fetch", args), 403, "policy_denied")
	})

	t.Run("delay", func(t *testing.T) {
		g.Script("http_fetch", Outcome{Kind: Executed, Delay: 50 * time.Millisecond})
		start := time.Now()
		if r := c.execute("http_fetch", args); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if time.Since(start) < 50*time.Millisecond {
			t.Error("Delay not applied")
		}
	})
}

func isUUIDv7(s string) bool {
	if len(s) != 36 || s[14] != '7' || strings.ToLower(s) != s {
		return false
	}
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	return err == nil && len(b) == 16 && b[8]&0xc0 == 0x80
}

func TestBodyChecks(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	deep := strings.Repeat(`{"a":`, 11) + "1" + strings.Repeat("}", 11)
	many := "[" + strings.TrimSuffix(strings.Repeat("1,", 101), ",") + "]"
	for _, tc := range []struct {
		name, action, body string
		status             int
	}{
		{"valid", "http_fetch", `{"url":"https://a.example"}`, 200},
		{"empty_body_is_empty_object", "http_fetch", ``, 422},
		{"missing_required", "http_fetch", `{}`, 422},
		{"additional_property", "http_fetch", `{"url":"https://a.example","x":1}`, 422},
		{"wrong_type", "http_fetch", `{"url":5}`, 422},
		{"not_json", "http_fetch", `{url:`, 422},
		{"null_body", "http_fetch", `null`, 422},
		{"over_max_request_bytes", "fs_read", `{"path":"` + strings.Repeat("a", 8200) + `"}`, 422},
		{"too_deep", "fs_read", `{"path":"a","x":` + deep + `}`, 422},
		{"too_many_items", "fs_read", `{"path":"a","x":` + many + `}`, 422},
		{"fs_read_ok", "fs_read", `{"path":"README.md","max_bytes":10}`, 200},
		{"no_schema_any_object", "db_orders", ``, 202},
		{"unknown_action", "nope", `{}`, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.execute(tc.action, tc.body)
			if r.status != tc.status {
				t.Fatalf("status = %d, want %d (%s)", r.status, tc.status, r.body)
			}
			if tc.status == 422 {
				if diff := cmp.Diff(map[string]any{"error": "schema_violation"}, r.json(t)); diff != "" {
					t.Errorf("422 carries detail:\n%s", diff)
				}
			}
		})
	}
	t.Run("body_over_1MiB", func(t *testing.T) {
		r := c.execute("http_fetch", `{"url":"`+strings.Repeat("a", 1<<20)+`"}`)
		if r.status != 413 || json.Valid(r.body) {
			t.Errorf("%d %q", r.status, r.body)
		}
	})
}

func TestBudgets(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	r := c.mustSend("POST", "/v1/leases", c.leaseBody(`,"budgets":{"max_calls":2}`), nil)
	c.lease = r.json(t)["lease_jwt"].(string)
	for i := 0; i < 2; i++ {
		if r := c.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
			t.Fatalf("call %d: %d %s", i, r.status, r.body)
		}
	}
	wantError(t, c.execute("http_fetch", `{"url":"https://a.example"}`), 403, "budget_exhausted")
	// A new lease without budgets is a new, unlimited session.
	c.issueLease()
	if r := c.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
		t.Fatalf("new session: %d %s", r.status, r.body)
	}
}

func TestDiscoveryRoutes(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)

	list := c.mustSend("GET", "/v1/actions", nil, nil)
	want := `{"actions":[{"action_id":"db_orders","version":"2.0.0","risk_level":"critical","database_mode":"hybrid"},` +
		`{"action_id":"fs_read","version":"0.3.1","risk_level":"medium"},` +
		`{"action_id":"gmail_send","version":"1.2.0","risk_level":"high"},` +
		`{"action_id":"http_fetch","version":"1.0.0","risk_level":"low"}]}`
	if string(list.body) != want || list.header.Get("Content-Type") != "application/json" {
		t.Errorf("list = %s", list.body)
	}

	detail := c.mustSend("GET", "/v1/actions/http_fetch", nil, nil).json(t)
	wantDetail := map[string]any{
		"action_id": "http_fetch", "version": "1.0.0", "provider_module_digest": "builtin:http_api", "risk_level": "low",
		"resource_limits":       map[string]any{"fuel": float64(5000000), "memory_mb": float64(128), "timeout_seconds": float64(30), "max_io_calls": float64(10)},
		"io":                    map[string]any{"max_request_bytes": float64(65536), "max_response_bytes": float64(1048576), "has_request_schema": true, "has_response_schema": false},
		"egress":                map[string]any{"proxy_allowlist": map[string]any{"allowed_domains": []any{"httpbin.org", "*.wikipedia.org"}}},
		"declared_side_effects": []any{"http_read"},
	}
	if diff := cmp.Diff(wantDetail, detail); diff != "" {
		t.Errorf("detail (-want +got):\n%s", diff)
	}
	if m := c.mustSend("GET", "/v1/actions/fs_read", nil, nil).json(t); m["egress"] != "none" {
		t.Errorf("fs_read egress = %v", m["egress"])
	}
	db := c.mustSend("GET", "/v1/actions/db_orders", nil, nil).json(t)
	if db["egress"] != nil || db["database"].(map[string]any)["mode"] != "hybrid" {
		t.Errorf("db_orders = %v", db)
	}

	schema := c.mustSend("GET", "/v1/actions/http_fetch/schema/request", nil, nil).json(t)
	if schema["type"] != "object" || schema["additionalProperties"] != false || schema["required"].([]any)[0] != "url" {
		t.Errorf("schema = %v", schema)
	}

	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/actions/nope", 404},
		{"GET", "/v1/actions/nope/schema/request", 404},
		{"GET", "/v1/actions/db_orders/schema/request", 404},
		{"GET", "/v1/nothing", 404},
		{"GET", "/v1//actions", 404},
		{"GET", "/v1/actions/", 404},
		{"GET", "/v1/x/../actions", 404},
		{"GET", "/v1/approvals", 404}, // admin router only
		{"DELETE", "/v1/actions", 405},
		{"GET", "/v1/leases", 405},
	} {
		wantBare(t, c.mustSend(tc.method, tc.path, nil, nil), tc.status)
	}

	if m := c.mustSend("GET", "/healthz", nil, nil).json(t); m["status"] != "ok" {
		t.Errorf("healthz = %v", m)
	}
	if m := c.mustSend("GET", "/readyz", nil, nil).json(t); m["actions_registered"] != float64(4) {
		t.Errorf("readyz = %v", m)
	}
}

func TestHoldApproveAfterPolls(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	g.SetApproveAfter(3, true)
	body := "{ \"raw\" : \"aGVsbG8\" }" // request_hash is over the JCS form
	r := c.execute("gmail_send", body)
	if r.status != 202 {
		t.Fatalf("execute = %d %s", r.status, r.body)
	}
	held := r.json(t)
	sum := sha256.Sum256([]byte(`{"raw":"aGVsbG8"}`))
	if held["decision"] != "pending_approval" || held["request_hash"] != "sha256:"+hex.EncodeToString(sum[:]) ||
		!isUUIDv7(held["approval_id"].(string)) || !isUUIDv7(held["trace_id"].(string)) {
		t.Fatalf("202 body = %s", r.body)
	}
	id := held["approval_id"].(string)
	poll := "/v1/approvals/" + id + "/poll"
	for i := 1; i <= 2; i++ {
		m := c.authed("GET", poll, nil).json(t)
		if diff := cmp.Diff(map[string]any{"status": "pending", "retry_after_seconds": float64(2)}, m); diff != "" {
			t.Fatalf("poll %d (-want +got):\n%s", i, diff)
		}
	}
	m := c.authed("GET", poll, nil).json(t)
	if m["status"] != "approved" || !isUUIDv7(fmt.Sprint(m["receipt_id"])) || len(m) != 2 {
		t.Fatalf("poll 3 = %v", m)
	}
	aps := g.Approvals()
	if len(aps) != 1 || aps[0].State != StateApproved || aps[0].Polls != 3 || aps[0].ReceiptID != m["receipt_id"] {
		t.Errorf("approvals = %+v", aps)
	}
	var exec map[string]any
	if err := json.Unmarshal(aps[0].Response, &exec); err != nil {
		t.Fatal(err)
	}
	if exec["approval"].(map[string]any)["approval_id"] != id || exec["trace_id"] != held["trace_id"] {
		t.Errorf("approved execution = %s", aps[0].Response)
	}

	rc := c.authed("GET", "/v1/receipts/"+m["receipt_id"].(string), nil)
	if rc.status != 200 {
		t.Fatalf("receipt = %d %s", rc.status, rc.body)
	}
	receipt := rc.json(t)
	if receipt["receipt_id"] != m["receipt_id"] || receipt["provider_module_digest"] != "builtin:http_api" {
		t.Errorf("receipt = %s", rc.body)
	}
	if diff := cmp.Diff(map[string]any{"action_id": "gmail_send", "arguments": map[string]any{"raw": "aGVsbG8"}}, receipt["provider_receipt"]); diff != "" {
		t.Errorf("provider_receipt (-want +got):\n%s", diff)
	}
	// Approving again reports the terminal state.
	if err := g.Approve(id); !errors.Is(err, ErrApprovalDecided) {
		t.Errorf("second approve: %v", err)
	}
}

func TestHoldDenyAfterPolls(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	g.SetApproveAfter(2, false)
	g.Script("http_fetch", Outcome{Kind: Held})
	id := c.execute("http_fetch", `{"url":"https://a.example"}`).json(t)["approval_id"].(string)
	if m := c.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t); m["status"] != "pending" {
		t.Fatalf("poll 1 = %v", m)
	}
	m := c.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t)
	if diff := cmp.Diff(map[string]any{"status": "denied", "reason": "operator_denied"}, m); diff != "" {
		t.Errorf("poll 2 (-want +got):\n%s", diff)
	}
	if len(g.Receipts()) != 0 {
		t.Errorf("a denied request left receipts: %v", g.Receipts())
	}
}

// TestHoldDenyAfterPollsWithReason: an auto-deny reports the held
// outcome's DenyReason, as Options documents.
func TestHoldDenyAfterPollsWithReason(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	g.SetApproveAfter(1, false)
	g.Script("http_fetch", Outcome{Kind: Held, DenyReason: "too risky on a Friday"})
	id := c.execute("http_fetch", `{"url":"https://a.example"}`).json(t)["approval_id"].(string)
	m := c.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t)
	if diff := cmp.Diff(map[string]any{"status": "denied", "reason": "too risky on a Friday"}, m); diff != "" {
		t.Errorf("poll (-want +got):\n%s", diff)
	}
}

func TestApprovalMethods(t *testing.T) {
	clock := newFakeClock(1800000000)
	g := StartTCP(t, Options{ManifestDir: fixtures, Clock: clock.Now, LeaseTTL: time.Hour})
	c := newClient(t, g, clock.Now)
	c.issueLease()
	hold := func(o Outcome) string {
		t.Helper()
		o.Kind = Held
		g.Script("http_fetch", o)
		r := c.execute("http_fetch", `{"url":"https://a.example"}`)
		if r.status != 202 {
			t.Fatalf("execute = %d %s", r.status, r.body)
		}
		return r.json(t)["approval_id"].(string)
	}
	poll := func(id string) response {
		t.Helper()
		return c.authed("GET", "/v1/approvals/"+id+"/poll", nil)
	}

	t.Run("approve_with_output", func(t *testing.T) {
		id := hold(Outcome{Output: json.RawMessage(`{"sent":true}`)})
		if err := g.Approve(id); err != nil {
			t.Fatal(err)
		}
		m := poll(id).json(t)
		rc := c.authed("GET", "/v1/receipts/"+m["receipt_id"].(string), nil).json(t)
		if diff := cmp.Diff(map[string]any{"sent": true}, rc["provider_receipt"]); diff != "" {
			t.Errorf("provider_receipt (-want +got):\n%s", diff)
		}
	})
	t.Run("deny_with_reason", func(t *testing.T) {
		id := hold(Outcome{})
		if err := g.DenyWithReason(id, "risk too high"); err != nil {
			t.Fatal(err)
		}
		if m := poll(id).json(t); m["status"] != "denied" || m["reason"] != "risk too high" {
			t.Errorf("poll = %v", m)
		}
		if err := g.Deny(id); !errors.Is(err, ErrApprovalDecided) {
			t.Errorf("deny twice: %v", err)
		}
	})
	t.Run("failed_execution", func(t *testing.T) {
		id := hold(Outcome{ErrorCode: "action_execution_failed"})
		if err := g.Approve(id); err != nil {
			t.Fatal(err)
		}
		if m := poll(id).json(t); m["status"] != "failed" || m["reason"] != "action_execution_failed" {
			t.Errorf("poll = %v", m)
		}
	})
	t.Run("claimed_while_executing", func(t *testing.T) {
		id := hold(Outcome{Delay: 200 * time.Millisecond})
		done := make(chan error, 1)
		go func() { done <- g.Approve(id) }()
		waitFor(t, "claim", func() bool { return g.Approvals()[len(g.Approvals())-1].State != StatePending })
		if m := poll(id).json(t); m["status"] != "pending" || m["retry_after_seconds"] != float64(1) {
			t.Errorf("poll while claimed = %v", m)
		}
		if err := g.Approve(id); !errors.Is(err, ErrApprovalClaimed) {
			t.Errorf("concurrent approve: %v", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if m := poll(id).json(t); m["status"] != "approved" {
			t.Errorf("poll after = %v", m)
		}
	})
	t.Run("unknown_id", func(t *testing.T) {
		if err := g.Approve("nope"); !errors.Is(err, ErrApprovalNotFound) {
			t.Errorf("approve unknown: %v", err)
		}
		wantBare(t, poll("019a0000-0000-7000-8000-000000000000"), 404)
	})
	t.Run("other_session", func(t *testing.T) {
		id := hold(Outcome{})
		other := newClient(t, g, clock.Now)
		other.issueLease()
		wantBare(t, other.authed("GET", "/v1/approvals/"+id+"/poll", nil), 404)
		// The same key with a renewed lease is a new session too (G1).
		c.issueLease()
		wantBare(t, poll(id), 404)
		rec := g.RequestsFor(RoutePoll)
		if last := rec[len(rec)-1]; !strings.Contains(last.Reason, "belongs to session") {
			t.Errorf("record reason = %q", last.Reason)
		}
	})
	t.Run("bad_auth_is_bare_401", func(t *testing.T) {
		id := hold(Outcome{})
		wantBare(t, c.mustSend("GET", "/v1/approvals/"+id+"/poll", nil, map[string]string{"Authorization": "DPoP " + c.lease}), 401)
		proof := c.proof(proofSpec{htm: "GET", htu: c.htuBase + "/v1/approvals/" + id + "/pol", token: c.lease})
		wantBare(t, c.mustSend("GET", "/v1/approvals/"+id+"/poll", nil, map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": proof}), 401)
		rec := g.RequestsFor(RoutePoll)
		if last := rec[len(rec)-1]; last.Error != CodeInvalidDPoP || !strings.Contains(last.Reason, "htu mismatch") {
			t.Errorf("record = %+v", last)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		id := hold(Outcome{})
		clock.Advance(299 * time.Second)
		if m := poll(id).json(t); m["status"] != "pending" {
			t.Fatalf("before TTL: %v", m)
		}
		clock.Advance(2 * time.Second)
		wantBare(t, poll(id), 404)
		if err := g.Approve(id); !errors.Is(err, ErrApprovalNotFound) {
			t.Errorf("approve expired: %v", err)
		}
	})
}

func TestApproveAfterWithSlowExecution(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	g.SetApproveAfter(1, true)
	g.Script("gmail_send", Outcome{Kind: Held, Delay: 100 * time.Millisecond})
	id := c.execute("gmail_send", `{"raw":"eA"}`).json(t)["approval_id"].(string)
	// The first poll triggers the approval, which is still executing.
	if m := c.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t); m["status"] != "pending" || m["retry_after_seconds"] != float64(1) {
		t.Fatalf("first poll = %v", m)
	}
	waitFor(t, "approval", func() bool { return g.Approvals()[0].State == StateApproved })
	if m := c.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t); m["status"] != "approved" {
		t.Errorf("later poll = %v", m)
	}
}

func TestReceiptRoute(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	ex := c.execute("http_fetch", `{"url":"https://a.example"}`).json(t)
	rc := c.authed("GET", "/v1/receipts/"+ex["receipt_id"].(string), nil)
	m := rc.json(t)
	if m["grant_id"] != ex["grant_id"] || m["signature_status"] == nil || m["normalized_result"].(map[string]any)["kind"] != "success" {
		t.Errorf("receipt = %s", rc.body)
	}
	if diff := cmp.Diff(ex["output"], m["provider_receipt"]); diff != "" {
		t.Errorf("provider_receipt != output:\n%s", diff)
	}
	wantError(t, c.authed("GET", "/v1/receipts/019a0000-0000-7000-8000-000000000000", nil), 404, "not_found")
	// Any valid lease may read any receipt.
	other := newClient(t, g, nil)
	other.issueLease()
	if r := other.authed("GET", "/v1/receipts/"+ex["receipt_id"].(string), nil); r.status != 200 {
		t.Errorf("other lease: %d", r.status)
	}
	// Auth errors on receipts are JSON.
	wantError(t, c.mustSend("GET", "/v1/receipts/x", nil, nil), 401, CodeMissingAuthHeader)
}

func TestRestartRotatesKey(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	g.Script("http_fetch", Outcome{Kind: Held})
	approvalID := c.execute("http_fetch", `{"url":"https://a.example"}`).json(t)["approval_id"].(string)
	url, kid := g.URL(), g.KeyID()

	if err := g.Restart(); err != nil {
		t.Fatal(err)
	}
	if g.URL() != url {
		t.Errorf("URL changed: %s -> %s", url, g.URL())
	}
	if g.KeyID() == kid {
		t.Error("restart kept the issuer key")
	}
	c.hc.CloseIdleConnections()
	wantError(t, c.execute("http_fetch", `{"url":"https://a.example"}`), 401, CodeInvalidLease)
	rec := g.RequestsFor(RouteExecute)
	if last := rec[len(rec)-1]; last.Reason != "unknown kid" {
		t.Errorf("reason = %q", last.Reason)
	}
	c.issueLease()
	if r := c.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
		t.Fatalf("after re-lease: %d %s", r.status, r.body)
	}
	// The approval survived but belongs to the old session.
	if len(g.Approvals()) != 1 {
		t.Errorf("approvals = %+v", g.Approvals())
	}
	wantBare(t, c.authed("GET", "/v1/approvals/"+approvalID+"/poll", nil), 404)
}

func TestStopStart(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	if err := g.Stop(); err != nil {
		t.Fatal(err)
	}
	c.hc.CloseIdleConnections()
	if _, err := c.send("GET", "/v1/actions", nil, nil); err == nil {
		t.Fatal("request succeeded while stopped")
	}
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	// The key was kept, so the lease still works.
	if r := c.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
		t.Fatalf("after start: %d %s", r.status, r.body)
	}
}

func TestFaults(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)

	t.Run("drop_once", func(t *testing.T) {
		g.Inject(RouteActions, Fault{Kind: Drop, Count: 1})
		if _, err := c.send("GET", "/v1/actions", nil, nil); err == nil {
			t.Fatal("dropped request succeeded")
		}
		if r := c.mustSend("GET", "/v1/actions", nil, nil); r.status != 200 {
			t.Fatalf("after the fault: %d", r.status)
		}
		rec := g.RequestsFor(RouteActions)
		if rec[len(rec)-2].Fault != Drop || rec[len(rec)-2].Status != 0 {
			t.Errorf("record = %+v", rec[len(rec)-2])
		}
	})
	t.Run("stall_past_client_timeout", func(t *testing.T) {
		g.Inject(RouteLeases, Fault{Kind: Stall, Count: 1})
		short := &testClient{t: t, base: c.base, htuBase: c.htuBase, key: c.key, now: c.now,
			hc: &http.Client{Timeout: 100 * time.Millisecond, Transport: c.hc.Transport}}
		if _, err := short.send("POST", "/v1/leases", c.leaseBody(""), nil); err == nil {
			t.Fatal("stalled request succeeded")
		}
		waitFor(t, "stalled request record", func() bool {
			rec := g.RequestsFor(RouteLeases)
			return len(rec) > 0 && rec[len(rec)-1].Fault == Stall
		})
		c.issueLease()
	})
	t.Run("stall_then_answer", func(t *testing.T) {
		g.Inject(RouteHealthz, Fault{Kind: Stall, Duration: 30 * time.Millisecond, Count: 1})
		start := time.Now()
		if r := c.mustSend("GET", "/healthz", nil, nil); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
		if time.Since(start) < 30*time.Millisecond {
			t.Error("no stall")
		}
	})
	t.Run("garbage", func(t *testing.T) {
		g.Inject(RouteExecute, Fault{Kind: Garbage, Count: 1})
		r := c.execute("http_fetch", `{"url":"https://a.example"}`)
		if r.status != 500 || json.Valid(r.body) {
			t.Errorf("%d %q", r.status, r.body)
		}
		g.Inject(RouteActions, Fault{Kind: Garbage, Status: 200, Count: 1})
		if r := c.mustSend("GET", "/v1/actions", nil, nil); r.status != 200 || json.Valid(r.body) {
			t.Errorf("%d %q", r.status, r.body)
		}
	})
	t.Run("respond", func(t *testing.T) {
		g.Inject(RouteLeases, Fault{Kind: Respond, Status: 429, Body: `{"error":"rate_limit_exceeded"}`, Count: 1})
		wantError(t, c.mustSend("POST", "/v1/leases", c.leaseBody(""), nil), 429, "rate_limit_exceeded")
	})
	t.Run("any_route_until_cleared", func(t *testing.T) {
		g.Inject(RouteAny, Fault{Kind: Respond, Status: 503, Body: `{"error":"draining"}`})
		for _, p := range []string{"/healthz", "/v1/actions", "/no/such/route"} {
			wantError(t, c.mustSend("GET", p, nil, nil), 503, "draining")
		}
		g.ClearFaults()
		if r := c.mustSend("GET", "/healthz", nil, nil); r.status != 200 {
			t.Errorf("after clear: %d", r.status)
		}
	})
}

func TestUnixSocket(t *testing.T) {
	g := StartUnix(t, Options{ManifestDir: fixtures})
	fi, err := os.Stat(g.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode = %v", fi.Mode())
	}
	if g.URL() != "" || g.PublicBaseURL() != "http://localhost:3000" {
		t.Errorf("URL %q, public base %q", g.URL(), g.PublicBaseURL())
	}
	c := newClient(t, g, nil)
	c.issueLease()
	if r := c.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
		t.Fatalf("execute: %d %s", r.status, r.body)
	}
	g.SetApproveAfter(1, true)
	id := c.execute("gmail_send", `{"raw":"eA"}`).json(t)["approval_id"].(string)
	if m := c.authed("GET", "/v1/approvals/"+id+"/poll", nil).json(t); m["status"] != "approved" {
		t.Errorf("poll = %v", m)
	}
	// The gate ignores Host: htu comes from its public base URL.
	wantError(t, c.mustSend("POST", "/v1/actions/http_fetch/execute", []byte(`{"url":"https://a.example"}`), map[string]string{
		"Authorization": "DPoP " + c.lease,
		"DPoP":          c.proof(proofSpec{htm: "POST", htu: "http://localhost/v1/actions/http_fetch/execute", token: c.lease}),
	}), 401, CodeInvalidDPoP)

	if err := g.Restart(); err != nil {
		t.Fatal(err)
	}
	c.hc.CloseIdleConnections()
	wantError(t, c.execute("http_fetch", `{"url":"https://a.example"}`), 401, CodeInvalidLease)
	c.issueLease()
	if r := c.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
		t.Fatalf("after restart: %d %s", r.status, r.body)
	}
	for _, r := range g.Requests() {
		if r.Listener != "unix" {
			t.Fatalf("request %d recorded on %q", r.Seq, r.Listener)
		}
	}
	path := g.SocketPath()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

func TestBothListeners(t *testing.T) {
	g, err := New(Options{ManifestDir: fixtures})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeGate(t, g) })
	if _, err := g.ListenTCP("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	if err := g.ListenUnix(dir + "/gate.sock"); err != nil {
		t.Fatal(err)
	}
	tcp := newClient(t, g, nil)
	tcp.issueLease()
	// The same lease works on the Unix socket: one gate, two listeners.
	unix := &testClient{t: t, base: "http://localhost", htuBase: g.PublicBaseURL(), key: tcp.key, lease: tcp.lease, now: time.Now}
	unix.hc = unixHTTPClient(g.SocketPath())
	defer unix.hc.CloseIdleConnections()
	if r := unix.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
		t.Fatalf("unix execute: %d %s", r.status, r.body)
	}
	kinds := map[string]bool{}
	for _, r := range g.Requests() {
		kinds[r.Listener] = true
	}
	if !kinds["tcp"] || !kinds["unix"] {
		t.Errorf("listeners seen = %v", kinds)
	}
}

func TestRequestRecord(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	c.issueLease()
	c.execute("http_fetch", `{"url":"https://a.example"}`)
	c.mustSend("GET", "/v1/actions?x=1", nil, nil)
	rec := g.Requests()
	if len(rec) != 3 {
		t.Fatalf("recorded %d requests", len(rec))
	}
	lease, exec, list := rec[0], rec[1], rec[2]
	if lease.Route != RouteLeases || lease.Status != 200 || !strings.Contains(string(lease.Body), `"scopes"`) || lease.Header.Get("Content-Type") != "application/json" {
		t.Errorf("lease record = %+v", lease)
	}
	if exec.Proof == nil || exec.Proof.HTM != "POST" || exec.Proof.HTU != g.PublicBaseURL()+"/v1/actions/http_fetch/execute" ||
		exec.Proof.JKT != jkt(&c.key.PublicKey) || exec.Proof.Typ != "dpop+jwt" || exec.Proof.JTI == "" {
		t.Errorf("proof = %+v", exec.Proof)
	}
	if exec.Lease == nil || exec.Lease.JKT != jkt(&c.key.PublicKey) || exec.Error != "" || !strings.Contains(string(exec.Response), `"executed"`) {
		t.Errorf("exec record = %+v", exec)
	}
	if list.RawQuery != "x=1" || list.Path != "/v1/actions" || list.Seq != 3 || list.Listener != "tcp" || list.Proof != nil {
		t.Errorf("list record = %+v", list)
	}
	g.ResetRequests()
	if len(g.Requests()) != 0 {
		t.Error("ResetRequests kept requests")
	}
}

func TestWaitRequests(t *testing.T) {
	g := StartTCP(t, Options{ManifestDir: fixtures})
	c := newClient(t, g, nil)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rs, err := g.WaitRequests(ctx, RouteHealthz, 2)
		if err == nil && len(rs) != 2 {
			err = fmt.Errorf("got %d requests", len(rs))
		}
		done <- err
	}()
	c.mustSend("GET", "/v1/actions", nil, nil)
	c.mustSend("GET", "/healthz", nil, nil)
	c.mustSend("GET", "/healthz", nil, nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rs, err := g.WaitRequests(context.Background(), RouteAny, 3); err != nil || len(rs) != 3 {
		t.Errorf("RouteAny: %d, %v", len(rs), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := g.WaitRequests(ctx, RouteExecute, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
	if Drop.String() != "drop" || FaultKind(0).String() != "none" || Held.String() != "held" {
		t.Error("String methods")
	}
}
