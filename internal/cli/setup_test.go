package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/prompter"
	"github.com/latchgate-ai/latchgate-mcp/internal/prompter/prompttest"
)

const testBinary = "/opt/lg/bin/latchgate-mcp"

// setupMachine is a fake machine for the wizard: a home, a git project
// to work in, and a short runtime directory where the default gate
// socket lives.
type setupMachine struct {
	t       *testing.T
	env     ides.Env
	runtime string
}

func newSetupMachine(t *testing.T) *setupMachine {
	t.Helper()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	proj := filepath.Join(root, "proj")
	for _, d := range []string{home, filepath.Join(proj, ".git")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rt, err := os.MkdirTemp("", "lg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(rt); err != nil {
			t.Errorf("remove the test directory: %v", err)
		}
	})
	env := ides.Env{
		GOOS: runtime.GOOS, Home: home, WorkDir: proj, ProjectRoot: proj, UID: os.Getuid(),
		Vars: map[string]string{
			"HOME": home, "PATH": filepath.Join(root, "empty-bin"), "XDG_RUNTIME_DIR": rt,
			"XDG_CONFIG_HOME": filepath.Join(home, ".config"), "LATCHGATE_MCP_STATE_DIR": filepath.Join(home, "state"),
		},
	}
	return &setupMachine{t: t, env: env, runtime: rt}
}

// mkdir makes an IDE's directory so detection finds it.
func (m *setupMachine) mkdir(rel string) {
	m.t.Helper()
	if err := os.MkdirAll(filepath.Join(m.env.Home, rel), 0o755); err != nil {
		m.t.Fatal(err)
	}
}

// defaultGate starts a test gate on the default socket path.
func (m *setupMachine) defaultGate(opts gatetest.Options) *gatetest.Gate {
	m.t.Helper()
	g, err := gatetest.New(opts)
	if err != nil {
		m.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(m.runtime, "latchgate"), 0o700); err != nil {
		m.t.Fatal(err)
	}
	if err := g.ListenUnix(filepath.Join(m.runtime, "latchgate", "gate.sock")); err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() {
		if err := g.Close(); err != nil {
			m.t.Errorf("close the test gate: %v", err)
		}
	})
	return g
}

func (m *setupMachine) read(path string) string {
	m.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		m.t.Fatalf("read %s: %v", path, err)
	}
	return string(data)
}

func (m *setupMachine) absent(path string) {
	m.t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		m.t.Errorf("%s exists (err %v); nothing should have been written", path, err)
	}
}

type setupRun struct {
	err            error
	stdout, stderr string
	checked        *setupChoice
}

// run runs the wizard with p answering.
func (m *setupMachine) run(p prompter.Prompter, mutate ...func(*setupOptions)) setupRun {
	m.t.Helper()
	io, _, stdout, stderr := iostreams.Test()
	var res setupRun
	opts := &setupOptions{
		IO: io, Env: m.env, Prompter: p, Name: "latchgate", BinaryPath: testBinary, Timeout: 5 * time.Second,
		Executable: func() (string, error) { return "", errors.New("the tests name the binary") },
		Check: func(_ context.Context, _ *setupOptions, c *setupChoice) error {
			res.checked = c
			return nil
		},
	}
	for _, f := range mutate {
		f(opts)
	}
	res.err = runSetup(context.Background(), opts)
	res.stdout, res.stderr = stdout.String(), stderr.String()
	return res
}

func defaults(want ...string) func(prompttest.Question) error {
	return func(q prompttest.Question) error {
		got, _ := q.Default.([]string)
		if !slices.Equal(got, want) {
			return fmt.Errorf("preselected %v, want %v", got, want)
		}
		return nil
	}
}

func optionValues(q prompttest.Question) []string {
	var vs []string
	for _, o := range q.Options {
		vs = append(vs, o.Value)
	}
	return vs
}

func options(want ...string) func(prompttest.Question) error {
	return func(q prompttest.Question) error {
		if got := optionValues(q); !slices.Equal(got, want) {
			return fmt.Errorf("options %v, want %v", got, want)
		}
		return nil
	}
}

