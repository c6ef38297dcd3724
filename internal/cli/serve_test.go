package cli

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// serveEnv clears every variable serve reads, then sets kv.
func serveEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, k := range []string{"LATCHGATE_URL", "LATCHGATE_SOCKET", "LATCHGATE_PUBLIC_URL", "LATCHGATE_PUBLIC_BASE_URL",
		"LATCHGATE_AGENT_ID", "LATCHGATE_SESSION_ID", "RUST_LOG", "XDG_RUNTIME_DIR", "LATCHGATE_FS_ROOT", "LATCHGATE_NO_FS_ROOT", "LATCHGATE_INCLUDE", "LATCHGATE_EXCLUDE"} {
		t.Setenv(k, "")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

func resolveServe(t *testing.T, args ...string) (*serveOptions, error) {
	t.Helper()
	io, _, _, _ := iostreams.Test()
	var got *serveOptions
	cmd := newCmdServeWith(&Factory{IO: io}, func(o *serveOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return got, err
}

func TestServeFlagsAndEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		args     []string
		url      string
		socket   string
		public   string
		agent    string
		level    slog.Level
		warnings int
		usageErr bool
		errText  string
		hint     string
	}{
		{name: "socket default needs public url", errText: "--public-base-url (or LATCHGATE_PUBLIC_URL) is required when using Unix socket transport"},
		{name: "socket default path", env: []string{"XDG_RUNTIME_DIR", "/run/user/7"}, args: []string{"--public-base-url", "http://localhost:3000/"},
			socket: "/run/user/7/latchgate/gate.sock", public: "http://localhost:3000", agent: "latchgate-mcp", level: slog.LevelWarn},
		{name: "url from env", env: []string{"LATCHGATE_URL", "http://127.0.0.1:8787"}, url: "http://127.0.0.1:8787", agent: "latchgate-mcp", level: slog.LevelWarn},
		{name: "socket and public from env", env: []string{"LATCHGATE_SOCKET", "/s/gate.sock", "LATCHGATE_PUBLIC_URL", "http://localhost:3000", "LATCHGATE_AGENT_ID", "bot"},
			socket: "/s/gate.sock", public: "http://localhost:3000", agent: "bot", level: slog.LevelWarn},
		{name: "gate's public url name accepted", env: []string{"LATCHGATE_SOCKET", "/s/gate.sock", "LATCHGATE_PUBLIC_BASE_URL", "http://localhost:3001"},
			socket: "/s/gate.sock", public: "http://localhost:3001", agent: "latchgate-mcp", level: slog.LevelWarn},
		{name: "LATCHGATE_PUBLIC_URL first", env: []string{"LATCHGATE_SOCKET", "/s/gate.sock", "LATCHGATE_PUBLIC_URL", "http://localhost:3000", "LATCHGATE_PUBLIC_BASE_URL", "http://localhost:3001"},
			socket: "/s/gate.sock", public: "http://localhost:3000", agent: "latchgate-mcp", level: slog.LevelWarn},
		{name: "both flags", args: []string{"--gate-url", "http://h:1", "--gate-socket", "/s"}, usageErr: true},
		{name: "both env prefer url", env: []string{"LATCHGATE_URL", "http://h:1", "LATCHGATE_SOCKET", "/s"}, url: "http://h:1", agent: "latchgate-mcp", level: slog.LevelWarn, warnings: 1},
		{name: "socket flag beats url env", env: []string{"LATCHGATE_URL", "http://h:1"}, args: []string{"--gate-socket", "/s", "--public-base-url", "http://p"},
			socket: "/s", public: "http://p", agent: "latchgate-mcp", level: slog.LevelWarn},
		{name: "url flag beats url env", env: []string{"LATCHGATE_URL", "http://h:1"}, args: []string{"--gate-url", "http://h:2"}, url: "http://h:2", agent: "latchgate-mcp", level: slog.LevelWarn},
		{name: "bad url", args: []string{"--gate-url", "localhost:3000"}, errText: "check --gate-url"},
		{name: "bad public url", args: []string{"--gate-url", "http://h", "--public-base-url", "h"}, errText: "check --public-base-url"},
		{name: "log level flag", args: []string{"--gate-url", "http://h", "--log-level", "debug"}, url: "http://h", agent: "latchgate-mcp", level: slog.LevelDebug},
		{name: "log level flag beats RUST_LOG", env: []string{"RUST_LOG", "latchgate_mcp=info,hyper=warn"}, args: []string{"--gate-url", "http://h", "--log-level", "error"}, url: "http://h", agent: "latchgate-mcp", level: slog.LevelError},
		{name: "RUST_LOG without the flag", env: []string{"RUST_LOG", "latchgate_mcp=info,hyper=warn"}, args: []string{"--gate-url", "http://h"}, url: "http://h", agent: "latchgate-mcp", level: slog.LevelInfo},
		{name: "bad log level", args: []string{"--gate-url", "http://h", "--log-level", "loud"}, usageErr: true},
		{name: "bad RUST_LOG", env: []string{"RUST_LOG", "loud"}, args: []string{"--gate-url", "http://h"}, errText: "check RUST_LOG"},
		{name: "bad RUST_LOG under a good flag", env: []string{"RUST_LOG", "loud"}, args: []string{"--gate-url", "http://h", "--log-level", "info"}, url: "http://h", agent: "latchgate-mcp", level: slog.LevelInfo},
		{name: "url with credentials", args: []string{"--gate-url", "http://user:s3cret@localhost:3000"}, errText: "credentials in the URL are not supported", hint: "DPoP"},
		{name: "url with credentials from env", env: []string{"LATCHGATE_URL", "http://s3cret@localhost:3000"}, errText: "check LATCHGATE_URL", hint: "DPoP"},
		{name: "public url with credentials", args: []string{"--gate-socket", "/s", "--public-base-url", "http://u:s3cret@localhost:3000"}, errText: "check --public-base-url", hint: "DPoP"},
		{name: "port 0", args: []string{"--gate-url", "http://127.0.0.1:0"}, errText: "port 0"},
		{name: "space in url", args: []string{"--gate-url", "http://local host:3000"}, errText: "space"},
		{name: "session id with CR LF", args: []string{"--gate-url", "http://h", "--session-id", "a\r\nX-Evil: 1"}, errText: "check --session-id"},
		{name: "session id with control from env", env: []string{"LATCHGATE_SESSION_ID", "a\x1b[2Jb"}, args: []string{"--gate-url", "http://h"}, errText: "check LATCHGATE_SESSION_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serveEnv(t, tt.env...)
			o, err := resolveServe(t, tt.args...)
			var fe *FlagError
			switch {
			case tt.usageErr:
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			case tt.errText != "":
				if err == nil || !strings.Contains(err.Error(), tt.errText) || errors.As(err, &fe) {
					t.Fatalf("err = %v, want %q", err, tt.errText)
				}
				var he *HintError
				if !errors.As(err, &he) || he.Hint == "" || !strings.Contains(he.Hint, tt.hint) {
					t.Errorf("hint with %v: %+v, want one containing %q", err, he, tt.hint)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error repeats the password: %v", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if o.GateURL != tt.url || (o.useSocket && o.GateSocket != tt.socket) || o.useSocket != (tt.socket != "") ||
				o.PublicBaseURL != tt.public || o.AgentID != tt.agent || o.logLevel != tt.level || len(o.warnings) != tt.warnings {
				t.Errorf("got url=%q socket=%q(%v) public=%q agent=%q level=%v warnings=%v",
					o.GateURL, o.GateSocket, o.useSocket, o.PublicBaseURL, o.AgentID, o.logLevel, o.warnings)
			}
			if len(o.SessionID) != 36 {
				t.Errorf("session id = %q, want a UUID", o.SessionID)
			}
		})
	}
}

// TestServeFSRoot checks the choice of the lease's fs_root (gate-protocol
// §10 G9): the working directory by default, unless the gate would refuse
// it; --fs-root and LATCHGATE_FS_ROOT name one; --no-fs-root and
// LATCHGATE_NO_FS_ROOT send none.
func TestServeFSRoot(t *testing.T) {
	base, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(base); err != nil {
			t.Errorf("remove the test directory: %v", err)
		}
	})
	base, _ = filepath.EvalSymlinks(base)
	work, other := filepath.Join(base, "work"), filepath.Join(base, "other")
	for _, d := range []string{work, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		wd       string
		env      []string
		args     []string
		want     string
		warnings int
		usageErr bool
		errText  string
	}{
		{name: "default is the working directory", wd: work, want: work},
		{name: "default omits /", wd: "/", want: ""},
		{name: "flag", wd: work, args: []string{"--fs-root", other}, want: other},
		{name: "relative flag", wd: work, args: []string{"--fs-root", "../other"}, want: other},
		{name: "env", wd: work, env: []string{"LATCHGATE_FS_ROOT", other}, want: other},
		{name: "flag beats env", wd: work, env: []string{"LATCHGATE_FS_ROOT", work}, args: []string{"--fs-root", other}, want: other},
		{name: "no-fs-root flag", wd: work, args: []string{"--no-fs-root"}, want: ""},
		{name: "no-fs-root flag beats env", wd: work, env: []string{"LATCHGATE_FS_ROOT", other}, args: []string{"--no-fs-root"}, want: ""},
		{name: "no-fs-root env", wd: work, env: []string{"LATCHGATE_NO_FS_ROOT", "1"}, want: ""},
		{name: "no-fs-root env false", wd: work, env: []string{"LATCHGATE_NO_FS_ROOT", "false"}, want: work},
		{name: "fs-root flag beats no-fs-root env", wd: work, env: []string{"LATCHGATE_NO_FS_ROOT", "true"}, args: []string{"--fs-root", other}, want: other},
		{name: "both env", wd: work, env: []string{"LATCHGATE_NO_FS_ROOT", "1", "LATCHGATE_FS_ROOT", other}, want: "", warnings: 1},
		{name: "both flags", wd: work, args: []string{"--fs-root", other, "--no-fs-root"}, usageErr: true},
		{name: "bad env bool", wd: work, env: []string{"LATCHGATE_NO_FS_ROOT", "maybe"}, usageErr: true},
		{name: "missing dir", wd: work, args: []string{"--fs-root", filepath.Join(base, "nope")}, errText: "check --fs-root"},
		{name: "not a dir", wd: work, args: []string{"--fs-root", file}, errText: "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serveEnv(t, append([]string{"LATCHGATE_URL", "http://h:1"}, tt.env...)...)
			t.Chdir(tt.wd)
			o, err := resolveServe(t, tt.args...)
			if expectResolveError(t, err, tt.usageErr, tt.errText) {
				return
			}
			if o.fsRoot != tt.want || len(o.warnings) != tt.warnings {
				t.Errorf("fs_root = %q (warnings %v), want %q (%d warnings)", o.fsRoot, o.warnings, tt.want, tt.warnings)
			}
		})
	}
}

