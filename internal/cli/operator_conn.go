package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// operatorConn are the flags shared by "approve" and "operator" that say
// how to reach the gate's admin API and as which operator. The token is
// never a flag value: argv is visible to every user (ps) and lands in
// shell history.
type operatorConn struct {
	AdminSocket   string
	AdminURL      string
	PublicBaseURL string
	KeyPath       string
	TokenFile     string
	Name          string
	TLS           gate.TLSFiles
	tokenArg      string // the refused --operator-token

	// Hidden tuning knobs, for tests.
	Timeout        time.Duration
	ApproveTimeout time.Duration
}

func (o *operatorConn) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&o.AdminSocket, "admin-socket", "", "the gate's admin Unix socket (env LATCHGATE_ADMIN_SOCKET; default: found from latchgate up or latchgate.toml, else "+gate.DefaultAdminSocketPath(gate.OSEnv())+")")
	fl.StringVar(&o.AdminURL, "admin-url", "", "the gate's admin listener URL instead of the socket, e.g. https://gate.internal:3001 (env LATCHGATE_ADMIN_URL)")
	fl.StringVar(&o.PublicBaseURL, "public-base-url", "", "the gate's public_base_url, used for DPoP htu (env LATCHGATE_PUBLIC_URL or LATCHGATE_PUBLIC_BASE_URL; default: from latchgate.toml, else http://localhost:3000)")
	fl.StringVar(&o.KeyPath, "operator-key", "", "the operator's P-256 key, PEM (env LATCHGATE_OPERATOR_KEY; default: .latchgate/operators/<name>.pem)")
	fl.StringVar(&o.TokenFile, "operator-token-file", "", "file holding the operator token, the api_key of [operator_credentials.<name>] (env LATCHGATE_OPERATOR_TOKEN_FILE; or put the token in LATCHGATE_OPERATOR_TOKEN)")
	fl.StringVar(&o.Name, "operator-name", "", "which [operator_credentials] entry of latchgate.toml to use when discovering (env LATCHGATE_OPERATOR_NAME; default: default, else the first)")
	fl.StringVar(&o.TLS.CA, "tls-ca", "", "PEM CA bundle to trust for an https --admin-url (env LATCHGATE_TLS_CA)")
	fl.StringVar(&o.TLS.Cert, "tls-cert", "", "PEM client certificate for an admin listener that requires mutual TLS; needs --tls-key (env LATCHGATE_TLS_CERT)")
	fl.StringVar(&o.TLS.Key, "tls-key", "", "PEM private key of --tls-cert (env LATCHGATE_TLS_KEY)")
	fl.StringVar(&o.tokenArg, "operator-token", "", "refused: use LATCHGATE_OPERATOR_TOKEN or --operator-token-file")
	fl.DurationVar(&o.Timeout, "request-timeout", 0, "bound on reads and deny")
	fl.DurationVar(&o.ApproveTimeout, "approve-timeout", 0, "bound on an approve, which executes the action")
	for _, name := range []string{"operator-token", "request-timeout", "approve-timeout"} {
		_ = fl.MarkHidden(name)
	}
}

// connInfo says where each part of the connection came from, for
// messages (never the token itself).
type connInfo struct {
	Target      string
	Source      string
	TokenSource string
	KeySource   string
	Warnings    []string
}

