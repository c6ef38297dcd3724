package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/doctor"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

func TestHealthy(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	_, u := startGate(t, gatetest.Options{})
	m.claudeUser(t, m.serverEntry("--gate-url", u))
	cursor := m.serverEntry("--gate-url", u)
	b, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"latchgate": cursor}})
	m.write(t, ".cursor/mcp.json", string(b), 0o600)

	rep := doctor.Run(context.Background(), m.options("claude-code", "cursor"))
	if rep.HasErrors() {
		t.Fatalf("healthy machine has errors:\n%s", text(rep))
	}
	for _, id := range []string{"config.entry", "gate.connect", "gate.health", "gate.ready", "gate.actions", "gate.auth", "gate.fs_root", "handshake"} {
		for _, c := range find(t, rep, id) {
			if c.Status != doctor.OK {
				t.Errorf("%s %s: %s %s", id, c.Subject, c.Status, c.Message)
			}
		}
	}
	// One gate, checked once for both entries; one handshake each.
	if n := len(find(t, rep, "gate.health")); n != 1 {
		t.Errorf("gate.health checks = %d, want 1", n)
	}
	hs := find(t, rep, "handshake")
	if len(hs) != 2 {
		t.Fatalf("handshakes = %d, want 2", len(hs))
	}
	for _, c := range hs {
		if !strings.Contains(c.Message, "3 tools") || c.DurationMS == nil {
			t.Errorf("handshake %s: %q, duration %v; want 3 tools (2 actions and status) and a duration", c.Subject, c.Message, c.DurationMS)
		}
	}
	if !strings.Contains(hs[1].Message, "only HOME, LOGNAME, PATH, SHELL, TERM, USER") {
		t.Errorf("Cursor's handshake should use the SDK's environment: %s", hs[1].Message)
	}
	expect(t, rep, "gate.actions", doctor.OK, "2 actions", "")
	expect(t, rep, "binary.command", doctor.Warn, "version "+rep.Version+" (in a temporary directory)", "stable place") // this binary lives in a temporary build directory

	// The counts add up, the sections come in order, and the JSON matches
	// the schema.
	s := rep.Summary
	if s.OK+s.Warn+s.Error != len(rep.Checks) {
		t.Errorf("summary %+v does not add up to %d checks", s, len(rep.Checks))
	}
	order := map[string]int{doctor.SectionBinary: 0, doctor.SectionConfiguration: 1, doctor.SectionEnforcement: 2, doctor.SectionGate: 3, doctor.SectionHandshake: 4}
	if !slices.IsSortedFunc(rep.Checks, func(a, b doctor.Check) int { return order[a.Section] - order[b.Section] }) {
		t.Errorf("checks are not grouped by section:\n%s", text(rep))
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate(schemas.DoctorReport, data); err != nil {
		t.Errorf("report does not match its schema: %v\n%s", err, data)
	}
	t.Logf("healthy run with 2 entries: %d ms", rep.DurationMS)
}

