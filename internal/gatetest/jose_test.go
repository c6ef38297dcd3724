package gatetest

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestCanonicalJSONGolden(t *testing.T) {
	v := loadVectors(t)
	if len(v.JCSGolden.Vectors) == 0 {
		t.Fatal("no JCS vectors")
	}
	for _, tc := range v.JCSGolden.Vectors {
		t.Run(tc.Description, func(t *testing.T) {
			got, err := CanonicalJSON(tc.Input)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.Canonical {
				t.Errorf("canonical = %s, want %s", got, tc.Canonical)
			}
			h, err := RequestHash(tc.Input)
			if err != nil {
				t.Fatal(err)
			}
			if h != tc.SHA256 {
				t.Errorf("hash = %s, want %s", h, tc.SHA256)
			}
		})
	}
}

// TestCanonicalJSONNumbers covers the ECMAScript number rules JCS relies
// on, beyond the golden vectors.
func TestCanonicalJSONNumbers(t *testing.T) {
	for in, want := range map[string]string{
		`1.0`:                                 `1`,
		`-0`:                                  `0`,
		`1e21`:                                `1e+21`,
		`1e20`:                                `100000000000000000000`,
		`0.000001`:                            `0.000001`,
		`0.0000001`:                           `1e-7`,
		`123.456`:                             `123.456`,
		`-1.5e-10`:                            `-1.5e-10`,
		`9007199254740993`:                    `9007199254740992`,
		`{"b":"\u000f","a":"é"}`:              `{"a":"é","b":"\u000f"}`,
		`{"\u20ac":1,"\ud83d\ude00":2,"z":3}`: `{"z":3,"€":1,"😀":2}`,
		// UTF-16 order differs from UTF-8 order above the BMP.
		`{"\uff61":1,"\ud83d\ude00":2}`: `{"😀":2,"｡":1}`,
	} {
		got, err := CanonicalJSON([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if string(got) != want {
			t.Errorf("CanonicalJSON(%s) = %s, want %s", in, got, want)
		}
	}
	if _, err := CanonicalJSON([]byte(`{} {}`)); err == nil {
		t.Error("trailing value accepted")
	}
}

func TestNormalizeHTUVectors(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.HTU.Cases {
		if tc.Normalised == nil {
			// The Rust gate rejects an htu without "://".
			if got, err := NormalizeHTU(tc.Input); err == nil {
				t.Errorf("NormalizeHTU(%q) = %q, want an error", tc.Input, got)
			}
			continue
		}
		got, err := NormalizeHTU(tc.Input)
		if err != nil {
			t.Errorf("NormalizeHTU(%q): %v", tc.Input, err)
			continue
		}
		if got != *tc.Normalised {
			t.Errorf("NormalizeHTU(%q) = %q, want %q", tc.Input, got, *tc.Normalised)
		}
	}
	if _, err := NormalizeHTU("localhost:3000/v1"); err == nil {
		t.Error("htu without scheme accepted")
	}
}

func TestKeyVectors(t *testing.T) {
	v := loadVectors(t)
	for name, k := range v.Keys.Keys {
		priv := vectorKey(t, v, name)
		x, y, err := jwkCoords(&priv.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if x != k.X || y != k.Y {
			t.Errorf("%s: coords %s %s, want %s %s", name, x, y, k.X, k.Y)
		}
		if got := thumbprint(k.X, k.Y); got != k.JKT {
			t.Errorf("%s: thumbprint %s, want %s", name, got, k.JKT)
		}
		if got := jkt(&priv.PublicKey); got != k.JKT {
			t.Errorf("%s: test client thumbprint %s, want %s", name, got, k.JKT)
		}
		kid, err := keyID(&priv.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if kid != k.Kid {
			t.Errorf("%s: kid %s, want %s", name, kid, k.Kid)
		}
	}
	for _, a := range v.ATH.Vectors {
		if got := ath(a.Token); got != a.ATH {
			t.Errorf("ath(%q) = %s, want %s", a.Token, got, a.ATH)
		}
	}
}

func TestVerifyLeaseVector(t *testing.T) {
	v := loadVectors(t)
	key := issuerKey{priv: vectorKey(t, v, "derived_issuer"), kid: v.Lease.Header.Kid}
	l := v.Lease
	lease, aerr := verifyLease(l.JWT, key, time.Unix(l.Claims.Nbf, 0))
	if aerr != nil {
		t.Fatalf("verify at nbf: %v", aerr)
	}
	if lease.JKT != l.Claims.Cnf.JKT || lease.SessionID != l.Claims.SessionID || lease.Subject != "dev:anonymous" {
		t.Errorf("lease = %+v", lease)
	}
	if _, aerr := verifyLease(l.JWT, key, time.Unix(l.Claims.Exp-1, 0)); aerr != nil {
		t.Errorf("verify at exp-1: %v", aerr)
	}
	// Zero leeway on both ends.
	if _, aerr := verifyLease(l.JWT, key, time.Unix(l.Claims.Exp, 0)); aerr == nil || aerr.Code != CodeLeaseExpired {
		t.Errorf("verify at exp: %v, want lease_expired", aerr)
	}
	if _, aerr := verifyLease(l.JWT, key, time.Unix(l.Claims.Nbf-1, 0)); aerr == nil || aerr.Code != CodeInvalidLease {
		t.Errorf("verify before nbf: %v, want invalid_lease", aerr)
	}
	other := issuerKey{priv: vectorKey(t, v, "derived_agent"), kid: v.Lease.Header.Kid}
	if _, aerr := verifyLease(l.JWT, other, time.Unix(l.Claims.Nbf, 0)); aerr == nil || aerr.Code != CodeInvalidLease {
		t.Errorf("verify with wrong key, same kid: %v, want invalid_lease", aerr)
	}
	unknown := issuerKey{priv: key.priv, kid: "0000000000000000"}
	if _, aerr := verifyLease(l.JWT, unknown, time.Unix(l.Claims.Nbf, 0)); aerr == nil || !strings.Contains(aerr.Reason, "unknown kid") {
		t.Errorf("verify with unknown kid: %v", aerr)
	}
}

func TestVerifyProofValidVectors(t *testing.T) {
	v := loadVectors(t)
	if len(v.Valid.Proofs) == 0 {
		t.Fatal("no valid proofs")
	}
	for _, p := range v.Valid.Proofs {
		t.Run(p.Name, func(t *testing.T) {
			token := strings.TrimPrefix(p.Authorization, "DPoP ")
			if p.JKT == "" {
				p.JKT = p.Operator.JKT
			}
			for _, now := range []int64{p.Window[0], p.Window[1]} {
				if _, aerr := verifyProof(p.Proof, p.HTM, p.HTU, token, p.JKT, time.Unix(now, 0)); aerr != nil {
					t.Errorf("at %d: %v", now, aerr)
				}
			}
			if _, aerr := verifyProof(p.Proof, p.HTM, p.HTU, token, p.JKT, time.Unix(p.Window[0]-1, 0)); aerr == nil || !strings.Contains(aerr.Reason, "future") {
				t.Errorf("just before the window: %v, want iat too far in future", aerr)
			}
			if _, aerr := verifyProof(p.Proof, p.HTM, p.HTU, token, p.JKT, time.Unix(p.Window[1]+1, 0)); aerr == nil || !strings.Contains(aerr.Reason, "too old") {
				t.Errorf("just after the window: %v, want iat too old", aerr)
			}
			// htm is compared after upper-casing the expected method.
			if _, aerr := verifyProof(p.Proof, strings.ToLower(p.HTM), p.HTU, token, p.JKT, time.Unix(p.Window[0], 0)); aerr != nil {
				t.Errorf("lowercase expected method: %v", aerr)
			}
		})
	}
}

func TestVerifyProofInvalidVectors(t *testing.T) {
	v := loadVectors(t)
	want := map[string]string{
		"wrong_method":      "htm mismatch",
		"wrong_htu":         "htu mismatch",
		"iat_too_old":       "iat too old",
		"iat_in_future":     "iat too far in future",
		"wrong_key_binding": "cnf.jkt",
		"wrong_ath":         "ath mismatch",
		"tampered_payload":  "signature verification failed",
		"two_segments":      "malformed",
	}
	for _, c := range v.Invalid.Cases {
		t.Run(c.Name, func(t *testing.T) {
			substr, ok := want[c.Name]
			if !ok {
				t.Fatalf("no expectation for vector %s (%s)", c.Name, c.Expected)
			}
			token := strings.TrimPrefix(c.Authorization, "DPoP ")
			_, aerr := verifyProof(c.Proof, c.HTM, c.HTU, token, c.JKT, time.Unix(c.Now, 0))
			if aerr == nil {
				t.Fatal("accepted")
			}
			if aerr.Code != CodeInvalidDPoP || !strings.Contains(aerr.Reason, substr) {
				t.Errorf("got %v, want invalid_dpop containing %q", aerr, substr)
			}
		})
	}
}

// TestVerifyProofScenarios covers the repo's property scenarios that
// have no fixed bytes, with proofs signed by the test client.
func TestVerifyProofScenarios(t *testing.T) {
	const now = 1900000000
	c := &testClient{t: t, key: newKey(t), now: func() time.Time { return time.Unix(now, 0) }}
	other := newKey(t)
	const htu = "http://localhost:3000/v1/actions/http_fetch/execute"
	const token = "lease.jwt.token"
	base := proofSpec{htm: "POST", htu: htu, token: token}
	with := func(f func(p *proofSpec)) string {
		p := base
		f(&p)
		return c.proof(p)
	}
	valid := c.proof(base)
	parts := strings.Split(valid, ".")
	offCurve := func() string {
		// A point that is not on P-256: (1, 1).
		one := enc.EncodeToString(new(big.Int).SetInt64(1).FillBytes(make([]byte, 32)))
		hdr := `{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"` + one + `","y":"` + one + `"}}`
		return sign(t, c.key, []byte(hdr), []byte(`{"jti":"j","htm":"POST","htu":"`+htu+`","iat":1900000000,"ath":"x"}`))
	}
	cases := []struct {
		name, proof, jkt, want string
	}{
		{"valid_proof", valid, "", ""},
		{"htu_query_and_fragment_ignored", with(func(p *proofSpec) { p.htu = htu + "?a=1#f" }), "", ""},
		{"htu_case_insensitive_authority", with(func(p *proofSpec) { p.htu = "HTTP://LOCALHOST:3000/v1/actions/http_fetch/execute" }), "", ""},
		{"htu_path_case_matters", with(func(p *proofSpec) { p.htu = "http://localhost:3000/v1/actions/HTTP_FETCH/execute" }), "", "htu mismatch"},
		{"htu_other_host", with(func(p *proofSpec) { p.htu = "http://127.0.0.1:3000/v1/actions/http_fetch/execute" }), "", "htu mismatch"},
		{"htu_without_scheme", with(func(p *proofSpec) { p.htu = "localhost:3000/v1/actions/http_fetch/execute" }), "", "htu mismatch"},
		{"lowercase_htm", with(func(p *proofSpec) { p.htm = "post" }), "", "htm mismatch"},
		{"wrong_typ", with(func(p *proofSpec) { p.typ = "JWT" }), "", "typ"},
		{"missing_jwk_header", with(func(p *proofSpec) { p.noJWK = true }), "", "jwk"},
		{"header_key_vs_signing_key_mismatch", with(func(p *proofSpec) { p.signKey = other }), "", "signature verification failed"},
		{"wrong_key_binding", with(func(p *proofSpec) { p.jwkKey, p.signKey = other, other }), "", "cnf.jkt"},
		{"tampered_header", parts[0] + "A." + parts[1] + "." + parts[2], "", "invalid_dpop"},
		{"tampered_payload", parts[0] + "." + parts[1] + "A." + parts[2], "", "signature verification failed"},
		{"short_signature", parts[0] + "." + parts[1] + "." + enc.EncodeToString(make([]byte, 63)), "", "64 bytes"},
		{"two_part_token", parts[0] + "." + parts[1], "", "malformed"},
		{"float_iat", with(func(p *proofSpec) { p.iatRaw = "1900000000.5" }), "", "iat is not an integer"},
		{"string_iat", with(func(p *proofSpec) { p.iatRaw = `"1900000000"` }), "", "iat is not an integer"},
		{"iat_60s_old_ok", with(func(p *proofSpec) { p.iat = ptr(int64(now - 60)) }), "", ""},
		{"iat_61s_old", with(func(p *proofSpec) { p.iat = ptr(int64(now - 61)) }), "", "iat too old"},
		{"iat_5s_ahead_ok", with(func(p *proofSpec) { p.iat = ptr(int64(now + 5)) }), "", ""},
		{"iat_6s_ahead", with(func(p *proofSpec) { p.iat = ptr(int64(now + 6)) }), "", "iat too far in future"},
		{"wrong_ath", with(func(p *proofSpec) { p.ath = ptr(ath("another.lease.token")) }), "", "ath mismatch"},
		{"point_not_on_curve", offCurve(), "", "not on P-256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.jkt
			if want == "" {
				want = jkt(&c.key.PublicKey)
			}
			if tc.name == "point_not_on_curve" {
				want = "irrelevant"
			}
			_, aerr := verifyProof(tc.proof, "POST", htu, token, want, time.Unix(now, 0))
			switch {
			case tc.want == "" && aerr != nil:
				t.Fatalf("rejected: %v", aerr)
			case tc.want != "" && aerr == nil:
				t.Fatal("accepted")
			case tc.want != "" && !strings.Contains(aerr.Error(), tc.want):
				t.Fatalf("got %v, want %q", aerr, tc.want)
			}
		})
	}
}

func TestSanitizeReason(t *testing.T) {
	got := sanitizeReason("a\nb\x00c\u0085d", 300)
	if got != "a b c d" {
		t.Errorf("sanitize = %q", got)
	}
	long := sanitizeReason(strings.Repeat("é", 200), 300)
	if len(long) != 300 || !strings.HasSuffix(long, "é") {
		t.Errorf("cap: len %d", len(long))
	}
}

func TestPublicKeyFromJWKRejectsBadInput(t *testing.T) {
	for _, tc := range []struct{ x, y string }{
		{"", ""},
		{"AAAA", "AAAA"},
		{enc.EncodeToString(make([]byte, 33)), enc.EncodeToString(make([]byte, 32))},
		{enc.EncodeToString(make([]byte, 32)), enc.EncodeToString(make([]byte, 32))},
	} {
		if _, err := publicKeyFromJWK(tc.x, tc.y); err == nil {
			t.Errorf("accepted x=%q y=%q", tc.x, tc.y)
		}
	}
}