// resolve turns the flags, the environment and, for what is still
// missing, discovery (gatecfg.DetectOperator) into a client
// configuration. An explicit flag beats its variable; a variable beats
// discovery.
func (o *operatorConn) resolve(cmd *cobra.Command, env ides.Env) (operator.Config, *connInfo, error) {
	fl := cmd.Flags()
	info := &connInfo{}
	if fl.Changed("operator-token") {
		return operator.Config{}, nil, flagErrorf("--operator-token is not accepted: a token on the command line is visible to other users (ps) and kept in shell history; set LATCHGATE_OPERATOR_TOKEN or use --operator-token-file")
	}
	get := func(flag string, dst *string, names ...string) {
		if fl.Changed(flag) {
			return
		}
		for _, n := range names {
			if v := strings.TrimSpace(env.Get(n)); v != "" {
				*dst = v
				return
			}
		}
	}
	if fl.Changed("admin-socket") && fl.Changed("admin-url") {
		return operator.Config{}, nil, flagErrorf("--admin-socket and --admin-url cannot be used together")
	}
	if !fl.Changed("admin-socket") && !fl.Changed("admin-url") {
		get("admin-url", &o.AdminURL, "LATCHGATE_ADMIN_URL")
		get("admin-socket", &o.AdminSocket, "LATCHGATE_ADMIN_SOCKET")
		if o.AdminURL != "" && o.AdminSocket != "" {
			info.Warnings = append(info.Warnings, "both LATCHGATE_ADMIN_URL and LATCHGATE_ADMIN_SOCKET are set; using LATCHGATE_ADMIN_URL")
			o.AdminSocket = ""
		}
	}
	get("public-base-url", &o.PublicBaseURL, "LATCHGATE_PUBLIC_URL", "LATCHGATE_PUBLIC_BASE_URL")
	get("operator-key", &o.KeyPath, "LATCHGATE_OPERATOR_KEY")
	get("operator-name", &o.Name, "LATCHGATE_OPERATOR_NAME")
	get("tls-ca", &o.TLS.CA, "LATCHGATE_TLS_CA")
	get("tls-cert", &o.TLS.Cert, "LATCHGATE_TLS_CERT")
	get("tls-key", &o.TLS.Key, "LATCHGATE_TLS_KEY")
	token, tokenFile := "", o.TokenFile
	if fl.Changed("operator-token-file") {
		info.TokenSource = o.TokenFile
	} else if t := strings.TrimSpace(env.Get("LATCHGATE_OPERATOR_TOKEN")); t != "" {
		token, info.TokenSource = t, "LATCHGATE_OPERATOR_TOKEN"
	} else if f := strings.TrimSpace(env.Get("LATCHGATE_OPERATOR_TOKEN_FILE")); f != "" {
		tokenFile, info.TokenSource = f, f
	}

	var found *gatecfg.Operator
	if (o.AdminSocket == "" && o.AdminURL == "") || o.PublicBaseURL == "" || o.KeyPath == "" || (token == "" && tokenFile == "") {
		d, err := gatecfg.DetectOperator(env, o.Name)
		if err != nil {
			return operator.Config{}, nil, withHint(fmt.Errorf("find the gate's operator settings: %w", err),
				"fix the file, or name everything: --admin-socket, --public-base-url, --operator-key, LATCHGATE_OPERATOR_TOKEN")
		}
		found = &d
	}
	cfg := operator.Config{Timeout: o.Timeout, ApproveTimeout: o.ApproveTimeout}
	switch {
	case o.AdminURL != "":
		u, err := gate.ValidateBaseURL(o.AdminURL)
		if err != nil {
			return operator.Config{}, nil, withHint(fmt.Errorf("check --admin-url: %w", err), "use the admin listener's base URL, e.g. https://gate.internal:3001")
		}
		cfg.URL, info.Target = u, u
	case o.AdminSocket != "":
		cfg.Socket, info.Target = o.AdminSocket, "unix:"+o.AdminSocket
	default:
		cfg.Socket, info.Target, info.Source = found.AdminSocket, "unix:"+found.AdminSocket, found.Source
	}
	if cfg.Socket != "" && runtime.GOOS == "windows" {
		return operator.Config{}, nil, withHint(errors.New("the admin Unix socket is not supported on this platform"), "use --admin-url")
	}
	if !o.TLS.Empty() {
		if cfg.URL == "" || !strings.HasPrefix(strings.ToLower(cfg.URL), "https://") {
			return operator.Config{}, nil, flagErrorf("--tls-ca, --tls-cert and --tls-key need an https --admin-url")
		}
		if (o.TLS.Cert == "") != (o.TLS.Key == "") {
			return operator.Config{}, nil, flagErrorf("--tls-cert and --tls-key must be given together")
		}
		tc, err := o.TLS.Load()
		if err != nil {
			return operator.Config{}, nil, withHint(err, "the files must be PEM: a CA bundle, and a client certificate with its private key")
		}
		cfg.TLS = tc
	}
	pub := o.PublicBaseURL
	if pub == "" {
		pub = found.PublicBaseURL
	}
	u, err := gate.ValidateBaseURL(pub)
	if err != nil {
		return operator.Config{}, nil, withHint(fmt.Errorf("check --public-base-url: %w", err), "it must equal public_base_url in latchgate.toml, e.g. http://localhost:3000")
	}
	cfg.PublicBaseURL = u

	keyPath := o.KeyPath
	info.KeySource = keyPath
	if keyPath == "" && found != nil {
		keyPath, info.KeySource = found.KeyPath, found.KeyPath
	}
	if keyPath == "" {
		return operator.Config{}, nil, withHint(errors.New("no operator key: name its PEM file with --operator-key or LATCHGATE_OPERATOR_KEY"),
			"\"latchgate init\" writes it to .latchgate/operators/default.pem")
	}
	key, warns, err := operator.LoadKey(keyPath)
	if err != nil {
		return operator.Config{}, nil, credentialError(err)
	}
	info.Warnings = append(info.Warnings, warns...)
	cfg.Key = key

	switch {
	case token != "":
		if err := operator.CheckToken(token); err != nil {
			return operator.Config{}, nil, fmt.Errorf("check LATCHGATE_OPERATOR_TOKEN: %w", err)
		}
		cfg.Token = token
	case tokenFile != "":
		t, warns, err := operator.LoadToken(tokenFile)
		if err != nil {
			return operator.Config{}, nil, credentialError(err)
		}
		info.Warnings = append(info.Warnings, warns...)
		cfg.Token = t
	case found != nil && found.APIKey != "":
		cfg.Token = found.APIKey
		info.TokenSource = env.Display(found.ConfigPath) + " [operator_credentials." + found.Name + "]"
		if fi, err := os.Stat(found.ConfigPath); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o007 != 0 {
			info.Warnings = append(info.Warnings, fmt.Sprintf("the operator token comes from %s, which every user can read (mode %04o)", env.Display(found.ConfigPath), fi.Mode().Perm()))
		}
	default:
		return operator.Config{}, nil, withHint(errors.New("no operator token: set LATCHGATE_OPERATOR_TOKEN or use --operator-token-file"),
			"the token is the api_key of an [operator_credentials] entry in the gate's latchgate.toml")
	}
	return cfg, info, nil
}

// credentialError adds the fix to a refused credential file.
func credentialError(err error) error {
	var pe *operator.PermissionError
	if errors.As(err, &pe) {
		return withHint(err, pe.Hint())
	}
	return err
}

// operatorError wraps an admin API failure with its hint.
func operatorError(err error) error {
	if h := operator.Hint(err); h != "" {
		return withHint(err, h)
	}
	return err
}
