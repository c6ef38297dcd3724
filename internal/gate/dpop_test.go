package gate

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

type vecKey struct {
	D, X, Y  string
	JKT      string `json:"jkt_thumbprint_rfc7638"`
	PKCS8    string `json:"pem_pkcs8"`
	SEC1     string `json:"pem_sec1"`
	JWKS_KID string `json:"jwks_kid_if_used_as_issuer_key"`
}

type vecProof struct {
	Name          string `json:"name"`
	SignerKey     string `json:"signer_key"`
	HeaderJSON    string `json:"header_json"`
	PayloadJSON   string `json:"payload_json"`
	HeaderB64     string `json:"header_b64"`
	PayloadB64    string `json:"payload_b64"`
	Proof         string `json:"proof"`
	Authorization string `json:"authorization_header"`
	ExpectedHTM   string `json:"expected_htm"`
	ExpectedHTU   string `json:"expected_htu"`
}

func vecKeys(t *testing.T, v *vectors) map[string]vecKey {
	t.Helper()
	var ks struct {
		Keys map[string]vecKey `json:"keys"`
	}
	if err := json.Unmarshal(v.Raw["keys"], &ks); err != nil || len(ks.Keys) == 0 {
		t.Fatalf("decode keys vectors: %v", err)
	}
	return ks.Keys
}

// keyFromD builds a Key from the vector's private scalar, with
// deterministic signing so signatures can be compared byte for byte.
func keyFromD(t *testing.T, d string) *Key {
	t.Helper()
	raw, err := b64.DecodeString(d)
	if err != nil {
		t.Fatalf("decode d: %v", err)
	}
	ek, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		t.Fatalf("load d: %v", err)
	}
	k, err := NewKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	k.random = nil
	return k
}

func TestKeyVectors(t *testing.T) {
	v := loadVectors(t)
	for name, vk := range vecKeys(t, v) {
		t.Run(name, func(t *testing.T) {
			k := keyFromD(t, vk.D)
			if k.JWK().X != vk.X || k.JWK().Y != vk.Y {
				t.Errorf("JWK = %+v, want x=%s y=%s", k.JWK(), vk.X, vk.Y)
			}
			if k.Thumbprint() != vk.JKT {
				t.Errorf("Thumbprint = %s, want %s", k.Thumbprint(), vk.JKT)
			}
			for format, pemText := range map[string]string{"pkcs8": vk.PKCS8, "sec1": vk.SEC1} {
				pk, err := ParsePEMKey([]byte(pemText))
				if err != nil {
					t.Fatalf("ParsePEMKey(%s): %v", format, err)
				}
				if pk.Thumbprint() != vk.JKT {
					t.Errorf("ParsePEMKey(%s) thumbprint = %s, want %s", format, pk.Thumbprint(), vk.JKT)
				}
			}
		})
	}
}

func TestParsePEMKeyRejects(t *testing.T) {
	for name, text := range map[string]string{
		"empty":     "",
		"not pem":   "hello",
		"encrypted": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"cert":      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	} {
		if _, err := ParsePEMKey([]byte(text)); err == nil {
			t.Errorf("ParsePEMKey(%s) succeeded, want error", name)
		}
	}
}

func TestATHVectors(t *testing.T) {
	v := loadVectors(t)
	var a struct {
		Vectors []struct{ Token, ATH string } `json:"vectors"`
	}
	if err := json.Unmarshal(v.Raw["ath"], &a); err != nil || len(a.Vectors) == 0 {
		t.Fatalf("decode ath vectors: %v", err)
	}
	for _, c := range a.Vectors {
		if got := ATH(c.Token); got != c.ATH {
			t.Errorf("ATH(%q) = %s, want %s", c.Token, got, c.ATH)
		}
	}
}

