package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests run the real command as a subprocess: the test binary
// re-executes itself with testgateMainEnv set and becomes testgate.
const testgateMainEnv = "GATETEST_RUN_TESTGATE_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(testgateMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *strings.Builder
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), testgateMainEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, lines: make(chan string, 16), stderr: &strings.Builder{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill() // it may have exited already
			_ = cmd.Wait()         // killed, so it reports that
		}
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	return p
}

func (p *proc) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatalf("testgate exited early; stderr:\n%s", p.stderr)
		}
		return l
	case <-time.After(30 * time.Second):
		t.Fatalf("no output from testgate; stderr:\n%s", p.stderr)
	}
	return ""
}

// interrupt sends SIGINT and waits (bounded) for a clean exit.
func (p *proc) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("testgate exit: %v; stderr:\n%s", err, p.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("testgate did not exit on SIGINT")
	}
}

func getJSON(t *testing.T, hc *http.Client, url string) map[string]any {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // the body is read; closing it has nothing to report
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(b, &m) != nil {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, b)
	}
	return m
}

func TestListenTCP(t *testing.T) {
	p := start(t, "--listen", "127.0.0.1:0", "--manifests", "../../testdata/manifests", "--hold", "http_fetch")
	first := p.line(t)
	url, ok := strings.CutPrefix(first, "listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line = %q", first)
	}
	if l := p.line(t); l != "public base url "+url {
		t.Errorf("second line = %q", l)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	if m := getJSON(t, hc, url+"/healthz"); m["status"] != "ok" {
		t.Errorf("healthz = %v", m)
	}
	actions := getJSON(t, hc, url+"/v1/actions")["actions"].([]any)
	if len(actions) != 4 {
		t.Errorf("actions = %v", actions)
	}
	p.interrupt(t)
	if !strings.Contains(p.stderr.String(), "GET /v1/actions -> 200") {
		t.Errorf("request log missing from stderr:\n%s", p.stderr)
	}
}

func TestListenUnix(t *testing.T) {
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	sock := filepath.Join(dir, "run", "gate.sock")
	p := start(t, "--socket", sock, "--public-base-url", "http://localhost:3000", "--quiet")
	if l := p.line(t); l != "listening on unix:"+sock {
		t.Fatalf("first line = %q", l)
	}
	if l := p.line(t); l != "public base url http://localhost:3000" {
		t.Errorf("second line = %q", l)
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	defer hc.CloseIdleConnections()
	if m := getJSON(t, hc, "http://localhost/v1/actions"); len(m["actions"].([]any)) != 0 {
		t.Errorf("actions = %v", m)
	}
	p.interrupt(t)
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after exit: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--listen", "127.0.0.1:0", "--approve-after", "1", "--deny-after", "1"},
		{"--no-such-flag"},
	} {
		p := start(t, args...)
		err := p.cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%v: exit %v, want 2; stderr:\n%s", args, err, p.stderr)
		}
	}
	p := start(t, "--listen", "127.0.0.1:0", "--manifests", "/no/such/dir")
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(p.stderr.String(), "read manifests") {
		t.Errorf("bad manifests: exit %v; stderr:\n%s", err, p.stderr)
	}
}

func TestAdminSocketAndCredentials(t *testing.T) {
	dir, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Error(err)
		}
	})
	sock, admin, creds := filepath.Join(dir, "gate.sock"), filepath.Join(dir, "gate-admin.sock"), filepath.Join(dir, "ops")
	run := func() string {
		p := start(t, "--socket", sock, "--admin-socket", admin, "--operator-credentials", creds, "--quiet")
		for _, want := range []string{"listening on unix:" + sock, "admin listening on unix:" + admin,
			"operator credential default in " + creds, "public base url http://localhost:3000"} {
			if l := p.line(t); l != want {
				t.Fatalf("line = %q, want %q", l, want)
			}
		}
		hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", admin)
			},
		}}
		defer hc.CloseIdleConnections()
		resp, err := hc.Get("http://localhost/v1/approvals")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close() // the body is read; closing it has nothing to report
		// A credential is configured, so the answer is "unauthorized",
		// not "operator_auth_not_configured".
		if resp.StatusCode != 401 || string(b) != `{"error":"unauthorized"}` {
			t.Errorf("GET /v1/approvals on the admin socket = %d %s", resp.StatusCode, b)
		}
		p.interrupt(t)
		tok, err := os.ReadFile(filepath.Join(creds, "operator.token"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"operator.pem", "operator.token"} {
			if fi, err := os.Stat(filepath.Join(creds, f)); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, %v", f, fi.Mode(), err)
			}
		}
		return string(tok)
	}
	first := run()
	if !strings.HasPrefix(first, "key-default-") {
		t.Errorf("token %q", first)
	}
	if second := run(); second != first {
		t.Errorf("a second run replaced the credential")
	}
	// Half a credential is refused.
	if err := os.Remove(filepath.Join(creds, "operator.token")); err != nil {
		t.Fatal(err)
	}
	p := start(t, "--socket", sock, "--admin-socket", admin, "--operator-credentials", creds)
	err = p.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(p.stderr.String(), "only one of") {
		t.Errorf("half a credential: %v; stderr:\n%s", err, p.stderr)
	}
	// The admin flags need a credential directory.
	p = start(t, "--socket", sock, "--admin-socket", admin)
	if err := p.cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("admin without credentials: %v", err)
	}
}
