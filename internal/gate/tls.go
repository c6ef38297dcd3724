package gate

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
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
// together. Each must be a regular file of at most 4 MiB: a FIFO or a
// device is refused rather than read.
func (f TLSFiles) Load() (*tls.Config, error) {
	if (f.Cert == "") != (f.Key == "") {
		return nil, errors.New("load tls client certificate: a certificate and its key must be given together")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CA != "" {
		pemData, err := readRegularFile(f.CA, maxPEMFile)
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
		certPEM, err := readRegularFile(f.Cert, maxPEMFile)
		if err != nil {
			return nil, fmt.Errorf("load tls client certificate: %w", err)
		}
		keyPEM, err := readRegularFile(f.Key, maxPEMFile)
		if err != nil {
			return nil, fmt.Errorf("load tls client key: %w", err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("load tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
