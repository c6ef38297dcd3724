package gate_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// TestRedirectNotFollowed checks that a gate URL answering with a redirect
// to another origin (a hostile or misconfigured proxy) gets nothing: not
// the discovery request, not the lease request, not the DPoP proof, the
// session id or the tool arguments of an execute. The client refuses with
// an error that says why and is not mistaken for the gate being down.
func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(elsewhere.Close)
	g := gatetest.StartTCP(t, gatetest.Options{Actions: testActions})
	// The front answers discovery itself but redirects execute, after
	// the client holds a lease: the request that carries everything.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/execute") || r.URL.Path == "/v1/actions" {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path+"?u=a:b@c", http.StatusTemporaryRedirect)
			return
		}
		g.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	if err := g.SetPublicBaseURL(front.URL); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, gate.Config{URL: front.URL, SessionID: "sess-label"})
	ctx := context.Background()

	_, err := c.ListActions(ctx)
	checkRedirect(t, "list actions", err)
	_, err = c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"https://example.com/private"}`))
	checkRedirect(t, "execute", err)
	if n := stolen.Load(); n != 0 {
		t.Errorf("the other origin received %d requests", n)
	}
	if len(g.RequestsFor(gatetest.RouteLeases)) != 1 {
		t.Errorf("the execute did not get as far as a lease, so this test proves nothing")
	}
}

func checkRedirect(t *testing.T, what string, err error) {
	t.Helper()
	var re *gate.RedirectError
	if !errors.As(err, &re) || !re.OffOrigin || re.Status != http.StatusTemporaryRedirect {
		t.Fatalf("%s: err = %v, want an off-origin *RedirectError", what, err)
	}
	if gate.IsTransport(err) {
		t.Errorf("%s: a redirect counts as the gate being unreachable", what)
	}
	if !strings.Contains(err.Error(), "never follows a redirect off the gate's origin") || gate.Hint(err) == "" {
		t.Errorf("%s: message %q, hint %q", what, err, gate.Hint(err))
	}
	if strings.Contains(err.Error(), "a:b") {
		t.Errorf("%s: the redirect target's query is printed unredacted: %v", what, err)
	}
}

// TestTLSFilesMustBeRegular checks a TLS file that is a FIFO, a device, a
// directory or absurdly large is refused at once, instead of blocking
// "serve" forever (a FIFO) or filling memory (/dev/zero).
func TestTLSFilesMustBeRegular(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("FIFOs and /dev/zero are Unix")
	}
	dir := t.TempDir()
	_, certFile, keyFile := clientCert(t, dir)
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.pem")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.pem")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		files gate.TLSFiles
		want  string
	}{
		{"ca fifo", gate.TLSFiles{CA: fifo}, "it is a named pipe (FIFO), not a regular file"},
		{"ca /dev/zero", gate.TLSFiles{CA: zero}, "it is a character device, not a regular file"},
		{"ca directory", gate.TLSFiles{CA: dir}, "it is a directory, not a regular file"},
		{"ca huge", gate.TLSFiles{CA: huge}, "larger than the 4 MiB cap"},
		{"cert fifo", gate.TLSFiles{Cert: fifo, Key: keyFile}, "named pipe"},
		{"key /dev/zero", gate.TLSFiles{Cert: certFile, Key: zero}, "character device"},
	} {
		done := make(chan error, 1)
		go func() {
			_, err := tc.files.Load()
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Load still reading after 10s", tc.name)
		}
	}
}

// TestSessionIDChecked checks a session label that cannot be an HTTP
// header value is refused when the client is made: otherwise every call
// fails later as if the gate could not be reached.
func TestSessionIDChecked(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"a\r\nX-Injected: 1", "a\nb", "tab\there", "\x1b[2J", " lead", "trail ", "é", strings.Repeat("a", 257)} {
		_, err := gate.New(gate.Config{URL: "http://localhost:3000", SessionID: id})
		if err == nil || !strings.Contains(err.Error(), "check session id") {
			t.Errorf("session id %q: err = %v", id, err)
		}
	}
	for _, id := range []string{"01a222f3-e5fe-7264-b3c9-967a2fed15c1", "my session", "ci:job/42"} {
		if _, err := gate.New(gate.Config{URL: "http://localhost:3000", SessionID: id}); err != nil {
			t.Errorf("session id %q refused: %v", id, err)
		}
	}
}

// TestOutputCap checks an output over MaxOutputBytes is counted, not
// kept, in both places an output arrives (execute and receipt), and that
// the result still names the receipt; an output under the cap is kept
// exactly.
func TestOutputCap(t *testing.T) {
	t.Parallel()
	big := json.RawMessage(`{"data":"` + strings.Repeat("x", 3<<20) + `","n":1}`)
	small := json.RawMessage(`{"a":[1,2,{"b":"c\"}"}],"z":null}`)
	g := gatetest.StartUnix(t, gatetest.Options{Actions: testActions})
	c := newClient(t, gate.Config{Socket: g.SocketPath(), PublicBaseURL: g.PublicBaseURL(), MaxOutputBytes: 1 << 20})
	ctx := context.Background()

	g.Script("http_fetch", gatetest.Outcome{Kind: gatetest.Executed, Output: big}, gatetest.Outcome{Kind: gatetest.Executed, Output: small})
	res, err := c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !res.OutputTooLarge || res.Output != nil || res.OutputSize != int64(len(big)) || res.ReceiptID == "" || res.Decision != "executed" {
		t.Errorf("big output: too large %v, kept %d bytes, size %d (want %d), receipt %q, decision %q",
			res.OutputTooLarge, len(res.Output), res.OutputSize, len(big), res.ReceiptID, res.Decision)
	}
	rc, err := c.Receipt(ctx, res.ReceiptID)
	if err != nil {
		t.Fatal(err)
	}
	if !rc.OutputTooLarge || rc.ProviderReceipt != nil || rc.ReceiptID != res.ReceiptID {
		t.Errorf("big receipt: too large %v, kept %d bytes", rc.OutputTooLarge, len(rc.ProviderReceipt))
	}
	res, err = c.Execute(ctx, "http_fetch", json.RawMessage(`{"url":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.OutputTooLarge || string(res.Output) != string(small) {
		t.Errorf("small output: %s (too large %v)", res.Output, res.OutputTooLarge)
	}
}

