package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// loopSchemas are request schemas whose $refs come back to where they
// started without descending into the arguments: validating against them
// recursed until the Go stack overflowed, which is fatal to the process.
var loopSchemas = map[string]string{
	"loop_self":   `{"type":"object","$ref":"#"}`,
	"loop_mutual": `{"type":"object","properties":{"x":{"$ref":"#/$defs/a"}},"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}}}`,
	"loop_allof":  `{"type":"object","allOf":[{"$ref":"#/$defs/a"}],"$defs":{"a":{"anyOf":[{"$ref":"#"}]}}}`,
}

// TestSchemaLoopSkipped checks an action whose request schema has a $ref
// loop is skipped with a warning while every other tool is still served,
// including one with a legitimate recursive schema (recursion through
// properties ends with the arguments).
func TestSchemaLoopSkipped(t *testing.T) {
	t.Parallel()
	actions := fixtureActions()
	for id, schema := range loopSchemas {
		actions = append(actions, gatetest.Action{ID: id, Version: "1", RiskLevel: "low", RequestSchema: json.RawMessage(schema)})
	}
	actions = append(actions, gatetest.Action{ID: "tree", Version: "1", RiskLevel: "low",
		RequestSchema: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#"}}},"additionalProperties":false}`)})
	var logs syncBuffer
	h := newHarness(t, harnessOpts{gate: gatetest.Options{Actions: actions}, server: Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tool := range res.Tools {
		names[tool.Name] = true
	}
	for id := range loopSchemas {
		if names[id] {
			t.Errorf("%s offered despite its $ref loop", id)
		}
		if !strings.Contains(logs.String(), "action_id="+id) || !strings.Contains(logs.String(), "loop") {
			t.Errorf("no warning for %s:\n%s", id, logs.String())
		}
		if te := toolErr(t, h.call(id, map[string]any{"x": 1})); te.Code != codeActionNotFound {
			t.Errorf("call to %s: %+v", id, te)
		}
	}
	if !names["tree"] || !names["http_fetch"] {
		t.Fatalf("tools = %v", names)
	}
	args := map[string]any{"name": "a", "kids": []any{map[string]any{"name": "b", "kids": []any{map[string]any{"name": "c"}}}}}
	if r := h.call("tree", args); r.IsError {
		t.Errorf("recursive schema: %s", text(r))
	}
	bad := map[string]any{"kids": []any{map[string]any{"oops": 1}}}
	if te := toolErr(t, h.call("tree", bad)); te.Code != codeSchemaValidation {
		t.Errorf("recursive schema, invalid arguments: %+v", te)
	}
}

func TestCheckSchema(t *testing.T) {
	t.Parallel()
	deep := `{"type":"object","properties":{"a":` + strings.Repeat(`{"type":"array","items":`, 70) + `{}` + strings.Repeat(`}`, 70) + `}}`
	for _, tc := range []struct {
		name, schema string
		err          string // substring; "" for none
		validate     bool
		clean        string // substring of the schema offered
	}{
		{name: "plain", schema: `{"type":"object","properties":{"a":{"type":"string"}}}`, validate: true},
		{name: "self loop", schema: loopSchemas["loop_self"], err: "$ref loop"},
		{name: "mutual loop", schema: loopSchemas["loop_mutual"], err: "$ref loop"},
		{name: "allOf loop", schema: loopSchemas["loop_allof"], err: "$ref loop"},
		{name: "not loop", schema: `{"type":"object","$defs":{"n":{"not":{"$ref":"#/$defs/n"}}},"properties":{"p":{"$ref":"#/$defs/n"}}}`, err: "$ref loop"},
		{name: "escaped pointer loop", schema: `{"type":"object","$defs":{"a/b":{"$ref":"#/$defs/a~1b"}},"properties":{"p":{"$ref":"#/$defs/a~1b"}}}`, err: "$ref loop"},
		{name: "recursion through properties", schema: `{"type":"object","properties":{"next":{"$ref":"#"}}}`, validate: true},
		{name: "remote ref", schema: `{"type":"object","properties":{"a":{"$ref":"https://example.com/s.json"}}}`},
		{name: "anchor ref", schema: `{"type":"object","properties":{"a":{"$ref":"#thing"}}}`},
		{name: "dangling ref", schema: `{"type":"object","properties":{"a":{"$ref":"#/$defs/none"}}}`},
		{name: "dynamic ref", schema: `{"type":"object","properties":{"a":{"$dynamicRef":"#node"}}}`},
		{name: "exponential", schema: expSchema(20)},
		{name: "too deep", schema: deep, err: "nests"},
		{name: "too large", schema: `{"type":"object","description":"` + strings.Repeat("x", MaxSchemaBytes) + `"}`, err: "KiB cap"},
		{name: "not object", schema: `{"type":"string"}`, err: "not an object schema"},
		{name: "no type", schema: `{"properties":{}}`, err: "type missing"},
		{name: "array", schema: `[]`, err: "not a JSON object"},
		{name: "escape in description", schema: `{"type":"object","properties":{"a":{"type":"string","description":"red \u001b[31mtext\u001b[0m\nnext\tline"}}}`,
			validate: true, clean: `"red  [31mtext [0m\nnext\tline"`},
		{name: "C1 in title", schema: "{\"type\":\"object\",\"title\":\"a\u009bb\"}", validate: true, clean: `"title":"a b"`},
		{name: "escape in enum", schema: `{"type":"object","properties":{"a":{"enum":["\u001b"]}}}`, err: "control character"},
		{name: "escape in property name", schema: `{"type":"object","properties":{"\u0007":{}}}`, err: "property name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info, err := checkSchema(json.RawMessage(tc.schema))
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if info.validate != tc.validate {
				t.Errorf("validate = %v, want %v", info.validate, tc.validate)
			}
			if tc.clean != "" && !strings.Contains(string(info.raw), tc.clean) {
				t.Errorf("schema offered = %s, want it to contain %s", info.raw, tc.clean)
			}
			if strings.ContainsAny(string(info.raw), "\x1b\x07") {
				t.Errorf("control character in the schema offered: %q", info.raw)
			}
		})
	}
}

// expSchema builds a schema whose anyOf chain doubles at each level: n
// levels apply 2^n subschemas at one place in the arguments.
func expSchema(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{"p":{"$ref":"#/$defs/d0"}},"$defs":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		next := `{"type":"string"}`
		if i+1 < n {
			next = `{"$ref":"#/$defs/d` + strconv.Itoa(i+1) + `"}`
		}
		b.WriteString(`"d` + strconv.Itoa(i) + `":{"anyOf":[` + next + `,` + next + `]}`)
	}
	b.WriteString(`}}`)
	return b.String()
}

// TestToolTextCleanedAndCapped checks what the gate puts in tool
// descriptions (version, risk, database statements) reaches the client
// without control characters and under the size cap, and control
// characters in schema descriptions are removed too.
func TestToolTextCleanedAndCapped(t *testing.T) {
	t.Parallel()
	stmts := make([]map[string]any, 2000) // far past the cap
	for i := range stmts {
		stmts[i] = map[string]any{"id": "s\x1b]52;c;ZXZpbA==\x07" + strconv.Itoa(i), "operation": "select\x1b[2J", "tables": []string{"t\r\n"}, "param_count": 2}
	}
	detail, _ := json.Marshal(map[string]any{"action_id": "db_query", "version": "1", "risk_level": "low",
		"io":       map[string]any{"has_request_schema": true},
		"database": map[string]any{"mode": "strict\x1b[31m", "statements": stmts}})
	g := gatetest.StartUnix(t, gatetest.Options{Actions: []gatetest.Action{{ID: "db_query", Version: "1.0\x1b[2J", RiskLevel: "low",
		RequestSchema: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string","description":"\u001b[2Jwipe"}}}`)}}})
	g.Inject(gatetest.RouteAction, gatetest.Fault{Kind: gatetest.Respond, Status: 200, Body: string(detail), Count: 1})
	h := newHarnessFor(t, g, Options{ListWait: time.Minute}) // the detail is large; the race detector is slow
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var db *mcp.Tool
	for _, tool := range res.Tools {
		if tool.Name == "db_query" {
			db = tool
		}
	}
	if db == nil {
		t.Fatalf("db_query not offered: %v", res.Tools)
	}
	if len(db.Description) > MaxDescriptionBytes || !strings.HasSuffix(db.Description, "…") || !strings.Contains(db.Description, "Available statements:") {
		t.Errorf("description is %d bytes (cap %d), ends %q", len(db.Description), MaxDescriptionBytes, db.Description[max(0, len(db.Description)-20):])
	}
	all, _ := json.Marshal(res.Tools)
	var back []map[string]any
	if err := json.Unmarshal(all, &back); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			for _, r := range x {
				if isStrippedControl(r) {
					t.Errorf("control character %U in %q", r, x[:min(len(x), 80)])
					return
				}
			}
		case map[string]any:
			for k, c := range x {
				walk(k)
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(back)
}

// TestOutputTooLarge checks an output over the cap becomes a tool error
// the model can read: the action ran, where its output is, not to run it
// again; memory stays bounded because the output is never held (see the
// gate package's TestOutputCapMemory).
func TestOutputTooLarge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOpts{})
	big := json.RawMessage(`"` + strings.Repeat("z", 2<<20) + `"`)
	h.gate.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Executed, Output: big})
	r := h.call("http_fetch", map[string]any{"url": "u"})
	te := toolErr(t, r)
	if te.Code != codeOutputTooLarge || te.ReceiptID == "" || !strings.Contains(te.Message, te.ReceiptID) ||
		!strings.Contains(te.Message, "2.0 MiB") || !strings.Contains(te.Message, "Do not run the action again") {
		t.Errorf("error = %+v", te)
	}
	if n := len(text(r)); n > 4<<10 {
		t.Errorf("the error result is %d bytes", n)
	}
	// An approved hold reads the output from the receipt: capped too.
	h.gate.Script("gmail_send", gatetest.Outcome{Kind: gatetest.Held, Output: big})
	h.gate.SetApproveAfter(1, true)
	if te := toolErr(t, h.call("gmail_send", map[string]any{})); te.Code != codeOutputTooLarge || te.ApprovalID == "" || te.ReceiptID == "" {
		t.Errorf("approved hold with a large output: %+v", te)
	}
}

// TestDeepArgumentsAnsweredWithID checks a request nested deeper than the
// JSON decoders allow still gets an answer with its own id: an answer with
// id null leaves the client waiting for ever.
func TestDeepArgumentsAnsweredWithID(t *testing.T) {
	t.Parallel()
	call := func(id string, depth int) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"x","arguments":{"a":` +
			strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}}`
	}
	input := strings.Join([]string{initLine, call(`"deep-2k"`, 2000), call(`7`, 10000), call(`"deep-100k"`, 100000),
		`{"jsonrpc":"2.0","method":"notifications/x","params":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
		`{"jsonrpc":"2.0","id":"truncated","params":` + strings.Repeat("[", 20000),
		`{"jsonrpc":"2.0","id":"after","method":"ping"}`}, "\n") + "\n"
	lines := runStdio(t, input)
	got := byID(t, lines)
	for _, id := range []string{`"deep-2k"`, `7`, `"deep-100k"`} {
		if errCode(got[id]) != -32600 {
			t.Errorf("request %s: %v", id, got[id])
		}
	}
	if got["null"] == nil || errCode(got["null"]) != -32700 {
		t.Errorf("truncated line: %v", got["null"])
	}
	if got[`"after"`]["result"] == nil {
		t.Errorf("ping after: %v", got[`"after"`])
	}
	if len(lines) != 6 {
		t.Errorf("%d lines, want 6 (the notification is not answered):\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

// TestNoListChangedBeforeInitialize is issue 10's: a discovery that ends
// before the client has sent initialize must not send
// notifications/tools/list_changed to it (the SDK notifies a session that
// has not initialized).
func TestNoListChangedBeforeInitialize(t *testing.T) {
	t.Parallel()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	c, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	srv, err := New(Options{Client: c, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, &StdioTransport{In: inR, Out: outW}) }()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case <-srv.firstDone:
	case <-ctx.Done():
		t.Fatal("the first discovery did not end")
	}
	// The SDK sends list_changed 10 ms after a change; nothing may come.
	select {
	case l := <-lines:
		t.Fatalf("written before initialize: %s", l)
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := io.WriteString(inW, initLine+"\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-lines:
		if !strings.Contains(l, `"id":0`) {
			t.Errorf("first line after initialize: %s", l)
		}
	case <-ctx.Done():
		t.Fatal("no answer to initialize")
	}
	_ = inW.Close() // an io.Pipe's Close always returns nil
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_ = outW.Close() // an io.Pipe's Close always returns nil
}

// TestNoOutageWarningAtShutdown is issue 10's: a discovery cut short by a
// normal shutdown (the context ends) is not a gate outage and must not be
// logged as one.
func TestNoOutageWarningAtShutdown(t *testing.T) {
	t.Parallel()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	g.Inject(gatetest.RouteActions, gatetest.Fault{Kind: gatetest.Stall, Duration: 30 * time.Second})
	c, err := gate.New(gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var logs syncBuffer
	srv, err := New(Options{Client: c, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	t.Cleanup(func() { _ = inW.Close() }) // an io.Pipe's Close always returns nil
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, &StdioTransport{In: inR, Out: io.Discard}) }()
	// Shut down while the first discovery waits on the stalled gate (or
	// before it has started: either way it ends by cancellation).
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-wctx.Done():
		t.Fatal("Run did not return after the context ended")
	}
	// Run returns after the refresh loop; a late warning would still be
	// a bug, so look for a moment.
	waitGone := time.Now().Add(time.Second)
	for time.Now().Before(waitGone) {
		if strings.Contains(logs.String(), "unreachable") || strings.Contains(logs.String(), "level=WARN") {
			t.Fatalf("warning at a normal shutdown:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedirectRefusedByServe checks a gate URL that redirects a call
// elsewhere gets a tool error saying so, the other origin gets nothing,
// and the gate is not marked down.
func TestRedirectRefusedByServe(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	t.Cleanup(elsewhere.Close)
	g, err := gatetest.New(gatetest.Options{Actions: fixtureActions()})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/execute") {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		g.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	if err := g.SetPublicBaseURL(front.URL); err != nil {
		t.Fatal(err)
	}
	c, err := gate.New(gate.Config{URL: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	srv, err := New(Options{Client: c, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.Start(ctx)
	srv.waitFirst(ctx)
	res := srv.call(ctx, "http_fetch", &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "http_fetch", Arguments: json.RawMessage(`{"url":"u"}`)}})
	te := toolErr(t, res)
	if te.Code != codeGateUnavailable || !strings.Contains(te.Message, "redirect") || !strings.Contains(te.Message, "did not run") {
		t.Errorf("error = %+v", te)
	}
	if stolen.Load() != 0 {
		t.Errorf("the other origin received %d requests", stolen.Load())
	}
	if !srv.health.state().Healthy {
		t.Error("a redirect marked the gate down")
	}
}

// TestStalledDetailsOneDiscovery: with a gate that stalls on action
// details and no cached list, the first tools/list waits for one
// discovery, bounded as a whole, and answers with every action (those
// without details offered permissively); it never waits for a second
// discovery.
func TestStalledDetailsOneDiscovery(t *testing.T) {
	t.Parallel()
	g := gatetest.StartUnix(t, gatetest.Options{Actions: fixtureActions()})
	g.Inject(gatetest.RouteAction, gatetest.Fault{Kind: gatetest.Stall, Duration: 30 * time.Second})
	h := newHarnessFor(t, g, Options{ListWait: time.Second})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.RequestsFor(gatetest.RouteActions)); n != 1 {
		t.Errorf("tools/list waited for %d discoveries, want 1", n)
	}
	names := map[string]bool{}
	for _, tool := range res.Tools {
		names[tool.Name] = true
	}
	if !names["http_fetch"] || !names["gmail_send"] || !names["fs_delete"] || !names["slow_task"] || !names["string_schema"] {
		t.Errorf("tools = %v, want every action with a valid name, offered permissively", names)
	}
	if e, ok := h.srv.cat.lookup("http_fetch"); !ok || !e.partial {
		t.Errorf("http_fetch should be marked partial until a refresh fills it in")
	}
}

// TestFailedStdoutWriteEndsSession: when stdout fails (the client closed
// it), the session ends instead of reading on and answering into the
// void.
func TestFailedStdoutWriteEndsSession(t *testing.T) {
	t.Parallel()
	c, err := gate.New(gate.Config{Socket: "/nonexistent/lg.sock", PublicBaseURL: "http://localhost:3000"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	srv, err := New(Options{Client: c, ListWait: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	t.Cleanup(func() { _ = inW.Close() }) // an io.Pipe's Close always returns nil
	done := make(chan error, 1)
	go func() { done <- srv.Run(context.Background(), &StdioTransport{In: inR, Out: failWriter{}}) }()
	go func() { _, _ = io.WriteString(inW, "not json\n") }()
	select {
	case err := <-done:
		_ = err // how the session ended is not the point: that it ended is
	case <-time.After(10 * time.Second):
		t.Fatal("the session went on after stdout failed")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestPartialRefreshKeepsKnownTools: a background refresh that runs out
// of time keeps the tools it already knew as they were, instead of
// offering them permissively (and telling clients the list changed).
func TestPartialRefreshKeepsKnownTools(t *testing.T) {
	t.Parallel()
	// The budget must let the first discovery finish (it is the
	// baseline) even under the race detector on a loaded machine.
	h := newHarness(t, harnessOpts{server: Options{RefreshInterval: 50 * time.Millisecond, ListWait: 3 * time.Second}, start: startBeforeSession})
	if h.srv.partialRefresh() {
		t.Fatal("the first discovery ran out of time; the test needs a complete one to start from")
	}
	h.gate.Inject(gatetest.RouteAction, gatetest.Fault{Kind: gatetest.Stall, Duration: 30 * time.Second})
	waitFor(t, 20*time.Second, "a refresh that ran out of time", h.srv.partialRefresh)
	e, ok := h.srv.cat.lookup("http_fetch")
	if !ok || e.partial || e.schemaRaw == nil {
		t.Fatalf("http_fetch after a partial refresh: %+v", e)
	}
	if err := h.cs.Ping(h.ctx, nil); err != nil { // notifications sent so far have arrived
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.changed != 0 {
		t.Errorf("%d list_changed notifications for a list that did not change", h.changed)
	}
}

// TestLocalToolNameNotTaken: a gate action named like one of serve's own
// tools is not offered: the name is taken, and a list with one name twice
// confuses clients.
func TestLocalToolNameNotTaken(t *testing.T) {
	t.Parallel()
	actions := append(fixtureActions(), gatetest.Action{ID: myPendingName, Version: "1", RiskLevel: "low"})
	h := newHarness(t, harnessOpts{gate: gatetest.Options{Actions: actions}})
	res, err := h.cs.ListTools(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tool := range res.Tools {
		if tool.Name == myPendingName {
			n++
			if !strings.HasPrefix(tool.Description, "List your own pending approvals") {
				t.Errorf("%s is the gate's: %q", myPendingName, tool.Description)
			}
		}
	}
	if n != 1 {
		t.Errorf("%s listed %d times", myPendingName, n)
	}
}
