package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// The real terminal agents OpenCode, Kilo and the Cline CLI, each
// installed by .ci/run from npm at the version clients.md measured, check
// what install writes: each test installs into a throwaway HOME and git
// project, then asks the client itself whether it connects our entry to
// latchgate-mcp serve and the reference test gate. Without the binary
// (LATCHGATE_MCP_TEST_<CLIENT>) a test is skipped and says so. Crush has
// no binary on npm (its package downloads one at install time): CI checks
// it with goldens and schemas, and TestRealCrush runs with a source build.

// realMachine is a throwaway machine for one client: HOME, a git project,
// the test gate on the default socket, latchgate-mcp on PATH, and an
// environment without the developer's settings or proxies.
type realMachine struct {
	t                *testing.T
	root, home, proj string
	bin              string
	env              []string
	gate             *gatetest.Gate
	timeout          time.Duration
}

func newRealMachine(t *testing.T, envVar string) (*realMachine, string) {
	t.Helper()
	client := realClientPath(t, envVar, "the client")
	root := shortTempDir(t, "lgrc")
	m := &realMachine{t: t, root: root, home: filepath.Join(root, "home"), proj: filepath.Join(root, "proj"),
		// Generous: a loaded 2-core machine runs these clients several
		// times slower than an idle one.
		timeout: 5 * time.Minute}
	run := filepath.Join(root, "run")
	for _, d := range []string{m.home, filepath.Join(m.proj, ".git"), filepath.Join(run, "latchgate")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	m.gate, err = gatetest.New(gatetest.Options{ManifestDir: "../../internal/gatetest/testdata/manifests"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.gate.ListenUnix(filepath.Join(run, "latchgate", "gate.sock")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.gate.Close(); err != nil {
			t.Errorf("close the test gate: %v", err)
		}
	})
	m.bin = latchgateBinary(t)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "XDG_") || strings.HasPrefix(name, "OPENCODE_") || strings.HasPrefix(name, "KILO_") ||
			strings.HasPrefix(name, "CLINE_") || strings.HasPrefix(name, "CRUSH_") || strings.HasPrefix(name, "LATCHGATE_") ||
			strings.Contains(strings.ToLower(name), "proxy") || name == "HOME" || name == "PATH" {
			continue
		}
		m.env = append(m.env, kv)
	}
	m.env = append(m.env, "HOME="+m.home, "XDG_RUNTIME_DIR="+run, "LATCHGATE_MCP_NO_PROMPT=1",
		"PATH="+filepath.Dir(m.bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_PROXY=127.0.0.1,localhost")
	return m, client
}

// try runs a command in the project and returns its combined output.
func (m *realMachine) try(extraEnv []string, name string, args ...string) (string, error) {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = append(append([]string(nil), m.env...), extraEnv...), m.proj
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("no end within %s: %w", m.timeout, err)
	}
	return ansi.ReplaceAllString(string(out), ""), err
}

// run is try, failing the test on an error.
func (m *realMachine) run(extraEnv []string, name string, args ...string) string {
	m.t.Helper()
	out, err := m.try(extraEnv, name, args...)
	if err != nil {
		m.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

func (m *realMachine) write(rel, data string) {
	m.t.Helper()
	p := filepath.Join(m.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		m.t.Fatal(err)
	}
}

func (m *realMachine) read(rel string) string {
	m.t.Helper()
	data, err := os.ReadFile(filepath.Join(m.root, rel))
	if err != nil {
		m.t.Fatal(err)
	}
	return string(data)
}

func expectLines(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("%s does not match %s:\n%s", what, w, out)
		}
	}
}

// opencodeFamily runs the test shared by OpenCode and Kilo, whose "mcp
// list" spawns every server, handshakes and lists its tools.
func opencodeFamily(t *testing.T, m *realMachine, client, ide, userFile string, extraEnv []string) {
	// A user file of the user's own, with a comment and no "$schema":
	// install edits it, adds "$schema" so the client does not rewrite it.
	m.write(userFile, "{\n  // mine\n  \"autoupdate\": false\n}\n")
	m.run(nil, m.bin, "install", "--ide", ide, "--binary-path", m.bin)
	m.run(nil, m.bin, "install", "--ide", ide, "--scope", "project", "--name", "lg-team")
	written := m.read(userFile)

	list := m.run(extraEnv, client, "mcp", "list")
	expectLines(t, client+" mcp list", list, `✓ latchgate connected`, `✓ lg-team connected`,
		`latchgate-mcp serve --gate-socket \S+/run/latchgate/gate.sock --public-base-url http://localhost:3000`)
	if strings.Contains(list, "failed") {
		t.Errorf("%s mcp list reports a failure:\n%s", client, list)
	}
	if got := m.read(userFile); got != written {
		t.Errorf("%s rewrote %s although install added \"$schema\":\nbefore:\n%s\nafter:\n%s", client, userFile, written, got)
	}
	if reqs := m.gate.RequestsFor(gatetest.RouteActions); len(reqs) == 0 {
		t.Error("the gate was never asked for its actions: serve did not reach it")
	}
	headlessCall(t, m, client, ide, extraEnv)

	// Our own view agrees.
	ours := m.run(nil, m.bin, "list", "--ide", ide, "--name", "lg-team")
	expectLines(t, "latchgate-mcp list", ours, `project\s+\S+\s+latchgate-mcp, default socket\s+yes\s+active`)

	m.run(nil, m.bin, "uninstall", "--ide", ide)
	m.run(nil, m.bin, "uninstall", "--ide", ide, "--scope", "project", "--name", "lg-team")
	if list := m.run(extraEnv, client, "mcp", "list"); strings.Contains(list, "latchgate") || strings.Contains(list, "lg-team") {
		t.Errorf("servers still listed after uninstall:\n%s", list)
	}
}

// headlessCall runs one headless turn ("opencode run", "kilo run --auto")
// against the fake model, provider given in the client's
// *_CONFIG_CONTENT: the model calls latchgate_http_fetch, which must go
// through serve to the gate, and the gate's answer must come back.
func headlessCall(t *testing.T, m *realMachine, client, ide string, env []string) {
	t.Helper()
	model := newFakeModel(t)
	model.Call, model.CallArgs = "latchgate_http_fetch", `{"url":"https://example.com/"}`
	marker := "lg-e2e-" + ide
	m.gate.SetDefault("http_fetch", gatetest.Outcome{Kind: gatetest.Executed, Output: json.RawMessage(`{"marker":"` + marker + `"}`)})
	content, _ := json.Marshal(map[string]any{"model": "fake/fake-model", "provider": map[string]any{"fake": map[string]any{
		"npm": "@ai-sdk/openai-compatible", "name": "Fake", "models": map[string]any{"fake-model": map[string]any{"name": "Fake"}},
		"options": map[string]any{"baseURL": model.BaseURL(), "apiKey": "test-key"}}}})
	variable, args := "OPENCODE_CONFIG_CONTENT", []string{"run"}
	if ide == "kilo" {
		variable, args = "KILO_CONFIG_CONTENT", []string{"run", "--auto"}
	}
	execs := len(m.gate.RequestsFor(gatetest.RouteExecute))
	out := m.run(append(append([]string(nil), env...), variable+"="+string(content)), client, append(args, "Fetch https://example.com/ with the gate.")...)
	if !model.Offered("latchgate_http_fetch") {
		t.Fatalf("%s run never offered latchgate_http_fetch to the model\nrequests: %+v\n%s", client, model.Requests(), out)
	}
	if n := len(m.gate.RequestsFor(gatetest.RouteExecute)) - execs; n != 1 {
		t.Errorf("%s run: the gate executed %d actions, want 1\n%s", client, n, out)
	}
	back := false
	for _, r := range model.Requests() {
		for _, res := range r.ToolResults {
			back = back || strings.Contains(res, marker)
		}
	}
	if !back {
		t.Errorf("%s run: the gate's answer never came back to the model: %+v\n%s", client, model.Requests(), out)
	}
}

// TestRealOpenCode: opencode mcp list connects what install writes at
// user and project scope; OpenCode accepts every golden file we write.
func TestRealOpenCode(t *testing.T) {
	t.Parallel() // each waits mostly on its client's subprocesses
	m, opencode := newRealMachine(t, "LATCHGATE_MCP_TEST_OPENCODE")
	env := []string{"OPENCODE_DISABLE_MODELS_FETCH=1", "OPENCODE_DISABLE_AUTOUPDATE=1"}
	opencodeFamily(t, m, opencode, "opencode", "home/.config/opencode/opencode.json", env)

	// Every file the golden cases write: a schema error in any of them
	// would make every OpenCode command exit 1.
	for _, home := range goldenHomes(t, filepath.Join(m.root, "g"), "opencode") {
		cmd := exec.Command(opencode, "debug", "config")
		cmd.Dir, cmd.Env = filepath.Join(home, "proj"), append(append(append([]string(nil), m.env...), env...), "HOME="+home)
		if strings.HasSuffix(home, "xdg-config-home") {
			cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+filepath.Join(home, "xdg"))
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("opencode debug config refuses the files of %s: %v\n%s", filepath.Base(home), err, ansi.ReplaceAllString(string(out), ""))
		}
	}
}

