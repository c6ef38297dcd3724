package gatetest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// This file holds the gate's own JOSE and canonicalisation code. It is
// deliberately independent of internal/gate: the test gate must catch a
// client's mistakes, not share them.

var b64 = base64.RawURLEncoding

// signES256 signs the JWS signing input and returns the raw r||s form,
// 32 bytes each, that JOSE uses instead of DER.
func signES256(key *ecdsa.PrivateKey, signingInput string) ([]byte, error) {
	sum := sha256.Sum256([]byte(signingInput))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}

// verifyES256 checks a raw r||s signature; anything but 64 bytes fails.
func verifyES256(pub *ecdsa.PublicKey, signingInput string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	sum := sha256.Sum256([]byte(signingInput))
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, sum[:], r, s)
}

// signJWT builds a compact JWS from a header and claims.
func signJWT(key *ecdsa.PrivateKey, header, claims any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	sig, err := signES256(key, input)
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// publicKeyFromJWK decodes a P-256 JWK's x and y (each exactly 32 bytes
// of b64url) and checks the point is on the curve.
func publicKeyFromJWK(x, y string) (*ecdsa.PublicKey, error) {
	xb, err := b64.DecodeString(x)
	if err != nil || len(xb) != 32 {
		return nil, errors.New("jwk x is not 32 bytes of base64url")
	}
	yb, err := b64.DecodeString(y)
	if err != nil || len(yb) != 32 {
		return nil, errors.New("jwk y is not 32 bytes of base64url")
	}
	// Parsing rejects points that are not on the curve and the point at
	// infinity.
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{4}, append(xb, yb...)...))
	if err != nil {
		return nil, errors.New("jwk point is not on P-256")
	}
	return pub, nil
}

// jwkCoords returns the b64url x and y of a P-256 public key, each 32
// bytes: the halves of its uncompressed SEC 1 form, 0x04 || x || y.
func jwkCoords(pub *ecdsa.PublicKey) (x, y string, err error) {
	if pub.Curve != elliptic.P256() {
		return "", "", errors.New("encode jwk: not a P-256 key")
	}
	b, err := pub.Bytes()
	if err != nil {
		return "", "", fmt.Errorf("encode jwk: %w", err)
	}
	return b64.EncodeToString(b[1:33]), b64.EncodeToString(b[33:]), nil
}

// thumbprint is the RFC 7638 JWK thumbprint of a P-256 key: SHA-256 of
// the JCS form of {crv,kty,x,y}. It is computed from the strings as sent,
// as the gate's issuer does.
func thumbprint(x, y string) string {
	// The member set is fixed and the values are base64url (no characters
	// that JSON escapes), so this literal is the JCS form.
	input := `{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`
	sum := sha256.Sum256([]byte(input))
	return b64.EncodeToString(sum[:])
}

// ath is b64url(SHA-256(token)), the DPoP access token hash.
func ath(token string) string {
	sum := sha256.Sum256([]byte(token))
	return b64.EncodeToString(sum[:])
}

// keyID is the gate's lease-signing kid: the first 16 hex characters of
// SHA-256 over the public key's SubjectPublicKeyInfo DER.
func keyID(pub *ecdsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])[:16], nil
}

// NormalizeHTU applies the gate's htu normalisation: strip the fragment
// and the query, require "://", lowercase scheme and authority, drop the
// default port (judged by the last ':'), and turn an empty path into "/".
// Path case and percent-encoding are kept.
func NormalizeHTU(u string) (string, error) {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	i := strings.Index(u, "://")
	if i < 0 {
		return "", fmt.Errorf("htu %q has no scheme", u)
	}
	scheme := strings.ToLower(u[:i])
	rest := u[i+3:]
	authority, path := rest, "/"
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		authority, path = rest[:j], rest[j:]
	}
	authority = strings.ToLower(authority)
	if j := strings.LastIndexByte(authority, ':'); j >= 0 {
		port := authority[j+1:]
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			authority = authority[:j]
		}
	}
	return scheme + "://" + authority + path, nil
}

// CanonicalJSON returns the RFC 8785 (JCS) form of a JSON text: object
// members sorted by UTF-16 code units, no insignificant whitespace,
// ECMAScript number formatting and minimal string escaping.
func CanonicalJSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after JSON value")
	}
	var buf bytes.Buffer
	if err := writeJCS(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// RequestHash is the gate's request_hash: "sha256:" + hex(SHA-256(JCS(body))).
func RequestHash(body []byte) (string, error) {
	c, err := CanonicalJSON(body)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

func writeJCS(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return fmt.Errorf("number %s: %w", v, err)
		}
		s, err := esNumber(f)
		if err != nil {
			return err
		}
		buf.WriteString(s)
	case string:
		writeJCSString(buf, v)
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJCS(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return lessUTF16(keys[i], keys[j]) })
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJCSString(buf, k)
			buf.WriteByte(':')
			if err := writeJCS(buf, v[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("unexpected JSON value %T", v)
	}
	return nil
}

func lessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

func writeJCSString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\b':
			buf.WriteString(`\b`)
		case '\f':
			buf.WriteString(`\f`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case '\t':
			buf.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(buf, `\u%04x`, r)
			} else {
				buf.WriteRune(r)
			}
		}
	}
	buf.WriteByte('"')
}

// esNumber formats a float64 as ECMAScript's Number.prototype.toString
// does, which JCS requires.
func esNumber(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", errors.New("number is not finite")
	}
	if f == 0 {
		return "0", nil
	}
	neg := f < 0
	if neg {
		f = -f
	}
	// Shortest round-trip digits and exponent: d.ddddde±x.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expStr)
	n := exp + 1 // position of the decimal point relative to digits
	k := len(digits)
	var out string
	switch {
	case k <= n && n <= 21:
		out = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		out = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		out = "0." + strings.Repeat("0", -n) + digits
	default:
		sign := "+"
		if n-1 < 0 {
			sign = "-"
		}
		m := digits[:1]
		if k > 1 {
			m += "." + digits[1:]
		}
		x := n - 1
		if x < 0 {
			x = -x
		}
		out = m + "e" + sign + strconv.Itoa(x)
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}
