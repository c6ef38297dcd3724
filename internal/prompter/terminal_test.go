//go:build linux

package prompter

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// openTerminal returns both sides of a pseudo-terminal; what the forms
// draw is read and dropped.
func openTerminal(t *testing.T) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { _ = tty.Close(); _ = ptmx.Close() })
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := ptmx.Read(buf); err != nil {
				return
			}
		}
	}()
	return ptmx, tty
}

// typeWhenRaw types keys once the form has the terminal in raw mode
// (before that, the line discipline would turn Enter into Ctrl-J).
func typeWhenRaw(t *testing.T, ptmx, tty *os.File, keys string) {
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(time.Millisecond) // no event tells of a mode change
	defer tick.Stop()
	for {
		tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Errorf("read terminal modes: %v", err)
			return
		}
		if tio.Lflag&unix.ICANON == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the terminal never went into raw mode")
			return
		}
		<-tick.C
	}
	if _, err := ptmx.Write([]byte(keys)); err != nil {
		t.Errorf("type: %v", err)
	}
}

// TestTerminalFormsInARow answers many full-screen forms in a row as
// fast as a machine types. Each form is its own Bubble Tea program; a
// program that ended could leave a reader behind that stole the next
// key (see runTerminal), which made this fail within a few forms.
func TestTerminalFormsInARow(t *testing.T) {
	ptmx, tty := openTerminal(t)
	h := NewHuh(tty, tty, false)
	for i := range 12 {
		done := make(chan error, 1)
		var got string
		go func() {
			var err error
			got, err = h.Select(context.Background(), "Pick", "", fruit, "a")
			done <- err
		}()
		typeWhenRaw(t, ptmx, tty, "\x1b[B\r") // down, enter
		select {
		case err := <-done:
			if err != nil || got != "b" {
				t.Fatalf("form %d: %q, %v; want b", i, got, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("form %d never got its keys", i)
		}
	}
	// The terminal is back in its normal mode between and after forms.
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil || tio.Lflag&unix.ICANON == 0 {
		t.Errorf("the terminal was left in raw mode (err %v)", err)
	}
}

// TestTerminalCtrlC: Ctrl-C in a full-screen form is a cancel.
func TestTerminalCtrlC(t *testing.T) {
	ptmx, tty := openTerminal(t)
	h := NewHuh(tty, tty, false)
	done := make(chan error, 1)
	go func() {
		_, err := h.Confirm(context.Background(), "Write?", "", true)
		done <- err
	}()
	typeWhenRaw(t, ptmx, tty, "\x03")
	select {
	case err := <-done:
		if !errors.Is(err, ErrCancelled) {
			t.Fatalf("err = %v, want ErrCancelled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Ctrl-C did not end the form")
	}
}

// TestTerminalLinesStartAtTheLeft: the form reads a pipe, so Bubble Tea
// does not map "\n" to "\r\n" itself; runTerminal must leave the
// terminal's own output processing on, or each line of the form starts
// where the one above it ended (seen in tmux before the fix).
func TestTerminalLinesStartAtTheLeft(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { _ = tty.Close(); _ = ptmx.Close() })
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var screen []byte
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen = append(screen, buf[:n]...)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	h := NewHuh(tty, tty, false)
	done := make(chan error, 1)
	go func() {
		_, err := h.Select(context.Background(), "Pick a fruit", "Several lines of description\nbelow the title", fruit, "a")
		done <- err
	}()
	// Wait until the form is drawn (its title and its last option).
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		drawn := strings.Contains(string(screen), "Pick a fruit") && strings.Contains(string(screen), "enter")
		mu.Unlock()
		if drawn {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the form was never drawn")
		}
		time.Sleep(5 * time.Millisecond)
	}
	typeWhenRaw(t, ptmx, tty, "\r")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the form never ended")
	}
	mu.Lock()
	out := append([]byte(nil), screen...)
	mu.Unlock()
	for i, c := range out {
		if c == '\n' && (i == 0 || out[i-1] != '\r') {
			t.Fatalf("a line feed without a carriage return at byte %d: %q", i, out[max(0, i-40):i+1])
		}
	}
}
