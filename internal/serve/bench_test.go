package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// Benchmarks of what an IDE waits for. The spawn benchmarks report, beside
// their own time, an anchor measured in the same run and interleaved with
// it: the spawn of "latchgate-mcp --version", the floor for starting the
// binary at all. Compare ratios to the anchor across machines, not raw
// times. Run them on a quiet machine:
//
//	go test -run XXX -bench 'Spawn|Resident' -benchtime 20x ./internal/serve

// manyActions returns n actions with realistic schemas and details.
func manyActions(n int) []gatetest.Action {
	out := make([]gatetest.Action, n)
	for i := range out {
		out[i] = gatetest.Action{
			ID: fmt.Sprintf("action_%04d", i), Version: "1.0.0", RiskLevel: "low",
			EgressProfile: "proxy_allowlist", AllowedDomains: []string{"api.example.com"},
			DeclaredSideEffects: []string{"http_read"},
			ResourceLimits:      gatetest.ResourceLimits{TimeoutSeconds: 30},
			RequestSchema: json.RawMessage(`{"type":"object","required":["url"],"additionalProperties":false,"properties":{` +
				`"url":{"type":"string","format":"uri","minLength":1,"maxLength":2048,"description":"The URL to fetch."},` +
				`"headers":{"type":"object","additionalProperties":{"type":"string"}},"timeout":{"type":"integer","minimum":1,"maximum":60}}}`),
		}
	}
	return out
}

// benchServe starts "latchgate-mcp serve" against g with stateDir as its
// state directory (where the tool cache lives) and connects a client.
func benchServe(b *testing.B, g *gatetest.Gate, stateDir string, extra ...string) (*mcp.ClientSession, *exec.Cmd) {
	b.Helper()
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	args := append([]string{"serve", "--gate-socket", g.SocketPath(), "--public-base-url", g.PublicBaseURL()}, extra...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = []string{"RUST_LOG=error", "LATCHGATE_MCP_STATE_DIR=" + stateDir}
	cmd.Dir = os.TempDir()
	cl := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	cs, err := cl.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		b.Fatal(err)
	}
	return cs, cmd
}

// closeServe ends a serve started by benchServe: it closes its stdin,
// and serve must exit 0 (a serve that had to be killed fails the
// benchmark).
func closeServe(b *testing.B, cs *mcp.ClientSession) {
	b.Helper()
	if err := cs.Close(); err != nil {
		b.Errorf("stop serve: %v", err)
	}
}

// spawnVersion is the anchor: start the binary and let it print its
// version.
func spawnVersion(b *testing.B) time.Duration {
	b.Helper()
	start := time.Now()
	if out, err := exec.Command(binPath, "--version").CombinedOutput(); err != nil {
		b.Fatalf("--version: %v\n%s", err, out)
	}
	return time.Since(start)
}

// BenchmarkSpawnListTools measures spawn to tools/list done: start
// "latchgate-mcp serve", initialize, and read the whole answer to the
// first tools/list, with 200 and 1,000 actions over the Unix socket, with
// a cold cache (an empty state directory: the first tools/list waits for
// discovery) and a warm one (answered from the cache while discovery runs
// in the background). The client is a plain pipe reader, so the time is
// the server's, not an SDK client's decoding of the answer.
func BenchmarkSpawnListTools(b *testing.B) {
	for _, n := range []int{200, 1000} {
		g := gatetest.StartUnix(b, gatetest.Options{Actions: manyActions(n)})
		warmDir := b.TempDir()
		if got := rawListTools(b, g, warmDir); got != n+1 { // fills the cache
			b.Fatalf("tools/list: %d tools", got)
		}
		for _, cache := range []string{"cold", "warm"} {
			b.Run(fmt.Sprintf("%d/%s", n, cache), func(b *testing.B) {
				var self, anchor []time.Duration
				for i := 0; i < b.N; i++ {
					// The test gate records every request; forget them,
					// or it slows down as the benchmark runs.
					g.ResetRequests()
					anchor = append(anchor, spawnVersion(b))
					dir := warmDir
					if cache == "cold" {
						dir = b.TempDir()
					}
					start := time.Now()
					got := rawListTools(b, g, dir)
					self = append(self, time.Since(start))
					if got != n+1 {
						b.Fatalf("tools/list: %d tools", got)
					}
				}
				reportAnchored(b, self, anchor)
			})
		}
	}
}

