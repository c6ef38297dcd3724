package gate

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParsePEMKey reads a P-256 private key from PEM, PKCS#8 ("PRIVATE KEY")
// or SEC1 ("EC PRIVATE KEY"), the two formats gate tooling writes for
// operator keys. Encrypted PEM and other curves are refused with a message
// that says so, rather than a parser error.
func ParsePEMKey(data []byte) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse key: no PEM block found")
	}
	if _, encrypted := block.Headers["Proc-Type"]; encrypted || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("parse key: encrypted PEM is not supported; decrypt the key first")
	}
	var priv *ecdsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse key: %w", err)
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse key: %T is not an EC key", k)
		}
		priv = ec
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse key: %w", err)
		}
		priv = k
	default:
		return nil, fmt.Errorf("parse key: unsupported PEM block %q", block.Type)
	}
	return NewKey(priv)
}