// TestServeToolFilter checks --include and --exclude and their
// variables (gate-protocol §10 G13).
func TestServeToolFilter(t *testing.T) {
	tests := []struct {
		name             string
		env              []string
		args             []string
		include, exclude []string
		usageErr         bool
	}{
		{name: "none"},
		{name: "flags", args: []string{"--include", "github_*,http_fetch", "--exclude", "*_delete", "--exclude", "x"},
			include: []string{"github_*", "http_fetch"}, exclude: []string{"*_delete", "x"}},
		{name: "env", env: []string{"LATCHGATE_INCLUDE", " a_*, ,b ", "LATCHGATE_EXCLUDE", "c"}, include: []string{"a_*", "b"}, exclude: []string{"c"}},
		{name: "flag beats env", env: []string{"LATCHGATE_EXCLUDE", "c"}, args: []string{"--exclude", "d"}, exclude: []string{"d"}},
		{name: "bad pattern", args: []string{"--exclude", "a["}, usageErr: true},
		{name: "bad env pattern", env: []string{"LATCHGATE_INCLUDE", "[z"}, usageErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serveEnv(t, append([]string{"LATCHGATE_URL", "http://h:1"}, tt.env...)...)
			o, err := resolveServe(t, tt.args...)
			if tt.usageErr {
				var fe *FlagError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(o.Include, "|") != strings.Join(tt.include, "|") || strings.Join(o.Exclude, "|") != strings.Join(tt.exclude, "|") {
				t.Errorf("include %q exclude %q, want %q %q", o.Include, o.Exclude, tt.include, tt.exclude)
			}
		})
	}
}

