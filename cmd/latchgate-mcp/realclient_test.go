package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// realClient is the sandbox a real-client test runs in: a throwaway HOME
// and project, the reference test gate on the default Unix socket
// ($XDG_RUNTIME_DIR/latchgate/gate.sock), this test binary as
// latchgate-mcp, and an environment with no proxy, so nothing leaves the
// machine but loopback.
type realClient struct {
	t                    *testing.T
	root, home, proj, rt string
	bin                  string // latchgate-mcp
	env                  []string
	gate                 *gatetest.Gate
}

// newRealClient sets up the sandbox for the client binary named by the
// environment variable envVar, skipping the test (with a message) when it
// is unset. extraEnv is added to the environment the client runs in.
func newRealClient(t *testing.T, envVar, what string) *realClient {
	t.Helper()
	realClientPath(t, envVar, what)
	return newClientSandbox(t)
}

// realClientPath returns the real client's command, named by the
// environment variable envVar, skipping the test (with a message) when it
// is unset or the run is -short.
func realClientPath(t *testing.T, envVar, what string) string {
	t.Helper()
	p := os.Getenv(envVar)
	if p == "" {
		t.Skipf("%s is not set (.ci/run installs %s from npm and sets it)", envVar, what)
	}
	if testing.Short() {
		t.Skipf("starts the real %s", what)
	}
	return p
}

// shortTempDir returns a new directory, removed after the test, with a
// short path (a Unix socket path is limited to about 104 bytes) and its
// links resolved (clients key trust and approvals by the physical path,
// as getcwd reports it).
func shortTempDir(t *testing.T, prefix string) string {
	t.Helper()
	root, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(root); err != nil {
			t.Errorf("remove the test directory: %v", err)
		}
	})
	if root, err = filepath.EvalSymlinks(root); err != nil {
		t.Fatal(err)
	}
	return root
}

// newClientSandbox sets up the sandbox of newRealClient, whatever client
// runs in it.
func newClientSandbox(t *testing.T) *realClient {
	t.Helper()
	root := shortTempDir(t, "lgrc")
	r := &realClient{t: t, root: root, home: filepath.Join(root, "home"), proj: filepath.Join(root, "proj"),
		rt: filepath.Join(root, "run")}
	for _, d := range []string{r.home, filepath.Join(r.proj, ".git"), filepath.Join(r.rt, "latchgate")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	r.gate, err = gatetest.New(gatetest.Options{ManifestDir: "../../internal/gatetest/testdata/manifests"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.gate.ListenUnix(filepath.Join(r.rt, "latchgate", "gate.sock")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.gate.Close(); err != nil {
			t.Errorf("close test gate: %v", err)
		}
	})
	r.bin = latchgateBinary(t)
	r.env = append(environWithout("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
		"NO_PROXY", "no_proxy", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "CI", "GITHUB_ACTIONS"),
		"HOME="+r.home, "XDG_RUNTIME_DIR="+r.rt, "XDG_STATE_HOME="+filepath.Join(r.home, ".local", "state"),
		"PATH="+filepath.Dir(r.bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "NO_COLOR=1", "TERM=dumb")
	return r
}

// setenv adds or replaces variables of the client's environment.
func (r *realClient) setenv(kv ...string) {
	for _, s := range kv {
		name, _, _ := strings.Cut(s, "=")
		r.env = append(environWithoutIn(r.env, name), s)
	}
}

func environWithoutIn(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if n, _, _ := strings.Cut(kv, "="); n != name {
			out = append(out, kv)
		}
	}
	return out
}

// run runs name in the project directory and returns its combined
// output; a non-zero exit fails the test unless allowFail.
func (r *realClient) run(allowFail bool, name string, args ...string) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir = r.env, r.proj
	out, err := cmd.CombinedOutput()
	if err != nil && !allowFail {
		r.t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lg runs latchgate-mcp. An install gives each entry's serve a state
// directory of its own: serve answers tools/list from a catalogue cached
// there, so two entries sharing one cache would let the second answer
// without asking the gate, and the tests that count one discovery per
// server could not tell whether it reached the gate.
func (r *realClient) lg(args ...string) string {
	r.t.Helper()
	if len(args) > 0 && args[0] == "install" && !slices.Contains(args, "--operator") {
		name := "latchgate"
		if i := slices.Index(args, "--name"); i >= 0 && i+1 < len(args) {
			name = args[i+1]
		}
		args = append(args, "--env", "LATCHGATE_MCP_STATE_DIR="+filepath.Join(r.root, "serve-state", name))
	}
	return r.run(false, r.bin, args...)
}

// gateDiscoveries returns how many times servers asked the gate for its
// actions since the last call: every serve the client starts does so
// before it answers initialize.
func (r *realClient) gateDiscoveries() int {
	n := len(r.gate.RequestsFor(gatetest.RouteActions))
	r.gate.ResetRequests()
	return n
}

// read returns a file under the sandbox, "" when absent.
func (r *realClient) read(rel string) string {
	data, _ := os.ReadFile(filepath.Join(r.root, rel))
	return string(data)
}
