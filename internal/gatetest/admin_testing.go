package gatetest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http/httptest"
	"testing"
)

// StartAdminHTTPS serves g's admin router over HTTPS, as the gate's
// admin mTLS listener does: with a non-nil clientCA a client certificate
// signed by it is required. It returns the listener's URL and the
// server's certificate, which a client must trust, and closes it when
// the test ends. Proofs still sign for [Gate.PublicBaseURL].
func StartAdminHTTPS(t testing.TB, g *Gate, clientCA *x509.Certificate) (string, *x509.Certificate) {
	t.Helper()
	srv := httptest.NewUnstartedServer(g.AdminHandler())
	// Refused handshakes are what the tests provoke; not worth a log line.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{}
	if clientCA != nil {
		pool := x509.NewCertPool()
		pool.AddCert(clientCA)
		srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, srv.Certificate()
}
