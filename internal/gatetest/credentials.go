package gatetest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// NewOperatorCredential makes an operator credential the way
// "latchgate init" does: a fresh P-256 key (returned as PKCS#8 PEM, the
// format init writes to .latchgate/operators/<name>.pem) and an api_key
// "key-<name>-<32 hex>".
func NewOperatorCredential(name string) (OperatorCredential, []byte, error) {
	if !credentialName.MatchString(name) {
		return OperatorCredential{}, nil, fmt.Errorf("make operator credential %q: name must be 1-128 of [A-Za-z0-9_-]", name)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return OperatorCredential{}, nil, fmt.Errorf("make operator credential: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return OperatorCredential{}, nil, fmt.Errorf("make operator credential: %w", err)
	}
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return OperatorCredential{}, nil, fmt.Errorf("make operator credential: %w", err)
	}
	x, y, err := jwkCoords(&priv.PublicKey)
	if err != nil {
		return OperatorCredential{}, nil, fmt.Errorf("make operator credential: %w", err)
	}
	cred := OperatorCredential{APIKey: "key-" + name + "-" + hex.EncodeToString(secret[:]), JKT: thumbprint(x, y)}
	return cred, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Operator credential file names in the directory
// [WriteOperatorCredential] fills.
const (
	OperatorKeyFile   = "operator.pem"
	OperatorTokenFile = "operator.token"
)

// WriteOperatorCredential makes a credential with [NewOperatorCredential]
// and writes its key to dir/operator.pem and its api_key (with a final
// newline) to dir/operator.token, both 0600 in a directory made 0700 if
// missing: what an operator client is pointed at. Existing files are
// refused rather than replaced, since they may be someone's real
// credential.
func WriteOperatorCredential(dir, name string) (OperatorCredential, error) {
	cred, keyPEM, err := NewOperatorCredential(name)
	if err != nil {
		return OperatorCredential{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return OperatorCredential{}, fmt.Errorf("write operator credential: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{OperatorKeyFile, keyPEM}, {OperatorTokenFile, []byte(cred.APIKey + "\n")}} {
		path := filepath.Join(dir, f.name)
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return OperatorCredential{}, fmt.Errorf("write operator credential: %w", err)
		}
		_, werr := fh.Write(f.data)
		cerr := fh.Close()
		if werr != nil || cerr != nil {
			return OperatorCredential{}, fmt.Errorf("write operator credential %s: %v", path, firstErr(werr, cerr))
		}
	}
	return cred, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// LoadOperatorCredential reads back a credential [WriteOperatorCredential]
// wrote to dir: the api_key from operator.token and the thumbprint of
// the key in operator.pem (PKCS#8 or SEC1).
func LoadOperatorCredential(dir string) (OperatorCredential, error) {
	tok, err := os.ReadFile(filepath.Join(dir, OperatorTokenFile))
	if err != nil {
		return OperatorCredential{}, fmt.Errorf("load operator credential: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, OperatorKeyFile))
	if err != nil {
		return OperatorCredential{}, fmt.Errorf("load operator credential: %w", err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return OperatorCredential{}, fmt.Errorf("load operator credential: no PEM block in %s", OperatorKeyFile)
	}
	var priv *ecdsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return OperatorCredential{}, fmt.Errorf("load operator credential: %w", err)
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return OperatorCredential{}, fmt.Errorf("load operator credential: %T is not an EC key", k)
		}
		priv = ec
	case "EC PRIVATE KEY":
		if priv, err = x509.ParseECPrivateKey(block.Bytes); err != nil {
			return OperatorCredential{}, fmt.Errorf("load operator credential: %w", err)
		}
	default:
		return OperatorCredential{}, fmt.Errorf("load operator credential: unsupported PEM block %q", block.Type)
	}
	if priv.Curve != elliptic.P256() {
		return OperatorCredential{}, fmt.Errorf("load operator credential: not a P-256 key")
	}
	x, y, err := jwkCoords(&priv.PublicKey)
	if err != nil {
		return OperatorCredential{}, fmt.Errorf("load operator credential: %w", err)
	}
	return OperatorCredential{APIKey: string(bytes.TrimSpace(tok)), JKT: thumbprint(x, y)}, nil
}
