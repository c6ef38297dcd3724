package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestRealOpenClaw checks our edit of OpenClaw's config against the real
// OpenClaw CLI: install into a hand-edited config (comments, trailing
// commas, another server), then OpenClaw validates the whole file against
// its own schema, lists the entry, and probes it (openclaw mcp
// probe starts the server the way OpenClaw does and runs initialize and
// tools/list against the test gate); uninstall removes it again.
//
// It needs an openclaw command: .ci/run installs OpenClaw (and the Node
// it needs) from npm and sets LATCHGATE_MCP_TEST_OPENCLAW; without it the
// test is skipped. Everything stays on loopback.
func TestRealOpenClaw(t *testing.T) {
	openclaw := realClientPath(t, "LATCHGATE_MCP_TEST_OPENCLAW", "OpenClaw")
	root := shortTempDir(t, "lgoc")
	home, run := filepath.Join(root, "home"), filepath.Join(root, "run")
	for _, d := range []string{filepath.Join(home, ".openclaw"), filepath.Join(run, "latchgate")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	g, err := gatetest.New(gatetest.Options{ManifestDir: "../../internal/gatetest/testdata/manifests"})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.ListenUnix(filepath.Join(run, "latchgate", "gate.sock")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close test gate: %v", err)
		}
	})

	bin := latchgateBinary(t) // this test binary, named latchgate-mcp
	env := append(environWithout("OPENCLAW_CONFIG_PATH", "OPENCLAW_STATE_DIR", "OPENCLAW_HOME", "OPENCLAW_PROFILE",
		"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"),
		"HOME="+home, "XDG_RUNTIME_DIR="+run, "XDG_STATE_HOME="+filepath.Join(home, ".local", "state"),
		"NO_PROXY=*", "OPENCLAW_NO_RESPAWN=1", "OPENCLAW_NO_AUTO_UPDATE=1", "DO_NOT_TRACK=1")
	run1 := func(allowFail bool, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env, cmd.Dir = env, home
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		if err != nil && !allowFail {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// jsonOf returns the JSON object in a command's output, after any log
	// lines OpenClaw prints first.
	jsonOf := func(out string, v any) {
		t.Helper()
		i := strings.Index(out, "{")
		if i < 0 {
			t.Fatalf("no JSON in:\n%s", out)
		}
		if err := json.NewDecoder(strings.NewReader(out[i:])).Decode(v); err != nil {
			t.Fatalf("decode: %v\n%s", err, out)
		}
	}

	config := filepath.Join(home, ".openclaw", "openclaw.json")
	if err := os.WriteFile(config, []byte(`// hand-edited
{
  "mcp": {
    "servers": {
      "other": { "command": "/bin/true", "args": [], }, // stays
    },
  },
}
`), 0o600); err != nil {
		t.Fatal(err)
	}

	run1(false, bin, "install", "--ide", "openclaw", "--binary-path", bin)
	if out := run1(false, openclaw, "config", "validate"); !strings.Contains(out, "Config valid") {
		t.Errorf("openclaw config validate after install:\n%s", out)
	}
	var list map[string]json.RawMessage
	jsonOf(run1(false, openclaw, "mcp", "list", "--json"), &list)
	if _, ok := list["latchgate"]; !ok {
		t.Errorf("openclaw mcp list does not have latchgate: %v", list)
	}
	if _, ok := list["other"]; !ok {
		t.Errorf("openclaw mcp list lost the other server: %v", list)
	}
	var probe struct {
		Servers map[string]struct {
			Launch           string `json:"launch"`
			Tools            int    `json:"tools"`
			RequestTimeoutMS int    `json:"requestTimeoutMs"`
		} `json:"servers"`
		Tools       []string        `json:"tools"`
		Diagnostics json.RawMessage `json:"diagnostics"`
	}
	out := run1(true, openclaw, "mcp", "probe", "latchgate", "--json")
	t.Logf("openclaw mcp probe latchgate --json:\n%s", out)
	jsonOf(out, &probe)
	s, ok := probe.Servers["latchgate"]
	if !ok || s.Tools == 0 || len(probe.Tools) == 0 {
		t.Errorf("openclaw mcp probe latchgate did not connect and list tools:\n%s", out)
	}
	// What OpenClaw will use: our command, and the timeout we wrote.
	if !strings.HasPrefix(s.Launch, bin+" serve --gate-socket ") || s.RequestTimeoutMS != 330000 {
		t.Errorf("openclaw runs %q with a %d ms timeout, want %s serve --gate-socket ... and 330000", s.Launch, s.RequestTimeoutMS, bin)
	}
	if ours := run1(false, bin, "list", "--ide", "openclaw"); !strings.Contains(ours, "active") {
		t.Errorf("latchgate-mcp list does not see the entry active:\n%s", ours)
	}

	run1(false, bin, "uninstall", "--ide", "openclaw")
	list = nil
	jsonOf(run1(false, openclaw, "mcp", "list", "--json"), &list)
	if _, ok := list["latchgate"]; ok {
		t.Errorf("latchgate still listed after uninstall: %v", list)
	}
	if _, ok := list["other"]; !ok {
		t.Errorf("uninstall lost the other server: %v", list)
	}
	data, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "// stays") || !strings.Contains(string(data), "// hand-edited") {
		t.Errorf("comments lost:\n%s", data)
	}
}
