package gatetest

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkVerifyProof measures the gate's per-request proof check
// (header parse, curve check, thumbprint, ES256 verify, claims).
func BenchmarkVerifyProof(b *testing.B) {
	now := time.Unix(1800000000, 0)
	c := &testClient{t: b, key: newKey(b), now: func() time.Time { return now }}
	const htu = "http://localhost:3000/v1/actions/http_fetch/execute"
	proof := c.proof(proofSpec{htm: "POST", htu: htu, token: "lease"})
	want := jkt(&c.key.PublicKey)
	b.ResetTimer()
	for b.Loop() {
		if _, aerr := verifyProof(proof, "POST", htu, "lease", want, now); aerr != nil {
			b.Fatal(aerr)
		}
	}
}

// BenchmarkExecuteTCP measures a full authenticated execute round trip
// over loopback TCP, including the client's proof signing.
func BenchmarkExecuteTCP(b *testing.B) {
	g := StartTCP(b, Options{ManifestDir: fixtures})
	c := newClient(b, g, nil)
	c.issueLease()
	b.ResetTimer()
	for b.Loop() {
		if r := c.execute("http_fetch", `{"url":"https://a.example"}`); r.status != 200 {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
	b.StopTimer()
	g.ResetRequests()
}

// BenchmarkListActions200 measures GET /v1/actions and one detail and
// schema fetch per action on a 200-action registry: the discovery a
// client does on every tools/list refresh.
func BenchmarkListActions200(b *testing.B) {
	g := StartTCP(b, Options{Actions: generatedActions(200)})
	c := newClient(b, g, nil)
	b.ResetTimer()
	for b.Loop() {
		if r := c.mustSend("GET", "/v1/actions", nil, nil); r.status != 200 {
			b.Fatal(r.status)
		}
		for i := 0; i < 200; i++ {
			id := fmt.Sprintf("gen_action_%03d", i)
			if r := c.mustSend("GET", "/v1/actions/"+id, nil, nil); r.status != 200 {
				b.Fatal(r.status)
			}
			if r := c.mustSend("GET", "/v1/actions/"+id+"/schema/request", nil, nil); r.status != 200 {
				b.Fatal(r.status)
			}
		}
		b.StopTimer()
		g.ResetRequests()
		b.StartTimer()
	}
}
