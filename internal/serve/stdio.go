package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MaxLineBytes is the longest JSON-RPC line accepted on stdin (16 MiB, as
// the Rust adapter and the SDK's stdio transport).
const MaxLineBytes = 16 << 20

// knownMethods are the requests the server answers. Everything else is
// answered at once with -32601 by the transport, before the SDK sees it:
// Claude Code probes with "server/discover" before "initialize" and waits
// three seconds for servers that stay silent, and the SDK would otherwise
// answer some unknown requests with other codes (or, before initialize,
// with a generic error).
var knownMethods = map[string]bool{
	"initialize": true, "ping": true,
	"tools/list": true, "tools/call": true,
	"resources/list": true, "resources/read": true, "resources/templates/list": true,
	"prompts/list": true, "prompts/get": true,
	"completion/complete": true,
}

// StdioTransport is the newline-delimited JSON-RPC transport on the
// process's stdin and stdout. It differs from the SDK's stdio transport in
// what it forgives: a line that is not JSON-RPC is answered with a
// JSON-RPC error and the session goes on (the SDK's transport ends the
// session on the first bad line), a request too deeply nested for the
// decoder is still answered with its own id (an answer with id null would
// leave the client waiting), unknown requests get -32601 at once, a
// request the client cancelled gets no response (the SDK would write one),
// no list_changed notification goes out before initialize is answered
// (the SDK sends one to a session that has not initialized), and at end
// of input it waits briefly for answers still being written instead of
// dropping them. A failed write to stdout (the client is gone) ends the
// session.
type StdioTransport struct {
	In  io.Reader
	Out io.Writer
	// DrainTimeout bounds how long EOF on In waits for outstanding
	// answers; default 2s. A tool call held for approval is not worth
	// waiting for: nobody is left to read it.
	DrainTimeout time.Duration
	// stop, when closed, ends the session as end of input would.
	stop <-chan struct{}
	// log receives the reason a session ended early; nil discards.
	log *slog.Logger
}

// Connect implements [mcp.Transport].
func (t *StdioTransport) Connect(context.Context) (mcp.Connection, error) {
	c := &stdioConn{
		out:       t.Out,
		lines:     make(chan lineOrErr, 16),
		closed:    make(chan struct{}),
		pending:   map[any]bool{},
		cancelled: map[any]bool{},
		drain:     t.DrainTimeout,
	}
	if c.drain <= 0 {
		c.drain = 2 * time.Second
	}
	c.idle = sync.NewCond(&c.pendMu)
	c.stop = t.stop
	c.log = t.log
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	go c.readLoop(t.In)
	return c, nil
}

type lineOrErr struct {
	line []byte
	err  error
}

type stdioConn struct {
	out     io.Writer
	writeMu sync.Mutex
	lines   chan lineOrErr
	closed  chan struct{}
	once    sync.Once
	drain   time.Duration
	stop    <-chan struct{}

	log *slog.Logger
	// writeErr is the first failed write to out; the session ends with it.
	writeErr error

	pendMu  sync.Mutex
	pending map[any]bool // ids of requests passed to the SDK and not yet answered
	// initID is the id of the initialize request, and initialized is set
	// once it has been answered: notifications before that are dropped.
	initID      any
	initialized bool
	// cancelled holds the ids of pending requests the client cancelled:
	// their responses are dropped, as MCP asks ("receivers ... SHOULD NOT
	// send a response for the cancelled request"); the SDK writes one.
	cancelled map[any]bool
	idle      *sync.Cond
}

// readLoop splits In into lines. A line over MaxLineBytes is drained and
// reported as too long rather than buffered.
func (c *stdioConn) readLoop(in io.Reader) {
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, tooLong, err := readLine(r)
		if len(line) > 0 || tooLong {
			var ev lineOrErr
			if tooLong {
				ev.err = errLineTooLong
			} else {
				ev.line = line
			}
			select {
			case c.lines <- ev:
			case <-c.closed:
				return
			}
		}
		if err != nil {
			select {
			case c.lines <- lineOrErr{err: err}:
			case <-c.closed:
			}
			return
		}
	}
}

var errLineTooLong = errors.New("message exceeds maximum size")

