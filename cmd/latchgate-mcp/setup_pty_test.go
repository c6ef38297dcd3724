//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/ides/all"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// Keys as a terminal sends them.
const (
	keyDown  = "\x1b[B"
	keyEnter = "\r"
	keySpace = " "
	keyCtrlC = "\x03"
)

// terminal is the screen side of a pseudo-terminal: everything the
// program writes, read as it comes.
type terminal struct {
	t    *testing.T
	ptmx *os.File
	tty  *os.File // the program's side, kept open to read its modes
	mu   sync.Mutex
	out  []byte
	more chan struct{} // closed and replaced whenever output arrives
	done chan struct{} // closed when the program's side is gone
}

func newTerminal(t *testing.T, ptmx, tty *os.File) *terminal {
	term := &terminal{t: t, ptmx: ptmx, tty: tty, more: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.out = append(term.out, buf[:n]...)
			close(term.more)
			term.more = make(chan struct{})
			term.mu.Unlock()
			if err != nil {
				return // EIO once the program and its children have exited
			}
		}
	}()
	return term
}

// ansi matches the escape sequences a TUI writes: CSI (cursor, colour,
// modes), OSC (titles, colour queries), DCS and the two-byte ones.
var ansi = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-Z\\-_]|\x1b[()#][0-9A-Za-z]`)

// flat is s as the eye reads it, without escape sequences or any white
// space: the renderer may move the cursor over spaces instead of writing
// them, so words are matched letter by letter.
func flat(s string) string {
	s = ansi.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// screen returns the output so far, for failure messages.
func (term *terminal) screen() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	s := ansi.ReplaceAllString(string(term.out), "")
	if len(s) > 3000 {
		s = "…" + s[len(s)-3000:]
	}
	return s
}

// waitFor waits until text has appeared on the screen, or fails the test
// at the deadline.
func (term *terminal) waitFor(text string) {
	term.t.Helper()
	want := flat(text)
	deadline := time.After(30 * time.Second)
	for {
		term.mu.Lock()
		seen := strings.Contains(flat(string(term.out)), want)
		more := term.more
		term.mu.Unlock()
		if seen {
			return
		}
		select {
		case <-more:
		case <-term.done:
			if strings.Contains(flat(term.screen()), want) {
				return
			}
			term.t.Fatalf("the program ended before showing %q; screen:\n%s", text, term.screen())
		case <-deadline:
			term.t.Fatalf("timed out waiting for %q; screen:\n%s", text, term.screen())
		}
	}
}

// waitRaw waits until the program has put the terminal in raw mode.
// Keys typed before that go through the line discipline, which turns
// Enter (CR) into a newline (Ctrl-J for a TUI): a person would not
// notice, but a test typing at machine speed would lose the key.
func (term *terminal) waitRaw() {
	term.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond) // the kernel sends no event for a mode change
	defer tick.Stop()
	for {
		tio, err := unix.IoctlGetTermios(int(term.tty.Fd()), unix.TCGETS)
		if err != nil {
			term.t.Fatalf("read the terminal's modes: %v", err)
		}
		if tio.Lflag&unix.ICANON == 0 && tio.Iflag&unix.ICRNL == 0 {
			return
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never went into raw mode; screen:\n%s", term.screen())
		}
		<-tick.C
	}
}

// press sends keys as typed, once the program reads keys one by one.
func (term *terminal) press(keys ...string) {
	term.t.Helper()
	term.waitRaw()
	if _, err := term.ptmx.Write([]byte(strings.Join(keys, ""))); err != nil {
		term.t.Fatalf("type %q: %v", keys, err)
	}
}

// typeLine types a line in the terminal's normal (cooked) mode, as for
// the line-based prompts.
func (term *terminal) typeLine(line string) {
	term.t.Helper()
	if _, err := term.ptmx.Write([]byte(line + "\r")); err != nil {
		term.t.Fatalf("type %q: %v", line, err)
	}
}

