package operator_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

var testActions = []gatetest.Action{
	{ID: "http_post", Version: "1.0.0", RiskLevel: "medium", EgressProfile: "proxy_allowlist", AllowedDomains: []string{"httpbin.org"},
		RequestSchema: json.RawMessage(`{"type":"object","properties":{"url":{"type":"string"},"body":{"type":"string"}},"required":["url"]}`)},
	{ID: "gmail_send", Version: "1.2.0", RiskLevel: "high"},
}

// env is a gate with an admin listener and an operator credential, an
// agent client (internal/gate, the real one) and an operator client.
type env struct {
	g     *gatetest.Gate
	agent *gate.Client
	op    *operator.Client
	cred  gatetest.OperatorCredential
	dir   string // holds operator.pem and operator.token
}

// start serves the admin router over kind: "unix" (the admin socket) or
// "tcp" (the admin TCP listener).
func start(t *testing.T, kind string, mod func(*operator.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	cred, err := gatetest.WriteOperatorCredential(dir, "ops")
	if err != nil {
		t.Fatal(err)
	}
	g := gatetest.StartTCP(t, gatetest.Options{Actions: testActions, HoldUnknownDomains: true,
		OperatorCredentials: map[string]gatetest.OperatorCredential{"ops": cred}})
	key, _, err := operator.LoadKey(filepath.Join(dir, gatetest.OperatorKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := operator.LoadToken(filepath.Join(dir, gatetest.OperatorTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg := operator.Config{Key: key, Token: tok, PublicBaseURL: g.PublicBaseURL()}
	switch kind {
	case "unix":
		sd, err := os.MkdirTemp("", "lg")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := os.RemoveAll(sd); err != nil {
				t.Error(err)
			}
		})
		if err := g.ListenAdminUnix(filepath.Join(sd, "gate-admin.sock")); err != nil {
			t.Fatal(err)
		}
		cfg.Socket = g.AdminSocketPath()
	case "tcp":
		u, err := g.ListenAdminTCP("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		cfg.URL = u
	case "none": // the test builds its own client
		cfg.Socket = filepath.Join(dir, "unused.sock")
	}
	if mod != nil {
		mod(&cfg)
	}
	op, err := operator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(op.Close)
	agent, err := gate.New(gate.Config{URL: g.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Close)
	return &env{g: g, agent: agent, op: op, cred: cred, dir: dir}
}

// hold makes the agent call http_post to a domain the gate does not
// know: the gate holds it with that domain unresolved.
func (e *env) hold(t *testing.T, host string) *gate.ExecuteResult {
	t.Helper()
	res, err := e.agent.Execute(context.Background(), "http_post", json.RawMessage(`{"url":"https://`+host+`/post","body":"{}"}`))
	if err != nil || res.Status != 202 {
		t.Fatalf("execute = %+v, %v", res, err)
	}
	return res
}

// assertWire checks every admin request the client sent: one fresh
// proof each (unique jti), no query in htu, Content-Type only with a
// body, no agent session header, and accepted as operator "ops".
func assertWire(t *testing.T, g *gatetest.Gate, allowRejected bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range g.Requests() {
		if r.Listener == "tcp" { // the agent's
			continue
		}
		if r.Proof == nil {
			t.Errorf("%s %s: no proof", r.Method, r.Path)
			continue
		}
		if seen[r.Proof.JTI] {
			t.Errorf("%s %s: jti %s reused", r.Method, r.Path, r.Proof.JTI)
		}
		seen[r.Proof.JTI] = true
		if strings.Contains(r.Proof.HTU, "?") || r.Proof.HTU != g.PublicBaseURL()+r.Path {
			t.Errorf("%s %s: htu %q", r.Method, r.Path, r.Proof.HTU)
		}
		if (len(r.Body) > 0) != (r.Header.Get("Content-Type") != "") {
			t.Errorf("%s %s: body %q with Content-Type %q", r.Method, r.Path, r.Body, r.Header.Get("Content-Type"))
		}
		if r.Header.Get("X-Latchgate-Session-Id") != "" {
			t.Errorf("%s %s: agent session header on an operator request", r.Method, r.Path)
		}
		if !allowRejected && r.Operator != "ops" {
			t.Errorf("%s %s: not accepted as ops: %d %s %s", r.Method, r.Path, r.Status, r.Error, r.Reason)
		}
	}
}

func TestApproveOverBothTransports(t *testing.T) {
	for _, kind := range []string{"unix", "tcp"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := start(t, kind, nil)
			ctx := context.Background()
			held := e.hold(t, "example.org")
			list, err := e.op.List(ctx, operator.ListOptions{Status: "pending"})
			if err != nil || len(list) != 1 || list[0].ApprovalID != held.ApprovalID || list[0].ActionID != "http_post" || list[0].Principal != "dev:anonymous" {
				t.Fatalf("List = %+v, %v", list, err)
			}
			if _, ok := list[0].Expires(); !ok {
				t.Errorf("no expiry in %+v", list[0])
			}
			d, err := e.op.Get(ctx, held.ApprovalID)
			if err != nil {
				t.Fatal(err)
			}
			if dom, _ := d.Learns(); dom != "example.org" || d.RiskLevel != "medium" ||
				cmp.Diff([]string{"https://example.org/post"}, operator.Strings(d.Targets)) != "" ||
				cmp.Diff([]string{"httpbin.org"}, operator.Strings(d.Egress)) != "" {
				t.Errorf("Get = %+v (targets %s, egress %s)", d, d.Targets, d.Egress)
			}
			dec, err := e.op.Approve(ctx, held.ApprovalID, operator.Learn{})
			if err != nil {
				t.Fatal(err)
			}
			if dec.Result != operator.ResultApproved || dec.ApprovedBy != "ops" || dec.LearnedDomain != "example.org" || dec.ReceiptID == "" || !dec.Verified {
				t.Errorf("Approve = %+v", dec)
			}
			// The agent's poll sees it, and its receipt has the output.
			p, err := e.agent.Poll(ctx, held.Lease, held.ApprovalID)
			if err != nil || p.Status != "approved" || p.ReceiptID != dec.ReceiptID {
				t.Fatalf("Poll = %+v, %v", p, err)
			}
			// Learned: the same domain is no longer held.
			if res, err := e.agent.Execute(ctx, "http_post", json.RawMessage(`{"url":"https://example.org/x","body":"{}"}`)); err != nil || res.Status != 200 {
				t.Errorf("after learning = %+v, %v", res, err)
			}
			// Again: the terminal state, not an error.
			again, err := e.op.Approve(ctx, held.ApprovalID, operator.Learn{})
			if err != nil || again.Result != operator.ResultAlreadyApproved || !again.Already() || again.ReceiptID != dec.ReceiptID {
				t.Errorf("approve again = %+v, %v", again, err)
			}
			assertWire(t, e.g, false)
		})
	}
}

func TestDenyReachesAgent(t *testing.T) {
	t.Parallel()
	e := start(t, "unix", nil)
	ctx := context.Background()
	held := e.hold(t, "deny.example")
	dec, err := e.op.Deny(ctx, held.ApprovalID, "not\x1b[2J now\x00")
	if err != nil {
		t.Fatal(err)
	}
	if dec.Result != operator.ResultDenied || dec.DeniedBy != "ops" || dec.DenyReason != "not [2J now" {
		t.Errorf("Deny = %+v", dec)
	}
	p, err := e.agent.Poll(ctx, held.Lease, held.ApprovalID)
	if err != nil || p.Status != "denied" || p.Reason != "not [2J now" {
		t.Errorf("Poll = %+v, %v", p, err)
	}
	if len(e.g.Learned()) != 0 {
		t.Errorf("a denial taught the gate: %+v", e.g.Learned())
	}
	// No reason: no body, the gate's default.
	held2 := e.hold(t, "deny2.example")
	if dec, err := e.op.Deny(ctx, held2.ApprovalID, "  "); err != nil || dec.DenyReason != "operator_denied" {
		t.Errorf("Deny without reason = %+v, %v", dec, err)
	}
	assertWire(t, e.g, false)
}

// TestConflictIsNotGateUnavailable is gap G12: a 409 says another
// operator is deciding.
func TestConflictIsNotGateUnavailable(t *testing.T) {
	t.Parallel()
	e := start(t, "tcp", nil)
	ctx := context.Background()
	e.g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Delay: 400 * time.Millisecond})
	held, err := e.agent.Execute(ctx, "gmail_send", json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := e.op.Approve(ctx, held.ApprovalID, operator.Learn{}); done <- err }()
	deadline := time.Now().Add(5 * time.Second)
	for e.g.Approvals()[0].State != gatetest.StateClaimed {
		if time.Now().After(deadline) {
			t.Fatal("never claimed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err = e.op.Deny(ctx, held.ApprovalID, "too late")
	var oe *operator.Error
	if !errors.As(err, &oe) || !oe.Conflict() || operator.ResultOf(nil, err) != operator.ResultConflict {
		t.Fatalf("concurrent deny = %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "another operator is deciding") || strings.Contains(msg, "unavailable") {
		t.Errorf("message %q", msg)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Unknown: not found.
	_, err = e.op.Approve(ctx, "019a0000-0000-7000-8000-000000000000", operator.Learn{})
	if operator.ResultOf(nil, err) != operator.ResultNotFound || !strings.Contains(err.Error(), "expired") {
		t.Errorf("unknown = %v", err)
	}
}

// TestApproveOutlastsReadTimeout is gap G4: the gate executes the held
// action before it answers an approve, so approve has its own, long
// timeout; the read timeout does not cut it short.
func TestApproveOutlastsReadTimeout(t *testing.T) {
	t.Parallel()
	e := start(t, "unix", func(c *operator.Config) { c.Timeout = 50 * time.Millisecond })
	ctx := context.Background()
	e.g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Delay: 300 * time.Millisecond})
	held, err := e.agent.Execute(ctx, "gmail_send", json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if dec, err := e.op.Approve(ctx, held.ApprovalID, operator.Learn{}); err != nil || dec.Result != operator.ResultApproved {
		t.Fatalf("approve of a slow action = %+v, %v", dec, err)
	}
	// A read does time out at 50ms against a stalled gate.
	e.g.Inject(gatetest.RouteApprovals, gatetest.Fault{Kind: gatetest.Stall, Count: 1})
	_, err = e.op.List(ctx, operator.ListOptions{})
	var te *operator.TransportError
	if !errors.As(err, &te) || !te.Timeout {
		t.Errorf("stalled list = %v", err)
	}
}

func TestLearnChoiceAndAllowlistWithColon(t *testing.T) {
	t.Parallel()
	e := start(t, "tcp", nil)
	ctx := context.Background()
	held := e.hold(t, "one.example")
	dec, err := e.op.Approve(ctx, held.ApprovalID, operator.Learn{Domain: "two.example"})
	if err != nil || dec.LearnedDomain != "two.example" {
		t.Fatalf("approve with learn_domain = %+v, %v", dec, err)
	}
	// G10: the principal has a colon.
	if err := e.op.Allowlist(ctx, "gmail_send", "dev:anonymous", false); err != nil {
		t.Fatal(err)
	}
	if res, err := e.agent.Execute(ctx, "gmail_send", json.RawMessage(`{}`)); err != nil || res.Status != 200 {
		t.Errorf("allowlisted call = %+v, %v", res, err)
	}
	if err := e.op.Allowlist(ctx, "gmail_send", "dev:anonymous", true); err != nil {
		t.Fatal(err)
	}
	if err := e.op.Allowlist(ctx, "gmail_send", "../admin", false); err == nil || !strings.Contains(err.Error(), "invalid agent_id") {
		t.Errorf("bad agent id = %v", err)
	}
	var oe *operator.Error
	if err := e.op.Allowlist(ctx, "nope", "uid:1000", false); !errors.As(err, &oe) || oe.Status != 404 {
		t.Errorf("unknown action = %v", err)
	}
}

// TestAuditRoutes is gap G7: the audit routes that exist, by trace id.
func TestAuditRoutes(t *testing.T) {
	t.Parallel()
	e := start(t, "unix", nil)
	ctx := context.Background()
	held := e.hold(t, "audit.example")
	if _, err := e.op.Deny(ctx, held.ApprovalID, "no"); err != nil {
		t.Fatal(err)
	}
	evs, err := e.op.AuditEvents(ctx, operator.AuditQuery{TraceID: held.TraceID, Limit: 25})
	if err != nil || len(evs) != 2 {
		t.Fatalf("AuditEvents = %s, %v", evs, err)
	}
	var first map[string]any
	must(t, json.Unmarshal(evs[0], &first))
	if first["event_type"] != "approval_denied" || first["operator"] != "ops" {
		t.Errorf("newest event = %v", first)
	}
	for _, r := range e.g.RequestsFor(gatetest.RouteAuditEvents) {
		if r.Path != "/v1/audit/events" || !strings.Contains(r.RawQuery, "trace_id="+held.TraceID) {
			t.Errorf("audit request %s?%s", r.Path, r.RawQuery)
		}
	}
	if _, err := e.op.AuditEvents(ctx, operator.AuditQuery{TraceID: "a b"}); err == nil {
		t.Error("a trace id with a space was sent")
	}
}

func TestCredentialErrorsAndHints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("wrong_public_base_url", func(t *testing.T) {
		e := start(t, "unix", func(c *operator.Config) { c.PublicBaseURL = "http://localhost:3999" })
		err := e.op.Check(ctx)
		var oe *operator.Error
		if !errors.As(err, &oe) || !oe.Unauthorized() {
			t.Fatalf("Check = %v", err)
		}
		// list cannot say which: the hint names both.
		if h := operator.Hint(err); !strings.Contains(h, "token and key") || !strings.Contains(h, "public_base_url") {
			t.Errorf("hint %q", h)
		}
		// approve can: the htu.
		held := e.hold(t, "x.example")
		_, err = e.op.Approve(ctx, held.ApprovalID, operator.Learn{})
		if h := operator.Hint(err); !strings.Contains(h, "public_base_url") || strings.Contains(h, "token") {
			t.Errorf("approve hint %q (err %v)", h, err)
		}
	})
	t.Run("wrong_token", func(t *testing.T) {
		e := start(t, "tcp", func(c *operator.Config) { c.Token = "key-ops-00000000000000000000000000000000" })
		held := e.hold(t, "x.example")
		_, err := e.op.Approve(ctx, held.ApprovalID, operator.Learn{})
		if h := operator.Hint(err); !strings.Contains(h, "token matches no") {
			t.Errorf("hint %q (err %v)", h, err)
		}
		assertWire(t, e.g, true)
	})
	t.Run("wrong_key", func(t *testing.T) {
		other, _ := gate.GenerateKey()
		e := start(t, "tcp", func(c *operator.Config) { c.Key = other })
		held := e.hold(t, "x.example")
		_, err := e.op.Approve(ctx, held.ApprovalID, operator.Learn{})
		if h := operator.Hint(err); !strings.Contains(h, "dpop_jkt") {
			t.Errorf("hint %q (err %v)", h, err)
		}
	})
	t.Run("no_socket", func(t *testing.T) {
		e := start(t, "unix", func(c *operator.Config) { c.Socket = filepath.Join(t.TempDir(), "none.sock") })
		err := e.op.Check(ctx)
		if h := operator.Hint(err); !strings.Contains(h, "not found") {
			t.Errorf("hint %q (err %v)", h, err)
		}
	})
	t.Run("bad_ids_never_sent", func(t *testing.T) {
		e := start(t, "tcp", nil)
		for _, id := range []string{"../leases", "019E6963-ABCD-7DEF-8901-234567890ABC", ""} {
			if _, err := e.op.Approve(ctx, id, operator.Learn{}); err == nil || !strings.Contains(err.Error(), "invalid approval id") {
				t.Errorf("approve %q = %v", id, err)
			}
		}
		if n := len(e.g.RequestsFor(gatetest.RouteApprove)); n != 0 {
			t.Errorf("%d approve requests reached the gate", n)
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	key, _ := gate.GenerateKey()
	ok := operator.Config{Key: key, Token: "key-a-0", PublicBaseURL: "http://localhost:3000", Socket: "/run/x.sock"}
	for name, mod := range map[string]func(*operator.Config){
		"no key":           func(c *operator.Config) { c.Key = nil },
		"no token":         func(c *operator.Config) { c.Token = "" },
		"token with space": func(c *operator.Config) { c.Token = "key a" },
		"no public base":   func(c *operator.Config) { c.PublicBaseURL = "" },
		"both transports":  func(c *operator.Config) { c.URL = "http://127.0.0.1:3001" },
		"tls on a socket":  func(c *operator.Config) { c.TLS = &tls.Config{} },
		"tls on http":      func(c *operator.Config) { c.Socket, c.URL, c.TLS = "", "http://127.0.0.1:3001", &tls.Config{} },
		"neither":          func(c *operator.Config) { c.Socket = "" },
	} {
		c := ok
		mod(&c)
		if _, err := operator.New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := operator.New(ok); err != nil {
		t.Errorf("good config: %v", err)
	}
}

// TestHTTPSAdminWithMutualTLS is gap G17: the admin mTLS listener.
func TestHTTPSAdminWithMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ccert, certFile, keyFile := clientCert(t, dir)
	e := start(t, "none", nil) // no admin listener yet; the client below is the one used
	u, srvCert := gatetest.StartAdminHTTPS(t, e.g, ccert)
	caFile := writePEM(t, dir, "ca.pem", "CERTIFICATE", srvCert.Raw)
	key, _, _ := operator.LoadKey(filepath.Join(e.dir, gatetest.OperatorKeyFile))
	tok, _, _ := operator.LoadToken(filepath.Join(e.dir, gatetest.OperatorTokenFile))
	mk := func(files gate.TLSFiles) *operator.Client {
		cfg, err := files.Load()
		if err != nil {
			t.Fatal(err)
		}
		c, err := operator.New(operator.Config{URL: u, TLS: cfg, Key: key, Token: tok, PublicBaseURL: e.g.PublicBaseURL()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c
	}
	ctx := context.Background()
	held := e.hold(t, "tls.example")
	if _, err := mk(gate.TLSFiles{CA: caFile, Cert: certFile, Key: keyFile}).Approve(ctx, held.ApprovalID, operator.Learn{}); err != nil {
		t.Fatalf("approve over mTLS: %v", err)
	}
	if err := mk(gate.TLSFiles{CA: caFile}).Check(ctx); !strings.Contains(operator.Hint(err), "--tls-cert") {
		t.Errorf("without a client certificate: %v (hint %q)", err, operator.Hint(err))
	}
	if err := mk(gate.TLSFiles{Cert: certFile, Key: keyFile}).Check(ctx); !strings.Contains(operator.Hint(err), "--tls-ca") {
		t.Errorf("untrusted server: %v (hint %q)", err, operator.Hint(err))
	}
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func clientCert(t *testing.T, dir string) (*x509.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "operator test client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, writePEM(t, dir, "client.pem", "CERTIFICATE", der), writePEM(t, dir, "client-key.pem", "PRIVATE KEY", kder)
}

// must stops the test when a setup step fails, so that it never goes on
// to check the wrong thing.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
