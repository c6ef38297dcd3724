package operator

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// Limits on what is read from credential files: far above a PEM key or an
// api_key, low enough that a wrong path (a log, a device) is not read
// whole.
const (
	maxKeyFile   = 64 << 10
	maxTokenFile = 8 << 10
)

// PermissionError is a credential file that other users can read or
// write. The operator key and token approve held actions: anyone who can
// read them can approve as this operator.
type PermissionError struct {
	Path string
	Mode fs.FileMode
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("refuse %s: other users can read or change it (mode %04o)", e.Path, e.Mode.Perm())
}

// Hint says how to fix it.
func (e *PermissionError) Hint() string {
	return fmt.Sprintf("run \"chmod 600 %s\"; if others could read it, have the gate's owner issue a new operator credential", e.Path)
}

// readPrivate reads a credential file: refused when it is accessible to
// every user (mode & 0o007), a warning when the group has access
// (& 0o070), as the spec asks ("refuse or warn"): a group may be a
// deliberate team of operators, everyone never is. The mode is checked
// on the open file, so a swap between check and read does not matter.
func readPrivate(path string, limit int64) ([]byte, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	var warnings []string
	if runtime.GOOS != "windows" {
		perm := fi.Mode().Perm()
		if perm&0o007 != 0 {
			return nil, nil, &PermissionError{Path: path, Mode: fi.Mode()}
		}
		if perm&0o070 != 0 {
			warnings = append(warnings, fmt.Sprintf("%s is readable by its group (mode %04o); \"chmod 600 %s\" keeps it to you", path, perm, path))
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, nil, err
	}
	if int64(len(data)) > limit {
		return nil, nil, fmt.Errorf("%s is larger than %d bytes: not a credential file", path, limit)
	}
	return data, warnings, nil
}

// LoadKey reads the operator's P-256 key from a PEM file (PKCS#8 or
// SEC1, unencrypted), refusing a file others can read. Warnings are
// things to tell the user that do not stop the load.
func LoadKey(path string) (*gate.Key, []string, error) {
	data, warnings, err := readPrivate(path, maxKeyFile)
	if err != nil {
		var pe *PermissionError
		if errors.As(err, &pe) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("read operator key %s: %w", path, unwrapPath(err))
	}
	k, err := gate.ParsePEMKey(data)
	clear(data)
	if err != nil {
		return nil, nil, fmt.Errorf("read operator key %s: %w", path, err)
	}
	return k, warnings, nil
}

// LoadToken reads the operator token (the credential's api_key) from a
// file: its first line, trimmed. The file is held to the same rules as
// the key.
func LoadToken(path string) (string, []string, error) {
	data, warnings, err := readPrivate(path, maxTokenFile)
	if err != nil {
		var pe *PermissionError
		if errors.As(err, &pe) {
			return "", nil, err
		}
		return "", nil, fmt.Errorf("read operator token %s: %w", path, unwrapPath(err))
	}
	line, _, _ := strings.Cut(string(data), "\n")
	tok := strings.TrimSpace(line)
	if tok == "" {
		return "", nil, fmt.Errorf("read operator token %s: the file is empty", path)
	}
	if err := checkToken(tok); err != nil {
		return "", nil, fmt.Errorf("read operator token %s: %w", path, err)
	}
	return tok, warnings, nil
}

// CheckToken refuses a token that cannot be an api_key (whitespace or
// control characters inside, over 4096 bytes).
func CheckToken(tok string) error { return checkToken(tok) }

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