// TestRealKilo: kilo mcp list connects what install writes at user and
// project scope, and kilo config check finds nothing wrong.
func TestRealKilo(t *testing.T) {
	t.Parallel() // each waits mostly on its client's subprocesses
	m, kilo := newRealMachine(t, "LATCHGATE_MCP_TEST_KILO")
	env := []string{"KILO_DISABLE_MODELS_FETCH=1", "KILO_DISABLE_AUTOUPDATE=1"}
	// The account has run Kilo before (its first start rewrites the user
	// file, dropping comments: install warns about that, tested apart).
	m.write("home/.config/kilo/.bash-permission-migrated", "")
	m.run(nil, m.bin, "install", "--ide", "kilo", "--scope", "project")
	if out := m.run(env, kilo, "config", "check"); !strings.Contains(out, "No config warnings") {
		t.Errorf("kilo config check:\n%s", out)
	}
	m.run(nil, m.bin, "uninstall", "--ide", "kilo", "--scope", "project")
	// That kilo run made ~/.config/kilo/kilo.jsonc, the file install now
	// edits: it wins over kilo.json.
	opencodeFamily(t, m, kilo, "kilo", "home/.config/kilo/kilo.jsonc", env)
}

// TestRealClineCLI: the Cline CLI has no status command, so a headless
// turn against a fake model on loopback shows what it loaded: our tools
// reach the model only if Cline connected latchgate-mcp serve to the gate.
// The model then calls http_fetch, and the gate's answer comes back to it.
func TestRealClineCLI(t *testing.T) {
	t.Parallel() // each waits mostly on its client's subprocesses
	m, cline := newRealMachine(t, "LATCHGATE_MCP_TEST_CLINE")
	model := newFakeModel(t)
	model.Call, model.CallArgs = "latchgate__http_fetch", `{"url":"https://example.com/"}`
	m.gate.SetDefault("http_fetch", gatetest.Outcome{Kind: gatetest.Executed, Output: json.RawMessage(`{"marker":"lg-e2e-5d2c"}`)})

	m.run(nil, m.bin, "install", "--ide", "cline-cli", "--binary-path", m.bin)
	providers, _ := json.Marshal(map[string]any{"version": 1, "lastUsedProvider": "openai-compatible", "modes": map[string]any{},
		"providers": map[string]any{"openai-compatible": map[string]any{"updatedAt": "2026-01-01T00:00:00.000Z", "tokenSource": "manual",
			"settings": map[string]any{"provider": "openai-compatible", "apiKey": "test-key", "model": "fake-model", "baseUrl": model.BaseURL()}}}})
	m.write("providers.json", string(providers))
	env := []string{"CLINE_PROVIDER_SETTINGS_PATH=" + filepath.Join(m.root, "providers.json"),
		// The local backend: no hub daemon left running after the turn.
		"CLINE_SESSION_BACKEND_MODE=local", "CLINE_NO_AUTO_UPDATE=1"}
	out := m.run(env, cline, "--json", "-P", "openai-compatible", "-m", "fake-model", "Fetch https://example.com/ with the gate.")

	if !model.Offered("latchgate__http_fetch") {
		t.Fatalf("the model was never offered latchgate__http_fetch: Cline did not load the server\nrequests: %+v\n%s", model.Requests(), out)
	}
	if execs := m.gate.RequestsFor(gatetest.RouteExecute); len(execs) != 1 || !strings.Contains(execs[0].Path, "http_fetch") {
		t.Errorf("the gate executed %d actions, want http_fetch once", len(execs))
	}
	got := false
	for _, r := range model.Requests() {
		for _, res := range r.ToolResults {
			got = got || strings.Contains(res, "lg-e2e-5d2c")
		}
	}
	if !got {
		t.Errorf("the gate's answer never came back to the model: %+v", model.Requests())
	}

	m.run(nil, m.bin, "uninstall", "--ide", "cline-cli")
	before := len(model.Requests())
	model.Call = ""
	m.run(env, cline, "--json", "-P", "openai-compatible", "-m", "fake-model", "Reply with ok.")
	for _, r := range model.Requests()[before:] {
		for _, tool := range r.Tools {
			if strings.HasPrefix(tool, "latchgate__") {
				t.Fatalf("after uninstall the model is still offered %s", tool)
			}
		}
	}
}

