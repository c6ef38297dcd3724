// Package iostreams holds the standard streams a command writes to, and
// whether they are terminals. Commands take an *IOStreams instead of using
// os.Stdout directly so tests can capture output and pretend to be a TTY.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is the set of streams a command uses.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	noPrompt  bool
}

// System returns the process's real streams.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
		// CI systems and our own testscripts set these so that nothing
		// ever waits for an answer that will not come.
		noPrompt: os.Getenv("LATCHGATE_MCP_NO_PROMPT") != "" || os.Getenv("CI") != "",
	}
}

// Test returns streams backed by buffers: stdin, stdout and stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetTTY overrides terminal detection, for tests.
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetNoPrompt forbids (true) or allows prompting, for tests.
func (s *IOStreams) SetNoPrompt(v bool) { s.noPrompt = v }

// CanPromptOnStderr reports whether the user can be asked a question
// drawn on stderr: stdin and stderr are terminals and prompting was not
// switched off. stdout may be redirected (setup's command line).
func (s *IOStreams) CanPromptOnStderr() bool {
	return s.stdinTTY && s.stderrTTY && !s.noPrompt
}

// CanPrompt reports whether the user can be asked a question: stdin and
// stdout are terminals and prompting was not switched off.
func (s *IOStreams) CanPrompt() bool {
	return s.stdinTTY && s.stdoutTTY && !s.noPrompt
}
