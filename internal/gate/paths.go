package gate

import (
	"os"
	"path/filepath"
	"strconv"
)

// Env is the part of the process environment the default paths depend on.
// It is injected rather than read from os so the path rules can be tested
// for any user and any XDG_RUNTIME_DIR without touching the real process.
type Env struct {
	// Getenv looks up an environment variable; nil means no variables set.
	Getenv func(string) string
	// UID is the real user id, used for the per-user /tmp fallback.
	UID int
}

// OSEnv returns the Env of the running process.
func OSEnv() Env {
	return Env{Getenv: os.Getenv, UID: os.Getuid()}
}

func (e Env) get(key string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(key)
}

// RuntimeDir returns the gate's runtime directory, resolved the way the gate
// and its SDKs resolve it so that every client finds the same socket:
// $XDG_RUNTIME_DIR/latchgate when XDG_RUNTIME_DIR is set and non-empty,
// otherwise /tmp/latchgate-<uid>.
func RuntimeDir(env Env) string {
	if dir := env.get("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "latchgate")
	}
	if env.UID < 0 {
		// Windows reports uid -1; the gate then uses an unsuffixed dir.
		return filepath.Join(os.TempDir(), "latchgate")
	}
	return "/tmp/latchgate-" + strconv.Itoa(env.UID)
}

// DefaultSocketPath returns the gate's client socket, the one "serve" uses
// when neither --gate-socket nor --gate-url is given.
func DefaultSocketPath(env Env) string {
	return filepath.Join(RuntimeDir(env), "gate.sock")
}

// DefaultAdminSocketPath returns the gate's admin socket, which the
// operator session uses.
func DefaultAdminSocketPath(env Env) string {
	return filepath.Join(RuntimeDir(env), "gate-admin.sock")
}