// TestRealCrush: Crush has no status command and no binary on npm (its
// package downloads one at install time), so .ci/run cannot install it;
// with a crush built from source (go build in a checkout of
// charmbracelet/crush) named by LATCHGATE_MCP_TEST_CRUSH, a headless
// "crush run" against the fake model shows what it loaded: the user entry
// connects ("error":null in its log) and a gate action goes through; a
// project entry beside it is refused by install, and a second definition
// made by hand breaks the server in Crush as doctor says it does.
func TestRealCrush(t *testing.T) {
	t.Parallel()
	m, crush := newRealMachine(t, "LATCHGATE_MCP_TEST_CRUSH")
	model := newFakeModel(t)
	model.Call, model.CallArgs = "mcp_latchgate_http_fetch", `{"url":"https://example.com/"}`
	m.gate.SetDefault("http_fetch", gatetest.Outcome{Kind: gatetest.Executed, Output: json.RawMessage(`{"marker":"lg-e2e-crush"}`)})
	fake := map[string]any{"id": "fake-model", "name": "Fake", "cost_per_1m_in": 0, "cost_per_1m_out": 0, "cost_per_1m_in_cached": 0,
		"cost_per_1m_out_cached": 0, "context_window": 100000, "default_max_tokens": 1000, "can_reason": false, "supports_attachments": false}
	provider, _ := json.Marshal(map[string]any{
		"providers": map[string]any{"fake": map[string]any{"type": "openai-compat", "base_url": model.BaseURL(), "api_key": "test-key", "models": []any{fake}}},
		"models":    map[string]any{"large": map[string]any{"model": "fake-model", "provider": "fake"}, "small": map[string]any{"model": "fake-model", "provider": "fake"}},
		"options":   map[string]any{"disable_provider_auto_update": true, "disable_default_providers": true}})
	// Crush's own data file holds the provider, as Crush keeps it there.
	m.write("home/.local/share/crush/crush.json", string(provider))
	env := []string{"CRUSH_DISABLE_METRICS=1", "DO_NOT_TRACK=1", "CRUSH_DISABLE_PROVIDER_AUTO_UPDATE=1"}
	logged := func() string {
		data, _ := os.ReadFile(filepath.Join(m.proj, ".crush", "logs", "crush.log"))
		var out []string
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "MCP client initialization finished") {
				out = append(out, line)
			}
		}
		if err := os.RemoveAll(filepath.Join(m.proj, ".crush", "logs")); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "\n")
	}

	m.run(nil, m.bin, "install", "--ide", "crush", "--binary-path", m.bin)
	out := m.run(env, crush, "run", "--debug", "Fetch https://example.com/ with the gate.")
	if log := logged(); !strings.Contains(log, `"name":"latchgate"`) || !strings.Contains(log, `"error":null`) {
		t.Fatalf("Crush did not connect the entry; its log says:\n%s\n%s", log, out)
	}
	if !model.Offered("mcp_latchgate_http_fetch") {
		t.Errorf("the model was never offered mcp_latchgate_http_fetch: %+v", model.Requests())
	}
	back := false
	for _, r := range model.Requests() {
		for _, res := range r.ToolResults {
			back = back || strings.Contains(res, "lg-e2e-crush")
		}
	}
	if !back {
		t.Errorf("the gate's answer never came back to the model: %+v\n%s", model.Requests(), out)
	}

	// A project entry too would be merged into the user's: refused.
	if out, err := m.try(nil, m.bin, "install", "--ide", "crush", "--scope", "project"); err == nil || !strings.Contains(out, "concatenating their args") {
		t.Errorf("a second Crush entry was not refused: %v\n%s", err, out)
	}
	// Made by hand, it breaks the server in Crush, and doctor says so.
	m.write("proj/.crush.json", `{"mcp": {"latchgate": {"type": "stdio", "command": "latchgate-mcp", "args": ["serve", "--public-base-url", "http://localhost:3000"]}}}`)
	model.Call = ""
	m.run(env, crush, "run", "--debug", "Reply with ok.")
	if log := logged(); strings.Contains(log, `"error":null`) {
		t.Errorf("Crush connected a server whose args it concatenated:\n%s", log)
	}
	doctor, _ := m.try(nil, m.bin, "doctor", "--ide", "crush")
	expectLines(t, "doctor", doctor, `error +Crush: Crush reads 2 definitions of "latchgate"`)

	// Crush loads every file the golden cases write (a type error or bad
	// JSON would make "crush run" exit 1).
	for _, g := range goldenHomes(t, filepath.Join(m.root, "g"), "crush") {
		m.write(strings.TrimPrefix(filepath.Join(g, ".local/share/crush/crush.json"), m.root+"/"), string(provider))
		cmd := exec.Command(crush, "run", "Reply with ok.")
		cmd.Dir, cmd.Env = filepath.Join(g, "proj"), append(append(append([]string(nil), m.env...), env...), "HOME="+g)
		if strings.HasSuffix(g, "global-config-env") {
			cmd.Env = append(cmd.Env, "CRUSH_GLOBAL_CONFIG="+filepath.Join(g, "crushcfg"))
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("crush refuses the files of %s: %v\n%s", filepath.Base(g), err, out)
		}
	}
}

