package gate

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSFiles name the PEM files for HTTPS to a gate: a CA bundle to trust
// (for a gate behind a private CA) and a client certificate and key (for
// a listener that requires mutual TLS). The Rust adapter has no TLS knobs,
// so it can only reach a gate whose certificate the system trusts and
// which asks for no client certificate (gate-protocol §10 G17).
type TLSFiles struct {
	CA   string
	Cert string
	Key  string
}

// Empty reports whether no file is named.
func (f TLSFiles) Empty() bool { return f.CA == "" && f.Cert == "" && f.Key == "" }

// Load reads the files into a TLS configuration: the CA bundle, when
// named, replaces the system roots; the certificate and key must be named
// together.
func (f TLSFiles) Load() (*tls.Config, error) {
	if (f.Cert == "") != (f.Key == "") {
		return nil, errors.New("load tls client certificate: a certificate and its key must be given together")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CA != "" {
		pemData, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, fmt.Errorf("load tls ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("load tls ca: no PEM certificate in %s", f.CA)
		}
		cfg.RootCAs = pool
	}
	if f.Cert != "" {
		cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("load tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
