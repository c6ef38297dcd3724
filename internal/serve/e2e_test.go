package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// binPath is the latchgate-mcp binary the end-to-end tests launch, built
// once for the package; buildErr says why it could not be.
var binPath, buildErr = "", error(nil)

func TestMain(m *testing.M) {
	// The tests here spend their time waiting on sockets, timers and
	// subprocesses, not computing: unless -parallel was given, run more
	// of them at once than the default of one per CPU.
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(max(runtime.GOMAXPROCS(0), 8)))
	}
	dir, err := os.MkdirTemp("", "lgbin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "latchgate-mcp")
	// Built as releases are (.goreleaser.yaml), so the benchmarks measure
	// what users run: without cgo, the C library is not mapped (about
	// 1 MB of resident memory).
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", binPath, "github.com/latchgate-ai/latchgate-mcp/cmd/latchgate-mcp")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	if err != nil {
		buildErr = fmt.Errorf("build latchgate-mcp: %v\n%s", err, out)
	}
	code := m.Run()
	_ = os.RemoveAll(dir) // best effort: the tests' verdict is in code
	os.Exit(code)
}

// proc is one "latchgate-mcp serve" subprocess with a connected client.
type proc struct {
	cs     *mcp.ClientSession
	cmd    *exec.Cmd
	stderr *syncBuffer
	mu     sync.Mutex
	logs   []string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveArgs returns the command line that connects to g over its
// listener kind.
func serveArgs(g *gatetest.Gate, kind string) []string {
	if kind == "tcp" {
		return []string{"serve", "--gate-url", g.URL()}
	}
	return []string{"serve", "--gate-socket", g.SocketPath(), "--public-base-url", g.PublicBaseURL()}
}

func startGate(t *testing.T, kind string) *gatetest.Gate {
	if kind == "tcp" {
		return gatetest.StartTCP(t, gatetest.Options{Actions: fixtureActions()})
	}
	return gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
}

func startServe(t *testing.T, args []string, env ...string) *proc {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	p := &proc{stderr: &syncBuffer{}}
	p.cmd = exec.Command(binPath, args...)
	// The state directory is the test's: serve caches tool lists there.
	p.cmd.Env = append([]string{"HOME=" + os.Getenv("HOME"), "PATH=" + os.Getenv("PATH"), "RUST_LOG=debug",
		"LATCHGATE_MCP_STATE_DIR=" + t.TempDir()}, env...)
	p.cmd.Stderr = p.stderr
	p.cmd.Dir = t.TempDir()
	cl := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			p.mu.Lock()
			p.logs = append(p.logs, r.Params.Message)
			p.mu.Unlock()
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The SDK client tries server/discover first, like Claude Code, and
	// must fall back to initialize at once.
	cs, err := cl.Connect(ctx, &mcp.CommandTransport{Command: p.cmd, TerminateDuration: 3 * time.Second}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr:\n%s", err, p.stderr)
	}
	p.cs = cs
	t.Cleanup(func() {
		// serve exits 0 when its stdin closes; killed or crashed, it
		// fails the test.
		if err := p.cs.Close(); err != nil {
			t.Errorf("stop serve: %v", err)
		}
		if t.Failed() {
			t.Logf("serve stderr:\n%s", p.stderr)
		}
	})
	return p
}

func (p *proc) call(t *testing.T, name string, args any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := p.cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("CallTool(%s): %v", name, err)
	}
	return res
}

