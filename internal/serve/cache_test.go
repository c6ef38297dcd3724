package serve

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

func toolsJSON(t *testing.T, tools []*mcp.Tool) string {
	t.Helper()
	b, err := json.Marshal(tools)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// cacheFiles lists the tool cache files in dir.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "tools-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCacheWarmStart is issue 14's start from a cache: a server keeps the
// catalogue it discovered on disk (private to the user, nothing secret in
// it), and the next server for the same gate answers tools/list from it
// at once, while its own discovery is still waiting on the gate, and
// serves calls with it, local validation included.
func TestCacheWarmStart(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state", "tools-cache")
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	h1 := newHarnessFor(t, g, Options{CacheDir: dir})
	first, err := h1.cs.ListTools(h1.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := h1.call("http_fetch", map[string]any{"url": "u"}); r.IsError { // a lease exists now
		t.Fatal(text(r))
	}
	files := cacheFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache files = %v, want one", files)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{files[0]: 0o600, dir: 0o700, filepath.Dir(dir): 0o700} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("%s has mode %v, want %v", path, got, want)
			}
		}
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range leaseSecrets(g) {
		if strings.Contains(string(data), secret) {
			t.Error("the cache file holds a lease or a proof")
		}
	}

	// The next server: the gate stalls on the action list.
	g.Inject(gatetest.RouteActions, gatetest.Fault{Kind: gatetest.Stall, Duration: 30 * time.Second, Count: 1})
	before := len(g.RequestsFor(gatetest.RouteActions))
	h2 := newHarnessFor(t, g, Options{CacheDir: dir})
	second, err := h2.cs.ListTools(h2.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.RequestsFor(gatetest.RouteActions)); n != before {
		t.Errorf("tools/list waited for the gate (%d action lists answered, %d before)", n, before)
	}
	if diff := cmp.Diff(toolsJSON(t, first.Tools), toolsJSON(t, second.Tools)); diff != "" {
		t.Errorf("cached tools/list differs from the discovered one:\n%s", diff)
	}
	execs := len(g.RequestsFor(gatetest.RouteExecute))
	if te := toolErr(t, h2.call("http_fetch", map[string]any{})); te.Code != codeSchemaValidation {
		t.Errorf("cached schema not applied: %+v", te)
	}
	if r := h2.call("http_fetch", map[string]any{"url": "u"}); r.IsError {
		t.Errorf("call with the cached list: %s", text(r))
	}
	if n := len(g.RequestsFor(gatetest.RouteExecute)); n != execs+1 {
		t.Errorf("%d execute requests, want %d (invalid arguments stay local)", n, execs+1)
	}
}

// TestCacheRefreshNotifies checks a cached list that turns out stale is
// replaced when discovery ends, with notifications/tools/list_changed.
func TestCacheRefreshNotifies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	c, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	// A cache written for this gate when it had one more action.
	old, err := buildEntry(gate.ActionSummary{ActionID: "retired_tool", Version: "1", RiskLevel: "low"}, nil, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := newToolCache(dir, c, nil, nil).save([]*toolEntry{old}, time.Now()); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOpts{server: Options{CacheDir: dir}, start: startAfterSession})
	if h.srv.cache.path != newToolCache(dir, h.client, nil, nil).path {
		t.Fatal("a client for the same gate uses another cache file")
	}
	waitFor(t, 20*time.Second, "list_changed after discovery", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.changed > 0
	})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	if want := []string{"fs_delete", "gmail_send", "http_fetch", "latchgate_my_pending", "slow_task"}; !cmp.Equal(names, want) {
		t.Errorf("tools after the refresh = %v, want %v", names, want)
	}
}

// TestCacheUnusable checks a cache file that is corrupt, not private or
// not a regular file is ignored with a warning (discovery still serves
// the tools), and that another gate gets another file.
func TestCacheUnusable(t *testing.T) {
	t.Parallel()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	c, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	other, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: "http://localhost:3001"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	if a, b := newToolCache("d", c, nil, nil).path, newToolCache("d", other, nil, nil).path; a == b {
		t.Errorf("two public base URLs share the cache file %s", a)
	}
	if a, b := newToolCache("d", c, nil, nil).path, newToolCache("d", c, []string{"x_*"}, nil).path; a == b {
		t.Errorf("two tool filters share the cache file %s", a)
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, path string)
		warn  string
	}{
		{"corrupt", func(t *testing.T, path string) { writeFile(t, path, `{"version":1,"tools":[{"name":`, 0o600) }, "parse"},
		{"incomplete", func(t *testing.T, path string) { writeFile(t, path, `{"version":1,"tools":[{"name":"x"}]}`, 0o600) }, "incomplete"},
		{"shared", func(t *testing.T, path string) { writeFile(t, path, `{"version":1,"tools":[]}`, 0o644) }, "not a private file"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if runtime.GOOS == "windows" && tc.name == "shared" {
				t.Skip("no permission bits on Windows")
			}
			dir := t.TempDir()
			tc.setup(t, newToolCache(dir, c, nil, nil).path)
			var logs syncBuffer
			h := newHarnessFor(t, g, Options{CacheDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			res, err := h.cs.ListTools(h.ctx, nil)
			if err != nil || len(res.Tools) != 5 {
				t.Fatalf("tools/list: %v, %v", res, err)
			}
			if !strings.Contains(logs.String(), "cannot use the tool cache") || !strings.Contains(logs.String(), tc.warn) {
				t.Errorf("logs:\n%s", logs.String())
			}
		})
	}
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}
