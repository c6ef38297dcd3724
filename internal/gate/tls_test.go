package gate_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// writePEM writes one PEM block to a file in dir and returns its path.
func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// clientCert makes a self-signed client certificate and returns it with
// the paths of its PEM certificate and key.
func clientCert(t *testing.T, dir string) (*x509.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "latchgate-mcp test client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return cert, writePEM(t, dir, "client.pem", "CERTIFICATE", der), writePEM(t, dir, "client-key.pem", "PRIVATE KEY", kder)
}

// startTLSGate serves a test gate over HTTPS that requires a client
// certificate signed by clientCA, and returns it with its URL and the
// path of a CA file that trusts its certificate.
func startTLSGate(t *testing.T, clientCA *x509.Certificate) (*gatetest.Gate, string, string) {
	t.Helper()
	g, url, cert := gatetest.StartHTTPS(t, gatetest.Options{Actions: testActions}, clientCA)
	return g, url, writePEM(t, t.TempDir(), "gate-ca.pem", "CERTIFICATE", cert.Raw)
}

// TestTLS is gap G17: a gate behind a private CA that requires mutual
// TLS is reachable with --tls-ca, --tls-cert and --tls-key, and each
// missing piece fails with a hint that names the option.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ccert, certFile, keyFile := clientCert(t, dir)
	g, url, caFile := startTLSGate(t, ccert)
	ctx := context.Background()

	load := func(f gate.TLSFiles) *tls.Config {
		t.Helper()
		cfg, err := f.Load()
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	c := newClient(t, gate.Config{URL: url, TLS: load(gate.TLSFiles{CA: caFile, Cert: certFile, Key: keyFile})})
	res, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`))
	if err != nil || res.Decision != "executed" {
		t.Fatalf("execute over mutual TLS: %+v, %v", res, err)
	}
	assertClean(t, g, false)

	_, err = newClient(t, gate.Config{URL: url}).ListActions(ctx)
	if h := gate.Hint(err); err == nil || !strings.Contains(h, "--tls-ca") {
		t.Errorf("without the CA: %v (hint %q)", err, h)
	}
	_, err = newClient(t, gate.Config{URL: url, TLS: load(gate.TLSFiles{CA: caFile})}).ListActions(ctx)
	if h := gate.Hint(err); err == nil || !strings.Contains(h, "--tls-cert") {
		t.Errorf("without a client certificate: %v (hint %q)", err, h)
	}
}

func TestTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	_, certFile, keyFile := clientCert(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]gate.TLSFiles{
		"cert without key": {Cert: certFile},
		"key without cert": {Key: keyFile},
		"missing ca":       {CA: filepath.Join(dir, "none.pem")},
		"ca not pem":       {CA: notPEM},
		"key is not a key": {Cert: certFile, Key: certFile},
	} {
		if _, err := f.Load(); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	tlsCfg, err := gate.TLSFiles{Cert: certFile, Key: keyFile}.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]gate.Config{
		"http url": {URL: "http://localhost:3000", TLS: tlsCfg},
		"socket":   {Socket: "/s", PublicBaseURL: "https://localhost", TLS: tlsCfg},
	} {
		if _, err := gate.New(cfg); err == nil || !strings.Contains(err.Error(), "https") {
			t.Errorf("%s with TLS settings: %v", name, err)
		}
	}
}