func readLine(r *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if !tooLong {
			if len(buf)+len(chunk) > MaxLineBytes {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err != nil {
			return buf, tooLong, err
		}
		if !isPrefix {
			return buf, tooLong, nil
		}
	}
}

// Read implements [mcp.Connection]. It answers malformed lines and unknown
// requests itself and returns only messages the SDK should handle.
func (c *stdioConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	for {
		var ev lineOrErr
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.closed:
			return nil, io.EOF
		case <-c.stop:
			c.waitIdle()
			return nil, io.EOF
		case ev = <-c.lines:
		}
		if ev.err == errLineTooLong {
			c.reply(errorLine(nil, jsonrpc.CodeParseError, "message exceeds maximum size"))
			continue
		}
		if ev.err != nil {
			if errors.Is(ev.err, io.EOF) {
				c.waitIdle()
			}
			return nil, ev.err
		}
		line := bytes.TrimSpace(ev.line)
		if len(line) == 0 {
			continue
		}
		msg, ok := c.decode(line)
		if !ok {
			continue
		}
		if req, isReq := msg.(*jsonrpc.Request); isReq && !req.ID.IsValid() && req.Method == "notifications/cancelled" {
			c.noteCancelled(req.Params)
		}
		if req, isReq := msg.(*jsonrpc.Request); isReq && req.ID.IsValid() {
			if !knownMethods[req.Method] {
				c.respondError(req.ID, jsonrpc.CodeMethodNotFound, "Method not found")
				continue
			}
			c.pendMu.Lock()
			c.pending[req.ID.Raw()] = true
			if req.Method == "initialize" && !c.initialized {
				c.initID = req.ID.Raw()
			}
			c.pendMu.Unlock()
		}
		return msg, nil
	}
}

// noteCancelled records a notifications/cancelled for a request still
// pending, so its response is not written (and EOF does not wait for it).
// The notification still goes to the SDK, which cancels the handler.
func (c *stdioConn) noteCancelled(params json.RawMessage) {
	var p struct {
		RequestID any `json:"requestId"`
	}
	if json.Unmarshal(params, &p) != nil || p.RequestID == nil {
		return
	}
	id, err := jsonrpc.MakeID(p.RequestID)
	if err != nil {
		return
	}
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	if c.pending[id.Raw()] {
		delete(c.pending, id.Raw())
		c.cancelled[id.Raw()] = true
		if len(c.pending) == 0 {
			c.idle.Broadcast()
		}
	}
}

// decode parses one line, answering what cannot be handled: invalid JSON
// with -32700 and id null, a batch or an invalid message with -32600
// (echoing the id when there is a usable one).
func (c *stdioConn) decode(line []byte) (jsonrpc.Message, bool) {
	if line[0] == '[' {
		c.reply(errorLine(nil, jsonrpc.CodeInvalidRequest, "batch requests are not supported"))
		return nil, false
	}
	msg, err := jsonrpc.DecodeMessage(line)
	if err == nil {
		return msg, true
	}
	var probe struct {
		ID     json.RawMessage `json:"id"`
		Method *string         `json:"method"`
	}
	if json.Unmarshal(line, &probe) != nil {
		// Valid JSON can still be too deep for the decoders (the SDK's
		// stops at 1,000 levels, encoding/json at 10,000): answer such a
		// request with its own id, or the client waits forever.
		top, ok := scanTopLevel(line)
		switch {
		case !ok:
			c.reply(errorLine(nil, jsonrpc.CodeParseError, "Parse error"))
		case len(top.id) > 0 && string(top.id) != "null":
			c.reply(errorLine(top.id, jsonrpc.CodeInvalidRequest, "Invalid Request: nested too deeply"))
		case !top.hasMethod:
			c.reply(errorLine(nil, jsonrpc.CodeInvalidRequest, "Invalid Request"))
		}
		return nil, false
	}
	if probe.Method == nil && len(probe.ID) == 0 {
		// Neither request nor response: nothing to answer to.
		c.reply(errorLine(nil, jsonrpc.CodeInvalidRequest, "Invalid Request"))
		return nil, false
	}
	var id any
	if json.Unmarshal(probe.ID, &id) == nil {
		switch id.(type) {
		case string, float64:
		default:
			id = nil
		}
	}
	if id == nil && probe.Method != nil && len(probe.ID) == 0 {
		// An invalid notification gets no answer.
		return nil, false
	}
	c.reply(errorLine(probe.ID, jsonrpc.CodeInvalidRequest, "Invalid Request"))
	return nil, false
}

