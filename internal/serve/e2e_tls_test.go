package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestE2ETLS is gap G17 through the binary: a gate behind HTTPS with a
// private certificate, requiring a client certificate, is reached with
// --tls-ca, --tls-cert and --tls-key.
func TestE2ETLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "e2e client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile, keyFile := write("client.pem", "CERTIFICATE", der), write("client-key.pem", "PRIVATE KEY", kder)
	clientCA, _ := x509.ParseCertificate(der)

	_, gateURL, gateCert := gatetest.StartHTTPS(t, gatetest.Options{Actions: fixtureActions()}, clientCA)
	caFile := write("gate-ca.pem", "CERTIFICATE", gateCert.Raw)

	p := startServe(t, []string{"serve", "--gate-url", gateURL, "--tls-ca", caFile, "--tls-cert", certFile},
		"LATCHGATE_TLS_KEY="+keyFile)
	res, err := p.cs.ListTools(context.Background(), nil)
	if err != nil || len(res.Tools) != 5 {
		t.Fatalf("tools/list over mutual TLS: %v, %v", res, err)
	}
	if r := p.call(t, "http_fetch", map[string]any{"url": "https://example.com"}); r.IsError || !strings.Contains(text(r), "[receipt_id: ") {
		t.Fatalf("call over mutual TLS: %s", text(r))
	}
}