func TestGate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   gatetest.Options
		fault  func(g *gatetest.Gate)
		public string // the entry's --public-base-url, if any
		id     string
		status doctor.Status
		msg    string
		hint   string
	}{
		{name: "identity forbidden", fault: respond(gatetest.RouteLeases, 403, `{"error":"identity_forbidden"}`),
			id: "gate.identity", status: doctor.Error, msg: "identity_forbidden (403)", hint: "allow_unmapped"},
		{name: "identity unauthenticated", fault: respond(gatetest.RouteLeases, 401, `{"error":"identity_unauthenticated"}`),
			id: "gate.identity", status: doctor.Error, msg: "identity_unauthenticated (401)", hint: "peercred works over the Unix socket only"},
		{name: "identity provider down", fault: respond(gatetest.RouteLeases, 503, `{"error":"identity_provider_unavailable"}`),
			id: "gate.identity", status: doctor.Error, msg: "identity_provider_unavailable", hint: "[identity] in latchgate.toml"},
		{name: "scope not permitted", fault: respond(gatetest.RouteLeases, 403, `{"error":"scope_not_permitted"}`),
			id: "gate.identity", status: doctor.Error, msg: "scope_not_permitted", hint: "max_scopes"},
		{name: "fs_root outside the prefixes", opts: gatetest.Options{FSRootPrefixes: []string{"/nonexistent-prefix"}},
			id: "gate.fs_root", status: doctor.Warn, msg: "fs_root_denied: the gate refuses fs_root", hint: "fs_root_allowed_prefixes"},
		{name: "public_base_url mismatch", opts: gatetest.Options{PublicBaseURL: "http://gate.example:1"},
			id: "gate.public_base_url", status: doctor.Error, msg: "public_base_url mismatch", hint: "public_base_url in latchgate.toml"},
		{name: "no actions", opts: gatetest.Options{Actions: []gatetest.Action{}},
			id: "gate.actions", status: doctor.Warn, msg: "0 actions", hint: "no latchgate tools"},
		{name: "healthz fails", fault: respond(gatetest.RouteHealthz, 500, `{"error":"internal_error"}`),
			id: "gate.health", status: doctor.Error, msg: "GET /healthz failed", hint: "gate's log"},
		{name: "actions unreadable", fault: func(g *gatetest.Gate) { g.Inject(gatetest.RouteActions, gatetest.Fault{Kind: gatetest.Garbage}) },
			id: "gate.actions", status: doctor.Error, msg: "GET /v1/actions failed", hint: ""},
		{name: "degraded", fault: respond(gatetest.RouteReadyz, 503, `{"status":"degraded","redis":false,"opa":true,"ledger":true,"approval_store":true,"egress_proxy":null}`),
			id: "gate.ready", status: doctor.Warn, msg: "GET /readyz: degraded (down: redis)", hint: "calls may fail"},
		{name: "not ready", fault: respond(gatetest.RouteReadyz, 503, `{"status":"not_ready","redis":false,"opa":false,"ledger":true,"approval_store":true,"egress_proxy":false}`),
			id: "gate.ready", status: doctor.Error, msg: "not_ready (down: redis, opa, egress_proxy)", hint: "gate's log"},
		{name: "healthz never answers", fault: func(g *gatetest.Gate) { g.Inject(gatetest.RouteHealthz, gatetest.Fault{Kind: gatetest.Stall}) },
			id: "gate.health", status: doctor.Error, msg: "GET /healthz failed", hint: "did not answer in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t)
			g, u := startGate(t, tt.opts)
			if tt.fault != nil {
				tt.fault(g)
			}
			m.claudeUser(t, m.serverEntry("--gate-url", u))
			opts := m.options("claude-code")
			opts.SkipHandshake = true
			opts.Timeout = time.Second
			rep := doctor.Run(context.Background(), opts)
			expect(t, rep, tt.id, tt.status, tt.msg, tt.hint)
			if tt.status == doctor.Error && !rep.HasErrors() {
				t.Error("HasErrors() = false with an error check")
			}
		})
	}
}

func respond(route string, status int, body string) func(*gatetest.Gate) {
	return func(g *gatetest.Gate) {
		g.Inject(route, gatetest.Fault{Kind: gatetest.Respond, Status: status, Body: body,
			Header: map[string]string{"Content-Type": "application/json"}})
	}
}