// TestProofVectors signs each fixed proof's input with the vector key and
// checks the signature is byte-identical (RFC 6979), and, where the header
// is in our key order, that Proof builds the whole proof identically from
// method, htu, token, iat and jti.
func TestProofVectors(t *testing.T) {
	v := loadVectors(t)
	keys := vecKeys(t, v)
	var ps struct {
		Proofs []vecProof `json:"proofs"`
	}
	if err := json.Unmarshal(v.Raw["dpop_proofs_valid"], &ps); err != nil || len(ps.Proofs) == 0 {
		t.Fatalf("decode proofs: %v", err)
	}
	wholeProofs := 0
	for _, p := range ps.Proofs {
		t.Run(p.Name, func(t *testing.T) {
			k := keyFromD(t, keys[p.SignerKey].D)
			sig, err := k.sign([]byte(p.HeaderB64 + "." + p.PayloadB64))
			if err != nil {
				t.Fatal(err)
			}
			if want := p.Proof[strings.LastIndexByte(p.Proof, '.')+1:]; b64.EncodeToString(sig) != want {
				t.Errorf("signature = %s, want %s", b64.EncodeToString(sig), want)
			}
			var claims struct {
				JTI, HTM, HTU, ATH string
				IAT                int64
			}
			if err := json.Unmarshal([]byte(p.PayloadJSON), &claims); err != nil {
				t.Fatal(err)
			}
			token := strings.TrimPrefix(p.Authorization, "DPoP ")
			if ATH(token) != claims.ATH {
				t.Fatalf("vector token does not match its ath")
			}
			ours, _ := json.Marshal(proofHeader{Alg: "ES256", JWK: k.JWK(), Typ: "dpop+jwt"})
			if string(ours) != p.HeaderJSON {
				return // header in another signer's key order
			}
			wholeProofs++
			got, err := k.Proof(strings.ToLower(claims.HTM), claims.HTU, token, time.Unix(claims.IAT, 0), claims.JTI)
			if err != nil {
				t.Fatal(err)
			}
			if got != p.Proof {
				t.Errorf("Proof =\n%s\nwant\n%s", got, p.Proof)
			}
		})
	}
	if wholeProofs == 0 {
		t.Error("no vector proof was rebuilt whole; the header order check is wrong")
	}
}

// TestProofVerifies checks a proof from a random key with an independent
// verification: structure, header, claims, and the ES256 signature.
func TestProofVerifies(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1900000000, 0)
	proof, err := k.Proof("post", "HTTP://LocalHost:80/v1/actions/x/execute?q=1#f", "tok", now, "jti-1")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		t.Fatalf("proof has %d segments", len(parts))
	}
	hb, _ := b64.DecodeString(parts[0])
	pb, _ := b64.DecodeString(parts[1])
	var h map[string]any
	var p map[string]any
	if err := json.Unmarshal(hb, &h); err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(pb)))
	d.UseNumber()
	if err := d.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if h["typ"] != "dpop+jwt" || h["alg"] != "ES256" || len(h) != 3 {
		t.Errorf("header = %v", h)
	}
	jwk := h["jwk"].(map[string]any)
	if jwk["kty"] != "EC" || jwk["crv"] != "P-256" || jwk["x"] != k.JWK().X || jwk["y"] != k.JWK().Y {
		t.Errorf("header jwk = %v", jwk)
	}
	want := map[string]any{"jti": "jti-1", "htm": "POST", "htu": "http://localhost/v1/actions/x/execute",
		"iat": json.Number("1900000000"), "ath": ATH("tok")}
	if len(p) != len(want) {
		t.Errorf("payload = %v, want exactly %v", p, want)
	}
	for key, w := range want {
		if p[key] != w {
			t.Errorf("payload %s = %v, want %v", key, p[key], w)
		}
	}
	sig, _ := b64.DecodeString(parts[2])
	if len(sig) != 64 {
		t.Fatalf("signature is %d bytes, want 64", len(sig))
	}
	x, _ := b64.DecodeString(k.JWK().X)
	y, _ := b64.DecodeString(k.JWK().Y)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Error("signature does not verify")
	}
	again, _ := k.Proof("POST", "http://localhost/v1/actions/x/execute", "tok", now, "jti-1")
	if again == proof {
		t.Error("two proofs are identical; signing is not randomised")
	}
}

// TestJWKPadding checks coordinates are always 32 bytes, also when the
// big-endian value has leading zero bytes.
func TestJWKPadding(t *testing.T) {
	for i := 0; i < 4000; i++ {
		k, err := GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		x, _ := b64.DecodeString(k.JWK().X)
		y, _ := b64.DecodeString(k.JWK().Y)
		if len(x) != 32 || len(y) != 32 {
			t.Fatalf("coordinates %d/%d bytes", len(x), len(y))
		}
		if x[0] == 0 || y[0] == 0 {
			return
		}
	}
	t.Skip("no key with a leading zero coordinate byte in 4000 tries")
}