// TestSetupDetectedIDEAndGate: Cursor is found and preselected, the gate
// on the default socket answers, the user accepts every proposal.
func TestSetupDetectedIDEAndGate(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	m.defaultGate(gatetest.Options{Actions: []gatetest.Action{{ID: "fs.read_file"}, {ID: "git.status"}}})
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "cursor").Check(defaults("cursor")).
		ExpectSelect("Where should Cursor", "user").Check(options("user", "project")).
		ExpectSelect("reach the gate", gateKeep).Check(options(gateKeep, gateURL, gateSocket)).
		ExpectConfirm("Write these changes to 1 file?", true)
	r := m.run(p)
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	if asked := fmt.Sprint(p.Asked()); !strings.Contains(asked, "Cursor  (found: ~/.cursor)") || !strings.Contains(asked, "Claude Code  (not found on this machine)") {
		t.Errorf("the IDE options do not say what was found: %s", asked)
	}
	scopes := p.Asked()[1].Options
	wantLabels := []string{
		"user: you, in every project (~/.cursor/mcp.json)",
		"project: everyone who works on " + m.env.ProjectRoot + " (.cursor/mcp.json, to commit)",
	}
	if len(scopes) != 2 || scopes[0].Label != wantLabels[0] || scopes[1].Label != wantLabels[1] {
		t.Errorf("scope options %+v, want labels %q", scopes, wantLabels)
	}
	for _, want := range []string{
		"Gate: Unix socket " + filepath.Join(m.runtime, "latchgate", "gate.sock"),
		"from defaults",
		"reachable: the gate answers and offers 2 actions (fs.read_file, git.status); a lease with a DPoP proof was accepted",
		"+++ b/~/.cursor/mcp.json",
		"created ~/.cursor/mcp.json",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	got := m.read(filepath.Join(m.env.Home, ".cursor", "mcp.json"))
	if !strings.Contains(got, `"command": "`+testBinary+`"`) || !strings.Contains(got, `"LATCHGATE_AGENT_ID": "cursor"`) {
		t.Errorf("~/.cursor/mcp.json:\n%s", got)
	}
	if diff := cmp.Diff("latchgate-mcp install --ide cursor --binary-path "+testBinary+"\n", r.stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if r.checked == nil || len(r.checked.Adapters) != 1 {
		t.Errorf("step 5 checked %+v, want Cursor", r.checked)
	}
}

// TestSetupNothingDetected: no IDE is found and the gate is down. The
// user still configures Claude Code for the project, approves it, and
// keeps the gate for later.
func TestSetupNothingDetected(t *testing.T) {
	m := newSetupMachine(t)
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "claude-code").Check(func(q prompttest.Question) error {
		if err := defaults()(q); err != nil {
			return err
		}
		if !strings.Contains(q.Description, "none was found") {
			return fmt.Errorf("description %q does not say none was found", q.Description)
		}
		return nil
	}).
		ExpectSelect("Where should Claude Code", "project").Check(options("user", "local", "project")).
		ExpectConfirm("Approve the latchgate server", true).
		ExpectSelect("reach the gate", gateRetry).Check(options(gateKeep, gateRetry, gateURL, gateSocket)).
		ExpectSelect("reach the gate", gateKeep).
		ExpectConfirm("Write these changes to 2 files?", true)
	r := m.run(p)
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{
		"None of the supported IDEs (" + strings.Join(adapterIDs(), ", ") + ") was found",
		"not reachable:",
		"hint: gate socket",
		`Use this gate anyway (start it later with "latchgate up")`,
	} {
		if !strings.Contains(r.stderr+fmt.Sprint(p.Asked()), want) {
			t.Errorf("output lacks %q:\n%s", want, r.stderr)
		}
	}
	if n := strings.Count(r.stderr, "not reachable:"); n != 2 {
		t.Errorf("the gate was tested %d times, want 2 (once more after \"test again\")", n)
	}
	mcp := m.read(filepath.Join(m.env.ProjectRoot, ".mcp.json"))
	if !strings.Contains(mcp, `"command": "`+testBinary+`"`) {
		t.Errorf(".mcp.json:\n%s", mcp)
	}
	if strings.Contains(mcp, "--gate-socket") {
		t.Errorf(".mcp.json names a per-user socket:\n%s", mcp)
	}
	settings := m.read(filepath.Join(m.env.Home, ".claude", "settings.json"))
	if !strings.Contains(settings, "enabledMcpjsonServers") {
		t.Errorf("the server was not approved:\n%s", settings)
	}
	want := "latchgate-mcp install --ide claude-code --scope project --approve --binary-path " + testBinary + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
}