// TestOutputCapMemory checks that reading a 30 MB output allocates a
// small, bounded amount, whatever its size: eight concurrent calls
// answered with 30 MB results used to take gigabytes. The answer comes
// from a minimal gate that streams it from one static chunk, so the
// allocations measured are the client's.
func TestOutputCapMemory(t *testing.T) {
	claims := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"sub":"t","exp":%d,"iat":%d}`, time.Now().Add(time.Hour).Unix(), time.Now().Unix())))
	chunk := []byte(strings.Repeat("y", 64<<10))
	const outputSize = 30 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch {
		case r.URL.Path == "/v1/leases":
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"lease_jwt":"e30.%s.c2ln","session_id":"s1"}`, claims)
		case strings.HasSuffix(r.URL.Path, "/execute"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"decision":"executed","trace_id":"t1","output":"`)
			for n := 0; n < outputSize; n += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			_, _ = io.WriteString(w, `","receipt_id":"r-after-output","verification":{"is_fully_successful":true}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, gate.Config{URL: srv.URL})
	ctx := context.Background()
	if _, err := c.Lease(ctx); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const calls = 8
	var wg sync.WaitGroup
	results := make([]*gate.ExecuteResult, calls)
	errs := make([]error, calls)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Execute(ctx, "http_fetch", json.RawMessage(`{}`))
		}()
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	for i := range calls {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		r := results[i]
		if !r.OutputTooLarge || r.OutputSize != outputSize+2 || r.ReceiptID != "r-after-output" || !r.FullySuccessful() {
			t.Fatalf("result %d: too large %v, size %d, receipt %q", i, r.OutputTooLarge, r.OutputSize, r.ReceiptID)
		}
	}
	// Client and test server share the process; the server writes from
	// one static chunk. Each call may grow a buffer to the 1 MiB cap
	// before it knows the output is larger; 8 calls × 30 MB read whole
	// would be at least 240 MB, and several copies of each.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("%d calls with %d MB outputs allocated %d MB", calls, outputSize>>20, alloc>>20)
	}
}
