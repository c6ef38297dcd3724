//go:build linux

package main

import (
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

// startApprove runs "latchgate-mcp approve" on an 80x24 pseudo-terminal,
// as a person at a small terminal would.
func (w *opWorld) startApprove(t *testing.T, args []string, extraEnv ...string) (*exec.Cmd, *terminal) {
	t.Helper()
	cmd := exec.Command(w.bin, append([]string{"approve"}, args...)...)
	cmd.Env = append(append(append([]string(nil), w.env...), "TERM=xterm-256color", "LANG=C.UTF-8"), extraEnv...)
	cmd.Dir = w.home
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term := newTerminal(t, ptmx, tty)
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		// The terminal of a finished test: nothing to lose.
		_ = tty.Close()
		_ = ptmx.Close()
	})
	return cmd, term
}

// sgrColour matches a colour escape (foreground or background, 16, 256
// or true colour): what NO_COLOR forbids. Bold and reverse are allowed.
var sgrColour = regexp.MustCompile(`\x1b\[[0-9;]*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m`)

// TestApproveTerminal: the same held http_post, approved in the
// full-screen view with keys only; the agent gets the output and the
// receipt. NO_COLOR is honoured and the screen is 80x24.
func TestApproveTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real binary on a pseudo-terminal; skipped in -short mode")
	}
	w := newOpWorld(t)
	cs := w.agent(t)
	first := w.post(t, cs, "tui.example")

	cmd, term := w.startApprove(t, nil, "NO_COLOR=1")
	// Not the title's count: when the first frame was drawn before the
	// list arrived ("0 waiting"), the renderer rewrites only the digit,
	// so "1 waiting" never passes through the output as one string. The
	// hold's own lines are new text in any frame.
	term.waitFor("LatchGate approvals:")
	term.waitFor("tui.example")   // the unknown domain, in the detail pane
	term.waitFor("dev:anonymous") // the agent
	term.press("a")
	term.waitFor("Approve http_post for dev:anonymous?")
	term.waitFor("learned allowlist")
	term.press("y")
	term.waitFor("approved " + first.id + ": executed")
	text, isErr := first.result(t)
	if isErr || !strings.Contains(text, "https://tui.example/post") || !strings.Contains(text, "[receipt_id: ") {
		t.Fatalf("the agent got:\n%s", text)
	}

	// A second hold appears by itself; deny it with a reason.
	second := w.post(t, cs, "deny.example")
	term.waitFor("deny.example")
	term.press("d")
	term.waitFor("Deny: why?")
	term.press("t", "o", "o", " ", "r", "i", "s", "k", "y", "\r")
	term.waitFor("denied " + second.id + ": too risky")
	text, isErr = second.result(t)
	if !isErr || !strings.Contains(text, "too risky") {
		t.Fatalf("the agent got:\n%s", text)
	}
	term.press("q")
	if code := wait(t, cmd, term); code != 0 {
		t.Errorf("exit %d; screen:\n%s", code, term.screen())
	}
	term.mu.Lock()
	raw := string(term.out)
	term.mu.Unlock()
	if m := sgrColour.FindString(raw); m != "" {
		t.Errorf("colour escape %q with NO_COLOR=1", m)
	}
	if strings.Contains(raw, "key-default-") {
		t.Error("the token was shown")
	}
}

// TestApproveTerminalAccessible: ACCESSIBLE=1 asks line by line.
func TestApproveTerminalAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real binary on a pseudo-terminal; skipped in -short mode")
	}
	w := newOpWorld(t)
	cs := w.agent(t)
	held := w.post(t, cs, "lines.example")
	cmd, term := w.startApprove(t, nil, "ACCESSIBLE=1")
	term.waitFor("1. http_post, medium risk, from dev:anonymous")
	term.typeLine("1")
	term.waitFor("Unknown domains: lines.example")
	term.typeLine("a")
	term.waitFor("Approve http_post for dev:anonymous? Type y")
	term.typeLine("y")
	term.waitFor("approved " + held.id + ": executed")
	if text, isErr := held.result(t); isErr || !strings.Contains(text, "https://lines.example/post") {
		t.Fatalf("the agent got:\n%s", text)
	}
	term.waitFor("No approval is waiting.")
	term.typeLine("q")
	if code := wait(t, cmd, term); code != 0 {
		t.Errorf("exit %d; screen:\n%s", code, term.screen())
	}
}

// TestApproveOneAsks: "approve ID" on a terminal shows the gate's record
// and asks, saying what the gate will learn; "n" approves nothing.
func TestApproveOneAsks(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real binary on a pseudo-terminal; skipped in -short mode")
	}
	w := newOpWorld(t)
	cs := w.agent(t)
	held := w.post(t, cs, "ask.example")

	cmd, term := w.startApprove(t, []string{held.id}, "ACCESSIBLE=1")
	term.waitFor("Unknown domains: ask.example")
	term.waitFor("first adds the domain ask.example to its learned allowlist")
	term.waitFor("Approve http_post for dev:anonymous?")
	term.typeLine("n")
	if code := wait(t, cmd, term); code != 2 {
		t.Errorf("declined: exit %d; screen:\n%s", code, term.screen())
	}
	if n := len(w.g.RequestsFor(gatetest.RouteApprove)); n != 0 {
		t.Fatalf("%d approve requests after answering no", n)
	}

	cmd, term = w.startApprove(t, []string{held.id}, "ACCESSIBLE=1")
	term.waitFor("learned allowlist")
	term.typeLine("y")
	term.waitFor("approved " + held.id + ": executed")
	if code := wait(t, cmd, term); code != 0 {
		t.Errorf("exit %d; screen:\n%s", code, term.screen())
	}
	if text, isErr := held.result(t); isErr || !strings.Contains(text, "https://ask.example/post") {
		t.Fatalf("the agent got:\n%s", text)
	}
}
