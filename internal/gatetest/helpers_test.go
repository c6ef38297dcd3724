package gatetest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// This file is the tests' own tiny gate client. It signs proofs with its
// own code (crypto/ecdsa directly, thumbprints via encoding/json), so the
// gate's JOSE helpers are checked against an independent implementation
// as well as against the fixed vectors.

var enc = base64.RawURLEncoding

// fakeClock is a settable clock shared by the gate and the test client.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(unix int64) *fakeClock { return &fakeClock{t: time.Unix(unix, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testClient struct {
	t       testing.TB
	base    string // where requests go: http://127.0.0.1:port or http://localhost (unix)
	htuBase string // public base URL for proofs
	hc      *http.Client
	key     *ecdsa.PrivateKey
	lease   string
	now     func() time.Time
	jtiSeq  atomic.Int64
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newClient returns a client for g over TCP, or over its Unix socket when
// the gate has no TCP listener.
func newClient(t testing.TB, g *Gate, now func() time.Time) *testClient {
	t.Helper()
	c := &testClient{t: t, htuBase: g.PublicBaseURL(), key: newKey(t), now: now}
	if c.now == nil {
		c.now = time.Now
	}
	if u := g.URL(); u != "" {
		c.base = u
		c.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	} else {
		c.base = "http://localhost"
		c.hc = unixHTTPClient(g.SocketPath())
	}
	t.Cleanup(c.hc.CloseIdleConnections)
	return c
}

// unixHTTPClient dials path for every connection, as the real client's
// UDS transport does; the URL host only fills the Host header.
func unixHTTPClient(path string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

// coords returns the b64url x and y of pub: the halves of its
// uncompressed SEC 1 form, 0x04 || x || y. The tests' keys are P-256 keys
// from ecdsa.GenerateKey, which Bytes encodes without fail.
func coords(pub *ecdsa.PublicKey) (string, string) {
	b, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	return enc.EncodeToString(b[1:33]), enc.EncodeToString(b[33:])
}

// jkt computes the RFC 7638 thumbprint via encoding/json of an ordered
// struct, independently of the gate's string building.
func jkt(pub *ecdsa.PublicKey) string {
	x, y := coords(pub)
	b, _ := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{"P-256", "EC", x, y})
	sum := sha256.Sum256(b)
	return enc.EncodeToString(sum[:])
}

// sign produces header.payload.sig with raw r||s.
func sign(t testing.TB, key *ecdsa.PrivateKey, header, payload []byte) string {
	t.Helper()
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := append(pad32(r), pad32(s)...)
	return input + "." + enc.EncodeToString(sig)
}

func pad32(n *big.Int) []byte {
	b := make([]byte, 32)
	n.FillBytes(b)
	return b
}

// proofSpec describes a proof; zero fields take the correct value.
type proofSpec struct {
	htm, htu, token string
	iat             *int64
	iatRaw          string // overrides iat with raw JSON, e.g. "1.5"
	jti             string
	ath             *string
	typ             string
	jwkKey          *ecdsa.PrivateKey // key whose JWK goes in the header (default: c.key)
	signKey         *ecdsa.PrivateKey // key that signs (default: c.key)
	noJWK           bool
}

func (c *testClient) proof(p proofSpec) string {
	if p.typ == "" {
		p.typ = "dpop+jwt"
	}
	if p.jwkKey == nil {
		p.jwkKey = c.key
	}
	if p.signKey == nil {
		p.signKey = c.key
	}
	if p.jti == "" {
		p.jti = fmt.Sprintf("test-jti-%d-%d", time.Now().UnixNano(), c.jtiSeq.Add(1))
	}
	x, y := coords(&p.jwkKey.PublicKey)
	hdr := map[string]any{"typ": p.typ, "alg": "ES256", "jwk": map[string]string{"kty": "EC", "crv": "P-256", "x": x, "y": y}}
	if p.noJWK {
		delete(hdr, "jwk")
	}
	hb, _ := json.Marshal(hdr)
	sum := sha256.Sum256([]byte(p.token))
	a := enc.EncodeToString(sum[:])
	if p.ath != nil {
		a = *p.ath
	}
	iat := fmt.Sprint(c.now().Unix())
	if p.iat != nil {
		iat = fmt.Sprint(*p.iat)
	}
	if p.iatRaw != "" {
		iat = p.iatRaw
	}
	payload := fmt.Sprintf(`{"jti":%q,"htm":%q,"htu":%q,"iat":%s,"ath":%q}`, p.jti, p.htm, p.htu, iat, a)
	return sign(c.t, p.signKey, hb, []byte(payload))
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %q", r.status, r.body)
	}
	return m
}