// setupMachine makes a home where Cursor is installed (its directory),
// a git project to work in, and a gate listening on the default socket
// of a short runtime directory. It returns the environment for the
// program, the home and the project.
func setupMachine(t *testing.T) (env []string, home, proj string) {
	t.Helper()
	root := t.TempDir()
	home = filepath.Join(root, "home")
	proj = filepath.Join(root, "proj")
	for _, d := range []string{filepath.Join(home, ".cursor"), filepath.Join(proj, ".git")} {
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
	g, err := gatetest.New(gatetest.Options{Actions: []gatetest.Action{{ID: "fs.read_file"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(rt, "latchgate"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := g.ListenUnix(filepath.Join(rt, "latchgate", "gate.sock")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("close the test gate: %v", err)
		}
	})
	env = []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"), // holds latchgate-mcp (this test binary, see TestMain)
		"XDG_RUNTIME_DIR=" + rt,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		"TERM=xterm-256color",
		"LANG=C.UTF-8",
	}
	return env, home, proj
}

// startSetup runs "latchgate-mcp setup" on a pseudo-terminal: stdin,
// stdout and stderr are the terminal, as when a person runs it.
func startSetup(t *testing.T, env []string, dir string, extra ...string) (*exec.Cmd, *terminal) {
	t.Helper()
	if testing.Short() {
		t.Skip("drives the real binary on a pseudo-terminal; skipped in -short mode")
	}
	exe, err := exec.LookPath("latchgate-mcp")
	if err != nil {
		t.Fatalf("latchgate-mcp is not on PATH (TestMain puts it there): %v", err)
	}
	cmd := exec.Command(exe, append([]string{"setup", "--binary-path", "latchgate-mcp", "--timeout", "10s"}, extra...)...)
	cmd.Dir = dir
	cmd.Env = env
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 60, Cols: 160}); err != nil {
		t.Fatalf("size the pseudo-terminal: %v", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true} // its controlling terminal, as in a login shell
	if err := cmd.Start(); err != nil {
		t.Fatalf("start setup on a pseudo-terminal: %v", err)
	}
	term := newTerminal(t, ptmx, tty)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		_ = tty.Close() // the pseudo-terminal's only user is this test
		_ = ptmx.Close()
	})
	return cmd, term
}

// wait waits for the program to exit and returns its exit code.
func wait(t *testing.T, cmd *exec.Cmd, term *terminal) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		_ = term.tty.Close() // the screen side now reads to the end
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			t.Fatalf("wait for setup: %v", err)
		}
		return 0
	case <-time.After(60 * time.Second):
		t.Fatalf("setup did not exit; screen:\n%s", term.screen())
		return -1
	}
}