// goldenHomes writes the after/ files of each golden case of adapter id
// into a home directory of its own under dir (with a proj directory) and
// returns those that have any.
func goldenHomes(t *testing.T, dir, id string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", id, "*.txtar"))
	var out []string
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		home := filepath.Join(dir, strings.TrimSuffix(filepath.Base(f), ".txtar"))
		n := 0
		for _, sec := range ar.Files {
			rel, ok := strings.CutPrefix(sec.Name, "after/")
			if !ok || strings.Contains(rel, ".git/") {
				continue
			}
			data := sec.Data
			if r, ok := strings.CutSuffix(rel, "#nonl"); ok {
				rel, data = r, data[:len(data)-1]
			}
			p := filepath.Join(home, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "@HOME@", home)), 0o600); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n > 0 {
			if err := os.MkdirAll(filepath.Join(home, "proj"), 0o700); err != nil {
				t.Fatal(err)
			}
			out = append(out, home)
		}
	}
	if len(out) < 5 {
		t.Fatalf("found %d golden cases with files for %s, want at least 5", len(out), id)
	}
	return out
}

// TestRealOpenCodeAndKiloProject: one install for OpenCode and Kilo at
// project scope gives each client its own entry, checked with each
// client's resolved configuration ("debug config"): OpenCode runs the
// entry of opencode.json with its agent id, Kilo the one of
// .kilo/kilo.json with its own (Kilo also reads opencode.json, and used
// to run OpenCode's entry there); uninstall for Kilo leaves OpenCode's.
func TestRealOpenCodeAndKiloProject(t *testing.T) {
	t.Parallel()
	m, kilo := newRealMachine(t, "LATCHGATE_MCP_TEST_KILO")
	opencode := os.Getenv("LATCHGATE_MCP_TEST_OPENCODE")
	if opencode == "" {
		t.Skip("LATCHGATE_MCP_TEST_OPENCODE is not set (.ci/run installs the client from npm and sets it)")
	}
	env := []string{"KILO_DISABLE_MODELS_FETCH=1", "KILO_DISABLE_AUTOUPDATE=1", "OPENCODE_DISABLE_MODELS_FETCH=1", "OPENCODE_DISABLE_AUTOUPDATE=1"}
	m.write("home/.config/kilo/.bash-permission-migrated", "")
	m.run(nil, m.bin, "install", "--ide", "opencode,kilo", "--scope", "project")
	agentID := func(client string) string {
		out := m.run(env, client, "debug", "config")
		i := strings.Index(out, "{")
		if i < 0 {
			t.Fatalf("%s debug config printed no JSON:\n%s", client, out)
		}
		var cfg struct {
			MCP map[string]struct {
				Environment map[string]string `json:"environment"`
			} `json:"mcp"`
		}
		if err := json.Unmarshal([]byte(out[i:]), &cfg); err != nil {
			t.Fatalf("%s debug config: %v\n%s", client, err, out)
		}
		return cfg.MCP["latchgate"].Environment["LATCHGATE_AGENT_ID"]
	}
	if got := agentID(opencode); got != "opencode" {
		t.Errorf("OpenCode runs the entry of agent %q, want opencode", got)
	}
	if got := agentID(kilo); got != "kilo" {
		t.Errorf("Kilo runs the entry of agent %q, want kilo", got)
	}
	m.run(nil, m.bin, "uninstall", "--ide", "kilo", "--scope", "project")
	if got := agentID(opencode); got != "opencode" {
		t.Errorf("after uninstall for Kilo, OpenCode runs the entry of agent %q, want opencode", got)
	}
}
