package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/procgroup"
	"github.com/latchgate-ai/latchgate-mcp/internal/textsafe"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

// handshakeJobs starts each configured server as its IDE would.
func handshakeJobs(opts Options, entries []*entry) []func(context.Context) []Check {
	var jobs []func(context.Context) []Check
	for _, e := range entries {
		if e.URL != "" {
			continue
		}
		jobs = append(jobs, func(ctx context.Context) []Check { return []Check{handshake(ctx, opts, e)} })
	}
	return jobs
}

// handshake launches the entry's exact command, arguments and
// environment, then runs initialize and tools/list within the timeout,
// the way the IDE connects. The server's stderr is the evidence when it
// fails.
func handshake(ctx context.Context, opts Options, e *entry) Check {
	c := Check{Section: SectionHandshake, ID: "handshake", Subject: e.subject}
	l := launchFor(opts.Env, e)
	if info, err := os.Stat(l.path); l.path == "" || err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		c.Status, c.Message = Error, fmt.Sprintf("not started: command %q not found, or not executable", l.command)
		c.Hint = "see the binary check above"
		return c
	}
	if why := refuseToStart(opts, e, l.path); why != "" {
		c.Status, c.Message, c.Hint = Warn, "not started: "+why, runProjectHint
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, l.path, l.args...)
	cmd.Env = l.env
	cmd.Dir = l.dir
	cmd.WaitDelay = time.Second
	proc, err := startGroup(cmd)
	if err != nil {
		c.Status, c.Message = Error, fmt.Sprintf("not started: %v", err)
		return c
	}
	// Runs last, after the session is closed: nothing the server started
	// outlives the check.
	defer proc.stop()
	stderr := proc.stderr

	client := mcp.NewClient(&mcp.Implementation{Name: "latchgate-mcp-doctor", Version: opts.Version}, nil)
	var transport mcp.Transport = &mcp.CommandTransport{Command: cmd, TerminateDuration: 500 * time.Millisecond}
	var probe *discoverFirst
	if ides.LaunchOf(e.a, opts.Env).DiscoverFirst {
		// Half the time limit at most, to leave the rest for initialize.
		probe = &discoverFirst{inner: transport, wait: min(claudeDiscoverWait, opts.Timeout/2)}
		transport = probe
	}
	// The IDEs open with initialize at 2025-11-25 (Claude Code after its
	// own server/discover probe, above). Left to itself the SDK would send
	// server/discover and wait for it without the IDEs' fallback.
	session, err := client.Connect(ctx, transport, &mcp.ClientSessionOptions{ProtocolVersion: initializeVersion})
	fail := func(what string, err error) Check {
		c.DurationMS = ms(time.Since(start))
		// Stop the server before reading its stderr, so all of it is
		// there, and nothing it started keeps running.
		if session != nil {
			_ = session.Close() // the check has failed already; proc.stop below ends what is left
		}
		proc.stop()
		c.Status = Error
		switch {
		case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			c.Message = fmt.Sprintf("%s: no answer within %s", what, opts.Timeout)
			c.Hint = "the server started but does not speak MCP on stdout in time; run the command by hand to see what it does"
		case errors.As(err, new(*jsonrpc.Error)):
			// The server is up and answered: the error is its own,
			// usually the gate's (the IDE shows it as "tools fetch
			// failed").
			c.Message = fmt.Sprintf("%s answered with an error: %v", what, err)
			c.Hint = "the server runs but cannot serve tools; the gate checks above say why"
		default:
			c.Message = fmt.Sprintf("%s failed: %v", what, err)
			c.Hint = "the server exited or broke the connection; its stderr says why"
		}
		if s := strings.TrimSpace(stderr.String()); s != "" {
			c.Detail = textsafe.Multiline(s)
		}
		return c
	}
	if err != nil {
		return fail("initialize", err)
	}
	// The check is decided by what the server answered; how it exits
	// once its stdin closes is not part of it (proc.stop ends what is
	// left).
	defer func() { _ = session.Close() }()
	init := session.InitializeResult()
	server := ""
	if init != nil && init.ServerInfo != nil {
		server = init.ServerInfo.Name + " " + init.ServerInfo.Version
	}
	if init == nil || init.Capabilities == nil || init.Capabilities.Tools == nil {
		c.DurationMS = ms(time.Since(start))
		c.Status, c.Message = Warn, "initialize: ok, but the server offers no tools ("+server+")"
		c.Hint = "the IDE will not ask it for tools"
		return c
	}
	res, err := session.ListTools(ctx, nil)
	if err != nil {
		return fail("tools/list", err)
	}
	c.DurationMS = ms(time.Since(start))
	c.Status = OK
	c.Message = fmt.Sprintf("initialize and tools/list: %s (%s, environment: %s)", plural(len(res.Tools), "tool", "tools"), strings.TrimSpace(server), l.rule)
	if probe != nil && probe.ignored {
		c.Status = Warn
		c.Message += fmt.Sprintf("; but server/discover got no answer in %s", probe.wait)
		c.Hint = "Claude Code sends server/discover first and waits about 3s for an answer on every connect; update latchgate-mcp (serve answers it at once)"
	}
	return c
}

