package doctor

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/binpath"
	"github.com/latchgate-ai/latchgate-mcp/internal/procgroup"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
	"github.com/latchgate-ai/latchgate-mcp/internal/textsafe"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

// binaryJobs checks latchgate-mcp on PATH, and the command of each entry.
func binaryJobs(opts Options, entries []*entry) []func(context.Context) []Check {
	probes := &versionProbes{m: map[string]*versionProbe{}}
	jobs := []func(context.Context) []Check{func(context.Context) []Check { return []Check{checkOnPath(opts)} }}
	for _, e := range entries {
		if e.URL != "" {
			continue
		}
		jobs = append(jobs, func(ctx context.Context) []Check { return []Check{checkCommand(ctx, opts, e, probes)} })
	}
	return jobs
}

func checkOnPath(opts Options) Check {
	c := Check{Section: SectionBinary, ID: "binary.path"}
	p, ok := binpath.LookPath(opts.Env.Get("PATH"))
	if !ok {
		c.Status, c.Message = Warn, "latchgate-mcp is not on PATH"
		c.Hint = "project entries run \"latchgate-mcp\" from PATH: install it into a directory on PATH (go install ./cmd/latchgate-mcp)"
		return c
	}
	c.Status, c.Message = OK, "latchgate-mcp on PATH: "+textsafe.Quote(opts.Env.Display(p))
	switch {
	case binpath.IsTemporary(p, opts.Env.Get("TMPDIR")):
		c.Status, c.Hint = Warn, "it is in a temporary directory that may be gone tomorrow; install latchgate-mcp in a stable directory on PATH"
		c.Message += " (a temporary directory)"
	case binpath.IsVersioned(p):
		c.Status, c.Hint = Warn, "a versioned install path breaks on upgrade; put a stable link on PATH before it"
		c.Message += " (a versioned path)"
	}
	return c
}

// checkCommand resolves the entry's command as its IDE would and checks
// that it is this latchgate-mcp, there to stay.
func checkCommand(ctx context.Context, opts Options, e *entry, probes *versionProbes) Check {
	l := launchFor(opts.Env, e)
	c := Check{Section: SectionBinary, ID: "binary.command", Subject: e.subject}
	fix := "rewrite the entry: latchgate-mcp doctor --fix (or latchgate-mcp install again)"
	if len(l.missing) > 0 {
		c.Status = Error
		c.Message = fmt.Sprintf("the entry (command %q) uses unset variables: %s", e.Command, strings.Join(l.missing, ", "))
		c.Hint = "set them in the environment " + e.a.DisplayName() + " starts from"
		if ides.LaunchOf(e.a, opts.Env).DefaultSyntax {
			c.Hint += ", or give a default (${VAR:-value})"
		}
		e.brokenCommand = true
		return c
	}
	if l.command == "" {
		c.Status, c.Message, c.Hint = Error, "the entry has no command", fix
		e.brokenCommand = true
		return c
	}
	if l.path == "" {
		c.Status, c.Message, c.Hint = Error, fmt.Sprintf("command %q is not on PATH", l.command), fix
		e.brokenCommand = true
		return c
	}
	info, err := os.Stat(l.path)
	switch {
	case err != nil:
		c.Status, c.Message, c.Hint = Error, fmt.Sprintf("command %s does not exist (the binary moved?)", textsafe.Quote(opts.Env.Display(l.path))), fix
		e.brokenCommand = true
		return c
	case info.IsDir() || info.Mode()&0o111 == 0:
		c.Status, c.Message = Error, fmt.Sprintf("command %s is not an executable file", textsafe.Quote(opts.Env.Display(l.path)))
		c.Hint = "chmod +x it, or " + fix
		e.brokenCommand = true
		return c
	}
	if c.Status == "" {
		c.Status = OK
	}
	where := textsafe.Quote(opts.Env.Display(l.path))
	if why := refuseToStart(opts, e, l.path); why != "" {
		c.Status = worst(c.Status, Warn)
		c.Message = fmt.Sprintf("%s: not run: %s", where, why)
		c.Hint = runProjectHint
		return c
	}
	v := probes.get(ctx, l.path, l.env, opts.Timeout)
	switch {
	case v.err != nil:
		c.Status = worst(c.Status, Warn)
		c.Message = fmt.Sprintf("%s: %s --version failed: %s", where, textsafe.Quote(l.command), textsafe.Quote(v.err.Error()))
		c.Hint = "the command is not a working latchgate-mcp; " + fix
		return c
	case !strings.HasPrefix(v.out, "latchgate-mcp "):
		c.Status = worst(c.Status, Warn)
		c.Message = fmt.Sprintf("%s is not latchgate-mcp (--version says %q)", where, firstLine(v.out))
		c.Hint = "point the entry at latchgate-mcp: " + fix
		return c
	}
	got := strings.TrimSpace(strings.TrimPrefix(v.out, "latchgate-mcp "))
	c.Message = fmt.Sprintf("%s, version %s", where, got)
	if opts.Version != "" && got != opts.Version {
		c.Status = worst(c.Status, Warn)
		c.Message += ", but this latchgate-mcp is " + opts.Version
		c.Hint = "two installs of latchgate-mcp: make the entry run the one you update (" + fix + ")"
		return c
	}
	switch {
	case binpath.IsTemporary(l.path, opts.Env.Get("TMPDIR")):
		c.Status = worst(c.Status, Warn)
		c.Message += " (in a temporary directory)"
		c.Hint = "it will be gone when the directory is cleaned: install latchgate-mcp in a stable place and reinstall the entry (install --binary-path)"
	case binpath.IsVersioned(l.path):
		c.Status = worst(c.Status, Warn)
		c.Message += " (a versioned path)"
		c.Hint = "the next upgrade removes it: point the entry at a stable link on PATH (install --binary-path)"
	}
	return c
}

