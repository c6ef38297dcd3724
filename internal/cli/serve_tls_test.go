package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// selfSigned writes a self-signed certificate and its key as PEM files.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestServeTLS checks --tls-ca, --tls-cert and --tls-key and their
// variables (gate-protocol §10 G17).
func TestServeTLS(t *testing.T) {
	cert, key := selfSigned(t, t.TempDir())
	tests := []struct {
		name      string
		env       []string
		args      []string
		wantCA    bool
		wantCerts int
		usageErr  bool
		errText   string
	}{
		{name: "none", args: []string{"--gate-url", "https://gate:8443"}},
		{name: "ca flag", args: []string{"--gate-url", "https://gate:8443", "--tls-ca", cert}, wantCA: true},
		{name: "mutual tls flags", args: []string{"--gate-url", "https://gate:8443", "--tls-cert", cert, "--tls-key", key}, wantCerts: 1},
		{name: "env", env: []string{"LATCHGATE_URL", "https://gate:8443", "LATCHGATE_TLS_CA", cert, "LATCHGATE_TLS_CERT", cert, "LATCHGATE_TLS_KEY", key},
			wantCA: true, wantCerts: 1},
		{name: "http url", args: []string{"--gate-url", "http://gate:3000", "--tls-ca", cert}, usageErr: true},
		{name: "socket", args: []string{"--gate-socket", "/s", "--public-base-url", "https://gate", "--tls-ca", cert}, usageErr: true},
		{name: "cert without key", args: []string{"--gate-url", "https://gate", "--tls-cert", cert}, usageErr: true},
		{name: "missing ca file", args: []string{"--gate-url", "https://gate", "--tls-ca", cert + ".none"}, errText: "load tls ca"},
		{name: "key that does not match", args: []string{"--gate-url", "https://gate", "--tls-cert", cert, "--tls-key", cert}, errText: "load tls client certificate"},
		{name: "ca is a device", args: []string{"--gate-url", "https://gate", "--tls-ca", os.DevNull}, errText: "not a regular file"},
		{name: "ca is a directory", args: []string{"--gate-url", "https://gate", "--tls-ca", t.TempDir()}, errText: "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serveEnv(t, append([]string{"LATCHGATE_TLS_CA", "", "LATCHGATE_TLS_CERT", "", "LATCHGATE_TLS_KEY", ""}, tt.env...)...)
			o, err := resolveServe(t, tt.args...)
			if expectResolveError(t, err, tt.usageErr, tt.errText) {
				return
			}
			if tt.wantCA || tt.wantCerts > 0 {
				if o.tlsConfig == nil {
					t.Fatal("no TLS configuration")
				}
				if (o.tlsConfig.RootCAs != nil) != tt.wantCA || len(o.tlsConfig.Certificates) != tt.wantCerts {
					t.Errorf("roots set %v, %d certificates", o.tlsConfig.RootCAs != nil, len(o.tlsConfig.Certificates))
				}
			} else if o.tlsConfig != nil {
				t.Errorf("TLS configuration without any file named")
			}
		})
	}
}