// rawListTools spawns serve, sends initialize, initialized and tools/list
// down a pipe, reads until the tools/list answer is complete and returns
// how many tools it lists. The process is then stopped (stdin closed) off
// the clock's critical path: the caller has its time already.
func rawListTools(b *testing.B, g *gatetest.Gate, stateDir string) int {
	b.Helper()
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	cmd := exec.Command(binPath, "serve", "--gate-socket", g.SocketPath(), "--public-base-url", g.PublicBaseURL())
	cmd.Env = []string{"RUST_LOG=error", "LATCHGATE_MCP_STATE_DIR=" + stateDir}
	cmd.Dir = os.TempDir()
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		// The measurement is taken: how serve ends after it is not.
		_ = in.Close()
		_ = cmd.Wait()
	}()
	_, err = in.Write([]byte(initLine + "\n" + `{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" +
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}` + "\n"))
	if err != nil {
		b.Fatal(err)
	}
	rd := bufio.NewReaderSize(out, 1<<20)
	for {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			b.Fatalf("read: %v", err)
		}
		if !strings.HasPrefix(string(line), `{"jsonrpc":"2.0","id":1,`) {
			continue
		}
		var resp struct {
			Result struct {
				Tools []json.RawMessage `json:"tools"`
			} `json:"result"`
		}
		if err := json.Unmarshal(line, &resp); err != nil {
			b.Fatal(err)
		}
		return len(resp.Result.Tools)
	}
}

// reportAnchored reports medians: the measured time, the anchor, and
// their ratio.
func reportAnchored(b *testing.B, self, anchor []time.Duration) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	s, a := median(self), median(anchor)
	b.ReportMetric(ms(s), "ms-median")
	b.ReportMetric(ms(a), "anchor-ms")
	b.ReportMetric(float64(s)/float64(a), "x-anchor")
}

