package opsetup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/atomicfile"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// maxCredential bounds what is read back from a credential file.
const maxCredential = 64 << 10

// CredentialState says what [WriteCredentials] did.
type CredentialState struct {
	// Created: neither file was there before.
	Created bool
	// Changed: a file was written (created or replaced).
	Changed bool
	// Tightened lists paths whose mode was narrowed to 0600 or 0700.
	Tightened []string
}

// WriteCredentials writes the operator key (PEM) and token into dir:
// dir 0700, files 0600. A looser existing directory or file is narrowed
// first, so the new secret is never readable by others, not even for a
// moment; files that already hold these bytes are left alone. Errors
// never carry the contents.
func WriteCredentials(dir string, keyPEM []byte, token string) (CredentialState, error) {
	var st CredentialState
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return st, fmt.Errorf("create %s: %w", dir, err)
	}
	if err := tighten(dir, 0o700, &st); err != nil {
		return st, err
	}
	files := []struct {
		name string
		data []byte
	}{{KeyFile, keyPEM}, {TokenFile, []byte(token + "\n")}}
	existing := 0
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		old, err := safeio.ReadFile(p, maxCredential)
		switch {
		case err == nil:
			existing++
			if err := tighten(p, 0o600, &st); err != nil {
				return st, err
			}
			if bytes.Equal(old, f.data) {
				continue
			}
		case !errors.Is(err, fs.ErrNotExist):
			return st, fmt.Errorf("read %s: %w", p, err)
		}
		if err := atomicfile.WriteFile(p, f.data, atomicfile.Options{NewMode: 0o600, DirMode: 0o700}); err != nil {
			return st, fmt.Errorf("write %s: %w", p, err)
		}
		st.Changed = true
	}
	st.Created = existing == 0
	return st, nil
}

// tighten narrows path's mode to mode when it grants more.
func tighten(path string, mode fs.FileMode, st *CredentialState) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&^mode == 0 {
		return nil
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("narrow the mode of %s to %04o: %w", path, mode, err)
	}
	st.Tightened = append(st.Tightened, path)
	return nil
}

// RemoveCredentials removes the key and token files from dir, and dir
// when nothing else is left in it.
func RemoveCredentials(dir string) error {
	for _, name := range []string{KeyFile, TokenFile} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", filepath.Join(dir, name), err)
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) && !isNotEmpty(err) {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}

func isNotEmpty(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not empty")
}

// tokenPattern is the shape of an operator api_key, "key-<name>-<32
// hex>" (gate-protocol §5.7), anywhere in a string.
var tokenPattern = regexp.MustCompile(`key-[A-Za-z0-9_-]{1,128}-[0-9a-f]{32}([^0-9a-f]|$)`)

// LooksLikeToken reports whether s holds an operator api_key.
func LooksLikeToken(s string) bool { return tokenPattern.MatchString(s) }

// reference matches a value that only names a variable for the client to
// expand (${VAR}, ${env:VAR}, ${input:id}): no secret in the file.
var reference = regexp.MustCompile(`^\$\{[^}]+\}$`)

// TokenEnv is the variable that carries the operator token.
const TokenEnv = "LATCHGATE_OPERATOR_TOKEN"

// FindTokens returns where server entry v holds an operator token, as
// paths inside the entry ("env.LATCHGATE_OPERATOR_TOKEN", "args[3]"),
// never the value: LATCHGATE_OPERATOR_TOKEN with a value of its own,
// --operator-token on the command line, or any string shaped like an
// api_key.
func FindTokens(v config.Value) []string {
	var out []string
	var walk func(v config.Value, at string)
	walk = func(v config.Value, at string) {
		switch v.Kind() {
		case config.Object:
			for _, m := range v.Members() {
				p := m.Key
				if at != "" {
					p = at + "." + m.Key
				}
				if m.Key == TokenEnv && m.Value.Kind() == config.String && m.Value.Str() != "" && !reference.MatchString(m.Value.Str()) {
					out = append(out, p)
					continue
				}
				walk(m.Value, p)
			}
		case config.List:
			for i, x := range v.Items() {
				p := fmt.Sprintf("%s[%d]", at, i)
				if s := x.Str(); x.Kind() == config.String && (s == "--operator-token" || strings.HasPrefix(s, "--operator-token=")) {
					out = append(out, p+" (--operator-token)")
					continue
				}
				walk(x, p)
			}
		case config.String:
			if LooksLikeToken(v.Str()) {
				out = append(out, at)
			}
		}
	}
	walk(v, "")
	return out
}