// initializeVersion is the protocol version the IDEs ask for in
// initialize (claude-code-observed).
const initializeVersion = "2025-11-25"

// claudeDiscoverWait is how long Claude Code waits for an answer to
// server/discover before it falls back to initialize (claude-code-observed).
const claudeDiscoverWait = 3 * time.Second

// discoverFirst opens the connection the way Claude Code does: a
// server/discover request before initialize. Any JSON-RPC answer is fine
// (Claude Code then sends initialize); no answer costs Claude Code its
// wait on every connect; a server that exits on it never connects.
type discoverFirst struct {
	inner   mcp.Transport
	wait    time.Duration
	ignored bool // no answer within wait
}

func (d *discoverFirst) Connect(ctx context.Context) (mcp.Connection, error) {
	conn, err := d.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	id, err := jsonrpc.MakeID("server-discover-probe-1")
	if err != nil {
		_ = conn.Close() // the error above is the one to report
		return nil, err
	}
	req := &jsonrpc.Request{ID: id, Method: "server/discover",
		Params: json.RawMessage(`{"_meta":{"io.modelcontextprotocol/clientInfo":{"name":"latchgate-mcp-doctor"}}}`)}
	if err := conn.Write(ctx, req); err != nil {
		_ = conn.Close() // the error above is the one to report
		return nil, fmt.Errorf("send server/discover (first, as Claude Code does): %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	msg, err := conn.Read(rctx)
	switch {
	case err != nil && rctx.Err() != nil && ctx.Err() == nil:
		d.ignored = true
		return conn, nil
	case err != nil:
		_ = conn.Close() // the error above is the one to report
		return nil, fmt.Errorf("server/discover (sent first, as Claude Code does): %w", err)
	}
	if resp, ok := msg.(*jsonrpc.Response); !ok || resp.ID != id {
		_ = conn.Close() // the error above is the one to report
		return nil, fmt.Errorf("server/discover (sent first, as Claude Code does): the server answered with something else (%T)", msg)
	}
	return conn, nil
}

// group is a server started in a process group of its own, its stderr
// read through a pipe of ours: with a plain buffer as stderr, exec would
// wait for every child holding the pipe before Wait returned.
type group struct {
	cmd    *exec.Cmd
	stderr *tailBuffer
	w      *os.File // our copy of the pipe's write end
	r      *os.File
	copied chan struct{}
	once   sync.Once
}

// startGroup prepares cmd (not yet started) to run in its own process
// group, its stderr kept by a tailBuffer.
func startGroup(cmd *exec.Cmd) (*group, error) {
	procgroup.Set(cmd)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = w
	g := &group{cmd: cmd, stderr: &tailBuffer{max: 4096}, w: w, r: r, copied: make(chan struct{})}
	go func() {
		defer close(g.copied)
		_, _ = io.Copy(g.stderr, r) // ends when stop closes our end; the bytes read so far are what counts
	}()
	return g, nil
}

// stop kills the process group (the server, if still running, and all it
// started) and collects the end of stderr. It may be called more than
// once.
func (g *group) stop() {
	g.once.Do(func() {
		_ = g.w.Close()           // the child has its own copy; ours only keeps the pipe open
		_ = procgroup.Kill(g.cmd) // a group we cannot signal: the wait below is bounded
		select {
		case <-g.copied:
		case <-time.After(time.Second):
			// Something that left the group still holds the pipe.
		}
		_ = g.r.Close() // our read end: nothing to lose
		<-g.copied
	})
}

// tailBuffer keeps the last max bytes written to it: the end of a
// server's stderr is where the reason it failed is.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