// BenchmarkResidentMemory reports the resident set of a serve process
// right after its first tools/list, with 200 and 1,000 tools, cold and
// warm cache, and again once its discovery has finished (for a warm
// start, tools/list is answered before that).
func BenchmarkResidentMemory(b *testing.B) {
	for _, n := range []int{200, 1000} {
		g := gatetest.StartUnix(b, gatetest.Options{Actions: manyActions(n)})
		warmDir := b.TempDir()
		cs, _ := benchServe(b, g, warmDir)
		if _, err := cs.ListTools(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		closeServe(b, cs)
		for _, cache := range []string{"cold", "warm"} {
			b.Run(fmt.Sprintf("%d/%s", n, cache), func(b *testing.B) {
				var atList, settled, anon float64
				for i := 0; i < b.N; i++ {
					dir := warmDir
					if cache == "cold" {
						dir = b.TempDir()
					}
					g.ResetRequests()
					cs, cmd := benchServe(b, g, dir)
					if _, err := cs.ListTools(context.Background(), nil); err != nil {
						b.Fatal(err)
					}
					kb, err := vmRSS(cmd.Process.Pid)
					if err != nil {
						b.Skip(err)
					}
					atList = max(atList, float64(kb)/1024)
					if kb, err := procStatus(cmd.Process.Pid, "RssAnon"); err == nil {
						anon = max(anon, float64(kb)/1024)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					if _, err := g.WaitRequests(ctx, gatetest.RouteSchema, n); err != nil {
						b.Fatal(err)
					}
					cancel()
					// The answer to the last schema request is being read:
					// give the process a moment to install the list.
					time.Sleep(100 * time.Millisecond)
					if kb, err = vmRSS(cmd.Process.Pid); err == nil {
						settled = max(settled, float64(kb)/1024)
					}
					closeServe(b, cs)
				}
				b.ReportMetric(atList, "rss-MB")
				// The heap and stacks; the rest is the binary's pages.
				b.ReportMetric(anon, "rss-anon-MB")
				b.ReportMetric(settled, "rss-settled-MB")
			})
		}
	}
}

// BenchmarkCallOverhead measures the latency serve adds to a tool call
// over calling the gate directly with the same client code, reported as
// medians (µs) of interleaved samples.
func BenchmarkCallOverhead(b *testing.B) {
	g := gatetest.StartUnix(b, gatetest.Options{Actions: fixtureActions()})
	cs, _ := benchServe(b, g, b.TempDir())
	defer closeServe(b, cs)
	direct, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	args := map[string]any{"url": "https://example.com"}
	rawArgs, _ := json.Marshal(args)
	for i := 0; i < 50; i++ { // warm both paths: lease, connections
		_, _ = direct.Execute(ctx, "http_fetch", rawArgs)
		_, _ = cs.CallTool(ctx, &mcp.CallToolParams{Name: "http_fetch", Arguments: args})
	}
	d := make([]time.Duration, 0, b.N)
	m := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := direct.Execute(ctx, "http_fetch", rawArgs); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "http_fetch", Arguments: args})
		if err != nil || res.IsError {
			b.Fatalf("call: %v", err)
		}
		t2 := time.Now()
		d, m = append(d, t1.Sub(t0)), append(m, t2.Sub(t1))
	}
	b.StopTimer()
	md, mm := median(d), median(m)
	b.ReportMetric(float64(md.Microseconds()), "direct-µs")
	b.ReportMetric(float64(mm.Microseconds()), "mcp-µs")
	b.ReportMetric(float64((mm - md).Microseconds()), "added-µs")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkConcurrentCalls sends 64 calls at once to actions the gate
// answers after 200 ms; the batch should take about 200 ms, not 64 times
// that. Reported as the batch time over the gate delay.
func BenchmarkConcurrentCalls(b *testing.B) {
	const delay = 200 * time.Millisecond
	g := gatetest.StartUnix(b, gatetest.Options{Actions: fixtureActions()})
	g.SetDefault("slow_task", gatetest.Outcome{Kind: gatetest.Executed, Delay: delay})
	cs, _ := benchServe(b, g, b.TempDir())
	defer closeServe(b, cs)
	ctx := context.Background()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "slow_task", Arguments: map[string]any{}}); err != nil {
		b.Fatal(err)
	}
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var wg sync.WaitGroup
		for j := 0; j < 64; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "slow_task", Arguments: map[string]any{}})
				if err != nil || res.IsError {
					b.Errorf("call: %v", err)
				}
			}()
		}
		wg.Wait()
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst)/float64(delay), "worst-batch/gate-delay")
}

func vmRSS(pid int) (int, error) { return procStatus(pid, "VmRSS") }

// procStatus returns a "kB" field of /proc/PID/status.
func procStatus(pid int, field string) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no %s for pid %d", field, pid)
}

// BenchmarkCacheLoad measures reading a cached catalogue of 1,000 tools,
// the whole of a warm start's work before the first tools/list.
func BenchmarkCacheLoad(b *testing.B) {
	c, err := gate.New(gate.Config{Socket: "/nonexistent/lg.sock", PublicBaseURL: "http://localhost:3000"})
	if err != nil {
		b.Fatal(err)
	}
	var entries []*toolEntry
	for _, a := range manyActions(1000) {
		e, err := buildEntry(gate.ActionSummary{ActionID: a.ID, Version: a.Version, RiskLevel: a.RiskLevel}, nil, a.RequestSchema, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		entries = append(entries, e)
	}
	tc := newToolCache(b.TempDir(), c, nil, nil)
	if err := tc.save(entries, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := tc.load()
		if err != nil || len(got) != 1000 {
			b.Fatalf("load: %d, %v", len(got), err)
		}
		var cat catalog
		cat.replace(got, time.Now(), true)
	}
}