func TestGateSocket(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	g, err := gatetest.New(gatetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close test gate: %v", err)
		}
	})
	sock := filepath.Join(dir, "gate.sock")
	if err := g.ListenUnix(sock); err != nil {
		t.Fatal(err)
	}
	opts := m.options("claude-code")
	opts.SkipHandshake = true

	// Over the socket a public base URL is required: serve refuses to
	// start without one.
	m.claudeUser(t, m.serverEntry("--gate-socket", sock))
	rep := doctor.Run(context.Background(), opts)
	expect(t, rep, "gate.config", doctor.Error, "without --public-base-url", "--public-base-url")

	// Given in the entry's env, as LATCHGATE_PUBLIC_URL, it counts.
	e := m.serverEntry("--gate-socket", sock)
	e["env"].(map[string]string)["LATCHGATE_PUBLIC_URL"] = "http://localhost:3000"
	m.claudeUser(t, e)
	rep = doctor.Run(context.Background(), opts)
	expect(t, rep, "gate.connect", doctor.OK, "accepts connections", "")
	expect(t, rep, "gate.auth", doctor.OK, "public_base_url http://localhost:3000", "")

	// The default socket, from the entry's XDG_RUNTIME_DIR, is missing.
	e = m.serverEntry("--public-base-url", "http://localhost:3000")
	m.claudeUser(t, e)
	rep = doctor.Run(context.Background(), opts)
	c := expect(t, rep, "gate.connect", doctor.Error, "does not exist", "latchgate up")
	if want := filepath.Join(m.root, "run", "latchgate", "gate.sock"); !strings.Contains(c.Message, want) {
		t.Errorf("message %q should name the default socket %s", c.Message, want)
	}
}

// TestLostRuntimeDir: a Cursor entry that relies on the default socket
// without forwarding XDG_RUNTIME_DIR looks in /tmp, and doctor says why.
func TestLostRuntimeDir(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	entry := func(env map[string]string) string {
		b, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"latchgate": map[string]any{
			"command": "latchgate-mcp", "args": []string{"serve", "--public-base-url", "http://localhost:3000"}, "env": env}}})
		return string(b)
	}
	m.write(t, ".cursor/mcp.json", entry(nil), 0o600)
	opts := m.options("cursor")
	opts.SkipHandshake = true
	rep := doctor.Run(context.Background(), opts)
	c := expect(t, rep, "gate.connect", doctor.Error, "does not exist", "does not pass XDG_RUNTIME_DIR")
	if !strings.Contains(c.Subject, "/latchgate-") {
		t.Errorf("subject %q should be the /tmp fallback socket", c.Subject)
	}

	m.write(t, ".cursor/mcp.json", entry(map[string]string{"XDG_RUNTIME_DIR": "${env:XDG_RUNTIME_DIR}"}), 0o600)
	rep = doctor.Run(context.Background(), opts)
	expect(t, rep, "gate.connect", doctor.Error, filepath.Join(m.root, "run", "latchgate", "gate.sock"), "latchgate up")
}