func worst(a, b Status) Status {
	rank := map[Status]int{"": -1, OK: 0, Warn: 1, Error: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// versionProbes runs "COMMAND --version" once per path, however many
// entries name it.
type versionProbes struct {
	mu sync.Mutex
	m  map[string]*versionProbe
}

type versionProbe struct {
	once sync.Once
	out  string
	err  error
}

func (p *versionProbes) get(ctx context.Context, path string, env []string, timeout time.Duration) *versionProbe {
	p.mu.Lock()
	v, ok := p.m[path]
	if !ok {
		v = &versionProbe{}
		p.m[path] = v
	}
	p.mu.Unlock()
	v.once.Do(func() { v.out, v.err = runVersion(ctx, path, env, timeout) })
	return v
}

// maxVersionOutput caps what is kept of a --version probe's output. A
// version is one short line; a command that floods stdout (the wrong
// binary, a hostile one) is stopped once it passes the cap, instead of
// filling memory until the timeout.
const maxVersionOutput = 64 << 10

// runVersion runs "path --version" in a process group of its own, keeps
// at most maxVersionOutput bytes of its output, and leaves nothing
// running: the group is killed when the command exits (children that
// still hold its output go with it), on timeout, and on a flood.
func runVersion(ctx context.Context, path string, env []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Env = env
	procgroup.Set(cmd)
	// A pipe of our own rather than a buffer: exec would otherwise wait
	// for every holder of the pipe to close it before Wait returns.
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		_ = r.Close() // Start failed, and that is the error
		_ = w.Close() // Start failed, and that is the error
		return "", err
	}
	_ = w.Close() // the child has its own copy; ours only keeps the pipe open
	out := &headBuffer{max: maxVersionOutput}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		if out.fill(r) {
			_ = procgroup.Kill(cmd) // flooding: no need to hear the rest (a group we cannot signal ends at the timeout)
		}
	}()
	err = cmd.Wait()
	_ = procgroup.Kill(cmd) // its children that still hold the pipe; if any cannot be signalled, the wait below is bounded
	select {
	case <-copied:
	case <-time.After(time.Second):
		// Something that left the group still holds the pipe.
	}
	_ = r.Close() // our read end: nothing to lose
	<-copied
	switch {
	case out.overflow:
		return "", fmt.Errorf("it wrote more than %s of output, and was stopped", safeio.FormatSize(maxVersionOutput))
	case ctx.Err() != nil:
		return "", fmt.Errorf("no answer in %s", timeout)
	}
	return strings.TrimSpace(string(out.b)), err
}

// headBuffer keeps the first max bytes read.
type headBuffer struct {
	max      int
	b        []byte
	overflow bool
}

// fill reads r into the buffer until EOF or an error, or until more than
// max bytes came, which it reports.
func (h *headBuffer) fill(r io.Reader) (overflow bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if len(h.b)+n > h.max {
			h.b = append(h.b, buf[:h.max-len(h.b)]...)
			h.overflow = true
			return true
		}
		h.b = append(h.b, buf[:n]...)
		if err != nil {
			return false
		}
	}
}

// runProjectHint is the way past refuseToStart, for a repository the user
// trusts.
const runProjectHint = "doctor starts a project's command only when the client would and it is latchgate-mcp; " +
	"pass --run-project-commands if you trust this repository"

// refuseToStart says why doctor must not start the entry's command, or
// "": a file in a cloned repository is someone else's code. A project
// entry's command runs only when its client would start it itself (it is
// active: approved, in a trusted folder) and it is a latchgate-mcp
// binary, unless opts.RunProjectCommands says the user trusts the
// repository. User and local entries are the user's own.
func refuseToStart(opts Options, e *entry, path string) string {
	if opts.RunProjectCommands || e.loc.Scope != ides.ScopeProject {
		return ""
	}
	if e.file.Client != "" && e.file.Client != "active" {
		return fmt.Sprintf("%s would not start it either (%s)", e.a.DisplayName(), e.file.Client)
	}
	base := strings.TrimSuffix(filepath.Base(path), ".exe")
	if base != binpath.Name {
		return fmt.Sprintf("the project's entry runs %s, which is not %s", textsafe.Quote(filepath.Base(path)), binpath.Name)
	}
	return ""
}