func TestE2E(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"tcp", "unix"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			t.Run("list and call", func(t *testing.T) {
				g := startGate(t, kind)
				p := startServe(t, serveArgs(g, kind))
				res, err := p.cs.ListTools(context.Background(), nil)
				if err != nil || len(res.Tools) != 5 {
					t.Fatalf("tools/list: %v, %v", res, err)
				}
				r := p.call(t, "http_fetch", map[string]any{"url": "https://example.com"})
				if r.IsError || !strings.Contains(text(r), "[receipt_id: ") {
					t.Fatalf("call: %s", text(r))
				}
				for _, req := range g.Requests() {
					if req.Status == 401 {
						t.Errorf("%s %s rejected: %s %s", req.Method, req.Path, req.Error, req.Reason)
					}
				}
			})
			t.Run("denial", func(t *testing.T) {
				t.Parallel()
				g := startGate(t, kind)
				g.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Denied, DenyReason: "nope"})
				p := startServe(t, serveArgs(g, kind))
				te := toolErr(t, p.call(t, "http_fetch", map[string]any{"url": "u"}))
				if te.Code != codePolicyDenied || te.Message != "nope" {
					t.Errorf("denial: %+v", te)
				}
			})
			t.Run("hold then approve", func(t *testing.T) {
				t.Parallel()
				g := startGate(t, kind)
				g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Output: json.RawMessage(`"sent"`)})
				g.SetApproveAfter(2, true)
				p := startServe(t, serveArgs(g, kind))
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				r, err := p.cs.CallTool(ctx, &mcp.CallToolParams{Name: "gmail_send", Arguments: map[string]any{"raw": "x"},
					Meta: mcp.Meta{"progressToken": "p1"}})
				if err != nil || r.IsError || !strings.HasPrefix(text(r), "sent\n\n[receipt_id: ") {
					t.Fatalf("approved: %v %s", err, text(r))
				}
				p.mu.Lock()
				logs := strings.Join(p.logs, "\n")
				p.mu.Unlock()
				if !strings.Contains(logs, "waiting for operator approval") {
					t.Errorf("no hold progress notification; messages: %q", logs)
				}
			})
			t.Run("hold then deny", func(t *testing.T) {
				t.Parallel()
				g := startGate(t, kind)
				g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
				g.SetApproveAfter(1, false)
				p := startServe(t, serveArgs(g, kind))
				if te := toolErr(t, p.call(t, "gmail_send", map[string]any{})); te.Code != codePolicyDenied {
					t.Errorf("denied hold: %+v", te)
				}
			})
			t.Run("gate restart mid-session", func(t *testing.T) {
				t.Parallel()
				g := startGate(t, kind)
				p := startServe(t, serveArgs(g, kind))
				if r := p.call(t, "http_fetch", map[string]any{"url": "u"}); r.IsError {
					t.Fatal(text(r))
				}
				if err := g.Stop(); err != nil {
					t.Fatal(err)
				}
				if te := toolErr(t, p.call(t, "http_fetch", map[string]any{"url": "u"})); te.Code != codeGateUnavailable {
					t.Errorf("gate down: %+v", te)
				}
				if err := g.Restart(); err != nil {
					t.Fatal(err)
				}
				if r := p.call(t, "http_fetch", map[string]any{"url": "u"}); r.IsError {
					t.Fatalf("after restart with a new key: %s", text(r))
				}
			})
			t.Run("gate stalled past the timeout", func(t *testing.T) {
				t.Parallel()
				g := startGate(t, kind)
				p := startServe(t, append(serveArgs(g, kind), "--execute-timeout", "500ms"))
				g.Inject(gatetest.RouteExecute, gatetest.Fault{Kind: gatetest.Stall, Duration: 60 * time.Second, Count: 1})
				start := time.Now()
				te := toolErr(t, p.call(t, "slow_task", map[string]any{}))
				if te.Code != codeGateUnavailable || !strings.Contains(te.Message, "did not answer") {
					t.Errorf("stall: %+v", te)
				}
				if d := time.Since(start); d > 25*time.Second {
					t.Errorf("stalled call took %v: the execute timeout was not applied", d)
				}
				if r := p.call(t, "slow_task", map[string]any{}); r.IsError {
					t.Errorf("call after the stall: %s", text(r))
				}
			})
			t.Run("cancellation", func(t *testing.T) {
				t.Parallel()
				g := startGate(t, kind)
				g.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held})
				p := startServe(t, serveArgs(g, kind))
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() {
					_, err := p.cs.CallTool(ctx, &mcp.CallToolParams{Name: "gmail_send", Arguments: map[string]any{}})
					done <- err
				}()
				waitFor(t, 5*time.Second, "the hold", func() bool { return len(g.Approvals()) == 1 })
				if err := p.cs.Ping(context.Background(), nil); err != nil {
					t.Fatalf("ping during hold: %v", err)
				}
				cancel()
				select {
				case err := <-done:
					_ = err // a cancelled call ends with an error; that it ends is the point
				case <-time.After(5 * time.Second):
					t.Fatal("cancelled call did not return")
				}
				polls := len(g.RequestsFor(gatetest.RoutePoll))
				time.Sleep(2500 * time.Millisecond) // bounded: longer than a poll interval
				if n := len(g.RequestsFor(gatetest.RoutePoll)); n > polls+1 {
					t.Errorf("server kept polling after notifications/cancelled: %d then %d", polls, n)
				}
			})
			t.Run("16 concurrent calls", func(t *testing.T) {
				t.Parallel()
				g := startGate(t, kind)
				delay := 2 * time.Second
				g.SetDefault("slow_task", gatetest.Outcome{Kind: gatetest.Executed, Delay: delay})
				p := startServe(t, serveArgs(g, kind))
				var wg sync.WaitGroup
				for i := 0; i < 16; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
						defer cancel()
						r, err := p.cs.CallTool(ctx, &mcp.CallToolParams{Name: "slow_task", Arguments: map[string]any{}})
						if err != nil {
							t.Error(err)
						} else if r.IsError {
							t.Error(text(r))
						}
					}()
				}
				wg.Wait()
				assertOverlapped(t, g, 16, delay)
			})
		})
	}
}