// TestSetupCancel: giving up at any question writes nothing and prints
// no command line.
func TestSetupCancel(t *testing.T) {
	tests := []struct {
		name   string
		script func(*prompttest.Prompter)
	}{
		{"at the IDEs", func(p *prompttest.Prompter) { p.ExpectCancel("multiselect", "Which IDEs") }},
		{"at a scope", func(p *prompttest.Prompter) {
			p.ExpectMultiSelect("Which IDEs", "claude-code", "cursor").ExpectSelect("Claude Code", "user").ExpectCancel("select", "Cursor")
		}},
		{"at the approval", func(p *prompttest.Prompter) {
			p.ExpectMultiSelect("Which IDEs", "claude-code").ExpectSelect("Claude Code", "project").ExpectCancel("confirm", "Approve")
		}},
		{"at the gate", func(p *prompttest.Prompter) {
			p.ExpectMultiSelect("Which IDEs", "cursor").ExpectSelect("Cursor", "user").ExpectCancel("select", "reach the gate")
		}},
		{"typing a gate URL", func(p *prompttest.Prompter) {
			p.ExpectMultiSelect("Which IDEs", "cursor").ExpectSelect("Cursor", "user").ExpectSelect("reach the gate", gateURL).ExpectCancel("input", "Gate URL")
		}},
		{"at the diff (Ctrl-C)", func(p *prompttest.Prompter) {
			p.ExpectMultiSelect("Which IDEs", "cursor").ExpectSelect("Cursor", "user").ExpectSelect("reach the gate", gateKeep).ExpectCancel("confirm", "Write these changes")
		}},
		{"at the diff (no)", func(p *prompttest.Prompter) {
			p.ExpectMultiSelect("Which IDEs", "cursor").ExpectSelect("Cursor", "user").ExpectSelect("reach the gate", gateKeep).ExpectConfirm("Write these changes", false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newSetupMachine(t)
			m.mkdir(".cursor")
			p := prompttest.New(t)
			tt.script(p)
			r := m.run(p)
			if !errors.Is(r.err, ErrCancelled) {
				t.Fatalf("err = %v, want ErrCancelled", r.err)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if r.checked != nil {
				t.Errorf("step 5 ran after a cancel")
			}
			m.absent(filepath.Join(m.env.Home, ".cursor", "mcp.json"))
			m.absent(filepath.Join(m.env.Home, ".claude.json"))
			m.absent(filepath.Join(m.env.Home, ".claude", "settings.json"))
			m.absent(filepath.Join(m.env.ProjectRoot, ".mcp.json"))
			m.absent(filepath.Join(m.env.Home, "state"))
		})
	}
}

// TestSetupChangeGate: the detected gate is down; the user types the
// URL of one that runs, which is tested on the spot and written.
func TestSetupChangeGate(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	g := gatetest.StartTCP(t, gatetest.Options{Actions: []gatetest.Action{{ID: "fs.read_file"}}})
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "cursor").
		ExpectSelect("Cursor", "user").
		ExpectSelect("reach the gate", gateURL).
		ExpectInput("Gate URL", g.URL()).
		ExpectInput("Public base URL", g.URL()).
		ExpectSelect("reach the gate", gateKeep).Check(options(gateKeep, gateURL, gateSocket)).
		ExpectConfirm("Write these changes", true)
	r := m.run(p)
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{"not reachable:", "Gate: HTTP " + g.URL(), "from entered here", "offers 1 action (fs.read_file)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if got := m.read(filepath.Join(m.env.Home, ".cursor", "mcp.json")); !strings.Contains(got, `"--gate-url",`) || !strings.Contains(got, g.URL()) {
		t.Errorf("~/.cursor/mcp.json:\n%s", got)
	}
	want := "latchgate-mcp install --ide cursor --gate-url " + g.URL() + " --binary-path " + testBinary + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
}

// TestSetupWrongPublicBaseURL: the gate answers but refuses the lease,
// because the DPoP htu is built from another base URL; setup says so
// before anything is written.
func TestSetupWrongPublicBaseURL(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	m.defaultGate(gatetest.Options{PublicBaseURL: "http://gate.example:3000"})
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "cursor").
		ExpectSelect("Cursor", "user").
		ExpectCancel("select", "reach the gate").Check(options(gateKeep, gateRetry, gateURL, gateSocket))
	r := m.run(p)
	if !errors.Is(r.err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", r.err)
	}
	for _, want := range []string{"offers 0 actions", "but it refused a lease", "public base URL is probably not the gate's public_base_url"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestSetupMixedScopes: one plan for several IDEs in different scopes;
// VS Code and Insiders share the project file; the printed command lines
// (one per scope) make exactly the same files on a second machine.
func TestSetupMixedScopes(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	m.mkdir(".config/Code")
	m.defaultGate(gatetest.Options{})
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "claude-code", "cursor", "vscode", "vscode-insiders").Check(defaults("cursor", "vscode")).
		ExpectSelect("Claude Code", "user").
		ExpectSelect("Cursor", "project").
		ExpectSelect("Where should VS Code use", "project").
		ExpectSelect("VS Code Insiders", "project").
		ExpectSelect("reach the gate", gateKeep).
		ExpectConfirm("Write these changes to 3 files?", true)
	r := m.run(p)
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, "VS Code Insiders reads the same file as VS Code (") {
		t.Errorf("stderr does not explain the shared file:\n%s", r.stderr)
	}
	want := "latchgate-mcp install --ide claude-code --binary-path " + testBinary + "\n" +
		"latchgate-mcp install --ide cursor,vscode --scope project --binary-path " + testBinary + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Fatalf("stdout (-want +got):\n%s", diff)
	}
	files := []string{".claude.json", "proj/.cursor/mcp.json", "proj/.vscode/mcp.json"}
	path := func(env ides.Env, f string) string {
		if rest, ok := strings.CutPrefix(f, "proj/"); ok {
			return filepath.Join(env.ProjectRoot, rest)
		}
		return filepath.Join(env.Home, f)
	}

	// The same on a second machine, by the command lines alone.
	m2 := newSetupMachine(t)
	m2.env.Vars["XDG_RUNTIME_DIR"] = m.runtime // the same gate
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		args := strings.Fields(line)[1:]
		io, _, _, stderr := iostreams.Test()
		f := &Factory{IO: io, Env: func() (ides.Env, error) { return m2.env, nil }, Executable: os.Executable}
		root := newCmdRoot(f)
		root.SetArgs(args)
		root.SetOut(io.Out)
		root.SetErr(io.ErrOut)
		if err := root.Execute(); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, stderr)
		}
	}
	for _, f := range files {
		first, second := m.read(path(m.env, f)), m2.read(path(m2.env, f))
		// The user files hold the project path, which differs.
		second = strings.ReplaceAll(second, m2.env.ProjectRoot, m.env.ProjectRoot)
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("%s: setup vs its install lines (-setup +install):\n%s", f, diff)
		}
	}
}

