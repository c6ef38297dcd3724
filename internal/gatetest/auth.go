package gatetest

import (
	"crypto/ecdsa"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Gate error codes for authentication failures (gate-protocol §5.5).
const (
	CodeMissingAuthHeader = "missing_auth_header"
	CodeInvalidLease      = "invalid_lease"
	CodeLeaseExpired      = "lease_expired"
	CodeInvalidDPoP       = "invalid_dpop"
	CodeReplayDetected    = "replay_detected"
)

// DPoP timing and replay constants of the real gate.
const (
	iatMaxAge    = 60 * time.Second
	iatClockSkew = 5 * time.Second
	replayTTL    = 180 * time.Second
	maxLeaseTTL  = 3600 * time.Second
)

// authError is a rejected request: Code is the gate's error code and
// Reason the detail (deny_reason for invalid_dpop, a note otherwise).
type authError struct {
	Code   string
	Reason string
}

func (e *authError) Error() string {
	if e.Reason == "" {
		return e.Code
	}
	return e.Code + ": " + e.Reason
}

// reasonThumbprint is the proof failure where the header's key is not
// the bound one: bad_key, which operator auth reports as
// key_binding_failed.
const reasonThumbprint = "bad key: thumbprint != cnf.jkt"

func dpopErr(format string, args ...any) *authError {
	return &authError{Code: CodeInvalidDPoP, Reason: fmt.Sprintf(format, args...)}
}

// leaseClaims are the lease JWT claims in the gate's serialization order.
type leaseClaims struct {
	Iss       string         `json:"iss"`
	Sub       string         `json:"sub"`
	Aud       string         `json:"aud"`
	Exp       int64          `json:"exp"`
	Nbf       int64          `json:"nbf"`
	Iat       int64          `json:"iat"`
	Jti       string         `json:"jti"`
	SessionID string         `json:"session_id"`
	Scope     []string       `json:"scope"`
	Budgets   *leaseBudgets  `json:"budgets,omitempty"`
	Cnf       map[string]any `json:"cnf"`
}

type leaseBudgets struct {
	MaxCalls *uint64 `json:"max_calls,omitempty"`
}

// A Lease is what the gate knows about a lease once it has verified it.
type Lease struct {
	JTI       string
	SessionID string
	Subject   string
	Scopes    []string
	JKT       string // cnf.jkt
	Expires   time.Time
}

// ProofClaims is a decoded DPoP proof, recorded for assertions whether or
// not it verified.
type ProofClaims struct {
	Typ string
	Alg string
	JKT string // thumbprint of the header JWK, "" when absent or malformed
	JTI string
	HTM string
	HTU string
	IAT int64
	ATH string
}

// issuerKey is one lease-signing key and its kid.
type issuerKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

// verifyLease checks a lease JWT the way the gate's verify_lease does:
// kid must name the current issuer key, ES256 signature, iss and aud,
// exp and nbf with zero leeway, and the required claims present.
func verifyLease(token string, key issuerKey, now time.Time) (*Lease, *authError) {
	bad := func(reason string) (*Lease, *authError) {
		return nil, &authError{Code: CodeInvalidLease, Reason: reason}
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return bad("lease is not a compact JWS")
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return bad("lease header is not base64url")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return bad("lease header is not JSON")
	}
	if hdr.Alg != "ES256" {
		return bad("lease alg is not ES256")
	}
	if hdr.Kid != key.kid {
		return bad("unknown kid")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !verifyES256(&key.priv.PublicKey, parts[0]+"."+parts[1], sig) {
		return bad("lease signature does not verify")
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return bad("lease payload is not base64url")
	}
	var c struct {
		Iss       *string  `json:"iss"`
		Sub       *string  `json:"sub"`
		Aud       *string  `json:"aud"`
		Exp       *int64   `json:"exp"`
		Nbf       *int64   `json:"nbf"`
		Iat       *int64   `json:"iat"`
		Jti       *string  `json:"jti"`
		SessionID *string  `json:"session_id"`
		Scope     []string `json:"scope"`
		Cnf       *struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	if err := json.Unmarshal(pb, &c); err != nil {
		return bad("lease claims do not decode")
	}
	if c.Iss == nil || c.Sub == nil || c.Aud == nil || c.Exp == nil || c.Nbf == nil || c.Iat == nil ||
		c.Jti == nil || c.SessionID == nil || c.Scope == nil || c.Cnf == nil {
		return bad("lease is missing a required claim")
	}
	if *c.Iss != "latchgate" || *c.Aud != "latchgate" {
		return bad("lease iss or aud is not latchgate")
	}
	secs := now.Unix()
	if secs >= *c.Exp {
		return nil, &authError{Code: CodeLeaseExpired, Reason: "lease exp has passed"}
	}
	if *c.Nbf > secs {
		return bad("lease nbf is in the future")
	}
	return &Lease{
		JTI:       *c.Jti,
		SessionID: *c.SessionID,
		Subject:   *c.Sub,
		Scopes:    c.Scope,
		JKT:       c.Cnf.JKT,
		Expires:   time.Unix(*c.Exp, 0).UTC(),
	}, nil
}

// decodeProof splits and decodes a DPoP proof without judging it, so the
// request record shows what the client sent even when it is rejected.
func decodeProof(proof string) *ProofClaims {
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return nil
	}
	pc := &ProofClaims{}
	if hb, err := b64.DecodeString(parts[0]); err == nil {
		var h struct {
			Typ string `json:"typ"`
			Alg string `json:"alg"`
			JWK struct {
				X string `json:"x"`
				Y string `json:"y"`
			} `json:"jwk"`
		}
		if json.Unmarshal(hb, &h) == nil {
			pc.Typ, pc.Alg = h.Typ, h.Alg
			if h.JWK.X != "" && h.JWK.Y != "" {
				pc.JKT = thumbprint(h.JWK.X, h.JWK.Y)
			}
		}
	}
	if pb, err := b64.DecodeString(parts[1]); err == nil {
		var p struct {
			JTI string `json:"jti"`
			HTM string `json:"htm"`
			HTU string `json:"htu"`
			IAT int64  `json:"iat"`
			ATH string `json:"ath"`
		}
		if json.Unmarshal(pb, &p) == nil {
			pc.JTI, pc.HTM, pc.HTU, pc.IAT, pc.ATH = p.JTI, p.HTM, p.HTU, p.IAT, p.ATH
		}
	}
	return pc
}

// verifyProof checks a DPoP proof as the gate's verify_dpop_proof does,
// always running the header checks (no key cache). It returns the proof's
// jti for the replay store.
func verifyProof(proof, htm, htu, token, cnfJKT string, now time.Time) (string, *authError) {
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return "", dpopErr("malformed: proof must have 3 segments")
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return "", dpopErr("malformed: header is not base64url")
	}
	var hdr struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		JWK *struct {
			Kty string  `json:"kty"`
			Crv string  `json:"crv"`
			X   *string `json:"x"`
			Y   *string `json:"y"`
		} `json:"jwk"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return "", dpopErr("malformed: header is not JSON")
	}
	if hdr.Typ != "dpop+jwt" {
		return "", dpopErr("bad header: typ must be dpop+jwt")
	}
	if hdr.Alg != "ES256" {
		return "", dpopErr("bad header: alg must be ES256")
	}
	if hdr.JWK == nil {
		return "", dpopErr("bad key: missing jwk")
	}
	if hdr.JWK.Kty != "EC" || hdr.JWK.Crv != "P-256" || hdr.JWK.X == nil || hdr.JWK.Y == nil {
		return "", dpopErr("bad key: jwk must be an EC P-256 key with x and y")
	}
	pub, err := publicKeyFromJWK(*hdr.JWK.X, *hdr.JWK.Y)
	if err != nil {
		return "", dpopErr("bad key: %v", err)
	}
	tp := thumbprint(*hdr.JWK.X, *hdr.JWK.Y)
	if subtle.ConstantTimeCompare([]byte(tp), []byte(cnfJKT)) != 1 {
		return "", dpopErr(reasonThumbprint)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return "", dpopErr("malformed: signature is not base64url")
	}
	if len(sig) != 64 {
		return "", dpopErr("signature verification failed: signature must be 64 bytes r||s")
	}
	if !verifyES256(pub, parts[0]+"."+parts[1], sig) {
		return "", dpopErr("signature verification failed")
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return "", dpopErr("malformed: payload is not base64url")
	}
	var p struct {
		JTI *string          `json:"jti"`
		HTM *string          `json:"htm"`
		HTU *string          `json:"htu"`
		IAT *json.RawMessage `json:"iat"`
		ATH *string          `json:"ath"`
	}
	if err := json.Unmarshal(pb, &p); err != nil {
		return "", dpopErr("malformed: payload does not decode")
	}
	if p.JTI == nil || p.HTM == nil || p.HTU == nil || p.IAT == nil || p.ATH == nil {
		return "", dpopErr("malformed: payload is missing jti, htm, htu, iat or ath")
	}
	var iat int64
	// iat must be a JSON integer: a float or a string fails, as serde's
	// i64 does.
	if err := json.Unmarshal(*p.IAT, &iat); err != nil {
		return "", dpopErr("malformed: iat is not an integer")
	}
	if *p.HTM != strings.ToUpper(htm) {
		return "", dpopErr("htm mismatch: expected '%s', got '%s'", strings.ToUpper(htm), *p.HTM)
	}
	gotHTU, err := NormalizeHTU(*p.HTU)
	if err != nil {
		return "", dpopErr("htu mismatch: %v", err)
	}
	wantHTU, err := NormalizeHTU(htu)
	if err != nil || gotHTU != wantHTU {
		return "", dpopErr("htu mismatch: expected '%s', got '%s'", wantHTU, gotHTU)
	}
	secs := now.Unix()
	if iat < secs-int64(iatMaxAge/time.Second) {
		return "", dpopErr("iat too old; max age 60 s")
	}
	if iat > secs+int64(iatClockSkew/time.Second) {
		return "", dpopErr("iat too far in future; skew 5 s")
	}
	if subtle.ConstantTimeCompare([]byte(*p.ATH), []byte(ath(token))) != 1 {
		return "", dpopErr("ath mismatch")
	}
	return *p.JTI, nil
}

// sanitizeReason replaces control characters with spaces and caps the
// text at max bytes (on a rune boundary), as the gate does for
// deny_reason.
func sanitizeReason(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = ' '
		}
		if b.Len()+len(string(r)) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
