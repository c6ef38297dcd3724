package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/serve"
)

type serveOptions struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Getwd  func() (string, error)

	GateURL       string
	GateSocket    string
	PublicBaseURL string
	AgentID       string
	SessionID     string
	LogLevel      string
	// FSRoot and NoFSRoot choose the lease's fs_root; see resolveFSRoot.
	FSRoot   string
	NoFSRoot bool
	// Include and Exclude filter the gate's actions (serve.Options).
	Include []string
	Exclude []string
	// TLS names the PEM files for an https gate URL.
	TLS gate.TLSFiles

	// Tuning knobs, hidden: tests need short waits, users should not.
	ExecuteTimeout  time.Duration
	HoldTimeout     time.Duration
	RefreshInterval time.Duration
	// GOOS selects the platform's state directory; runtime.GOOS unless a
	// test says otherwise.
	GOOS string

	// Resolved by resolveServeOptions.
	useSocket bool
	logLevel  slog.Level
	warnings  []string
	// fsRoot is the fs_root to send, "" for none.
	fsRoot string
	// tlsConfig is TLS loaded, nil when no file is named.
	tlsConfig *tls.Config
	// cacheDir is where the tool list is cached, "" for no cache.
	cacheDir string
}

func newCmdServe(f *Factory) *cobra.Command {
	return newCmdServeWith(f, nil)
}

