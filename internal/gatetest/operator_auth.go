package gatetest

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// Operator authentication error codes (gate-protocol §4.10, §5.7).
const (
	CodeInvalidAuthScheme    = "invalid_auth_scheme"
	CodeMissingDPoPHeader    = "missing_dpop_header"
	CodeInvalidOperatorToken = "invalid_operator_token"
	CodeKeyBindingFailed     = "key_binding_failed"
	CodeUnauthorized         = "unauthorized"
	codeOperatorNotConfig    = "operator_auth_not_configured"
)

// keyBindingReason is the deny_reason the gate gives with
// key_binding_failed.
const keyBindingReason = "DPoP proof thumbprint does not match configured dpop_jkt"

// authenticateOperator checks an operator request in the gate's order
// (§5.7): Authorization present, "DPoP " scheme, DPoP header present,
// the token against every credential's api_key (all of them, in constant
// time), the credential's dpop_jkt, the proof bound to that thumbprint
// with ath over the api_key (a foreign key is key_binding_failed), then
// the jti replay store shared with agent proofs. It uses the same proof
// verifier as agent requests, this package's own.
func (g *Gate) authenticateOperator(r *http.Request, path string) (*operatorID, *authError) {
	authz, ok := r.Header["Authorization"]
	if !ok || len(authz) == 0 {
		return nil, &authError{Code: CodeMissingAuthHeader, Reason: "missing Authorization header"}
	}
	token, ok := strings.CutPrefix(authz[0], "DPoP ")
	if !ok {
		return nil, &authError{Code: CodeInvalidAuthScheme, Reason: "Authorization scheme is not 'DPoP '"}
	}
	proof := r.Header.Get("DPoP")
	if proof == "" {
		return nil, &authError{Code: CodeMissingDPoPHeader, Reason: "missing DPoP header"}
	}
	now := g.now()
	g.mu.Lock()
	creds := g.admin.creds
	expected := g.publicBase + path
	g.mu.Unlock()
	if len(creds) == 0 {
		return nil, &authError{Code: codeOperatorNotConfig, Reason: "no operator credentials configured"}
	}
	var match *namedCredential
	for i := range creds {
		// Every key is compared, matched or not, so timing says nothing
		// about which one (or how much of one) matched.
		if subtle.ConstantTimeCompare([]byte(token), []byte(creds[i].APIKey)) == 1 && match == nil {
			match = &creds[i]
		}
	}
	if match == nil || token == "" {
		return nil, &authError{Code: CodeInvalidOperatorToken, Reason: "token matches no operator credential"}
	}
	if match.JKT == "" {
		return nil, &authError{Code: CodeKeyBindingFailed, Reason: "credential " + match.name + " has no dpop_jkt"}
	}
	jti, aerr := verifyProof(proof, r.Method, expected, token, match.JKT, now)
	if aerr != nil {
		if aerr.Reason == reasonThumbprint {
			return nil, &authError{Code: CodeKeyBindingFailed, Reason: keyBindingReason}
		}
		aerr.Reason = sanitizeReason(aerr.Reason, 300)
		return nil, aerr
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, until := range g.replay {
		if now.After(until) {
			delete(g.replay, k)
		}
	}
	if _, seen := g.replay[jti]; seen {
		return nil, &authError{Code: CodeReplayDetected, Reason: "jti " + jti + " already used"}
	}
	g.replay[jti] = now.Add(replayTTL)
	return &operatorID{name: match.name, jkt: match.JKT}, nil
}

// operatorAuthStyle is how a route reports an operator auth failure:
// the gate maps them three ways.
type operatorAuthStyle int

const (
	// styleUnauthorized: list, audit and admin routes answer
	// 401 {"error":"unauthorized"} whatever the cause
	// (operator_auth_not_configured when no credential exists).
	styleUnauthorized operatorAuthStyle = iota
	// styleBare: get_approval answers a bare 401.
	styleBare
	// stylePipeline: approve and deny name the cause, with deny_reason
	// for invalid_dpop and key_binding_failed.
	stylePipeline
)

// operatorAuth authenticates an operator request and, on failure, writes
// the answer in the route's style and returns nil. The recorded verdict
// is always the real cause.
func (g *Gate) operatorAuth(w http.ResponseWriter, r *http.Request, path string, style operatorAuthStyle) *operatorID {
	op, aerr := g.authenticateOperator(r, path)
	if aerr == nil {
		if rec, ok := w.(*recorder); ok {
			rec.operator = op.name
		}
		return op
	}
	switch style {
	case styleBare:
		writeBare(w, http.StatusUnauthorized, aerr.Code, aerr.Reason)
	case styleUnauthorized:
		code := CodeUnauthorized
		if aerr.Code == codeOperatorNotConfig {
			code = codeOperatorNotConfig
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": code})
		note(w, aerr.Code, aerr.Reason)
	case stylePipeline:
		switch aerr.Code {
		case codeOperatorNotConfig:
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal_error"})
			note(w, aerr.Code, aerr.Reason)
		case CodeInvalidDPoP, CodeKeyBindingFailed:
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": aerr.Code, "deny_reason": aerr.Reason})
			note(w, aerr.Code, aerr.Reason)
		default:
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": aerr.Code})
			note(w, aerr.Code, aerr.Reason)
		}
	}
	return nil
}