// TestSetupTerminal drives the full-screen wizard as a person would, with
// keys, from start to written configuration files: Cursor is found and
// preselected, VS Code is added with the arrows and space, Cursor keeps
// user scope, VS Code gets the workspace, the gate found on the default
// socket is kept, and the diff is confirmed.
func TestSetupTerminal(t *testing.T) {
	env, home, proj := setupMachine(t)
	cmd, term := startSetup(t, env, proj)

	term.waitFor("Which IDEs should use LatchGate?")
	term.waitFor("Cursor (found: ~/.cursor)")
	term.press(keyDown, keyDown, keySpace, keyEnter) // Claude Code → Cursor → VS Code; select it; go on

	term.waitFor("Where should Cursor use LatchGate?")
	term.press(keyEnter) // user, the default

	term.waitFor("Where should VS Code use LatchGate?")
	term.press(keyDown, keyEnter) // workspace

	term.waitFor("reachable: the gate answers and offers 1 action (fs.read_file)")
	term.waitFor("How should the IDEs reach the gate?")
	term.press(keyEnter) // use this gate

	term.waitFor("+++ b/~/.cursor/mcp.json")
	term.waitFor("Write these changes to 2 files?")
	term.press(keyEnter) // Yes, the default

	term.waitFor("created ~/.cursor/mcp.json")
	term.waitFor(`Checking what was written (the "latchgate-mcp doctor" checks):`)
	term.waitFor("Handshake") // doctor started the written entries
	term.waitFor("latchgate-mcp install --ide vscode --scope project --binary-path latchgate-mcp")
	code := wait(t, cmd, term)
	<-term.done
	screen := term.screen()
	t.Logf("screen at the end:\n%s", screen)
	if code != 0 {
		t.Errorf("setup exited %d; screen:\n%s", code, screen)
	}
	if !strings.Contains(flat(screen), flat("latchgate-mcp install --ide cursor --binary-path latchgate-mcp")) {
		t.Errorf("the user-scope install line is missing; screen:\n%s", screen)
	}

	cursor, err := os.ReadFile(filepath.Join(home, ".cursor", "mcp.json"))
	if err != nil {
		t.Fatalf("setup did not write ~/.cursor/mcp.json: %v", err)
	}
	if !strings.Contains(string(cursor), `"command": "latchgate-mcp"`) || !strings.Contains(string(cursor), "gate.sock") {
		t.Errorf("~/.cursor/mcp.json:\n%s", cursor)
	}
	vscode, err := os.ReadFile(filepath.Join(proj, ".vscode", "mcp.json"))
	if err != nil {
		t.Fatalf("setup did not write .vscode/mcp.json: %v", err)
	}
	if !strings.Contains(string(vscode), `"servers"`) || strings.Contains(string(vscode), "gate.sock") {
		t.Errorf(".vscode/mcp.json (a shared file naming no per-user socket):\n%s", vscode)
	}
}

// TestSetupTerminalCtrlC: Ctrl-C at the diff writes nothing and exits 2.
func TestSetupTerminalCtrlC(t *testing.T) {
	env, home, proj := setupMachine(t)
	cmd, term := startSetup(t, env, proj)

	term.waitFor("Which IDEs should use LatchGate?")
	term.press(keyEnter)
	term.waitFor("Where should Cursor use LatchGate?")
	term.press(keyEnter)
	term.waitFor("How should the IDEs reach the gate?")
	term.press(keyEnter)
	term.waitFor("Write these changes to 1 file?")
	term.press(keyCtrlC)

	term.waitFor("cancelled, nothing was written")
	if code := wait(t, cmd, term); code != 2 {
		t.Errorf("exit code %d, want 2; screen:\n%s", code, term.screen())
	}
	if _, err := os.Stat(filepath.Join(home, ".cursor", "mcp.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("~/.cursor/mcp.json exists after Ctrl-C (err %v)", err)
	}
}

// TestSetupTerminalAccessible: with ACCESSIBLE=1 the same wizard asks
// line by line on the terminal, with numbered choices.
func TestSetupTerminalAccessible(t *testing.T) {
	env, home, proj := setupMachine(t)
	cmd, term := startSetup(t, append(env, "ACCESSIBLE=1"), proj)

	term.waitFor("Which IDEs should use LatchGate?")
	term.waitFor("2. ✓ Cursor")
	term.waitFor(fmt.Sprintf("Enter a number between 0 and %d:", len(all.Adapters())))
	term.typeLine("0") // keep the selection
	term.waitFor("Where should Cursor use LatchGate?")
	term.typeLine("2") // project
	term.waitFor("1. Use this gate")
	term.typeLine("") // the default, 1
	term.waitFor("Write these changes to 1 file? [Y/n]")
	term.typeLine("y")
	term.waitFor("latchgate-mcp install --ide cursor --scope project --binary-path latchgate-mcp")
	if code := wait(t, cmd, term); code != 0 {
		t.Errorf("setup exited %d; screen:\n%s", code, term.screen())
	}
	if _, err := os.Stat(filepath.Join(proj, ".cursor", "mcp.json")); err != nil {
		t.Errorf("setup did not write .cursor/mcp.json: %v", err)
	}
	if _, err := os.Stat(filepath.Join(home, ".cursor", "mcp.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("setup wrote the user file too (err %v)", err)
	}
}
