package prompter

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"charm.land/huh/v2"
	"golang.org/x/term"
)

// Huh asks questions with charm's huh forms. Each question is its own
// form, built by a buildXxxForm function and run by runForm, so the
// builders can be tested without a terminal.
type Huh struct {
	in         io.Reader
	out        io.Writer
	accessible bool

	// lines hands huh's accessible prompts one line per Read. Each of
	// them wraps the input in a fresh bufio.Scanner, which would
	// otherwise swallow the answers to the next questions when several
	// lines are already waiting (typed ahead, or piped in a test).
	lines *lineReader

	// keys carries what is typed on a terminal input, read by one
	// goroutine for the life of the process; see runTerminal.
	keysOnce sync.Once
	keys     chan []byte
}

var _ Prompter = (*Huh)(nil)

// NewHuh returns a Prompter reading answers from in and writing the
// questions to out (stderr, so that stdout stays clean). accessible
// selects huh's line-based mode: plain numbered prompts that work with
// screen readers and with input that is not a terminal.
func NewHuh(in io.Reader, out io.Writer, accessible bool) *Huh {
	return &Huh{in: in, out: out, accessible: accessible, lines: &lineReader{r: bufio.NewReader(in)}}
}

// Select implements Prompter.
func (h *Huh) Select(ctx context.Context, title, description string, options []Option, def string) (string, error) {
	value := def
	if err := h.runForm(ctx, buildSelectForm(title, description, options, &value)); err != nil {
		return "", err
	}
	return value, nil
}

// MultiSelect implements Prompter.
func (h *Huh) MultiSelect(ctx context.Context, title, description string, options []Option, defaults []string) ([]string, error) {
	values := append([]string(nil), defaults...)
	if err := h.runForm(ctx, buildMultiSelectForm(title, description, options, &values)); err != nil {
		return nil, err
	}
	return values, nil
}

// Confirm implements Prompter.
func (h *Huh) Confirm(ctx context.Context, title, description string, def bool) (bool, error) {
	value := def
	if err := h.runForm(ctx, buildConfirmForm(title, description, &value)); err != nil {
		return false, err
	}
	return value, nil
}

// Input implements Prompter.
func (h *Huh) Input(ctx context.Context, title, description, def string, validate func(string) error) (string, error) {
	value := def
	if err := h.runForm(ctx, buildInputForm(title, description, &value, validate)); err != nil {
		return "", err
	}
	return value, nil
}

func huhOptions(options []Option) []huh.Option[string] {
	out := make([]huh.Option[string], len(options))
	for i, o := range options {
		out[i] = huh.NewOption(o.Label, o.Value)
	}
	return out
}

func buildSelectForm(title, description string, options []Option, value *string) *huh.Form {
	return huh.NewForm(huh.NewGroup(
		huh.NewSelect[string]().Title(title).Description(description).Options(huhOptions(options)...).Value(value),
	))
}

// errNoneSelected is shown under a multi-select submitted empty.
var errNoneSelected = errors.New("select at least one (space or x selects)")

func buildMultiSelectForm(title, description string, options []Option, values *[]string) *huh.Form {
	return huh.NewForm(huh.NewGroup(
		huh.NewMultiSelect[string]().Title(title).Description(description).Options(huhOptions(options)...).Value(values).
			Validate(func(v []string) error {
				if len(v) == 0 {
					return errNoneSelected
				}
				return nil
			}),
	))
}

func buildConfirmForm(title, description string, value *bool) *huh.Form {
	return huh.NewForm(huh.NewGroup(
		huh.NewConfirm().Title(title).Description(description).Affirmative("Yes").Negative("No").Value(value),
	))
}

func buildInputForm(title, description string, value *string, validate func(string) error) *huh.Form {
	in := huh.NewInput().Title(title).Description(description).Value(value)
	if validate != nil {
		in = in.Validate(validate)
	}
	return huh.NewForm(huh.NewGroup(in))
}

// runForm runs f on the streams of h and maps every way of giving up to
// ErrCancelled.
func (h *Huh) runForm(ctx context.Context, f *huh.Form) error {
	if err := ctx.Err(); err != nil {
		return ErrCancelled
	}
	f = f.WithShowHelp(true)
	if h.accessible {
		return h.runAccessible(ctx, f)
	}
	var err error
	// Windows consoles keep Bubble Tea's own console reader: the leak
	// runTerminal avoids was seen with the Unix (epoll) reader, and a
	// pipe would carry none of the console's key events.
	if tty, ok := h.in.(*os.File); ok && runtime.GOOS != "windows" && term.IsTerminal(int(tty.Fd())) {
		err = h.runTerminal(ctx, f, tty)
	} else {
		err = f.WithInput(h.in).WithOutput(teaOutput(h.out)).WithAccessible(false).RunWithContext(ctx)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, huh.ErrUserAborted), ctx.Err() != nil:
		return ErrCancelled
	}
	return fmt.Errorf("run prompt: %w", err)
}

