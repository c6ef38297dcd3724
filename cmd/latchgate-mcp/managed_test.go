package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// managedScript runs inside a private mount namespace (unshare -m), as
// root: /etc is replaced by a copy on a tmpfs, so what enforce writes to
// /etc/claude-code and /etc/codex never reaches the machine's /etc. Each
// step's output and exit status, and each file's bytes, owner and mode,
// are copied to $OUT for the test to check once the namespace is gone.
const managedScript = `set -eu
mount -t tmpfs tmpfs "$ETCCOPY"
cp -a /etc/. "$ETCCOPY"/
mount --bind "$ETCCOPY" /etc
step() { name=$1; shift; rc=0; "$@" >"$OUT/$name.out" 2>&1 || rc=$?; echo "$rc" >"$OUT/$name.rc"; }
snap() { if [ -e "$2" ]; then cp "$2" "$OUT/$1"; stat -c '%u %a' "$2" >"$OUT/$1.stat"; else : >"$OUT/$1.absent"; fi; }

# An administrator's managed settings already there: root's, 0640.
mkdir -p /etc/claude-code
printf '{\n  "cleanupPeriodDays": 14\n}\n' >/etc/claude-code/managed-settings.json
chmod 0640 /etc/claude-code/managed-settings.json
snap claude-before /etc/claude-code/managed-settings.json

step enforce "$LG" enforce --ide claude-code,codex --scope managed --yes
snap claude-after /etc/claude-code/managed-settings.json
snap codex-after /etc/codex/requirements.toml
step again "$LG" enforce --ide claude-code,codex --scope managed --yes
step doctor "$LG" doctor --ide claude-code,codex
if [ -n "${CLAUDE:-}" ]; then
  step claude "$CLAUDE" -p "Read README.md with the latchgate fs_read tool." --dangerously-skip-permissions --allowedTools WebFetch,Bash
  cp "$PROJ/impostor.json" "$PROJ/.mcp.json"
  step claude-impostor "$CLAUDE" -p "Read README.md with the latchgate fs_read tool."
  rm -f "$PROJ/.mcp.json"
fi
if [ -n "${CODEX:-}" ]; then
  mkdir -p "$PROJ/.codex"
  cp "$PROJ/impostor.toml" "$PROJ/.codex/config.toml"
  step codex-impostor "$CODEX" exec --skip-git-repo-check "Send the mail with the latchgate gmail_send tool."
  rm -rf "$PROJ/.codex"
fi
step undo "$LG" enforce --undo --scope managed
snap claude-undone /etc/claude-code/managed-settings.json
snap codex-undone /etc/codex/requirements.toml
`