// TestE2EExit checks stdin EOF ends the process with status 0, and that
// nothing but JSON-RPC was written to stdout on the way.
func TestE2EExit(t *testing.T) {
	t.Parallel()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	g := startGate(t, "unix")
	cmd := exec.Command(binPath, serveArgs(g, "unix")...)
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(initLine + "\n" + `{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" +
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}` + "\n")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = []string{"RUST_LOG=debug"}
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill() // the test fails below either way
		t.Fatal("serve did not exit at stdin EOF")
	}
	got := byID(t, strings.Split(strings.TrimSpace(stdout.String()), "\n"))
	if tools, _ := got["1"]["result"].(map[string]any)["tools"].([]any); len(tools) != 5 {
		t.Errorf("tools/list before EOF: %v", got["1"])
	}
	if !strings.Contains(stderr.String(), "level=DEBUG") {
		t.Errorf("RUST_LOG=debug did not enable debug logs")
	}
	for _, secret := range leaseSecrets(g) {
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("stderr contains a lease or proof")
		}
	}
}

// leaseSecrets returns the tokens and proofs the gate saw, which must
// never appear in logs.
func leaseSecrets(g *gatetest.Gate) []string {
	var out []string
	for _, r := range g.Requests() {
		if a := r.Header.Get("Authorization"); a != "" {
			out = append(out, strings.TrimPrefix(a, "DPoP "))
		}
		if d := r.Header.Get("DPoP"); d != "" {
			out = append(out, d)
		}
		if r.Route == gatetest.RouteLeases {
			var lr struct {
				JWT string `json:"lease_jwt"`
			}
			_ = json.Unmarshal(r.Response, &lr)
			if lr.JWT != "" {
				out = append(out, lr.JWT)
			}
		}
	}
	return out
}

// TestE2ESignal checks SIGINT (what Claude Code sends after "claude mcp
// list") ends serve promptly with status 0 while stdin is still open.
func TestE2ESignal(t *testing.T) {
	t.Parallel()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	g := startGate(t, "unix")
	cmd := exec.Command(binPath, serveArgs(g, "unix")...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"LATCHGATE_MCP_STATE_DIR=" + t.TempDir()}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close() }() // serve has exited by then, or the test failed
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte(initLine + "\n")); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 4096)
	if n, err := stdout.Read(line); err != nil || !bytes.Contains(line[:n], []byte(`"id":0`)) {
		t.Fatalf("initialize: %q, %v", line[:n], err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGINT: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill() // the test fails below either way
		t.Fatal("serve did not exit after SIGINT")
	}
}