func TestConfiguration(t *testing.T) {
	t.Parallel()
	t.Run("unparsable", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		m.write(t, ".cursor/mcp.json", `{"mcpServers": {`, 0o644)
		rep := doctor.Run(context.Background(), m.options("cursor"))
		expect(t, rep, "config.parse", doctor.Error, "parse ~/.cursor/mcp.json", "fix the syntax")
		expect(t, rep, "config.none", doctor.Error, `no "latchgate" server entry`, "latchgate-mcp install")
	})
	t.Run("schema", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		m.write(t, ".config/Code/User/mcp.json", `{"servers": {"latchgate": {"type": "stdio", "args": ["serve"]}}}`, 0o644)
		rep := doctor.Run(context.Background(), m.options("vscode"))
		expect(t, rep, "config.schema", doctor.Error, "vscode-mcp.schema.json", "may reject or skip")
		// Another server's problem is only a warning for ours.
		m.write(t, ".config/Code/User/mcp.json", `{"servers": {"other": {"type": "stdio"}}}`, 0o644)
		rep = doctor.Run(context.Background(), m.options("vscode"))
		expect(t, rep, "config.schema", doctor.Warn, "vscode-mcp.schema.json", "")
	})
	t.Run("secrets and permissions", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		plain := `{"mcpServers": {"latchgate": {"command": "latchgate-mcp", "args": ["serve"]}, "gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "ghp_123", "DEBUG": "1"}}}}`
		p := m.write(t, ".cursor/mcp.json", plain, 0o644)
		opts := m.options("cursor")
		opts.SkipHandshake = true
		rep := doctor.Run(context.Background(), opts)
		expect(t, rep, "config.secrets", doctor.Warn, "gh.GITHUB_TOKEN", "${env:NAME}")
		expect(t, rep, "config.permissions", doctor.Warn, "(0644)", "chmod 600 ~/.cursor/mcp.json")

		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
		rep = doctor.Run(context.Background(), opts)
		expect(t, rep, "config.secrets", doctor.Warn, "gh.GITHUB_TOKEN", "")
		if has(rep, "config.permissions") {
			t.Errorf("a 0600 file got a permissions warning:\n%s", text(rep))
		}

		m.write(t, ".cursor/mcp.json", strings.Replace(plain, `"ghp_123"`, `"${env:GITHUB_TOKEN}"`, 1), 0o644)
		rep = doctor.Run(context.Background(), opts)
		if has(rep, "config.secrets") || has(rep, "config.permissions") {
			t.Errorf("a reference is not a secret:\n%s", text(rep))
		}
	})
	t.Run("remote entry", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		m.write(t, ".cursor/mcp.json", `{"mcpServers": {"latchgate": {"url": "https://mcp.example/latchgate"}}}`, 0o644)
		rep := doctor.Run(context.Background(), m.options("cursor"))
		expect(t, rep, "config.remote", doctor.Warn, "remote (url) entry", "latchgate-mcp install")
		if has(rep, "handshake") || has(rep, "binary.command") {
			t.Errorf("a remote entry has no command to check:\n%s", text(rep))
		}
	})
	t.Run("stale against Expected", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		_, u := startGate(t, gatetest.Options{})
		entry := m.serverEntry("--gate-url", u)
		m.claudeUser(t, entry)
		opts := m.options("claude-code")
		opts.SkipHandshake = true
		spec := ides.ServerSpec{Command: m.bin, Args: []string{"serve", "--gate-url", u},
			Env: ides.EnvList{{Name: "LATCHGATE_AGENT_ID", Value: "test"}, {Name: asCLI, Value: "1"}}}
		opts.Expected = func(ides.Adapter, ides.Scope) (ides.ServerSpec, error) { return spec, nil }
		rep := doctor.Run(context.Background(), opts)
		expect(t, rep, "config.current", doctor.OK, "what install writes now", "")
		if len(rep.Fixes) != 0 {
			t.Errorf("fixes for a current entry: %+v", rep.Fixes)
		}

		spec.Args = []string{"serve", "--gate-url", "http://127.0.0.1:1"}
		rep = doctor.Run(context.Background(), opts)
		c := expect(t, rep, "config.current", doctor.Warn, "stale entry: gate: HTTP "+u, "rewrite it")
		if !c.Fixable || len(rep.Fixes) != 1 {
			t.Errorf("a stale entry should come with one fix: fixable %v, %d fixes", c.Fixable, len(rep.Fixes))
		}
	})
	t.Run("nothing configured", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		rep := doctor.Run(context.Background(), m.options())
		expect(t, rep, "config.none", doctor.Error, `no "latchgate" server entry`, "install")
		data, _ := json.Marshal(rep)
		if err := schemas.Validate(schemas.DoctorReport, data); err != nil {
			t.Errorf("report does not match its schema: %v\n%s", err, data)
		}
	})
	t.Run("empty CLAUDE_CONFIG_DIR", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		opts := m.options("claude-code")
		opts.SkipHandshake = true
		rep := doctor.Run(context.Background(), opts)
		if has(rep, "config.claude_config_dir") {
			t.Errorf("warned with CLAUDE_CONFIG_DIR unset:\n%s", text(rep))
		}
		opts.Env.Vars["CLAUDE_CONFIG_DIR"] = ""
		rep = doctor.Run(context.Background(), opts)
		expect(t, rep, "config.claude_config_dir", doctor.Warn, "set but empty", "unset CLAUDE_CONFIG_DIR")
		data, _ := json.Marshal(rep)
		if err := schemas.Validate(schemas.DoctorReport, data); err != nil {
			t.Errorf("report does not match its schema: %v", err)
		}
	})
	t.Run("unknown IDE", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t)
		rep := doctor.Run(context.Background(), m.options("emacs"))
		expect(t, rep, "config.ide", doctor.Error, "emacs", "supported IDE")
	})
}