// TestManagedScope runs enforce --scope managed as root for Claude Code
// and Codex in a private mount namespace with a tmpfs over /etc (never
// the machine's /etc): the managed files get the keys that make managed
// rules win, a file the administrator had keeps its owner and mode, a
// second run changes nothing, and --undo leaves the administrator's file
// byte for byte as it was and removes the one enforce created. With the
// real clients (LATCHGATE_MCP_TEST_CLAUDE, LATCHGATE_MCP_TEST_CODEX), it
// also checks that the lock holds against the user: Claude Code offers no
// WebFetch or Bash even with --dangerously-skip-permissions and
// --allowedTools, runs the gate's tool unprompted, and starts neither an
// impostor in .mcp.json nor (Codex) one in a trusted project's
// .codex/config.toml, which a user-level policy cannot stop.
func TestManagedScope(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs in a private mount namespace")
	}
	if os.Geteuid() != 0 {
		t.Skip("enforce --scope managed writes as root: run the tests as root (in a container) to test it")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not on PATH: cannot make a private mount namespace")
	}
	if out, err := exec.Command(unshare, "-m", "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a private mount namespace here: %v: %s", err, out)
	}
	if _, err := os.Stat("/etc/claude-code"); err == nil {
		t.Skip("/etc/claude-code exists on this machine: the test leaves managed settings alone where there are some")
	}
	_, codexBefore := os.Stat("/etc/codex")

	r := newClientSandbox(t)
	claude, codex := os.Getenv("LATCHGATE_MCP_TEST_CLAUDE"), os.Getenv("LATCHGATE_MCP_TEST_CODEX")
	out, etc := filepath.Join(r.root, "out"), filepath.Join(r.root, "etc")
	for _, d := range []string{out, etc} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	anth := newFakeAnthropic(t, "mcp__latchgate__fs_read", `{"path":"README.md"}`)
	resp := newFakeResponses(t, "mcp__latchgate/gmail_send", `{"raw":"aGVsbG8"}`)
	r.gate.SetApproveAfter(1, true)
	codexHome := filepath.Join(r.home, ".codex")
	r.setenv("LATCHGATE_MCP_STATE_DIR="+filepath.Join(r.root, "state"), "CODEX_HOME="+codexHome,
		"ANTHROPIC_BASE_URL="+anth.URL, "ANTHROPIC_API_KEY=fake-key-for-latchgate-tests", "MCP_TIMEOUT=20000",
		"DISABLE_AUTOUPDATER=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "FAKE_MODEL_KEY=fake",
		"LG="+r.bin, "OUT="+out, "ETCCOPY="+etc, "PROJ="+r.proj, "CLAUDE="+claude, "CODEX="+codex)
	r.env = environWithoutIn(r.env, "CLAUDE_CONFIG_DIR")
	if err := os.MkdirAll(codexHome, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(codexHome, "config.toml"), []byte("model = \"gpt-fake\"\nmodel_provider = \"fake\"\n\n"+
		"[model_providers.fake]\nname = \"fake\"\nbase_url = \""+resp.URL+"/v1\"\nwire_api = \"responses\"\nenv_key = \"FAKE_MODEL_KEY\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.lg("install", "--ide", "claude-code,codex", "--binary-path", r.bin)
	r.lg("install", "--ide", "codex", "--scope", "project", "--name", "unused", "--approve") // trusts the project
	// A user trying to widen the policy: their own allowlist by name,
	// an allow rule for WebFetch, and impostors in the project.
	settings := filepath.Join(r.home, ".claude", "settings.json")
	if err := os.MkdirAll(filepath.Dir(settings), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(settings, []byte(`{"allowedMcpServers": [{"serverName": "latchgate"}], "permissions": {"allow": ["WebFetch", "Bash"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	claudeMark, codexMark := filepath.Join(r.root, "claude-impostor"), filepath.Join(r.root, "codex-impostor")
	for name, data := range map[string]string{
		"impostor.json": `{"mcpServers": {"latchgate": {"command": "sh", "args": ["-c", "touch ` + claudeMark + `; exec ` + r.bin + ` serve"]}}}`,
		"impostor.toml": "[mcp_servers.latchgate]\ncommand = \"sh\"\nargs = [\"-c\", \"touch " + codexMark + "; exec " + r.bin + " serve\"]\n",
	} {
		if err := os.WriteFile(filepath.Join(r.proj, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Without the managed policy, both impostors start: the test can
	// tell one that does not.
	baseline := func(mark, file, data string, name string, args ...string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		r.run(true, name, args...)
		if _, err := os.Stat(mark); err != nil {
			t.Errorf("without the managed policy, %s did not start the impostor in %s: the test could not tell a blocked one", filepath.Base(name), file)
		}
		// Ready for the next file: no mark (gone already if the impostor
		// did not start), and no policy.
		if err := os.Remove(mark); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
	}
	if claude != "" {
		json, _ := os.ReadFile(filepath.Join(r.proj, "impostor.json"))
		baseline(claudeMark, filepath.Join(r.proj, ".mcp.json"), string(json), claude, "-p", "hello")
	}
	if codex != "" {
		toml, _ := os.ReadFile(filepath.Join(r.proj, "impostor.toml"))
		baseline(codexMark, filepath.Join(r.proj, ".codex", "config.toml"), string(toml), codex, "exec", "--skip-git-repo-check", "hello")
	}
	requests := len(anth.offered())

	r.run(false, unshare, "-m", "--propagation", "private", "sh", "-c", managedScript)

	if _, err := os.Stat("/etc/claude-code"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the machine's /etc/claude-code exists after the test: %v", err)
	}
	if _, err := os.Stat("/etc/codex"); (err == nil) != (codexBefore == nil) {
		t.Errorf("the machine's /etc/codex changed: %v", err)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		return strings.TrimSpace(string(data))
	}
	step := func(name string) string {
		t.Helper()
		text := read(name + ".out")
		if rc := read(name + ".rc"); rc != "0" {
			t.Errorf("%s exited %s:\n%s", name, rc, text)
		}
		return text
	}

	enforced := step("enforce")
	t.Logf("enforce --scope managed:\n%s", enforced)
	for _, want := range []string{"Claude Code, managed scope: lock", "Codex, managed scope: managed, incomplete"} {
		if !strings.Contains(enforced, want) {
			t.Errorf("enforce --scope managed does not say %q:\n%s", want, enforced)
		}
	}
	after := read("claude-after")
	for _, want := range []string{`"cleanupPeriodDays": 14`, `"allowManagedMcpServersOnly": true`, `"allowManagedPermissionRulesOnly": true`,
		`"disableBypassPermissionsMode": "disable"`, `"serverCommand": [`, `"` + r.bin + `"`, `"mcp__latchgate"`, `"WebFetch"`} {
		if !strings.Contains(after, want) {
			t.Errorf("managed-settings.json lacks %s:\n%s", want, after)
		}
	}
	if st := read("claude-after.stat"); st != "0 640" {
		t.Errorf("managed-settings.json owner and mode after enforce: %q, want the administrator's 0 640", st)
	}
	codexReq := read("codex-after")
	for _, want := range []string{`allowed_sandbox_modes = ["read-only", "workspace-write"]`, `allowed_web_search_modes = ["disabled"]`,
		"[mcp_servers.latchgate.identity]", `command = "` + r.bin + `"`} {
		if !strings.Contains(codexReq, want) {
			t.Errorf("requirements.toml lacks %s:\n%s", want, codexReq)
		}
	}
	if st := read("codex-after.stat"); st != "0 644" {
		t.Errorf("requirements.toml owner and mode: %q, want 0 644", st)
	}
	if again := step("again"); !strings.Contains(again, "up to date") || strings.Contains(again, "updated") {
		t.Errorf("a second run changed something:\n%s", again)
	}
	doctor := read("doctor.out")
	for _, want := range []string{"managed scope: lock", "allowedMcpServers admits the entry by its exact command line", "the requirements admit the entry's command"} {
		if !strings.Contains(doctor, want) {
			t.Errorf("doctor in the namespace does not say %q:\n%s", want, doctor)
		}
	}

	if claude != "" {
		t.Logf("claude -p under the managed policy:\n%s", step("claude"))
		offered := anth.offered()[requests:]
		if len(offered) < 2 {
			t.Fatalf("Claude Code sent %d requests to the fake API", len(offered))
		}
		first := offered[0]
		t.Logf("offered: %v", first)
		for _, gone := range []string{"WebFetch", "WebSearch", "Bash"} {
			if slices.Contains(first, gone) {
				t.Errorf("under the managed policy, with bypass and --allowedTools, the model is offered %s: %v", gone, first)
			}
		}
		if res := anth.toolResults(); len(res) != 1 || !strings.Contains(res[0], "receipt_id") {
			t.Errorf("the gate's fs_read did not run unprompted under the managed policy: %v", res)
		}
		t.Logf("claude -p with the impostor:\n%s", step("claude-impostor"))
		if _, err := os.Stat(claudeMark); err == nil {
			t.Error("under the managed policy, Claude Code started the impostor in .mcp.json (the user's allowlist by name admitted it)")
		}
	}
	if codex != "" {
		t.Logf("codex exec with the impostor:\n%s", step("codex-impostor"))
		if _, err := os.Stat(codexMark); err == nil {
			t.Errorf("under the managed requirements, Codex started the impostor in the trusted project:\n%s", read("codex-impostor.out"))
		}
	}

	undone := step("undo")
	if got, want := read("claude-undone"), read("claude-before"); got != want {
		t.Errorf("after --undo, managed-settings.json is\n%s\nwant the administrator's\n%s\n(undo said:\n%s)", got, want, undone)
	}
	if st := read("claude-undone.stat"); st != "0 640" {
		t.Errorf("managed-settings.json owner and mode after --undo: %q", st)
	}
	if _, err := os.Stat(filepath.Join(out, "codex-undone.absent")); err != nil {
		t.Errorf("after --undo, the requirements.toml enforce created is still there:\n%s", read("codex-undone"))
	}
}
