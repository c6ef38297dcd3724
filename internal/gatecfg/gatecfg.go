// Package gatecfg finds out how to reach the LatchGate gate when the user
// did not say: from the session file of a running "latchgate up", from
// the project's .latchgate/latchgate.toml, or the gate's defaults. It
// says where the answer came from, so install and setup can tell the
// user, and doctor can explain a mismatch.
package gatecfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// DefaultPublicBaseURL is the gate's default public_base_url.
const DefaultPublicBaseURL = "http://localhost:3000"

// Transport is how serve reaches the gate.
type Transport struct {
	GateURL       string // HTTP transport when set
	Socket        string // Unix socket transport otherwise
	PublicBaseURL string // the gate's public_base_url (DPoP htu base)
	Source        string // where this came from, for the user
	// DefaultSocket is true when Socket is the default path, which serve
	// computes by itself; portable entries then leave it out.
	DefaultSocket bool
	// HTTPAddr is the gate's TCP listener when its config names one; we
	// prefer the socket and only mention it.
	HTTPAddr string
}

// IsHTTP reports whether the transport is TCP.
func (t Transport) IsHTTP() bool { return t.GateURL != "" }

// Args are the serve arguments for t. portable leaves out a default
// socket path, which is per-user (it holds the uid or XDG_RUNTIME_DIR) and
// which serve works out by itself on each machine.
func (t Transport) Args(portable bool) []string {
	args := []string{"serve"}
	if t.IsHTTP() {
		args = append(args, "--gate-url", t.GateURL)
		if t.PublicBaseURL != "" && t.PublicBaseURL != t.GateURL {
			args = append(args, "--public-base-url", t.PublicBaseURL)
		}
		return args
	}
	if !(portable && t.DefaultSocket) {
		args = append(args, "--gate-socket", t.Socket)
	}
	return append(args, "--public-base-url", t.PublicBaseURL)
}

// Flags are the transport flags the user gave.
type Flags struct {
	GateURL, Socket, PublicBaseURL string
}

func gateEnv(env ides.Env) gate.Env { return gate.Env{Getenv: env.Lookup(), UID: env.UID} }

// Resolve returns the transport from flags, or detects it.
func Resolve(env ides.Env, f Flags) (Transport, error) {
	def := gate.DefaultSocketPath(gateEnv(env))
	switch {
	case f.GateURL != "" && f.Socket != "":
		return Transport{}, errors.New("--gate-url and --gate-socket are mutually exclusive: choose HTTP or the Unix socket")
	case f.GateURL != "":
		u, err := gate.ValidateBaseURL(f.GateURL)
		if err != nil {
			return Transport{}, fmt.Errorf("invalid --gate-url: %w", err)
		}
		pub := u
		if f.PublicBaseURL != "" {
			if pub, err = gate.ValidateBaseURL(f.PublicBaseURL); err != nil {
				return Transport{}, fmt.Errorf("invalid --public-base-url: %w", err)
			}
		}
		return Transport{GateURL: u, PublicBaseURL: pub, Source: "command-line flags"}, nil
	case f.Socket != "":
		sock, err := filepath.Abs(f.Socket)
		if err != nil {
			return Transport{}, err
		}
		pub := DefaultPublicBaseURL
		source := "command-line flags"
		if f.PublicBaseURL != "" {
			if pub, err = gate.ValidateBaseURL(f.PublicBaseURL); err != nil {
				return Transport{}, fmt.Errorf("invalid --public-base-url: %w", err)
			}
		} else {
			source += " (public base URL: the gate's default " + DefaultPublicBaseURL + ")"
		}
		return Transport{Socket: sock, PublicBaseURL: pub, Source: source, DefaultSocket: sock == def}, nil
	}
	t, err := Detect(env)
	if err != nil {
		return t, err
	}
	if f.PublicBaseURL != "" {
		if t.PublicBaseURL, err = gate.ValidateBaseURL(f.PublicBaseURL); err != nil {
			return Transport{}, fmt.Errorf("invalid --public-base-url: %w", err)
		}
	}
	return t, nil
}

