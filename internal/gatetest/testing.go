package gatetest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// StartTCP starts a gate on 127.0.0.1 with a free port and closes it when
// the test ends. When opts.PublicBaseURL is empty the gate's public base
// URL is its own address, which is what a client in HTTP mode without
// --public-base-url builds htu from; set it explicitly to test mismatches.
func StartTCP(t testing.TB, opts Options) *Gate {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatalf("start test gate: %v", err)
	}
	u, err := g.ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start test gate: %v", err)
	}
	t.Cleanup(func() { closeGate(t, g) })
	if opts.PublicBaseURL == "" {
		if err := g.SetPublicBaseURL(u); err != nil {
			t.Fatalf("start test gate: %v", err)
		}
	}
	return g
}

// StartUnix starts a gate on a Unix socket in a fresh short temporary
// directory (socket paths are limited to ~104 bytes, which t.TempDir()
// can exceed) and closes it when the test ends. The socket path is
// [Gate.SocketPath]; the public base URL stays opts.PublicBaseURL or the
// default "http://localhost:3000".
func StartUnix(t testing.TB, opts Options) *Gate {
	t.Helper()
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatalf("start test gate: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	g, err := New(opts)
	if err != nil {
		t.Fatalf("start test gate: %v", err)
	}
	if err := g.ListenUnix(filepath.Join(dir, "gate.sock")); err != nil {
		t.Fatalf("start test gate: %v", err)
	}
	t.Cleanup(func() { closeGate(t, g) })
	return g
}

// StartHTTPS serves a gate over HTTPS that requires a client certificate
// signed by clientCA (mutual TLS), and closes it when the test ends. It
// returns the gate, its URL (also its public base URL) and the server's
// certificate, which a client must trust.
func StartHTTPS(t testing.TB, opts Options, clientCA *x509.Certificate) (*Gate, string, *x509.Certificate) {
	t.Helper()
	g, err := New(opts)
	if err != nil {
		t.Fatalf("start test gate: %v", err)
	}
	t.Cleanup(func() { closeGate(t, g) })
	srv := httptest.NewUnstartedServer(g)
	pool := x509.NewCertPool()
	pool.AddCert(clientCA)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	if err := g.SetPublicBaseURL(srv.URL); err != nil {
		t.Fatalf("start test gate: %v", err)
	}
	return g, srv.URL, srv.Certificate()
}

// closeGate closes g when a test ends. A gate that cannot close (a
// listener or socket file that would not go) fails the test, as a
// t.TempDir that cannot be removed does.
func closeGate(t testing.TB, g *Gate) {
	t.Helper()
	if err := g.Close(); err != nil {
		t.Errorf("close test gate: %v", err)
	}
}