func TestStrayAndApprovalFixes(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	m.write(t, ".claude/settings.json", `{"mcpServers": {"latchgate": {"command": "latchgate-mcp", "args": ["serve"]}}}`, 0o600)
	m.write(t, filepath.Join(m.proj, ".mcp.json"), `{"mcpServers": {"latchgate": {"command": "latchgate-mcp", "args": ["serve"]}}}`, 0o644)
	opts := m.options("claude-code")
	opts.SkipHandshake = true
	rep := doctor.Run(context.Background(), opts)
	expect(t, rep, "config.stray", doctor.Error, "settings.json", "move it to ~/.claude.json")
	c := expect(t, rep, "config.approval", doctor.Warn, "not approved", "--fix --approve")
	if c.Fixable {
		t.Error("approval is offered as a fix without Approve")
	}
	if got := descriptions(rep); !cmp.Equal(got, []string{`move "latchgate" from ~/.claude/settings.json to ~/.claude.json (user scope)`}) {
		t.Errorf("fixes = %q", got)
	}

	opts.Approve = true
	rep = doctor.Run(context.Background(), opts)
	c = expect(t, rep, "config.approval", doctor.Warn, "not approved", "")
	if !c.Fixable {
		t.Error("approval is not offered with Approve")
	}
	if got := descriptions(rep); len(got) != 2 || !slices.Contains(got, `approve the project server "latchgate" in ~/.claude/settings.json`) {
		t.Errorf("fixes = %q", got)
	}

	// --scope project leaves the user files alone.
	opts.Scopes = []ides.Scope{ides.ScopeProject}
	rep = doctor.Run(context.Background(), opts)
	if has(rep, "config.stray") {
		t.Errorf("a user-scope problem reported for --scope project:\n%s", text(rep))
	}
}

func descriptions(rep *doctor.Report) []string {
	var out []string
	for _, f := range rep.Fixes {
		out = append(out, f.Description)
	}
	return out
}

func TestCommand(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	_, u := startGate(t, gatetest.Options{})
	script := func(dir, out string) string {
		return m.write(t, filepath.Join(dir, "latchgate-mcp"), "#!/bin/sh\necho '"+out+"'\n", 0o755)
	}
	run := func(command string, mut func(*doctor.Options)) *doctor.Report {
		e := m.serverEntry("--gate-url", u)
		e["command"] = command
		m.claudeUser(t, e)
		opts := m.options("claude-code")
		opts.SkipHandshake = true
		if mut != nil {
			mut(&opts)
		}
		return doctor.Run(context.Background(), opts)
	}

	rep := run("${LG_NOPE}/latchgate-mcp", nil)
	expect(t, rep, "binary.command", doctor.Error, "unset variables: LG_NOPE", "${VAR:-value}")

	// A default, and a set variable, are expanded as Claude Code does.
	rep = run("${LG_NOPE:-"+filepath.Dir(m.bin)+"}/"+filepath.Base(m.bin), nil)
	expect(t, rep, "binary.command", doctor.Warn, "version "+rep.Version, "stable place")
	m.env.Vars["LG_BIN_DIR"] = filepath.Dir(m.bin)
	rep = run("${LG_BIN_DIR}/"+filepath.Base(m.bin), nil)
	expect(t, rep, "binary.command", doctor.Warn, "version "+rep.Version, "stable place")

	rep = run(m.bin, func(o *doctor.Options) { o.Version = "v9.9.9" })
	expect(t, rep, "binary.command", doctor.Warn, "but this latchgate-mcp is v9.9.9", "two installs")

	other := script(filepath.Join(m.root, "other"), "something-else 1.0")
	rep = run(other, nil)
	expect(t, rep, "binary.command", doctor.Warn, `is not latchgate-mcp (--version says "something-else 1.0")`, "point the entry at latchgate-mcp")

	rep = run(filepath.Join(m.root, "gone", "latchgate-mcp"), nil)
	expect(t, rep, "binary.command", doctor.Error, "does not exist (the binary moved?)", "doctor --fix")

	rep = run("latchgate-mcp-not-on-path", nil)
	expect(t, rep, "binary.command", doctor.Error, `"latchgate-mcp-not-on-path" is not on PATH`, "")

	// The ok path, and a versioned path, need a directory that is not
	// temporary: /dev/shm is a tmpfs, but not a build directory.
	shm, err := os.MkdirTemp("/dev/shm", "lgdoctor")
	if err != nil {
		t.Skipf("no /dev/shm for a non-temporary directory: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(shm); err != nil {
			t.Error(err)
		}
	})
	good := script(shm, "latchgate-mcp v1.2.3")
	rep = run(good, func(o *doctor.Options) { o.Version = "v1.2.3" })
	expect(t, rep, "binary.command", doctor.OK, "version v1.2.3", "")
	versioned := script(filepath.Join(shm, "Cellar", "latchgate-mcp", "1.2.3", "bin"), "latchgate-mcp v1.2.3")
	rep = run(versioned, func(o *doctor.Options) { o.Version = "v1.2.3" })
	expect(t, rep, "binary.command", doctor.Warn, "(a versioned path)", "stable link on PATH")

	// latchgate-mcp on PATH: ok in a stable directory, a warning when
	// missing.
	m.env.Vars["PATH"] = filepath.Dir(good)
	rep = run(good, nil)
	expect(t, rep, "binary.path", doctor.OK, "latchgate-mcp on PATH", "")
	m.env.Vars["PATH"] = filepath.Join(m.root, "empty")
	rep = run(good, nil)
	expect(t, rep, "binary.path", doctor.Warn, "not on PATH", "install it into a directory on PATH")
}

