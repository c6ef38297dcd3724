package gate

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

var b64 = base64.RawURLEncoding

// JWK is the public half of a DPoP key as the gate expects it in lease
// requests and proof headers. Field order is the lexicographic order the
// Rust signer emits, so our proof headers are byte-identical to its.
type JWK struct {
	Crv string `json:"crv"`
	Kty string `json:"kty"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// Key is the process's DPoP key: one P-256 key per process, reused across
// lease renewals so the lease's cnf.jkt stays stable. It is never written
// anywhere and never logged.
type Key struct {
	priv *ecdsa.PrivateKey
	jwk  JWK
	jkt  string
	// random feeds ECDSA signing; nil selects RFC 6979 deterministic
	// signatures, which only tests use (to match the fixed vectors).
	random io.Reader
}

// GenerateKey returns a fresh P-256 DPoP key from the OS CSPRNG.
func GenerateKey() (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate dpop key: %w", err)
	}
	return NewKey(priv)
}

// NewKey wraps an existing P-256 private key, e.g. an operator key loaded
// from PEM.
func NewKey(priv *ecdsa.PrivateKey) (*Key, error) {
	if priv == nil || priv.Curve != elliptic.P256() {
		return nil, errors.New("load dpop key: not a P-256 key")
	}
	pub, err := priv.PublicKey.ECDH()
	if err != nil {
		return nil, fmt.Errorf("load dpop key: %w", err)
	}
	x, y := coordinates(pub)
	k := &Key{priv: priv, random: rand.Reader}
	k.jwk = JWK{Crv: "P-256", Kty: "EC", X: b64.EncodeToString(x), Y: b64.EncodeToString(y)}
	k.jkt = Thumbprint(k.jwk)
	return k, nil
}

// coordinates returns the fixed-width big-endian X and Y of a P-256 point.
func coordinates(pub *ecdh.PublicKey) (x, y []byte) {
	raw := pub.Bytes() // 0x04 || X || Y, each 32 bytes
	return raw[1:33], raw[33:65]
}

// JWK returns the public key in JWK form.
func (k *Key) JWK() JWK { return k.jwk }

// Thumbprint returns the RFC 7638 thumbprint (the lease's cnf.jkt).
func (k *Key) Thumbprint() string { return k.jkt }

// Thumbprint computes the RFC 7638 JWK thumbprint: SHA-256 over the JCS
// form of {crv,kty,x,y}, base64url without padding. The members are plain
// base64url strings, so JCS is exactly this fixed template.
func Thumbprint(j JWK) string {
	in := `{"crv":` + jsonString(j.Crv) + `,"kty":` + jsonString(j.Kty) +
		`,"x":` + jsonString(j.X) + `,"y":` + jsonString(j.Y) + `}`
	sum := sha256.Sum256([]byte(in))
	return b64.EncodeToString(sum[:])
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ATH returns the DPoP ath claim for token: base64url(SHA-256(token)).
func ATH(token string) string {
	sum := sha256.Sum256([]byte(token))
	return b64.EncodeToString(sum[:])
}

type proofHeader struct {
	Alg string `json:"alg"`
	JWK JWK    `json:"jwk"`
	Typ string `json:"typ"`
}

type proofPayload struct {
	JTI string `json:"jti"`
	HTM string `json:"htm"`
	HTU string `json:"htu"`
	IAT int64  `json:"iat"`
	ATH string `json:"ath"`
}

// Proof signs a DPoP proof for one request (spec §5.3). htu is the full
// public URL of the request; it is normalised the way the gate normalises
// it, so a query never leaks into the proof. jti must be unique per proof.
func (k *Key) Proof(method, htu, token string, iat time.Time, jti string) (string, error) {
	nhtu, err := NormalizeHTU(htu)
	if err != nil {
		return "", fmt.Errorf("sign dpop proof: %w", err)
	}
	h, err := json.Marshal(proofHeader{Alg: "ES256", JWK: k.jwk, Typ: "dpop+jwt"})
	if err != nil {
		return "", fmt.Errorf("sign dpop proof: %w", err)
	}
	p, err := json.Marshal(proofPayload{JTI: jti, HTM: upperASCII(method), HTU: nhtu, IAT: iat.Unix(), ATH: ATH(token)})
	if err != nil {
		return "", fmt.Errorf("sign dpop proof: %w", err)
	}
	signingInput := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	sig, err := k.sign([]byte(signingInput))
	if err != nil {
		return "", fmt.Errorf("sign dpop proof: %w", err)
	}
	return signingInput + "." + b64.EncodeToString(sig), nil
}

// sign returns the ES256 signature of msg as raw r||s (64 bytes), the JWS
// form, not the ASN.1 DER form Go produces.
func (k *Key) sign(msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	der, err := k.priv.Sign(k.random, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
