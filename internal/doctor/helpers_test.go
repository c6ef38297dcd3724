package doctor_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/cli"
	"github.com/latchgate-ai/latchgate-mcp/internal/doctor"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// asCLI makes this test binary run the latchgate-mcp command line, so
// entries can name it and the handshake talks to the real serve.
const asCLI = "LATCHGATE_DOCTOR_TEST_AS_CLI"

// asOldServer makes this test binary an MCP server that ignores
// server/discover, as servers written before it do.
const asOldServer = "LATCHGATE_DOCTOR_TEST_IGNORE_DISCOVER"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		os.Exit(cli.Main(os.Args[1:], iostreams.System()))
	}
	if os.Getenv(asOldServer) == "1" {
		ignoreDiscover()
		os.Exit(0)
	}
	// The checks under test spend their time waiting on gates, timeouts
	// and subprocesses, not computing: unless -parallel was given, run
	// more tests at once than the default of one per CPU (as serve's do).
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		// The flag exists once testing is initialised: Set cannot fail.
		_ = flag.Set("test.parallel", strconv.Itoa(max(runtime.GOMAXPROCS(0), 8)))
	}
	os.Exit(m.Run())
}

// ignoreDiscover answers initialize and tools/list (one tool) on stdio,
// and nothing else.
func ignoreDiscover() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(sc.Bytes(), &req) != nil || req.ID == nil {
			continue
		}
		var result string
		switch req.Method {
		case "initialize":
			result = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"old","version":"0.1"}}`
		case "tools/list":
			result = `{"tools":[{"name":"t","inputSchema":{"type":"object"}}]}`
		default:
			continue
		}
		fmt.Printf(`{"jsonrpc":"2.0","id":%s,"result":%s}`+"\n", req.ID, result)
	}
}

// machine is a temporary home and project, with this test binary as
// latchgate-mcp.
type machine struct {
	env  ides.Env
	root string
	home string
	proj string
	bin  string // this test binary, which runs the CLI when asCLI is set
}

func newMachine(t testing.TB) *machine {
	t.Helper()
	root := t.TempDir()
	m := &machine{root: root, home: filepath.Join(root, "home"), proj: filepath.Join(root, "proj")}
	for _, d := range []string{m.home, filepath.Join(m.proj, ".git"), filepath.Join(root, "run")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m.bin = exe
	m.env = ides.Env{GOOS: "linux", Home: m.home, WorkDir: m.proj, ProjectRoot: m.proj, UID: os.Getuid(),
		Vars: map[string]string{"HOME": m.home, "PATH": os.Getenv("PATH"), "XDG_RUNTIME_DIR": filepath.Join(root, "run"),
			"XDG_CONFIG_HOME": filepath.Join(m.home, ".config")}}
	return m
}

func (m *machine) write(t testing.TB, rel, data string, mode os.FileMode) string {
	t.Helper()
	p := rel
	if !filepath.IsAbs(rel) {
		p = filepath.Join(m.home, rel)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// serverEntry is a stdio entry that runs this binary as "latchgate-mcp
// serve" with args.
func (m *machine) serverEntry(args ...string) map[string]any {
	return map[string]any{"type": "stdio", "command": m.bin, "args": append([]string{"serve"}, args...),
		"env": map[string]string{asCLI: "1", "LATCHGATE_AGENT_ID": "test"}}
}

// claudeUser writes ~/.claude.json with entry as the user-scope server.
func (m *machine) claudeUser(t testing.TB, entry any) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"mcpServers": map[string]any{"latchgate": entry}})
	if err != nil {
		t.Fatal(err)
	}
	m.write(t, ".claude.json", string(b), 0o600)
}

func (m *machine) options(ideIDs ...string) doctor.Options {
	return doctor.Options{Env: m.env, IDEs: ideIDs, Version: cli.Version(), Timeout: doctor.DefaultTimeout}
}

// startGate runs a reference gate with two actions over TCP.
func startGate(t testing.TB, opts gatetest.Options) (*gatetest.Gate, string) {
	t.Helper()
	if opts.Actions == nil {
		schema := json.RawMessage(`{"type":"object"}`)
		opts.Actions = []gatetest.Action{
			{ID: "http_fetch", Version: "1.0.0", RiskLevel: "low", RequestSchema: schema},
			{ID: "gmail_send", Version: "1.0.0", RiskLevel: "high", RequestSchema: schema},
		}
	}
	g, err := gatetest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close test gate: %v", err)
		}
	})
	u, err := g.ListenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.PublicBaseURL == "" {
		if err := g.SetPublicBaseURL(u); err != nil {
			t.Fatal(err)
		}
	}
	return g, u
}

// find returns the checks with id, failing the test when there is none.
func find(t testing.TB, rep *doctor.Report, id string) []doctor.Check {
	t.Helper()
	var out []doctor.Check
	for _, c := range rep.Checks {
		if c.ID == id {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s check in the report:\n%s", id, text(rep))
	}
	return out
}

func has(rep *doctor.Report, id string) bool {
	for _, c := range rep.Checks {
		if c.ID == id {
			return true
		}
	}
	return false
}

func text(rep *doctor.Report) string {
	var b strings.Builder
	_ = rep.WriteText(&b)
	return b.String()
}

// expect checks one check: its status and words in its message and hint.
func expect(t testing.TB, rep *doctor.Report, id string, status doctor.Status, message, hint string) doctor.Check {
	t.Helper()
	for _, c := range find(t, rep, id) {
		if c.Status == status && strings.Contains(c.Message, message) && strings.Contains(c.Hint, hint) {
			return c
		}
	}
	t.Fatalf("no %s check with status %s, message ~ %q, hint ~ %q in:\n%s", id, status, message, hint, text(rep))
	return doctor.Check{}
}