func TestLeaseExpiryVectors(t *testing.T) {
	v := loadVectors(t)
	var le struct {
		Cases []struct {
			JWT string `json:"jwt"`
			Exp *int64 `json:"exp"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(v.Raw["lease_expiry_decode"], &le); err != nil || len(le.Cases) == 0 {
		t.Fatalf("decode: %v", err)
	}
	for _, c := range le.Cases {
		got, ok := LeaseExpiry(c.JWT)
		if c.Exp == nil {
			if ok {
				t.Errorf("LeaseExpiry(%q) = %d, want none", c.JWT, got)
			}
			continue
		}
		if !ok || got != *c.Exp {
			t.Errorf("LeaseExpiry(%q) = %d, %v; want %d", c.JWT, got, ok, *c.Exp)
		}
	}
}

func TestLeaseBodyVector(t *testing.T) {
	v := loadVectors(t)
	var lb struct {
		Allowed []string `json:"allowed_top_level_fields"`
	}
	if err := json.Unmarshal(v.Raw["lease_request_body"], &lb); err != nil {
		t.Fatal(err)
	}
	k, _ := GenerateKey()
	for _, fsRoot := range []string{"", "/home/u/proj"} {
		var body map[string]json.RawMessage
		if err := json.Unmarshal(LeaseBody(k.JWK(), fsRoot), &body); err != nil {
			t.Fatal(err)
		}
		for key := range body {
			found := false
			for _, a := range lb.Allowed {
				found = found || a == key
			}
			if !found {
				t.Errorf("lease body has field %q the gate rejects", key)
			}
		}
		if string(body["scopes"]) != `["tools:call"]` {
			t.Errorf("scopes = %s", body["scopes"])
		}
		_, has := body["fs_root"]
		if has != (fsRoot != "") {
			t.Errorf("fs_root present = %v for %q", has, fsRoot)
		}
		var jwk map[string]string
		_ = json.Unmarshal(body["dpop_jwk"], &jwk)
		if jwk["kty"] != "EC" || jwk["crv"] != "P-256" || jwk["x"] != k.JWK().X || len(jwk) != 4 {
			t.Errorf("dpop_jwk = %v", jwk)
		}
	}
}

func TestValidateActionIDVectors(t *testing.T) {
	v := loadVectors(t)
	var iv struct {
		Accept []string `json:"accept"`
		Reject []string `json:"reject"`
	}
	if err := json.Unmarshal(v.Raw["identifier_validation_agent"], &iv); err != nil || len(iv.Accept) == 0 {
		t.Fatalf("decode: %v", err)
	}
	for _, id := range iv.Accept {
		if err := ValidateActionID(id); err != nil {
			t.Errorf("ValidateActionID(%q) = %v, want ok", id, err)
		}
	}
	for _, id := range iv.Reject {
		if err := ValidateActionID(id); err == nil {
			t.Errorf("ValidateActionID(%q) ok, want error", id)
		}
	}
}

func TestSanitizeVectors(t *testing.T) {
	v := loadVectors(t)
	var sv struct {
		MaxBytes int `json:"max_bytes"`
		Cases    []struct {
			Input       *string `json:"input"`
			InputRepeat *struct {
				Char  string `json:"char"`
				Count int    `json:"count"`
			} `json:"input_repeat"`
			Output      *string `json:"output"`
			MaxBytes    int     `json:"max_bytes"`
			OutputLen   int     `json:"output_len_bytes"`
			OutputChars int     `json:"output_chars"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(v.Raw["deny_reason_sanitization"], &sv); err != nil || len(sv.Cases) == 0 {
		t.Fatalf("decode: %v", err)
	}
	for i, c := range sv.Cases {
		in := ""
		if c.Input != nil {
			in = *c.Input
		} else if c.InputRepeat != nil {
			in = strings.Repeat(c.InputRepeat.Char, c.InputRepeat.Count)
		}
		max := sv.MaxBytes
		if c.MaxBytes > 0 {
			max = c.MaxBytes
		}
		got := Sanitize(in, max)
		switch {
		case c.Output != nil && *c.Output == "unchanged":
			if got != in {
				t.Errorf("case %d: changed", i)
			}
		case c.Output != nil:
			if got != *c.Output {
				t.Errorf("case %d: Sanitize = %q, want %q", i, got, *c.Output)
			}
		}
		if c.OutputLen > 0 && len(got) != c.OutputLen {
			t.Errorf("case %d: %d bytes, want %d", i, len(got), c.OutputLen)
		}
		if c.OutputChars > 0 && len([]rune(got)) != c.OutputChars {
			t.Errorf("case %d: %d chars, want %d", i, len([]rune(got)), c.OutputChars)
		}
	}
}

func TestUUIDv7(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		u := NewUUIDv7()
		if len(u) != 36 || u[14] != '7' || !strings.ContainsRune("89ab", rune(u[19])) || strings.ToLower(u) != u {
			t.Fatalf("bad uuid %q", u)
		}
		if seen[u] {
			t.Fatalf("duplicate uuid %q", u)
		}
		seen[u] = true
	}
}

func TestLeaseJWTExample(t *testing.T) {
	v := loadVectors(t)
	var ex struct {
		JWT    string `json:"jwt"`
		ATH    string `json:"ath_of_jwt"`
		Claims struct {
			Sub       string `json:"sub"`
			Exp       int64  `json:"exp"`
			Iat       int64  `json:"iat"`
			SessionID string `json:"session_id"`
			Cnf       struct {
				JKT string `json:"jkt"`
			} `json:"cnf"`
		} `json:"claims"`
		AgentKey string `json:"agent_key"`
	}
	if err := json.Unmarshal(v.Raw["lease_jwt_example"], &ex); err != nil || ex.JWT == "" {
		t.Fatalf("decode: %v", err)
	}
	lc, ok := DecodeLeaseClaims(ex.JWT)
	if !ok || lc.Sub != ex.Claims.Sub || lc.Exp != ex.Claims.Exp || lc.Iat != ex.Claims.Iat || lc.SessionID != ex.Claims.SessionID {
		t.Errorf("DecodeLeaseClaims = %+v, %v; want %+v", lc, ok, ex.Claims)
	}
	if ATH(ex.JWT) != ex.ATH {
		t.Errorf("ATH(lease) = %s, want %s", ATH(ex.JWT), ex.ATH)
	}
	if k := keyFromD(t, vecKeys(t, v)[ex.AgentKey].D); k.Thumbprint() != ex.Claims.Cnf.JKT {
		t.Errorf("agent key thumbprint %s is not the lease's cnf.jkt %s", k.Thumbprint(), ex.Claims.Cnf.JKT)
	}
}

// TestWireFixtures decodes the SDK's wire fixtures with the client's types.
func TestWireFixtures(t *testing.T) {
	v := loadVectors(t)
	var fx struct {
		Receipt   json.RawMessage `json:"RECEIPT_OK"`
		Pending   json.RawMessage `json:"APPROVAL_PENDING_202"`
		Approved  json.RawMessage `json:"APPROVAL_POLL_APPROVED"`
		Denied    json.RawMessage `json:"APPROVAL_POLL_DENIED"`
		PollWait  json.RawMessage `json:"APPROVAL_POLL_PENDING"`
		ErrBodies []struct {
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"error_bodies"`
	}
	if err := json.Unmarshal(v.Raw["sdk_wire_fixtures"], &fx); err != nil {
		t.Fatal(err)
	}
	var rc Receipt
	err := json.Unmarshal(fx.Receipt, &rc)
	var compact bytes.Buffer
	_ = json.Compact(&compact, rc.ProviderReceipt)
	if err != nil || !rc.FullySuccessful() || compact.String() != `{"status":200}` {
		t.Errorf("receipt = %+v, %v", rc, err)
	}
	var ex ExecuteResult
	if err := json.Unmarshal(fx.Pending, &ex); err != nil || ex.Decision != "pending_approval" || ex.ApprovalID != "appr-001" || ex.TraceID != "trace-002" {
		t.Errorf("202 = %+v, %v", ex, err)
	}
	for raw, want := range map[string]PollResult{
		string(fx.Approved): {Status: "approved", ReceiptID: "rcpt-099"},
		string(fx.Denied):   {Status: "denied", Reason: "risk too high"},
		string(fx.PollWait): {Status: "pending", RetryAfterSeconds: 2},
	} {
		var p PollResult
		if err := json.Unmarshal([]byte(raw), &p); err != nil || p != want {
			t.Errorf("poll %s = %+v, %v", raw, p, err)
		}
	}
	for _, eb := range fx.ErrBodies {
		e := newError("op", eb.Status, func(string) string { return "" }, eb.Body)
		var body struct {
			Error      string `json:"error"`
			DenyReason string `json:"deny_reason"`
		}
		_ = json.Unmarshal(eb.Body, &body)
		if e.Code != body.Error || e.DenyReason != body.DenyReason || e.Status != eb.Status {
			t.Errorf("error body %s = %+v", eb.Body, e)
		}
	}
}
