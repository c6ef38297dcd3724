package gatecfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// Operator is what this machine says about reaching the gate as an
// operator: the admin socket and public base URL, and an operator
// credential when a latchgate.toml names one. APIKey is a secret: never
// print it.
type Operator struct {
	AdminSocket   string
	PublicBaseURL string
	// Source says where the socket and base URL came from.
	Source string

	// Name is the credential's name in [operator_credentials], "" when
	// none was found; APIKey its api_key, ConfigPath the file that holds
	// it, KeyPath the PEM key found for it ("" when none).
	Name       string
	APIKey     string
	ConfigPath string
	KeyPath    string
}

// operatorConfig is the part of latchgate.toml the operator side reads.
type operatorConfig struct {
	ListenAdminUDSPath  string `toml:"listen_admin_uds_path"`
	PublicBaseURL       string `toml:"public_base_url"`
	OperatorCredentials map[string]struct {
		APIKey  string `toml:"api_key"`
		DPoPJKT string `toml:"dpop_jkt"`
	} `toml:"operator_credentials"`
}

var credentialNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// DetectOperator finds the admin socket and an operator credential the
// way "latchgate tui" and the Rust installer do: a running "latchgate
// up" session (its latchgate-up.toml, used only while its admin socket
// exists), then .latchgate/latchgate.toml in the current directory and
// the project root, then the gate's defaults. The credential is name in
// [operator_credentials] of the first latchgate.toml that has the
// table, or when name is "" its "default" entry, else its first entry;
// its key is .latchgate/operators/<name>.pem, .latchgate/<name>.pem or
// the session's operator.pem, whichever exists first.
func DetectOperator(env ides.Env, name string) (Operator, error) {
	genv := gateEnv(env)
	runtime := gate.RuntimeDir(genv)
	def := gate.DefaultAdminSocketPath(genv)
	session := filepath.Join(runtime, "latchgate-up", "latchgate-up.toml")
	candidates := []string{session, filepath.Join(env.WorkDir, ".latchgate", "latchgate.toml")}
	if env.ProjectRoot != "" && env.ProjectRoot != env.WorkDir {
		candidates = append(candidates, filepath.Join(env.ProjectRoot, ".latchgate", "latchgate.toml"))
	}
	op := Operator{AdminSocket: def, PublicBaseURL: DefaultPublicBaseURL,
		Source: "defaults (no running latchgate up and no .latchgate/latchgate.toml found)"}
	transportFound := false
	for i, path := range candidates {
		cfg, order, ok, err := readOperatorConfig(path)
		if err != nil {
			return Operator{}, err
		}
		if !ok {
			continue
		}
		sock := def
		if cfg.ListenAdminUDSPath != "" {
			sock = cfg.ListenAdminUDSPath
			if !filepath.IsAbs(sock) {
				sock = filepath.Join(filepath.Dir(path), sock)
			}
		}
		live := i != 0 || isSocket(sock)
		if !transportFound && live {
			transportFound = true
			op.AdminSocket, op.Source = sock, env.Display(path)
			if cfg.PublicBaseURL != "" {
				u, err := gate.ValidateBaseURL(cfg.PublicBaseURL)
				if err != nil {
					return Operator{}, fmt.Errorf("read %s: public_base_url: %w", env.Display(path), err)
				}
				op.PublicBaseURL = u
			}
		}
		if op.Name != "" || len(cfg.OperatorCredentials) == 0 || !live {
			continue
		}
		chosen := name
		switch {
		case chosen != "":
			if _, ok := cfg.OperatorCredentials[chosen]; !ok {
				return Operator{}, fmt.Errorf("read %s: no [operator_credentials.%s] (it has %s)", env.Display(path), chosen, strings.Join(order, ", "))
			}
		case hasCredential(cfg, "default"):
			chosen = "default"
		default:
			chosen = order[0]
		}
		if !credentialNamePattern.MatchString(chosen) {
			return Operator{}, fmt.Errorf("read %s: operator credential name %q: want 1 to 128 characters of A-Z a-z 0-9 _ -", env.Display(path), chosen)
		}
		op.Name, op.APIKey, op.ConfigPath = chosen, cfg.OperatorCredentials[chosen].APIKey, path
		dir := filepath.Dir(path)
		for _, k := range []string{
			filepath.Join(dir, "operators", chosen+".pem"),
			filepath.Join(dir, chosen+".pem"),
			filepath.Join(runtime, "latchgate-up", "operator.pem"),
		} {
			if fi, err := os.Stat(k); err == nil && fi.Mode().IsRegular() {
				op.KeyPath = k
				break
			}
		}
	}
	return op, nil
}

// readOperatorConfig reads a latchgate.toml (or latchgate-up.toml) and
// the names of its operator credentials in document order, the order
// the Rust installer takes the "first" one in.
func readOperatorConfig(path string) (operatorConfig, []string, bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return operatorConfig{}, nil, false, nil
	}
	if err != nil {
		return operatorConfig{}, nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	var cfg operatorConfig
	if err := toml.Unmarshal(data, &cfg); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, col := de.Position()
			return operatorConfig{}, nil, false, fmt.Errorf("parse %s: line %d, column %d: %s", path, line, col, strings.TrimSpace(de.Error()))
		}
		return operatorConfig{}, nil, false, fmt.Errorf("parse %s: %w", path, err)
	}
	return cfg, credentialOrder(data, cfg), true, nil
}

// credentialOrder lists the [operator_credentials] names in the order
// they appear: table headers [operator_credentials.NAME], and keys
// under [operator_credentials] (NAME = {...} or NAME.api_key = ...).
// Names the scan misses (other spellings) follow, sorted.
func credentialOrder(data []byte, cfg operatorConfig) []string {
	var order []string
	seen := map[string]bool{}
	add := func(n string) {
		if _, ok := cfg.OperatorCredentials[n]; ok && !seen[n] {
			seen[n] = true
			order = append(order, n)
		}
	}
	keys := func(n *unstable.Node) []string {
		var out []string
		for it := n.Key(); it.Next(); {
			out = append(out, string(it.Node().Data))
		}
		return out
	}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			table = keys(e)
			if len(table) >= 2 && table[0] == "operator_credentials" {
				add(table[1])
			}
		case unstable.KeyValue:
			k := append(append([]string(nil), table...), keys(e)...)
			if len(k) >= 2 && k[0] == "operator_credentials" {
				add(k[1])
			}
		}
	}
	var rest []string
	for n := range cfg.OperatorCredentials {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(order, rest...)
}

func hasCredential(cfg operatorConfig, name string) bool {
	_, ok := cfg.OperatorCredentials[name]
	return ok
}