func TestServeStartupErrorExitCode(t *testing.T) {
	serveEnv(t, "LATCHGATE_SOCKET", "/nonexistent/gate.sock")
	io, _, out, errOut := iostreams.Test()
	if code := Main([]string{"serve"}, io); code != exitError {
		t.Errorf("exit code = %d, want %d", code, exitError)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", out.String())
	}
	want := "latchgate-mcp: --public-base-url (or LATCHGATE_PUBLIC_URL) is required when using Unix socket transport\nhint: it must match public_base_url in latchgate.toml"
	if !strings.HasPrefix(errOut.String(), want) {
		t.Errorf("stderr = %q", errOut.String())
	}
	io, _, _, _ = iostreams.Test()
	if code := Main([]string{"serve", "--gate-url", "http://h", "--gate-socket", "/s"}, io); code != exitUsage {
		t.Errorf("conflicting flags: exit code = %d, want %d", code, exitUsage)
	}
}

// TestServeCacheDir checks where the tool cache goes: under the state
// directory, with LATCHGATE_MCP_STATE_DIR first, a relative
// XDG_STATE_HOME ignored (the XDG spec says so) and no cache at all rather
// than one relative to wherever the IDE started serve.
func TestServeCacheDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		goos string
		env  map[string]string
		want string
	}{
		{"default", "linux", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/latchgate-mcp/tools-cache"},
		{"xdg", "linux", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/st"}, "/st/latchgate-mcp/tools-cache"},
		{"relative xdg ignored", "linux", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "st"}, "/home/u/.local/state/latchgate-mcp/tools-cache"},
		{"override", "linux", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/st", "LATCHGATE_MCP_STATE_DIR": "/lg"}, "/lg/tools-cache"},
		{"relative override ignored", "linux", map[string]string{"HOME": "/home/u", "LATCHGATE_MCP_STATE_DIR": "lg"}, "/home/u/.local/state/latchgate-mcp/tools-cache"},
		{"relative home", "linux", map[string]string{"HOME": "home"}, ""},
		{"no home", "linux", map[string]string{}, ""},
		{"macos", "darwin", map[string]string{"HOME": "/Users/u", "XDG_STATE_HOME": "/st"}, "/Users/u/Library/Application Support/latchgate-mcp/tools-cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := serveCacheDir(func(k string) string { return tc.env[k] }, tc.goos)
			if got != filepath.FromSlash(tc.want) {
				t.Errorf("serveCacheDir = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseLogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{
		"": slog.LevelWarn, "warn": slog.LevelWarn, "INFO": slog.LevelInfo, "trace": slog.LevelDebug,
		"error": slog.LevelError, "latchgate_mcp=debug": slog.LevelDebug, "hyper=debug": slog.LevelWarn,
		"info,latchgate_mcp=debug": slog.LevelInfo, "off": slog.LevelError + 4,
	} {
		got, err := parseLogLevel(in)
		if err != nil || got != want {
			t.Errorf("parseLogLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// expectResolveError checks err against a table row that wants a usage
// error (usageErr) or an error containing errText with a hint line, or no
// error at all. It reports whether the row ends here (an error was due).
func expectResolveError(t *testing.T, err error, usageErr bool, errText string) bool {
	t.Helper()
	var fe *FlagError
	var he *HintError
	switch {
	case usageErr:
		if !errors.As(err, &fe) {
			t.Fatalf("err = %v, want a usage error", err)
		}
		return true
	case errText != "":
		if err == nil || !strings.Contains(err.Error(), errText) || !errors.As(err, &he) {
			t.Fatalf("err = %v, want %q with a hint", err, errText)
		}
		return true
	case err != nil:
		t.Fatal(err)
	}
	return false
}