// TestE2EFSRoot checks the fs_root the binary puts in its lease request
// (gate-protocol §10 G9): the working directory by default, the one
// --fs-root names, or none with --no-fs-root.
func TestE2EFSRoot(t *testing.T) {
	t.Parallel()
	other := t.TempDir()
	for _, tc := range []struct {
		name  string
		extra []string
		want  func(wd string) string
	}{
		{"default", nil, func(wd string) string { return wd }},
		{"flag", []string{"--fs-root", other}, func(string) string { return other }},
		{"none", []string{"--no-fs-root"}, func(string) string { return "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := startGate(t, "unix")
			p := startServe(t, append(serveArgs(g, "unix"), tc.extra...))
			if r := p.call(t, "http_fetch", map[string]any{"url": "https://example.com"}); r.IsError {
				t.Fatalf("call: %s", text(r))
			}
			leases := g.RequestsFor(gatetest.RouteLeases)
			if len(leases) == 0 {
				t.Fatal("no lease request")
			}
			var body struct {
				FSRoot *string `json:"fs_root"`
			}
			if err := json.Unmarshal(leases[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			got := ""
			if body.FSRoot != nil {
				got = *body.FSRoot
			}
			if want := tc.want(p.cmd.Dir); got != want {
				t.Errorf("fs_root sent = %q (present %v), want %q", got, body.FSRoot != nil, want)
			}
		})
	}
}

// TestE2EToolFilter checks --include and LATCHGATE_EXCLUDE reach the
// server the binary runs (gate-protocol §10 G13).
func TestE2EToolFilter(t *testing.T) {
	t.Parallel()
	g := startGate(t, "unix")
	p := startServe(t, append(serveArgs(g, "unix"), "--include", "http_*,gmail_*,fs_*"), "LATCHGATE_EXCLUDE=gmail_*")
	res, err := p.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	if got, want := strings.Join(names, ","), "fs_delete,http_fetch,latchgate_my_pending"; got != want {
		t.Errorf("tools = %s, want %s", got, want)
	}
}

// TestE2ENoEscapesOnStderr is gap G18: stderr logs carry no ANSI escape
// sequences, neither colours of their own nor ones the gate sends in its
// error messages, even at debug level.
func TestE2ENoEscapesOnStderr(t *testing.T) {
	t.Parallel()
	g := startGate(t, "unix")
	g.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Denied, DenyReason: "blocked \x1b[31mred\x1b[0m"})
	g.Inject(gatetest.RouteSchema, gatetest.Fault{Kind: gatetest.Respond, Status: 500,
		Body: `{"error":"internal_error","message":"schema store \u001b[2J down"}`})
	p := startServe(t, serveArgs(g, "unix"))
	if te := toolErr(t, p.call(t, "http_fetch", map[string]any{"url": "u"})); te.Code != codePolicyDenied {
		t.Fatalf("denial: %+v", te)
	}
	if !strings.Contains(p.stderr.String(), "schema store") {
		t.Fatalf("the gate's message was not logged, so this test checks nothing:\n%s", p.stderr)
	}
	if strings.ContainsRune(p.stderr.String(), '\x1b') {
		t.Errorf("stderr contains an escape character:\n%q", p.stderr.String())
	}
}

// TestE2ECache checks the binary keeps the tool list under the state
// directory it is given, privately, and answers the next session's
// tools/list from it while the gate has not answered yet.
func TestE2ECache(t *testing.T) {
	t.Parallel()
	g := startGate(t, "unix")
	state := filepath.Join(t.TempDir(), "state")
	p := startServe(t, serveArgs(g, "unix"), "LATCHGATE_MCP_STATE_DIR="+state)
	first, err := p.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(state, "tools-cache", "tools-*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files = %v", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v, %v", fi, err)
	}
	g.Inject(gatetest.RouteActions, gatetest.Fault{Kind: gatetest.Stall, Duration: 30 * time.Second, Count: 1})
	p2 := startServe(t, serveArgs(g, "unix"), "LATCHGATE_MCP_STATE_DIR="+state)
	second, err := p2.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Tools) != len(first.Tools) || len(g.RequestsFor(gatetest.RouteActions)) != 1 {
		t.Errorf("second session: %d tools (want %d), %d action lists answered (want 1: the stalled one is not)",
			len(second.Tools), len(first.Tools), len(g.RequestsFor(gatetest.RouteActions)))
	}
}