func TestCommandFix(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	_, u := startGate(t, gatetest.Options{})
	e := m.serverEntry("--gate-url", u)
	e["command"] = filepath.Join(m.root, "gone", "latchgate-mcp")
	m.claudeUser(t, e)
	opts := m.options("claude-code")
	opts.SkipHandshake = true
	rep := doctor.Run(context.Background(), opts)
	if c := expect(t, rep, "binary.command", doctor.Error, "does not exist", ""); c.Fixable || len(rep.Fixes) > 0 {
		t.Errorf("a fix without Options.Command: %+v", rep.Fixes)
	}
	opts.Command = func(portable bool) (string, error) {
		if portable {
			t.Error("a user entry asked for the portable command")
		}
		return m.bin, nil
	}
	rep = doctor.Run(context.Background(), opts)
	if c := expect(t, rep, "binary.command", doctor.Error, "does not exist", ""); !c.Fixable {
		t.Error("the broken command is not marked fixable")
	}
	if got := descriptions(rep); len(got) != 1 || !strings.Contains(got[0], `-> "`+m.bin+`"`) {
		t.Errorf("fixes = %q", got)
	}
}

func TestGateFix(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	_, u := startGate(t, gatetest.Options{})
	m.claudeUser(t, m.serverEntry("--gate-url", "http://127.0.0.1:1", "--log-level", "debug"))
	opts := m.options("claude-code")
	opts.SkipHandshake = true
	opts.Timeout = time.Second
	rep := doctor.Run(context.Background(), opts)
	expect(t, rep, "gate.connect", doctor.Error, "cannot connect", "latchgate up")
	if len(rep.Fixes) != 0 {
		t.Errorf("a gate fix without a detected gate: %q", descriptions(rep))
	}

	// A detected gate that does not answer either is no fix.
	opts.Gate = &gatecfg.Transport{GateURL: "http://127.0.0.1:2", PublicBaseURL: "http://127.0.0.1:2"}
	rep = doctor.Run(context.Background(), opts)
	if len(rep.Fixes) != 0 {
		t.Errorf("a fix pointing at a dead gate: %q", descriptions(rep))
	}

	opts.Gate = &gatecfg.Transport{GateURL: u, PublicBaseURL: u, Source: "a running gate"}
	rep = doctor.Run(context.Background(), opts)
	if c := expect(t, rep, "gate.connect", doctor.Error, "cannot connect", ""); !c.Fixable {
		t.Error("the unreachable gate is not marked fixable")
	}
	want := "rewrite the entry in Claude Code user ~/.claude.json: gate --gate-url http://127.0.0.1:1 -> --gate-url " + u + " (a running gate)"
	if got := descriptions(rep); !cmp.Equal(got, []string{want}) {
		t.Errorf("fixes = %q, want %q", got, want)
	}
}

