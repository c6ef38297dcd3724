package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// runStdio serves input (then EOF) with a gate client pointing at a
// socket nobody listens on, and returns what was written to stdout.
func runStdio(t testing.TB, input string) []string {
	t.Helper()
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	c, err := gate.New(gate.Config{Socket: filepath.Join(dir, "none.sock"), PublicBaseURL: "http://localhost:3000"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv, err := New(Options{Client: c, ListWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- srv.Run(ctx, &StdioTransport{In: strings.NewReader(input), Out: &lockedWriter{w: &out}})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not end at EOF")
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

type lockedWriter struct {
	w io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) { return l.w.Write(p) }

func byID(t testing.TB, lines []string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("stdout line is not JSON: %q", l)
		}
		if m["jsonrpc"] != "2.0" {
			t.Fatalf("stdout line is not JSON-RPC 2.0: %q", l)
		}
		id, _ := json.Marshal(m["id"])
		out[string(id)] = m
	}
	return out
}

// intID matches an integer JSON-RPC id the SDK keeps as it is.
var intID = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})$`)

const initLine = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

func errCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return c
}

func TestStdioFraming(t *testing.T) {
	t.Parallel()
	input := strings.Join([]string{
		`{"jsonrpc":"2.0","id":"server-discover-probe-1","method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`,
		`not json`,
		``,
		`   `,
		`[{"jsonrpc":"2.0","id":9,"method":"ping"}]`,
		`{"jsonrpc":"1.0","id":"v1","method":"ping"}`,
		initLine,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","method":"notifications/unknown"}`,
		`{"jsonrpc":"2.0","id":"x","method":"foo/bar"}`,
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"latchgate://status"}}`,
	}, "\n") + "\n"
	lines := runStdio(t, input)
	got := byID(t, lines)
	if c := errCode(got[`"server-discover-probe-1"`]); c != -32601 {
		t.Errorf("server/discover: %v", got[`"server-discover-probe-1"`])
	}
	if c := errCode(got["null"]); c != -32700 && c != -32600 {
		t.Errorf("id null error: %v", got["null"])
	}
	if c := errCode(got[`"v1"`]); c != -32600 {
		t.Errorf("jsonrpc 1.0: %v", got[`"v1"`])
	}
	if c := errCode(got[`"x"`]); c != -32601 {
		t.Errorf("foo/bar: %v", got[`"x"`])
	}
	if got["0"]["result"] == nil {
		t.Errorf("initialize: %v", got["0"])
	}
	if got["1"]["result"] == nil {
		t.Errorf("ping: %v", got["1"])
	}
	// The gate is down and nothing is cached: tools/list says why.
	if c := errCode(got["2"]); c != -32603 {
		t.Errorf("tools/list: %v", got["2"])
	}
	if got["3"]["result"] == nil {
		t.Errorf("resources/read: %v", got["3"])
	}
	var parseErrors int
	for _, l := range lines {
		if strings.Contains(l, `"id":null`) {
			parseErrors++
		}
	}
	if parseErrors != 2 {
		t.Errorf("%d id-null errors, want 2 (bad JSON, batch): %v", parseErrors, lines)
	}
	if len(lines) != 9 {
		t.Errorf("%d lines written, want 9 (no answers to notifications):\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

func TestStdioLongLine(t *testing.T) {
	t.Parallel()
	input := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("a", MaxLineBytes) + `"}}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"ping"}` + "\n"
	got := byID(t, runStdio(t, input))
	if c := errCode(got["null"]); c != -32700 {
		t.Errorf("long line: %v", got["null"])
	}
	if got["2"]["result"] == nil {
		t.Errorf("ping after long line: %v", got["2"])
	}
}

// FuzzStdio feeds arbitrary input to the server: it must never crash or
// stop answering, stdout must carry only JSON-RPC, and a request too deep
// for the decoders must still be answered with its own id.
func FuzzStdio(f *testing.F) {
	for _, seed := range []string{
		initLine, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}`, "\x00\xff", `[]`, `{}`,
		`{"jsonrpc":"2.0","id":{},"method":"ping"}`, `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":true,"method":"ping"}`, `{"jsonrpc":"2.0","result":{},"id":7}`,
		`{"jsonrpc":"2.0","id":"a","method":"tools/call"}`, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`,
		`{"jsonrpc":"2.0","id":"d","method":"tools/call","params":{"arguments":` + strings.Repeat("[", 1500) + strings.Repeat("]", 1500) + `}}`,
		`{"jsonrpc":"2.0","id":"d","params":` + strings.Repeat(`{"a":`, 1200) + `1` + strings.Repeat("}", 1200) + `}`,
		`{"jsonrpc":"2.0","id":"l","method":"logging/setLevel","params":{"level":"debug"}}`, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":"e","method":"x","params":"\u001b[2J"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		input := initLine + "\n" + in + "\n" + `{"jsonrpc":"2.0","id":"last","method":"ping"}` + "\n"
		got := byID(t, runStdio(t, input))
		if got[`"last"`] == nil {
			t.Fatalf("no answer to the ping after %q", in)
		}
		if strings.ContainsAny(in, "\r\n") {
			return
		}
		// A request with a string or integer id gets an answer with that
		// id, however it is malformed or nested.
		top, ok := scanTopLevel([]byte(in))
		if !ok || !top.hasMethod {
			return
		}
		var key string
		var s string
		switch {
		case json.Unmarshal(top.id, &s) == nil:
			b, _ := json.Marshal(s)
			key = string(b)
		case intID.Match(top.id):
			key = string(top.id)
		default:
			return
		}
		if got[key] == nil {
			t.Fatalf("no answer with id %s to %q", key, in)
		}
	})
}
