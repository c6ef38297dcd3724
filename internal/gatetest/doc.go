// Package gatetest is a reference LatchGate gate for tests: the gate's
// client router (health, actions, leases, JWKS, execute, approval poll,
// receipts) served over TCP and over a Unix socket, as gate-protocol §9
// describes.
//
// It is a faithful reference implementation, not a stub that accepts
// anything. Leases are ES256 JWTs signed with a key the gate generates at
// start (and rotates on [Gate.Restart]); every authenticated request goes
// through the real gate's verification order: Authorization and DPoP
// headers, lease signature, kid, iss/aud, exp/nbf with zero leeway, then
// the DPoP proof (typ, alg, JWK on the curve, thumbprint bound to cnf.jkt,
// ES256 signature, htm, htu after normalisation, iat in [now-60, now+5],
// ath), then the jti replay store. Proofs are verified with this package's
// own code, never internal/gate's, so that a mistake in the client cannot
// hide behind the same mistake in the gate. Unlike the real gate, it never
// caches verified keys, so header checks run on every request (the spec
// allows a fake gate to be stricter).
//
// The admin router ([Gate.ListenAdminUnix], [Gate.ListenAdminTCP],
// [Gate.AdminHandler]) serves every client route plus the operator
// routes of gate-protocol §4.10: approvals list, detail, approve (with
// the gate's auto-learning of the first unresolved domain and path, see
// [Gate.Learned]) and deny, the allowlist and audit events. Operator
// requests are checked as §5.7 says, with the same proof verifier as
// agent requests: the token against every [OperatorCredential]'s
// api_key in constant time, the proof bound to that credential's
// dpop_jkt (a foreign key is key_binding_failed), ath over the api_key,
// then the shared replay store; failures are reported the gate's three
// ways (named on approve and deny, "unauthorized" on list and audit,
// a bare 401 on detail). Holds created by agent calls appear there, and
// deciding them there resolves the agent's poll. Tests can also decide
// with Go methods ([Gate.Approve], [Gate.Deny], [Gate.SetApproveAfter]),
// which take the same claim path as the HTTP routes.
//
// Outcomes are scripted per action with [Gate.Script]; when an action's
// queue is empty the gate falls back to [Gate.SetDefault], and then to the
// real gate's policy shape: high and critical risk actions are held for
// approval, the rest execute and echo their arguments. Request bodies are
// checked against the action's request schema (422 schema_violation), so a
// client that sends bad arguments sees what it would see from a real gate.
//
// Every request is recorded ([Gate.Requests]) with its headers, body, the
// decoded DPoP proof, the gate's verdict and status, so tests can assert on
// what the client actually sent. Failure injection ([Gate.Inject]) drops
// connections, stalls, or answers with garbage; [Gate.Stop] and
// [Gate.Start] take the listeners down and up on the same addresses.
//
// Typical use in a test:
//
//	g := gatetest.StartTCP(t, gatetest.Options{ManifestDir: "testdata/manifests"})
//	g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
//	g.SetApproveAfter(2, true) // the second poll sees "approved"
//	client, err := gate.New(gate.Config{URL: g.URL()}) // htu base = g.PublicBaseURL()
//	// ... drive the client ...
//	for _, r := range g.Requests() {
//		if r.Status == http.StatusUnauthorized {
//			t.Errorf("%s %s rejected: %s (%s)", r.Method, r.Path, r.Error, r.Reason)
//		}
//	}
//	id := g.Approvals()[0].ID // or take approval_id from the 202
//	_ = g.Approve(id)        // instead of waiting for SetApproveAfter
//
// Over a Unix socket, use [StartUnix] and dial [Gate.SocketPath]; the
// client must then build htu from [Gate.PublicBaseURL], exactly as with a
// real gate (the gate ignores Host).
//
// For trying a client by hand, cmd/testgate runs a gate until interrupted:
//
//	go run ./internal/gatetest/cmd/testgate --listen 127.0.0.1:8787 --manifests internal/gatetest/testdata/manifests
package gatetest