func TestWithGate(t *testing.T) {
	t.Parallel()
	tests := []struct{ args, want, got []string }{
		{args: []string{"serve", "--gate-url", "http://a:1", "--log-level", "debug"}, want: []string{"--gate-socket", "/s", "--public-base-url", "http://p"},
			got: []string{"serve", "--gate-socket", "/s", "--public-base-url", "http://p", "--log-level", "debug"}},
		{args: []string{"serve", "--gate-socket=/old", "--public-base-url=http://x"}, want: []string{"--gate-url", "http://b:2"},
			got: []string{"serve", "--gate-url", "http://b:2"}},
		{args: nil, want: []string{"--gate-url", "http://b:2"}, got: []string{"serve", "--gate-url", "http://b:2"}},
	}
	for _, tt := range tests {
		if got := doctor.WithGate(tt.args, tt.want); !cmp.Equal(got, tt.got) {
			t.Errorf("WithGate(%q, %q) = %q, want %q", tt.args, tt.want, got, tt.got)
		}
	}
}

func TestLaunchRules(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	m.env.Vars["SECRET_SESSION"] = "s"
	m.env.Vars["LG_DIR"] = "/opt/lg"

	cmd, _, args, env, missing := doctor.LaunchFor(m.env, "claude-code", "${LG_DIR}/latchgate-mcp",
		[]string{"serve", "--gate-socket", "${LG_SOCK:-/run/gate.sock}", "${LG_UNSET}"}, map[string]string{"A": "${LG_DIR}"})
	if cmd != "/opt/lg/latchgate-mcp" || !cmp.Equal(args, []string{"serve", "--gate-socket", "/run/gate.sock", "${LG_UNSET}"}) {
		t.Errorf("Claude Code expansion: %q %q", cmd, args)
	}
	if !cmp.Equal(missing, []string{"LG_UNSET"}) {
		t.Errorf("missing = %q", missing)
	}
	for _, want := range []string{"A=/opt/lg", "SECRET_SESSION=s", "CLAUDE_PROJECT_DIR=" + m.proj, "CLAUDECODE=1"} {
		if !slices.Contains(env, want) {
			t.Errorf("Claude Code passes its whole environment and its own variables: %s missing from %q", want, env)
		}
	}

	cmd, _, args, env, missing = doctor.LaunchFor(m.env, "cursor", "${userHome}/bin/latchgate-mcp",
		[]string{"serve", "${env:LG_DIR}", "${workspaceFolder}", "${env:LG_UNSET}"}, map[string]string{"XDG_RUNTIME_DIR": "${env:XDG_RUNTIME_DIR}"})
	if cmd != m.home+"/bin/latchgate-mcp" || !cmp.Equal(args, []string{"serve", "/opt/lg", m.proj, ""}) {
		t.Errorf("Cursor expansion: %q %q", cmd, args)
	}
	if !cmp.Equal(missing, []string{"LG_UNSET"}) {
		t.Errorf("missing = %q", missing)
	}
	var names []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		names = append(names, k)
	}
	if !cmp.Equal(names, []string{"HOME", "PATH", "XDG_RUNTIME_DIR"}) {
		t.Errorf("Cursor passes only the SDK's variables and the entry's env: %q", names)
	}

	// A bare name is looked up on the PATH the server gets.
	_, path, _, _, _ := doctor.LaunchFor(m.env, "vscode", "sh", nil, nil)
	if path == "" || filepath.Base(path) != "sh" {
		t.Errorf("sh on PATH resolved to %q", path)
	}
	_, path, _, _, _ = doctor.LaunchFor(m.env, "vscode", "./run.sh", nil, nil)
	if path != filepath.Join(m.proj, "run.sh") {
		t.Errorf("a relative command resolves from the project: %q", path)
	}
	// Claude Desktop starts servers in "/" (ides.LaunchRules.Dir).
	if _, path, _, _, _ = doctor.LaunchFor(m.env, "claude-desktop", "./run.sh", nil, nil); path != "/run.sh" {
		t.Errorf("a relative command for Claude Desktop resolves from /: %q", path)
	}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	run := func(command string, args ...string) *doctor.Report {
		m.claudeUser(t, map[string]any{"command": command, "args": args})
		opts := m.options("claude-code")
		opts.Timeout = time.Second
		return doctor.Run(context.Background(), opts)
	}
	rep := run("sh", "-c", "echo no such config >&2; exit 3")
	c := expect(t, rep, "handshake", doctor.Error, "initialize failed", "stderr says why")
	if c.Detail != "no such config" {
		t.Errorf("detail = %q, want the server's stderr", c.Detail)
	}

	start := time.Now()
	rep = run("sh", "-c", "echo waiting >&2; exec sleep 60")
	expect(t, rep, "handshake", doctor.Error, "initialize: no answer within 1s", "run the command by hand")
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("a server that never answers held doctor for %s", took) // the timeout did not hold
	}

	// A server that ignores server/discover connects, but costs Claude
	// Code its wait on every start.
	m.claudeUser(t, map[string]any{"command": m.bin, "env": map[string]string{asOldServer: "1"}})
	opts := m.options("claude-code")
	opts.Timeout = time.Second
	rep = doctor.Run(context.Background(), opts)
	expect(t, rep, "handshake", doctor.Warn, "1 tool (old 0.1, environment: Claude Code's environment); but server/discover got no answer in 500ms", "waits about 3s")
	// Cursor does not send it.
	b, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"latchgate": map[string]any{"command": m.bin, "env": map[string]string{asOldServer: "1"}}}})
	m.write(t, ".cursor/mcp.json", string(b), 0o600)
	opts.IDEs = []string{"cursor"}
	rep = doctor.Run(context.Background(), opts)
	expect(t, rep, "handshake", doctor.OK, "1 tool (old 0.1", "")

	// Not executable: not started at all.
	p := m.write(t, filepath.Join(m.root, "plain"), "x", 0o644)
	rep = run(p, "serve")
	expect(t, rep, "handshake", doctor.Error, "not started", "binary check")
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	d := int64(12)
	rep := &doctor.Report{Version: "v1", Name: "latchgate", Checks: []doctor.Check{
		{Section: doctor.SectionBinary, ID: "binary.path", Status: doctor.OK, Message: "on PATH"},
		{Section: doctor.SectionGate, ID: "gate.connect", Subject: "socket /s", Status: doctor.Error, Message: "cannot connect",
			Hint: "start it", Fixable: true, Detail: "line 1\nline 2", DurationMS: &d},
	}, Summary: doctor.Summary{OK: 1, Error: 1}}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `Binary
  ok    on PATH

Gate
  error socket /s: cannot connect (12ms)
        hint: start it [--fix]
        | line 1
        | line 2

1 ok, 0 warning(s), 1 error(s)
`
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("text (-want +got):\n%s", d)
	}
	if !rep.HasErrors() {
		t.Error("HasErrors() = false")
	}
	rep.Checks = rep.Checks[:1]
	if rep.HasErrors() {
		t.Error("HasErrors() = true with only ok checks")
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	m := newMachine(t)
	m.claudeUser(t, map[string]any{"command": "sh", "args": []string{"-c", "exec sleep 60"}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := doctor.Run(ctx, m.options("claude-code"))
	expect(t, rep, "handshake", doctor.Error, "initialize", "")
}