func (c *testClient) send(method, path string, body []byte, header map[string]string) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		if v == "\x00" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer func() { _ = resp.Body.Close() }() // the body is read; closing it has nothing to report
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func (c *testClient) mustSend(method, path string, body []byte, header map[string]string) response {
	c.t.Helper()
	r, err := c.send(method, path, body, header)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// leaseBody is what a well-behaved client sends.
func (c *testClient) leaseBody(extra string) []byte {
	x, y := coords(&c.key.PublicKey)
	return []byte(fmt.Sprintf(`{"scopes":["tools:call"],"dpop_jwk":{"kty":"EC","crv":"P-256","x":%q,"y":%q}%s}`, x, y, extra))
}

func (c *testClient) issueLease() map[string]any {
	c.t.Helper()
	r := c.mustSend("POST", "/v1/leases", c.leaseBody(""), nil)
	if r.status != 200 {
		c.t.Fatalf("POST /v1/leases = %d %s", r.status, r.body)
	}
	m := r.json(c.t)
	c.lease = m["lease_jwt"].(string)
	return m
}

// authed sends an authenticated request with a fresh correct proof.
func (c *testClient) authed(method, path string, body []byte) response {
	c.t.Helper()
	proof := c.proof(proofSpec{htm: method, htu: c.htuBase + path, token: c.lease})
	return c.mustSend(method, path, body, map[string]string{"Authorization": "DPoP " + c.lease, "DPoP": proof})
}

func (c *testClient) execute(action string, body string) response {
	c.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return c.authed("POST", "/v1/actions/"+action+"/execute", b)
}

func wantError(t testing.TB, r response, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	m := r.json(t)
	if m["error"] != code {
		t.Fatalf("error = %v, want %s (body %s)", m["error"], code, r.body)
	}
	return m
}

func wantBare(t testing.TB, r response, status int) {
	t.Helper()
	if r.status != status || len(r.body) != 0 {
		t.Fatalf("got %d %q, want bare %d", r.status, r.body, status)
	}
}

// vectorFile is the part of testdata/gate-vectors.json the tests read.
type vectorFile struct {
	JCSGolden struct {
		Vectors []struct {
			Description string          `json:"description"`
			Input       json.RawMessage `json:"input"`
			Canonical   string          `json:"canonical"`
			SHA256      string          `json:"sha256"`
		} `json:"vectors"`
	} `json:"jcs_golden"`
	HTU struct {
		Cases []struct {
			Input      string  `json:"input"`
			Normalised *string `json:"normalised"`
		} `json:"cases"`
	} `json:"htu_normalization"`
	Keys struct {
		Keys map[string]struct {
			D   string `json:"d"`
			X   string `json:"x"`
			Y   string `json:"y"`
			JKT string `json:"jkt_thumbprint_rfc7638"`
			Kid string `json:"jwks_kid_if_used_as_issuer_key"`
		} `json:"keys"`
	} `json:"keys"`
	ATH struct {
		Vectors []struct {
			Token string `json:"token"`
			ATH   string `json:"ath"`
		} `json:"vectors"`
	} `json:"ath"`
	Lease struct {
		Claims struct {
			Exp int64 `json:"exp"`
			Nbf int64 `json:"nbf"`
			Jti string
			Cnf struct {
				JKT string `json:"jkt"`
			} `json:"cnf"`
			SessionID string `json:"session_id"`
		} `json:"claims"`
		Header struct {
			Kid string `json:"kid"`
		} `json:"header"`
		JWT      string `json:"jwt"`
		ATHOfJWT string `json:"ath_of_jwt"`
	} `json:"lease_jwt_example"`
	Valid struct {
		Proofs []struct {
			Name          string `json:"name"`
			Proof         string `json:"proof"`
			Authorization string `json:"authorization_header"`
			HTM           string `json:"expected_htm"`
			HTU           string `json:"expected_htu"`
			JKT           string `json:"cnf_jkt"`
			Operator      struct {
				JKT string `json:"dpop_jkt"`
			} `json:"operator_credential"`
			Window [2]int64 `json:"valid_when_now_in"`
		} `json:"proofs"`
	} `json:"dpop_proofs_valid"`
	Invalid struct {
		Cases []struct {
			Name          string `json:"name"`
			Proof         string `json:"proof"`
			Authorization string `json:"authorization_header"`
			HTM           string `json:"expected_htm"`
			HTU           string `json:"expected_htu"`
			JKT           string `json:"cnf_jkt"`
			Now           int64  `json:"now"`
			Expected      string `json:"expected_error"`
		} `json:"cases"`
	} `json:"dpop_proofs_invalid"`
}

func loadVectors(t testing.TB) *vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/gate-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

// vectorKey returns the private key of a named vector key.
func vectorKey(t testing.TB, v *vectorFile, name string) *ecdsa.PrivateKey {
	t.Helper()
	k, ok := v.Keys.Keys[name]
	if !ok {
		t.Fatalf("no vector key %s", name)
	}
	d, err := enc.DecodeString(k.D)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func jwtClaims(t testing.TB, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := enc.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// waitFor polls cond every few milliseconds for at most 5s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