// gateConfig is the part of latchgate.toml (and latchgate-up.toml) that
// says where the gate listens.
type gateConfig struct {
	ListenUDSPath    string `toml:"listen_uds_path"`
	PublicBaseURL    string `toml:"public_base_url"`
	ListenHTTPAddr   string `toml:"listen_http_addr"`
	UnsafeExposeHTTP bool   `toml:"unsafe_expose_http"`
}

// Detect looks for the gate in the order of the Rust installer: a running
// "latchgate up" session, then .latchgate/latchgate.toml in the current
// directory or the project root, then the defaults. Unlike the Rust
// installer it prefers the Unix socket even when the config also exposes
// HTTP (the socket carries the peer credentials the gate's identity
// check needs), and it never drops a custom socket path silently.
func Detect(env ides.Env) (Transport, error) {
	def := gate.DefaultSocketPath(gateEnv(env))
	session := filepath.Join(gate.RuntimeDir(gateEnv(env)), "latchgate-up", "latchgate-up.toml")
	candidates := []string{session, filepath.Join(env.WorkDir, ".latchgate", "latchgate.toml")}
	if env.ProjectRoot != env.WorkDir {
		candidates = append(candidates, filepath.Join(env.ProjectRoot, ".latchgate", "latchgate.toml"))
	}
	for i, path := range candidates {
		cfg, ok, err := readConfig(path, env.Display(path))
		if err != nil {
			return Transport{}, err
		}
		if !ok {
			continue
		}
		t := Transport{Socket: def, PublicBaseURL: DefaultPublicBaseURL, Source: env.Display(path), DefaultSocket: true}
		if cfg.ListenUDSPath != "" {
			t.Socket = cfg.ListenUDSPath
			if !filepath.IsAbs(t.Socket) {
				t.Socket = filepath.Join(filepath.Dir(path), t.Socket)
			}
			t.DefaultSocket = t.Socket == def
		}
		if cfg.PublicBaseURL != "" {
			u, err := gate.ValidateBaseURL(cfg.PublicBaseURL)
			if err != nil {
				return Transport{}, fmt.Errorf("read %s: public_base_url: %w", env.Display(path), err)
			}
			t.PublicBaseURL = u
		}
		if cfg.ListenHTTPAddr != "" && cfg.UnsafeExposeHTTP {
			t.HTTPAddr = cfg.ListenHTTPAddr
		}
		if i == 0 && !isSocket(t.Socket) {
			// A session file left behind by a latchgate up that has
			// stopped says nothing about the gate that will run next.
			continue
		}
		return t, nil
	}
	return Transport{Socket: def, PublicBaseURL: DefaultPublicBaseURL, DefaultSocket: true,
		Source: "defaults (no running latchgate up and no .latchgate/latchgate.toml found)"}, nil
}

// readConfig reads and parses the gate config at path (display names it
// for the user). A missing file is not an error; a FIFO, a device or a
// file over [safeio.MaxSmall] is, and is refused without blocking.
func readConfig(path, display string) (gateConfig, bool, error) {
	data, err := safeio.ReadFile(path, safeio.MaxSmall)
	if errors.Is(err, fs.ErrNotExist) {
		return gateConfig{}, false, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said once, below
		}
		return gateConfig{}, false, fmt.Errorf("read %s: %w", display, err)
	}
	var cfg gateConfig
	if err := toml.Unmarshal(data, &cfg); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return gateConfig{}, false, fmt.Errorf("parse %s: line %d, column %d: %s", display, line, col, strings.TrimSpace(de.Error()))
		}
		return gateConfig{}, false, fmt.Errorf("parse %s: %w", display, err)
	}
	return cfg, true, nil
}

func isSocket(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode()&fs.ModeSocket != 0
}