// runTerminal runs the full-screen form f with keys typed on tty.
//
// Each form is its own Bubble Tea program, and a program that ends can
// leave its input goroutine behind, waiting on an epoll descriptor whose
// number the next program's reader reuses (muesli/cancelreader closes it
// while the goroutine may be about to wait on it). That goroutine then
// wakes up for the next key and reads it from the terminal: the key is
// lost, and the wizard seems to ignore Enter. So the programs never read
// the terminal: one goroutine reads it for the whole run, and each form
// gets its own pipe, closed when the form ends, where a leftover reader
// finds only the end. The terminal is put in raw mode here, as Bubble
// Tea would have done.
func (h *Huh) runTerminal(ctx context.Context, f *huh.Form, tty *os.File) error {
	h.keysOnce.Do(func() {
		h.keys = make(chan []byte)
		go func() {
			for {
				buf := make([]byte, 256)
				n, err := tty.Read(buf)
				if n > 0 {
					h.keys <- buf[:n]
				}
				if err != nil {
					close(h.keys)
					return
				}
			}
		}()
	})
	state, err := term.MakeRaw(int(tty.Fd()))
	if err != nil {
		return fmt.Errorf("set the terminal to raw mode: %w", err)
	}
	// A terminal that cannot be restored is gone: nothing more to do.
	defer func() { _ = term.Restore(int(tty.Fd()), state) }()
	if err := keepOutputProcessing(int(tty.Fd())); err != nil {
		return fmt.Errorf("set the terminal to raw mode: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("run prompt: %w", err)
	}
	defer func() { _ = pr.Close() }() // a pipe we made: closing it cannot lose data
	stop := make(chan struct{})
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		defer func() { _ = pw.Close() }() // end of input for the form
		for {
			select {
			case b, ok := <-h.keys:
				if !ok {
					return // the terminal is gone: the form sees end of input
				}
				if _, err := pw.Write(b); err != nil {
					return
				}
			case <-stop:
				return
			}
		}
	}()
	// A plain io.Reader, not the *os.File: Bubble Tea then reads it
	// without epoll, and the reader a program leaves behind simply ends
	// with the pipe instead of racing with the program's cleanup.
	err = f.WithInput(struct{ io.Reader }{pr}).WithOutput(teaOutput(h.out)).WithAccessible(false).RunWithContext(ctx)
	close(stop)
	<-pumped
	return err
}

// teaOutput is w as a Bubble Tea program's output. A terminal goes with
// its descriptor number read once, here: the program asks for it again
// from a goroutine it does not wait for (its window-size check), and
// that read of the *os.File raced with the file being closed after the
// form had returned (the race detector found it in the terminal tests,
// when closing the terminal ended runTerminal's key reader).
func teaOutput(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok {
		return fixedFd{File: f, fd: f.Fd()}
	}
	return w
}

// fixedFd is an *os.File whose Fd is the number it had when wrapped.
type fixedFd struct {
	*os.File
	fd uintptr
}

func (f fixedFd) Fd() uintptr { return f.fd }

// runAccessible runs f in huh's line-based mode. That mode cannot report
// the end of input (it answers with the defaults instead) nor be
// interrupted, so h.lines notes the end of input, and a cancelled ctx
// returns at once while the abandoned read finishes on its own.
func (h *Huh) runAccessible(ctx context.Context, f *huh.Form) error {
	f = f.WithInput(h.lines).WithOutput(h.out).WithAccessible(true)
	done := make(chan error, 1)
	go func() { done <- f.RunWithContext(ctx) }()
	select {
	case err := <-done:
		if h.lines.ended() {
			return ErrCancelled
		}
		if err != nil {
			return fmt.Errorf("run prompt: %w", err)
		}
		return nil
	case <-ctx.Done():
		return ErrCancelled
	}
}

// lineReader returns at most one line per Read and remembers whether
// the input ended.
type lineReader struct {
	r   *bufio.Reader
	mu  sync.Mutex
	err error
}

func (l *lineReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(p) {
		b, err := l.r.ReadByte()
		if err != nil {
			l.err = err
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		p[n] = b
		n++
		if b == '\n' {
			break
		}
	}
	return n, nil
}

// ended reports whether the input ended (or failed) while reading.
func (l *lineReader) ended() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err != nil
}

// Accessible reports whether h asks in huh's line-based mode.
func (h *Huh) Accessible() bool { return h.accessible }