// TestSetupUpToDate: a second run with the same answers changes nothing
// and does not ask to write.
func TestSetupUpToDate(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	m.defaultGate(gatetest.Options{})
	answers := func(p *prompttest.Prompter) *prompttest.Prompter {
		return p.ExpectMultiSelect("Which IDEs", "cursor").ExpectSelect("Cursor", "user").ExpectSelect("reach the gate", gateKeep)
	}
	if r := m.run(answers(prompttest.New(t)).ExpectConfirm("Write these changes", true)); r.err != nil {
		t.Fatalf("first setup: %v\n%s", r.err, r.stderr)
	}
	before := m.read(filepath.Join(m.env.Home, ".cursor", "mcp.json"))
	r := m.run(answers(prompttest.New(t)))
	if r.err != nil {
		t.Fatalf("second setup: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, "Everything is already set up this way") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	if r.checked == nil || r.stdout == "" {
		t.Errorf("an up-to-date setup still checks and prints its command line")
	}
	if after := m.read(filepath.Join(m.env.Home, ".cursor", "mcp.json")); after != before {
		t.Errorf("the file changed:\n%s", after)
	}
}

// TestSetupAccessible drives the wizard through huh's line-based mode
// with typed answers, as a screen reader user would.
func TestSetupAccessible(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	m.defaultGate(gatetest.Options{})
	input := strings.Join([]string{
		"0", // IDEs: keep the preselection (Cursor)
		"2", // Cursor: project
		"1", // gate: use this gate
		"y", // write
	}, "\n") + "\n"
	var stderr bytes.Buffer
	r := m.run(nil, func(o *setupOptions) {
		o.Prompter = prompter.NewHuh(strings.NewReader(input), &stderr, true)
	})
	if r.err != nil {
		t.Fatalf("setup: %v\n%s%s", r.err, r.stderr, stderr.String())
	}
	for _, want := range []string{"Which IDEs should use LatchGate?", "2. ✓ Cursor", "Where should Cursor use LatchGate?", "1. Use this gate", "Write these changes to 1 file? [Y/n]"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("prompts lack %q:\n%s", want, stderr.String())
		}
	}
	if got := m.read(filepath.Join(m.env.ProjectRoot, ".cursor", "mcp.json")); !strings.Contains(got, `"command": "`+testBinary+`"`) {
		t.Errorf(".cursor/mcp.json:\n%s", got)
	}
	if want := "latchgate-mcp install --ide cursor --scope project --binary-path " + testBinary + "\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}

// TestSetupAccessibleEndOfInput: input that ends before the last answer
// is a cancel, not a yes by default.
func TestSetupAccessibleEndOfInput(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	r := m.run(nil, func(o *setupOptions) {
		o.Prompter = prompter.NewHuh(strings.NewReader("0\n1\n1\n"), &bytes.Buffer{}, true)
	})
	if !errors.Is(r.err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", r.err)
	}
	m.absent(filepath.Join(m.env.Home, ".cursor", "mcp.json"))
}

// TestSetupNoTerminal: without a terminal setup asks nothing, exits 2
// and shows the install command for what it detected.
func TestSetupNoTerminal(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	m.mkdir(".config/Code")
	if err := os.MkdirAll(filepath.Join(m.env.ProjectRoot, ".latchgate"), 0o755); err != nil {
		t.Fatal(err)
	}
	toml := "listen_uds_path = \"/srv/latchgate/gate.sock\"\npublic_base_url = \"http://gate.internal:3000\"\n"
	if err := os.WriteFile(filepath.Join(m.env.ProjectRoot, ".latchgate", "latchgate.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	io, _, stdout, stderr := iostreams.Test()
	io.SetTTY(false, true, true)
	f := &Factory{IO: io, Env: func() (ides.Env, error) { return m.env, nil }, Executable: os.Executable}
	root := newCmdRoot(f)
	root.SetArgs([]string{"setup"})
	_, err := root.ExecuteC()
	if code := reportError(io, root, err); code != exitUsage {
		t.Errorf("exit code %d, want %d", code, exitUsage)
	}
	want := "latchgate-mcp install --ide cursor,vscode --gate-socket /srv/latchgate/gate.sock --public-base-url http://gate.internal:3000"
	if !strings.Contains(stderr.String(), "needs a terminal") || !strings.Contains(stderr.String(), "\n  "+want+"\n") {
		t.Errorf("stderr:\n%s\nwant the line %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q", stdout.String())
	}
}

func TestSetupFlags(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		accessible bool
		wantErr    string
	}{
		{"defaults", nil, nil, false, ""},
		{"--accessible", []string{"--accessible"}, nil, true, ""},
		{"ACCESSIBLE=1", nil, map[string]string{"ACCESSIBLE": "1"}, true, ""},
		{"ACCESSIBLE=0", nil, map[string]string{"ACCESSIBLE": "0"}, false, ""},
		{"bad name", []string{"--name", "a b"}, nil, false, `invalid --name "a b"`},
		{"argument", []string{"now"}, nil, false, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			io.SetTTY(true, true, true)
			env := ides.Env{GOOS: "linux", Home: t.TempDir(), Vars: tt.env}
			f := &Factory{IO: io, Env: func() (ides.Env, error) { return env, nil }}
			var got *setupOptions
			cmd := newCmdSetup(f, func(o *setupOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Out)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h, ok := got.Prompter.(*prompter.Huh)
			if !ok {
				t.Fatalf("prompter %T, want *prompter.Huh", got.Prompter)
			}
			if h.Accessible() != tt.accessible {
				t.Errorf("accessible = %v, want %v", h.Accessible(), tt.accessible)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":               "plain",
		"http://a:3000/x":     "http://a:3000/x",
		"/my dir/latchgate":   "'/my dir/latchgate'",
		"it's":                `'it'\''s'`,
		"":                    "''",
		"$HOME/bin/latchgate": "'$HOME/bin/latchgate'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestSetupProjectRefusesPersonalSocket: a project file is shared, so a
// gate socket only this user has is refused at the gate step, and the
// user can give another before seeing the diff.
func TestSetupProjectRefusesPersonalSocket(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	if err := os.MkdirAll(filepath.Join(m.env.ProjectRoot, ".latchgate"), 0o755); err != nil {
		t.Fatal(err)
	}
	personal := filepath.Join(m.runtime, "mine", "gate.sock")
	if err := os.WriteFile(filepath.Join(m.env.ProjectRoot, ".latchgate", "latchgate.toml"), []byte(fmt.Sprintf("listen_uds_path = %q\n", personal)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "cursor").
		ExpectSelect("Cursor", "project").
		ExpectSelect("reach the gate", gateKeep).
		ExpectSelect("reach the gate", gateSocket).
		ExpectInput("Gate socket path", "/srv/latchgate/gate.sock").Check(func(q prompttest.Question) error {
		if q.Default != personal {
			return fmt.Errorf("starts from %v, want the detected %s", q.Default, personal)
		}
		return nil
	}).
		ExpectInput("Public base URL", gatecfg.DefaultPublicBaseURL).
		ExpectSelect("reach the gate", gateKeep).
		ExpectConfirm("Write these changes to 1 file?", true)
	r := m.run(p)
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, "error: the gate socket "+personal+" is specific to you") || !strings.Contains(r.stderr, "hint: leave out --gate-socket") {
		t.Errorf("stderr does not refuse the personal socket:\n%s", r.stderr)
	}
	if got := m.read(filepath.Join(m.env.ProjectRoot, ".cursor", "mcp.json")); !strings.Contains(got, "/srv/latchgate/gate.sock") || strings.Contains(got, personal) {
		t.Errorf(".cursor/mcp.json:\n%s", got)
	}
	want := "latchgate-mcp install --ide cursor --scope project --gate-socket /srv/latchgate/gate.sock --binary-path " + testBinary + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
}

// TestSetupWhyNoQuestions: the refusal says why: no terminal on stdin or
// stderr, or prompts switched off on a terminal. stdout may be a file:
// it carries only the command line (setup > file).
func TestSetupWhyNoQuestions(t *testing.T) {
	tests := []struct {
		name                  string
		stdin, stdout, stderr bool
		noPrompt              bool
		want                  string
	}{
		{"stdin piped", false, true, true, false, "needs a terminal (stdin and stderr)"},
		{"stdout piped", true, false, true, false, ""},
		{"stderr redirected", true, true, false, false, "needs a terminal"},
		{"switched off", true, true, true, true, "questions are switched off here (LATCHGATE_MCP_NO_PROMPT or CI is set)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newSetupMachine(t)
			io, _, _, _ := iostreams.Test()
			io.SetTTY(tt.stdin, tt.stdout, tt.stderr)
			io.SetNoPrompt(tt.noPrompt)
			f := &Factory{IO: io, Env: func() (ides.Env, error) { return m.env, nil }}
			ran := false
			cmd := newCmdSetup(f, func(*setupOptions) error { ran = true; return nil })
			cmd.SetArgs(nil)
			err := cmd.Execute()
			if tt.want == "" {
				if err != nil || !ran {
					t.Fatalf("err = %v, ran = %v: want the wizard to run with stdout redirected", err, ran)
				}
				return
			}
			var fe *FlagError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a usage error saying %q", err, tt.want)
			}
			if ran {
				t.Error("the wizard ran")
			}
		})
	}
}

// TestSetupDoctorStep: step 5 runs the doctor checks on what was
// written; a gate kept while it is down is an error there, so setup exits
// 1, with the files written and the command line printed.
func TestSetupDoctorStep(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "cursor").
		ExpectSelect("Cursor", "user").
		ExpectSelect("reach the gate", gateKeep).
		ExpectConfirm("Write these changes", true)
	r := m.run(p, func(o *setupOptions) {
		o.Check = runDoctorStep
		o.Timeout = 2 * time.Second
	})
	if !errors.Is(r.err, ErrSilent) {
		t.Fatalf("err = %v, want ErrSilent (exit 1, already reported)\n%s", r.err, r.stderr)
	}
	for _, want := range []string{"Checking what was written", "Configuration\n", "Cursor user ~/.cursor/mcp.json", "Gate\n", "the checks above found problems"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "Claude Code") && strings.Contains(r.stderr, "~/.claude.json:") {
		t.Errorf("doctor checked an IDE that was not configured:\n%s", r.stderr)
	}
	m.read(filepath.Join(m.env.Home, ".cursor", "mcp.json"))
	if !strings.HasPrefix(r.stdout, "latchgate-mcp install --ide cursor") {
		t.Errorf("stdout = %q, want the install line", r.stdout)
	}
}

// TestSetupGateStartedMeanwhile: the gate is down; the user starts it
// and asks for another test, which now finds it.
func TestSetupGateStartedMeanwhile(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "cursor").
		ExpectSelect("Cursor", "user").
		ExpectSelect("reach the gate", gateRetry).Check(func(prompttest.Question) error {
		m.defaultGate(gatetest.Options{Actions: []gatetest.Action{{ID: "git.status"}}}) // "latchgate up" in another terminal
		return nil
	}).
		ExpectSelect("reach the gate", gateKeep).Check(options(gateKeep, gateURL, gateSocket)).
		ExpectConfirm("Write these changes", true)
	r := m.run(p)
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	first := strings.Index(r.stderr, "not reachable:")
	second := strings.Index(r.stderr, "reachable: the gate answers and offers 1 action (git.status)")
	if first < 0 || second < first {
		t.Errorf("want the failed test, then the successful one:\n%s", r.stderr)
	}
}

// TestSetupMalformedFile: a configuration file that does not parse stops
// the run at the plan, before the question to write; nothing is written
// and no command line is printed.
func TestSetupMalformedFile(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".cursor")
	m.defaultGate(gatetest.Options{})
	bad := filepath.Join(m.env.Home, ".cursor", "mcp.json")
	if err := os.WriteFile(bad, []byte("{\"mcpServers\": {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "cursor").
		ExpectSelect("Cursor", "user").
		ExpectSelect("reach the gate", gateKeep)
	r := m.run(p)
	var he *HintError
	if !errors.As(r.err, &he) || !strings.Contains(he.Hint, "nothing was written") {
		t.Fatalf("err = %v, want the parse error with its hint", r.err)
	}
	if got := m.read(bad); got != "{\"mcpServers\": {\n" {
		t.Errorf("the file changed: %q", got)
	}
	if r.stdout != "" || r.checked != nil {
		t.Errorf("stdout %q, checked %v: want neither after a failed plan", r.stdout, r.checked != nil)
	}
}

// TestSetupTemporaryBinary: under "go run" the binary sits in a temporary
// build directory. Setup says so before the first question and stops with
// the fix, or, with latchgate-mcp on PATH, offers that one.
func TestSetupTemporaryBinary(t *testing.T) {
	tmpExe := func() (string, error) { return filepath.Join(os.TempDir(), "go-build123", "exe", "latchgate-mcp"), nil }
	t.Run("nothing on PATH", func(t *testing.T) {
		m := newSetupMachine(t)
		r := m.run(prompttest.New(t), func(o *setupOptions) { o.BinaryPath, o.Executable = "", tmpExe })
		var he *HintError
		if !errors.As(r.err, &he) || !strings.Contains(r.err.Error(), "temporary build directory") || !strings.Contains(he.Hint, "go install") {
			t.Fatalf("err = %v, want the temporary-directory error with the install hint", r.err)
		}
		if strings.Contains(r.stderr, "Step 1") {
			t.Errorf("setup went on to the questions:\n%s", r.stderr)
		}
	})
	t.Run("the copy on PATH", func(t *testing.T) {
		m := newSetupMachine(t)
		bin := filepath.Join(filepath.Dir(m.env.Home), "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bin, "latchgate-mcp"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		m.env.Vars["PATH"] = bin
		m.mkdir(".cursor")
		p := prompttest.New(t).
			ExpectConfirm("Use ", true).
			ExpectMultiSelect("Which IDEs", "cursor").
			ExpectSelect("Where should Cursor", "user").
			ExpectSelect("reach the gate", gateKeep).
			ExpectConfirm("Write these changes", true)
		r := m.run(p, func(o *setupOptions) { o.BinaryPath, o.Executable = "", tmpExe })
		if r.err != nil {
			t.Fatalf("setup: %v\n%s", r.err, r.stderr)
		}
		if got := m.read(filepath.Join(m.env.Home, ".cursor", "mcp.json")); !strings.Contains(got, filepath.Join(bin, "latchgate-mcp")) {
			t.Errorf("the entry does not run the copy on PATH:\n%s", got)
		}
	})
}

// TestSetupApprovePerIDE: two IDEs with an approval at project scope,
// approved for one and not the other: each gets its own answer (the
// last answer used to win for both), and the command lines say the same.
func TestSetupApprovePerIDE(t *testing.T) {
	m := newSetupMachine(t)
	m.mkdir(".gemini")
	m.defaultGate(gatetest.Options{})
	p := prompttest.New(t).
		ExpectMultiSelect("Which IDEs", "claude-code", "gemini-cli").
		ExpectSelect("Claude Code", "project").
		ExpectConfirm("Approve the latchgate server in Claude Code", true).
		ExpectSelect("Gemini CLI", "project").
		ExpectConfirm("Approve the latchgate server in Gemini CLI", false).
		ExpectSelect("reach the gate", gateKeep).
		ExpectConfirm("Write these changes", true)
	r := m.run(p)
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	want := "latchgate-mcp install --ide gemini-cli --scope project --binary-path " + testBinary + "\n" +
		"latchgate-mcp install --ide claude-code --scope project --approve --binary-path " + testBinary + "\n"
	if diff := cmp.Diff(want, r.stdout); diff != "" {
		t.Fatalf("stdout (-want +got):\n%s", diff)
	}
	settings := m.read(filepath.Join(m.env.Home, ".claude", "settings.json"))
	if !strings.Contains(settings, `"enabledMcpjsonServers"`) || !strings.Contains(settings, `"latchgate"`) {
		t.Errorf("Claude Code's approval is not recorded:\n%s", settings)
	}
	if trusted, err := os.ReadFile(filepath.Join(m.env.Home, ".gemini", "trustedFolders.json")); err == nil &&
		strings.Contains(string(trusted), m.env.ProjectRoot) {
		t.Errorf("Gemini CLI trusts the project, though its approval was declined:\n%s", trusted)
	}
}
