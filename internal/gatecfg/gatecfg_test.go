package gatecfg

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func testEnv(t *testing.T) (ides.Env, string) {
	t.Helper()
	// Short: socket paths are limited to about 104 bytes.
	root, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(root); err != nil {
			t.Error(err)
		}
	})
	proj := filepath.Join(root, "proj")
	sub := filepath.Join(proj, "sub")
	must(t, os.MkdirAll(sub, 0o755))
	return ides.Env{GOOS: "linux", Home: root, WorkDir: sub, ProjectRoot: proj, UID: 1000,
		Vars: map[string]string{"XDG_RUNTIME_DIR": filepath.Join(root, "run")}}, root
}

func write(t *testing.T, path, text string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDetectOrder(t *testing.T) {
	env, root := testEnv(t)
	def := filepath.Join(root, "run", "latchgate", "gate.sock")

	// Nothing configured: the defaults, said so.
	got, err := Detect(env)
	if err != nil {
		t.Fatal(err)
	}
	if got.Socket != def || !got.DefaultSocket || got.PublicBaseURL != DefaultPublicBaseURL || !strings.HasPrefix(got.Source, "defaults") {
		t.Errorf("defaults: %+v", got)
	}

	// The project root's latchgate.toml (cwd is a subdirectory).
	write(t, filepath.Join(env.ProjectRoot, ".latchgate", "latchgate.toml"),
		"public_base_url = \"http://gate.test:3000/\"\nlisten_uds_path = \"run/g.sock\"\n")
	got, _ = Detect(env)
	want := Transport{Socket: filepath.Join(env.ProjectRoot, ".latchgate", "run", "g.sock"), PublicBaseURL: "http://gate.test:3000",
		Source: "~/proj/.latchgate/latchgate.toml"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("project root config (-want +got):\n%s", d)
	}

	// One in the current directory wins over the project root's.
	write(t, filepath.Join(env.WorkDir, ".latchgate", "latchgate.toml"), "listen_http_addr = \"127.0.0.1:3000\"\nunsafe_expose_http = true\n")
	got, _ = Detect(env)
	if got.Source != "~/proj/sub/.latchgate/latchgate.toml" || got.Socket != def || got.HTTPAddr != "127.0.0.1:3000" || got.IsHTTP() {
		t.Errorf("cwd config: %+v", got)
	}

	// A latchgate-up session file whose socket is not there is stale.
	session := filepath.Join(root, "run", "latchgate", "latchgate-up", "latchgate-up.toml")
	sock := filepath.Join(root, "up.sock")
	write(t, session, "listen_uds_path = \""+sock+"\"\npublic_base_url = \"http://localhost:4000\"\n")
	got, _ = Detect(env)
	if strings.Contains(got.Source, "latchgate-up") {
		t.Errorf("a stale session file was used: %+v", got)
	}

	// With its socket live, the running latchgate up wins.
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { must(t, l.Close()) }()
	got, _ = Detect(env)
	if got.Socket != sock || got.PublicBaseURL != "http://localhost:4000" || !strings.HasSuffix(got.Source, "latchgate-up.toml") {
		t.Errorf("running latchgate up: %+v", got)
	}
}

func TestDetectBadConfig(t *testing.T) {
	env, _ := testEnv(t)
	write(t, filepath.Join(env.WorkDir, ".latchgate", "latchgate.toml"), "public_base_url = = 1\n")
	if _, err := Detect(env); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("err = %v, want a parse error with its line", err)
	}
	write(t, filepath.Join(env.WorkDir, ".latchgate", "latchgate.toml"), "public_base_url = \"ftp://x\"\n")
	if _, err := Detect(env); err == nil || !strings.Contains(err.Error(), "public_base_url") {
		t.Errorf("err = %v, want a public_base_url error", err)
	}
}

func TestResolveFlags(t *testing.T) {
	env, root := testEnv(t)
	tests := []struct {
		name  string
		flags Flags
		want  Transport
		err   string
	}{
		{"http", Flags{GateURL: "http://127.0.0.1:8787/"}, Transport{GateURL: "http://127.0.0.1:8787", PublicBaseURL: "http://127.0.0.1:8787", Source: "command-line flags"}, ""},
		{"http with public url", Flags{GateURL: "http://127.0.0.1:3000", PublicBaseURL: "http://localhost:3000"},
			Transport{GateURL: "http://127.0.0.1:3000", PublicBaseURL: "http://localhost:3000", Source: "command-line flags"}, ""},
		{"socket", Flags{Socket: "/srv/gate.sock", PublicBaseURL: "http://gate:3000"}, Transport{Socket: "/srv/gate.sock", PublicBaseURL: "http://gate:3000", Source: "command-line flags"}, ""},
		{"default socket named", Flags{Socket: filepath.Join(root, "run", "latchgate", "gate.sock")},
			Transport{Socket: filepath.Join(root, "run", "latchgate", "gate.sock"), PublicBaseURL: DefaultPublicBaseURL, DefaultSocket: true,
				Source: "command-line flags (public base URL: the gate's default http://localhost:3000)"}, ""},
		{"both", Flags{GateURL: "http://a", Socket: "/s"}, Transport{}, "mutually exclusive"},
		{"bad url", Flags{GateURL: "localhost:3000"}, Transport{}, "invalid --gate-url"},
		{"bad public url", Flags{Socket: "/s", PublicBaseURL: "nope"}, Transport{}, "invalid --public-base-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(env, tt.flags)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	sock := Transport{Socket: "/run/user/1000/latchgate/gate.sock", PublicBaseURL: "http://localhost:3000", DefaultSocket: true}
	if d := cmp.Diff([]string{"serve", "--gate-socket", sock.Socket, "--public-base-url", "http://localhost:3000"}, sock.Args(false)); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff([]string{"serve", "--public-base-url", "http://localhost:3000"}, sock.Args(true)); d != "" {
		t.Errorf("portable entry keeps the per-user default socket:\n%s", d)
	}
	http := Transport{GateURL: "http://127.0.0.1:3000", PublicBaseURL: "http://localhost:3000"}
	if d := cmp.Diff([]string{"serve", "--gate-url", "http://127.0.0.1:3000", "--public-base-url", "http://localhost:3000"}, http.Args(true)); d != "" {
		t.Error(d)
	}
}

// TestDetectRefusesSpecialFiles: a latchgate.toml that is a FIFO, a link
// to /dev/zero, a directory or a huge file is an error naming it, and
// never blocks or eats memory.
func TestDetectRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		make func(path string) error
		want string
	}{
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "named pipe (FIFO), not a regular file"},
		{"device", func(p string) error { return os.Symlink("/dev/zero", p) }, "character device, not a regular file"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, "directory, not a regular file"},
		{"huge", func(p string) error { return os.WriteFile(p, make([]byte, 2<<20), 0o644) }, "larger than the 1 MiB cap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, _ := testEnv(t)
			p := filepath.Join(env.WorkDir, ".latchgate", "latchgate.toml")
			must(t, os.MkdirAll(filepath.Dir(p), 0o755))
			if err := tt.make(p); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := Detect(env); done <- err }()
			select {
			case err := <-done:
				want := "read ~/proj/sub/.latchgate/latchgate.toml: it is a " + tt.want
				if tt.name == "huge" {
					want = "read ~/proj/sub/.latchgate/latchgate.toml: it is " + tt.want
				}
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("err = %v, want %q", err, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Detect blocked on the file")
			}
		})
	}
}

// must stops the test when a setup step fails, so that it never goes on
// to check the wrong thing.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