// errorLine builds an error response by hand, because the SDK's encoder
// cannot write the "id": null that JSON-RPC requires when the id is
// unknown.
func errorLine(id json.RawMessage, code int64, msg string) []byte {
	var idv any
	if len(id) > 0 && json.Unmarshal(id, &idv) == nil {
		switch idv.(type) {
		case string, float64:
		default:
			idv = nil
		}
	}
	b, _ := json.Marshal(struct {
		JSONRPC string `json:"jsonrpc"`
		ID      any    `json:"id"`
		Error   struct {
			Code    int64  `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: idv, Error: struct {
		Code    int64  `json:"code"`
		Message string `json:"message"`
	}{code, msg}})
	return b
}

func (c *stdioConn) respondError(id jsonrpc.ID, code int64, msg string) {
	data, err := jsonrpc.EncodeMessage(&jsonrpc.Response{ID: id, Error: &jsonrpc.Error{Code: code, Message: msg}})
	if err != nil {
		c.log.Warn("cannot encode an error response", "error", err)
		return
	}
	c.reply(data)
}

// reply writes an answer the transport makes itself. Its error needs no
// handling here: a failed write has already ended the session.
func (c *stdioConn) reply(data []byte) {
	if err := c.writeRaw(data); err != nil {
		c.log.Debug("answer not written", "error", err)
	}
}

// writeRaw writes one message line. The first failed write ends the
// session (Read then returns EOF): stdout is the only way to the client,
// so a client that closed it is gone, and carrying on would only pile up
// answers nobody reads. Later writes report the same error.
func (c *stdioConn) writeRaw(data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.writeErr != nil {
		return c.writeErr
	}
	buf := make([]byte, 0, len(data)+1)
	buf = append(append(buf, data...), '\n')
	if _, err := c.out.Write(buf); err != nil {
		c.writeErr = fmt.Errorf("write stdout: %w", err)
		c.log.Warn("cannot write to the client; ending the session", "error", err)
		_ = c.Close() // never fails
		return c.writeErr
	}
	return nil
}

// Write implements [mcp.Connection].
func (c *stdioConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if resp, ok := msg.(*jsonrpc.Response); ok {
		c.pendMu.Lock()
		dropped := c.cancelled[resp.ID.Raw()]
		delete(c.cancelled, resp.ID.Raw())
		c.pendMu.Unlock()
		if dropped {
			return nil
		}
	}
	if req, ok := msg.(*jsonrpc.Request); ok && !req.ID.IsValid() && strings.HasSuffix(req.Method, "/list_changed") {
		c.pendMu.Lock()
		early := !c.initialized
		c.pendMu.Unlock()
		if early {
			// The client learns the whole list from its first tools/list,
			// which comes after initialize.
			return nil
		}
	}
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	err = c.writeRaw(data)
	if resp, ok := msg.(*jsonrpc.Response); ok {
		c.pendMu.Lock()
		delete(c.pending, resp.ID.Raw())
		if c.initID != nil && resp.ID.Raw() == c.initID {
			c.initialized = true
		}
		if len(c.pending) == 0 {
			c.idle.Broadcast()
		}
		c.pendMu.Unlock()
	}
	return err
}

// waitIdle waits, up to the drain timeout, until every request read so far
// has been answered, so "initialize, tools/list, EOF" gets both answers.
func (c *stdioConn) waitIdle() {
	deadline := time.Now().Add(c.drain)
	timer := time.AfterFunc(c.drain, func() {
		c.pendMu.Lock()
		c.idle.Broadcast()
		c.pendMu.Unlock()
	})
	defer timer.Stop()
	c.pendMu.Lock()
	defer c.pendMu.Unlock()
	for len(c.pending) > 0 && time.Now().Before(deadline) {
		c.idle.Wait()
	}
}

// Close implements [mcp.Connection].
func (c *stdioConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// SessionID implements [mcp.Connection]; stdio has no session id.
func (c *stdioConn) SessionID() string { return "" }
