package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// connFixture is a machine with an operator credential in dir and a
// project whose latchgate.toml names another one.
type connFixture struct {
	env     ides.Env
	dir     string // operator.pem, operator.token
	token   string
	project string
}

func newConnFixture(t *testing.T) *connFixture {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "ops")
	cred, err := gatetest.WriteOperatorCredential(dir, "ops")
	if err != nil {
		t.Fatal(err)
	}
	proj := filepath.Join(root, "proj")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	return &connFixture{dir: dir, token: cred.APIKey, project: proj,
		env: ides.Env{GOOS: "linux", Home: root, WorkDir: proj, ProjectRoot: proj, UID: 1000,
			Vars: map[string]string{"XDG_RUNTIME_DIR": filepath.Join(root, "run")}}}
}

func (f *connFixture) resolve(t *testing.T, vars map[string]string, args ...string) (operator.Config, *connInfo, error) {
	t.Helper()
	env := f.env
	env.Vars = map[string]string{}
	for k, v := range f.env.Vars {
		env.Vars[k] = v
	}
	for k, v := range vars {
		env.Vars[k] = v
	}
	var conn operatorConn
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	conn.addFlags(cmd.Flags())
	if err := cmd.Flags().Parse(args); err != nil {
		t.Fatal(err)
	}
	return conn.resolve(cmd, env)
}

func TestOperatorConnPrecedence(t *testing.T) {
	f := newConnFixture(t)
	key := filepath.Join(f.dir, gatetest.OperatorKeyFile)
	tokFile := filepath.Join(f.dir, gatetest.OperatorTokenFile)
	base := map[string]string{"LATCHGATE_OPERATOR_KEY": key, "LATCHGATE_OPERATOR_TOKEN": f.token, "LATCHGATE_ADMIN_SOCKET": "/env/admin.sock"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name             string
		vars             map[string]string
		args             []string
		socket, url, pub string
		tokenSource      string
		warnings         int
		usage            bool
		errText          string
	}{
		{name: "environment", vars: base, socket: "/env/admin.sock", pub: "http://localhost:3000", tokenSource: "LATCHGATE_OPERATOR_TOKEN"},
		{name: "flag beats environment", vars: base, args: []string{"--admin-socket", "/flag.sock", "--public-base-url", "http://gate:3000/"},
			socket: "/flag.sock", pub: "http://gate:3000", tokenSource: "LATCHGATE_OPERATOR_TOKEN"},
		{name: "url flag beats socket env", vars: base, args: []string{"--admin-url", "https://gate:3001"}, url: "https://gate:3001", pub: "http://localhost:3000", tokenSource: "LATCHGATE_OPERATOR_TOKEN"},
		{name: "both variables: the url, with a warning", vars: with(map[string]string{"LATCHGATE_ADMIN_URL": "http://127.0.0.1:3001"}),
			url: "http://127.0.0.1:3001", pub: "http://localhost:3000", tokenSource: "LATCHGATE_OPERATOR_TOKEN", warnings: 1},
		{name: "gate's public url variable", vars: with(map[string]string{"LATCHGATE_PUBLIC_BASE_URL": "http://pub:1"}), socket: "/env/admin.sock", pub: "http://pub:1", tokenSource: "LATCHGATE_OPERATOR_TOKEN"},
		{name: "token file flag beats token variable", vars: base, args: []string{"--operator-token-file", tokFile}, socket: "/env/admin.sock", pub: "http://localhost:3000", tokenSource: tokFile},
		{name: "token file variable", vars: with(map[string]string{"LATCHGATE_OPERATOR_TOKEN": "", "LATCHGATE_OPERATOR_TOKEN_FILE": tokFile}), socket: "/env/admin.sock", pub: "http://localhost:3000", tokenSource: tokFile},
		{name: "token in argv refused", vars: base, args: []string{"--operator-token", "key-ops-1"}, usage: true, errText: "visible to other users"},
		{name: "both transport flags", vars: base, args: []string{"--admin-socket", "/a", "--admin-url", "http://h"}, usage: true},
		{name: "tls with a socket", vars: base, args: []string{"--tls-ca", "/ca.pem"}, usage: true, errText: "https --admin-url"},
		{name: "tls with http", vars: base, args: []string{"--admin-url", "http://h:1", "--tls-ca", "/ca.pem"}, usage: true},
		{name: "bad token", vars: with(map[string]string{"LATCHGATE_OPERATOR_TOKEN": "key with space"}), errText: "check LATCHGATE_OPERATOR_TOKEN"},
		{name: "no key", vars: with(map[string]string{"LATCHGATE_OPERATOR_KEY": ""}), errText: "no operator key"},
		{name: "no token", vars: with(map[string]string{"LATCHGATE_OPERATOR_TOKEN": ""}), errText: "no operator token"},
		{name: "bad admin url", vars: base, args: []string{"--admin-url", "gate:3001"}, errText: "check --admin-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, info, err := f.resolve(t, tt.vars, tt.args...)
			if tt.usage || tt.errText != "" {
				var fe *FlagError
				if err == nil || errors.As(err, &fe) != tt.usage || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("err = %v (usage %v), want %q", err, errors.As(err, &fe), tt.errText)
				}
				if strings.Contains(err.Error(), f.token) {
					t.Errorf("the error shows the token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Socket != tt.socket || cfg.URL != tt.url || cfg.PublicBaseURL != tt.pub || cfg.Token != f.token || cfg.Key == nil {
				t.Errorf("cfg = socket %q url %q pub %q token ok %v", cfg.Socket, cfg.URL, cfg.PublicBaseURL, cfg.Token == f.token)
			}
			if info.TokenSource != tt.tokenSource || len(info.Warnings) != tt.warnings {
				t.Errorf("token source %q, warnings %q", info.TokenSource, info.Warnings)
			}
		})
	}
}