func newCmdServeWith(f *Factory, runF func(*serveOptions) error) *cobra.Command {
	opts := &serveOptions{IO: f.IO, Getenv: os.Getenv, Getwd: os.Getwd, GOOS: runtime.GOOS}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the MCP server an IDE launches (stdio)",
		Long: `Run the MCP server an IDE launches. It speaks MCP on stdin/stdout, lists
the gate's actions as tools and forwards every tool call to the LatchGate gate,
over the gate's Unix socket (default) or over HTTP with --gate-url.

Logs go to stderr. stdout carries only MCP messages.

The last tool list of each gate is cached (private to the user) under the
state directory, so the IDE gets the tools at once while serve checks the
gate in the background; the gate authorizes every call either way.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolveServeOptions(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runServe(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.GateURL, "gate-url", "", "gate base URL for HTTP transport, e.g. http://localhost:3000 (env LATCHGATE_URL)")
	fl.StringVar(&opts.GateSocket, "gate-socket", "", "gate client Unix socket (env LATCHGATE_SOCKET; default "+gate.DefaultSocketPath(gate.OSEnv())+")")
	fl.StringVar(&opts.PublicBaseURL, "public-base-url", "", "the gate's public_base_url, used for DPoP htu; required with a socket (env LATCHGATE_PUBLIC_URL)")
	fl.StringVar(&opts.AgentID, "agent-id", "", "label for this agent, shown in latchgate://status (env LATCHGATE_AGENT_ID; default latchgate-mcp)")
	fl.StringVar(&opts.SessionID, "session-id", "", "session label sent as X-LatchGate-Session-Id (env LATCHGATE_SESSION_ID; default a fresh UUIDv7)")
	fl.StringVar(&opts.FSRoot, "fs-root", "", "directory sent as the lease's fs_root, the agent's file-system root (env LATCHGATE_FS_ROOT; default the working directory, unless it is a system directory such as /)")
	fl.BoolVar(&opts.NoFSRoot, "no-fs-root", false, "send no fs_root with the lease (env LATCHGATE_NO_FS_ROOT=1)")
	fl.StringSliceVar(&opts.Include, "include", nil, "offer only actions whose id matches one of these globs, e.g. github_*,http_fetch (env LATCHGATE_INCLUDE)")
	fl.StringSliceVar(&opts.Exclude, "exclude", nil, "never offer actions whose id matches one of these globs (env LATCHGATE_EXCLUDE)")
	fl.StringVar(&opts.TLS.CA, "tls-ca", "", "PEM CA bundle to trust for an https --gate-url, instead of the system roots (env LATCHGATE_TLS_CA)")
	fl.StringVar(&opts.TLS.Cert, "tls-cert", "", "PEM client certificate for a gate that requires mutual TLS; needs --tls-key (env LATCHGATE_TLS_CERT)")
	fl.StringVar(&opts.TLS.Key, "tls-key", "", "PEM private key of --tls-cert (env LATCHGATE_TLS_KEY)")
	fl.StringVar(&opts.LogLevel, "log-level", "", "log level: error, warn, info, debug (env RUST_LOG; default warn)")
	fl.DurationVar(&opts.ExecuteTimeout, "execute-timeout", 0, "bound on an execute call for actions without their own timeout")
	fl.DurationVar(&opts.HoldTimeout, "hold-timeout", 0, "how long a call waits for an approval")
	fl.DurationVar(&opts.RefreshInterval, "refresh-interval", 0, "how often the tool list is re-read")
	for _, name := range []string{"execute-timeout", "hold-timeout", "refresh-interval"} {
		_ = fl.MarkHidden(name)
	}
	return cmd
}

// resolveServeOptions applies the environment and checks the result:
// every explicit flag beats its environment variable (--log-level beats
// RUST_LOG, which IDE entries set); --gate-url and --gate-socket together
// are a usage error, while the two variables together select HTTP with a
// warning (gate-protocol §11 Q1). Errors name where a bad value came from,
// the flag or the variable.
func resolveServeOptions(cmd *cobra.Command, o *serveOptions) error {
	fl := cmd.Flags()
	source := map[string]string{}
	env := func(flag string, dst *string, names ...string) bool {
		source[flag] = "--" + flag
		if fl.Changed(flag) {
			return true
		}
		for _, n := range names {
			if v := strings.TrimSpace(o.Getenv(n)); v != "" {
				*dst = v
				source[flag] = n
				return false
			}
		}
		return false
	}
	urlFlag, sockFlag := fl.Changed("gate-url"), fl.Changed("gate-socket")
	if urlFlag && sockFlag {
		return flagErrorf("--gate-url and --gate-socket cannot be used together")
	}
	source["gate-url"] = "--gate-url"
	switch {
	case urlFlag:
	case sockFlag:
		o.GateURL = ""
	default:
		env("gate-url", &o.GateURL, "LATCHGATE_URL")
		env("gate-socket", &o.GateSocket, "LATCHGATE_SOCKET")
		if o.GateURL != "" && o.GateSocket != "" {
			o.warnings = append(o.warnings, "both LATCHGATE_URL and LATCHGATE_SOCKET are set; using LATCHGATE_URL")
			o.GateSocket = ""
		}
	}
	// LATCHGATE_PUBLIC_BASE_URL is the gate's own name for the setting;
	// accepting it too spares users the naming mismatch.
	env("public-base-url", &o.PublicBaseURL, "LATCHGATE_PUBLIC_URL", "LATCHGATE_PUBLIC_BASE_URL")
	env("agent-id", &o.AgentID, "LATCHGATE_AGENT_ID")
	env("session-id", &o.SessionID, "LATCHGATE_SESSION_ID")
	env("log-level", &o.LogLevel, "RUST_LOG")
	lvl, err := parseLogLevel(o.LogLevel)
	if err != nil {
		if source["log-level"] != "--log-level" {
			return withHint(fmt.Errorf("check %s: %w", source["log-level"], err), "unset it, or pass --log-level, which takes precedence")
		}
		return flagErrorf("%v", err)
	}
	o.logLevel = lvl
	if err := resolveFSRoot(cmd, o); err != nil {
		return err
	}
	for _, f := range []struct {
		flag, env string
		dst       *[]string
	}{{"include", "LATCHGATE_INCLUDE", &o.Include}, {"exclude", "LATCHGATE_EXCLUDE", &o.Exclude}} {
		if !fl.Changed(f.flag) {
			*f.dst = splitList(o.Getenv(f.env))
		}
		if err := serve.CheckPatterns(*f.dst); err != nil {
			return flagErrorf("--%s: %v", f.flag, err)
		}
	}
	if o.AgentID == "" {
		o.AgentID = "latchgate-mcp"
	}
	if o.SessionID == "" {
		o.SessionID = gate.NewUUIDv7()
	} else if err := gate.ValidateSessionID(o.SessionID); err != nil {
		// A CR or LF here would make every call fail as "cannot reach
		// LatchGate": say what is wrong at startup instead.
		return withHint(fmt.Errorf("check %s: %w", source["session-id"], err), "use letters, digits and punctuation, e.g. a UUID; or leave it out for a fresh one")
	}

	if o.GateURL != "" {
		u, err := gate.ValidateBaseURL(o.GateURL)
		if err != nil {
			return withHint(fmt.Errorf("check %s: %w", source["gate-url"], err), urlHint(err, "use the gate's base URL, e.g. http://localhost:3000"))
		}
		o.GateURL = u
	} else {
		if runtime.GOOS == "windows" {
			return withHint(errors.New("unix socket transport is not supported on this platform"), "use --gate-url instead")
		}
		o.useSocket = true
		if o.GateSocket == "" {
			o.GateSocket = gate.DefaultSocketPath(gate.Env{Getenv: o.Getenv, UID: os.Getuid()})
		}
	}
	if err := resolveTLS(cmd, o); err != nil {
		return err
	}
	if o.PublicBaseURL != "" {
		u, err := gate.ValidateBaseURL(o.PublicBaseURL)
		if err != nil {
			return withHint(fmt.Errorf("check %s: %w", source["public-base-url"], err), urlHint(err, "it must equal public_base_url in latchgate.toml, e.g. http://localhost:3000"))
		}
		o.PublicBaseURL = u
	} else if o.useSocket {
		return withHint(errors.New("--public-base-url (or LATCHGATE_PUBLIC_URL) is required when using Unix socket transport"),
			"it must match public_base_url in latchgate.toml, for example http://localhost:3000")
	}
	o.cacheDir = serveCacheDir(o.Getenv, o.GOOS)
	return nil
}

// urlHint is the hint for a refused URL: the one the gate client gives
// (credentials: use the gate's real authentication), or def.
func urlHint(err error, def string) string {
	if h := gate.Hint(err); h != "" {
		return h
	}
	return def
}

// serveCacheDir is where serve caches tool lists: tools-cache under
// latchgate-mcp's state directory. That is LATCHGATE_MCP_STATE_DIR when
// set, else $XDG_STATE_HOME/latchgate-mcp (~/.local/state/latchgate-mcp
// when unset), ~/Library/Application Support/latchgate-mcp on macOS and
// %LOCALAPPDATA%\latchgate-mcp on Windows, as for backups (see stateDir).
// Only absolute paths count: the XDG spec says a relative XDG_STATE_HOME
// is invalid and must be ignored, and a relative directory would put the
// cache wherever the IDE happened to start serve. Without a usable
// directory there is no cache, which only makes startup slower.
func serveCacheDir(getenv func(string) string, goos string) string {
	abs := func(p string) string {
		if p = strings.TrimSpace(p); p != "" && (filepath.IsAbs(p) || (goos == "windows" && filepath.VolumeName(p) != "")) {
			return filepath.Clean(p)
		}
		return ""
	}
	var dir string
	home := abs(getenv("HOME"))
	if goos == "windows" && home == "" {
		home = abs(getenv("USERPROFILE"))
	}
	switch d := abs(getenv("LATCHGATE_MCP_STATE_DIR")); {
	case d != "":
		dir = d
	case goos == "darwin" && home != "":
		dir = filepath.Join(home, "Library", "Application Support", "latchgate-mcp")
	case goos == "windows":
		if la := abs(getenv("LOCALAPPDATA")); la != "" {
			dir = filepath.Join(la, "latchgate-mcp")
		} else if home != "" {
			dir = filepath.Join(home, "AppData", "Local", "latchgate-mcp")
		}
	case abs(getenv("XDG_STATE_HOME")) != "":
		dir = filepath.Join(abs(getenv("XDG_STATE_HOME")), "latchgate-mcp")
	case home != "":
		dir = filepath.Join(home, ".local", "state", "latchgate-mcp")
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "tools-cache")
}

// resolveTLS loads the TLS files for an https gate URL. Naming them with
// a socket or an http URL is a usage error rather than being ignored: the
// user expects them to protect the connection.
func resolveTLS(cmd *cobra.Command, o *serveOptions) error {
	serveFlagOrEnv(cmd, o, "tls-ca", &o.TLS.CA, "LATCHGATE_TLS_CA")
	serveFlagOrEnv(cmd, o, "tls-cert", &o.TLS.Cert, "LATCHGATE_TLS_CERT")
	serveFlagOrEnv(cmd, o, "tls-key", &o.TLS.Key, "LATCHGATE_TLS_KEY")
	if o.TLS.Empty() {
		return nil
	}
	if o.useSocket || !strings.HasPrefix(strings.ToLower(o.GateURL), "https://") {
		return flagErrorf("--tls-ca, --tls-cert and --tls-key need an https --gate-url")
	}
	if (o.TLS.Cert == "") != (o.TLS.Key == "") {
		return flagErrorf("--tls-cert and --tls-key must be given together")
	}
	cfg, err := o.TLS.Load()
	if err != nil {
		return withHint(err, "name regular PEM files: a CA bundle, and a client certificate with its private key")
	}
	o.tlsConfig = cfg
	return nil
}

// serveFlagOrEnv sets *dst from the first non-empty variable in names
// unless flag was given on the command line.
func serveFlagOrEnv(cmd *cobra.Command, o *serveOptions, flag string, dst *string, names ...string) {
	if cmd.Flags().Changed(flag) {
		return
	}
	for _, n := range names {
		if v := strings.TrimSpace(o.Getenv(n)); v != "" {
			*dst = v
			return
		}
	}
}

// splitList splits a comma-separated environment value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// resolveFSRoot decides the lease's fs_root. --fs-root names it
// (relative to the working directory if relative) and must be a
// directory; --no-fs-root sends none; by default it is the working
// directory when the gate could accept it, since IDEs often start servers
// in "/" and a refused fs_root fails every lease (gate-protocol §10 G9).
// An explicit flag beats either variable; with both variables set,
// LATCHGATE_NO_FS_ROOT wins with a warning.
func resolveFSRoot(cmd *cobra.Command, o *serveOptions) error {
	fl := cmd.Flags()
	rootFlag, noFlag := fl.Changed("fs-root"), fl.Changed("no-fs-root")
	if rootFlag && noFlag {
		return flagErrorf("--fs-root and --no-fs-root cannot be used together")
	}
	if !rootFlag && !noFlag {
		if v := strings.TrimSpace(o.Getenv("LATCHGATE_NO_FS_ROOT")); v != "" {
			no, err := strconv.ParseBool(v)
			if err != nil {
				return flagErrorf("invalid LATCHGATE_NO_FS_ROOT %q: use 1 or 0", v)
			}
			o.NoFSRoot = no
		}
		o.FSRoot = strings.TrimSpace(o.Getenv("LATCHGATE_FS_ROOT"))
		if o.NoFSRoot && o.FSRoot != "" {
			o.warnings = append(o.warnings, "both LATCHGATE_FS_ROOT and LATCHGATE_NO_FS_ROOT are set; sending no fs_root")
		}
	}
	if o.NoFSRoot && !rootFlag {
		o.fsRoot = ""
		return nil
	}
	wd, wdErr := o.Getwd()
	if o.FSRoot == "" {
		if wdErr == nil {
			o.fsRoot = gate.DefaultFSRoot(wd)
		}
		return nil
	}
	dir := o.FSRoot
	if !filepath.IsAbs(dir) {
		if wdErr != nil {
			return fmt.Errorf("resolve --fs-root %s: %w", dir, wdErr)
		}
		dir = filepath.Join(wd, dir)
	}
	dir = filepath.Clean(dir)
	fi, err := os.Stat(dir)
	if err != nil {
		return withHint(fmt.Errorf("check --fs-root: %w", err), "it must be an existing directory: the one the agent works in")
	}
	if !fi.IsDir() {
		return withHint(fmt.Errorf("check --fs-root: %s is not a directory", dir), "it must be an existing directory: the one the agent works in")
	}
	o.fsRoot = dir
	return nil
}

// parseLogLevel reads a level name or a RUST_LOG-style filter
// ("warn", "latchgate_mcp=debug,hyper=warn"): the global level if given,
// else the most verbose level set for a latchgate target.
func parseLogLevel(s string) (slog.Level, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return slog.LevelWarn, nil
	}
	var global, target *slog.Level
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		name, lvlText, hasTarget := strings.Cut(d, "=")
		if !hasTarget {
			lvlText = name
		}
		lvl, ok := levelByName(lvlText)
		if !ok {
			if hasTarget {
				continue
			}
			return 0, fmt.Errorf("invalid log level %q: use error, warn, info, debug or trace", d)
		}
		switch {
		case !hasTarget:
			global = &lvl
		case strings.Contains(name, "latchgate") && (target == nil || lvl < *target):
			target = &lvl
		}
	}
	switch {
	case global != nil:
		return *global, nil
	case target != nil:
		return *target, nil
	}
	return slog.LevelWarn, nil
}

func levelByName(s string) (slog.Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trace", "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	case "off", "none":
		return slog.LevelError + 4, true
	}
	return 0, false
}

func runServe(ctx context.Context, o *serveOptions) error {
	if os.Getenv("GOGC") == "" {
		// serve lives as long as an agent session, one per session, and
		// its heap is a few MB: collecting at half the default growth
		// keeps it near what the catalogue needs (19.7 MB resident after
		// tools/list at 200 tools from the cache, against 20.2 at the
		// default; BenchmarkResidentMemory), for CPU time no one sees.
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewTextHandler(o.IO.ErrOut, &slog.HandlerOptions{Level: o.logLevel}))
	for _, w := range o.warnings {
		logger.Warn(w)
	}
	cfg := gate.Config{
		URL:            o.GateURL,
		PublicBaseURL:  o.PublicBaseURL,
		SessionID:      o.SessionID,
		Logger:         logger,
		ExecuteTimeout: o.ExecuteTimeout,
		TLS:            o.tlsConfig,
	}
	if o.useSocket {
		cfg.Socket = o.GateSocket
	}
	cfg.FSRoot = o.fsRoot
	client, err := gate.New(cfg)
	if err != nil {
		return fmt.Errorf("create gate client: %w", err)
	}
	defer client.Close()
	srv, err := serve.New(serve.Options{
		Client:          client,
		Version:         Version(),
		AgentID:         o.AgentID,
		SessionID:       o.SessionID,
		Logger:          logger,
		ExecuteTimeout:  o.ExecuteTimeout,
		HoldTimeout:     o.HoldTimeout,
		RefreshInterval: o.RefreshInterval,
		Include:         o.Include,
		Exclude:         o.Exclude,
		CacheDir:        o.cacheDir,
	})
	if err != nil {
		return err
	}
	logger.Info("serving", "gate", gate.RedactURL(client.Target()), "public_base_url", gate.RedactURL(client.PublicBaseURL()), "tool_cache", o.cacheDir)
	if err := srv.Run(ctx, &serve.StdioTransport{In: o.IO.In, Out: o.IO.Out}); err != nil && ctx.Err() == nil {
		return fmt.Errorf("serve mcp: %w", err)
	}
	return nil
}