func TestOperatorConnDiscovery(t *testing.T) {
	f := newConnFixture(t)
	lg := filepath.Join(f.project, ".latchgate")
	if err := os.MkdirAll(filepath.Join(lg, "operators"), 0o700); err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(filepath.Join(f.dir, gatetest.OperatorKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lg, "operators", "default.pem"), pem, 0o600); err != nil {
		t.Fatal(err)
	}
	toml := "public_base_url = \"http://gate.test:3000\"\n\n[operator_credentials.default]\napi_key = \"" + f.token + "\"\ndpop_jkt = \"x\"\n"
	if err := os.WriteFile(filepath.Join(lg, "latchgate.toml"), []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, info, err := f.resolve(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Socket != filepath.Join(f.env.Home, "run", "latchgate", "gate-admin.sock") || cfg.PublicBaseURL != "http://gate.test:3000" ||
		cfg.Token != f.token || info.KeySource != filepath.Join(lg, "operators", "default.pem") || len(info.Warnings) != 0 {
		t.Errorf("discovered cfg %+v, info %+v", cfg, info)
	}
	if !strings.Contains(info.TokenSource, "[operator_credentials.default]") || strings.Contains(info.TokenSource, f.token) {
		t.Errorf("token source %q", info.TokenSource)
	}
	// A latchgate.toml everyone can read still works, with a warning.
	must(t, os.Chmod(filepath.Join(lg, "latchgate.toml"), 0o644))
	if _, info, err := f.resolve(t, nil); err != nil || len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0], "every user can read") {
		t.Errorf("readable toml: %v, %v", info, err)
	}
	// A key everyone can read does not.
	must(t, os.Chmod(filepath.Join(lg, "operators", "default.pem"), 0o644))
	_, _, err = f.resolve(t, nil)
	var he *HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, "chmod 600") {
		t.Errorf("readable key: %v", err)
	}
}

func TestApproveFlagCombinations(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		prompt bool
		want   string // "" for accepted
	}{
		{args: []string{"--list"}},
		{args: []string{"--list", "--json", "--status", "approved"}},
		{args: []string{"--show", "x", "--json"}},
		{args: []string{"019a0000-0000-7000-8000-000000000000", "--yes", "--learn-domain", "a.example"}},
		{args: []string{"--deny", "x", "--reason", "r", "--yes"}},
		{args: []string{}, prompt: true},
		{args: []string{"019a0000-0000-7000-8000-000000000000"}, prompt: true},
		{args: []string{}, want: "needs a terminal"},
		{args: []string{"x"}, want: "--yes is required"},
		{args: []string{"--deny", "x"}, want: "--yes is required"},
		{args: []string{"x", "--list"}, want: "choose one of"},
		{args: []string{"--show", "x", "--deny", "y"}, want: "choose one of"},
		{args: []string{"--status", "pending"}, prompt: true, want: "--status goes with --list"},
		{args: []string{"--list", "--reason", "r"}, want: "--reason goes with --deny"},
		{args: []string{"--list", "--learn-domain", "d"}, want: "--learn-domain and --learn-path go with"},
		{args: []string{"--json"}, prompt: true, want: "has no JSON"},
		{args: []string{"--list", "--yes"}, want: "--yes goes with"},
		{args: []string{"--deny", "x", "--yes", "--reason", strings.Repeat("r", 501)}, want: "longer than 500"},
		{args: []string{"a", "b"}, want: "accepts at most 1 arg"},
	} {
		io, _, _, _ := iostreams.Test()
		io.SetTTY(tt.prompt, tt.prompt, tt.prompt)
		ran := false
		cmd := newCmdApprove(&Factory{IO: io, Env: func() (ides.Env, error) { return ides.Env{}, nil }}, func(*approveOptions) error {
			ran = true
			return nil
		})
		cmd.SetArgs(tt.args)
		cmd.SetOut(io.Out)
		cmd.SetErr(io.ErrOut)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		switch {
		case tt.want == "" && (err != nil || !ran):
			t.Errorf("%v: %v", tt.args, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%v: err %v, want %q", tt.args, err, tt.want)
		case tt.want != "" && reportError(io, cmd, err) != exitUsage:
			t.Errorf("%v: exit code is not 2", tt.args)
		}
	}
}
