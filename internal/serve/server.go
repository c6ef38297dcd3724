package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// Options configure a [Server].
type Options struct {
	// Client reaches the gate. Required.
	Client *gate.Client
	// Version is reported in serverInfo and latchgate://status.
	Version string
	// AgentID and SessionID are labels shown in latchgate://status; the
	// gate decides the real principal and session.
	AgentID   string
	SessionID string
	// Logger receives diagnostics (stderr in production); nil discards.
	Logger *slog.Logger

	// RefreshInterval is how often the tool list is re-read from a
	// healthy gate; default 150s.
	RefreshInterval time.Duration
	// DiscoveryConcurrency bounds parallel schema/detail fetches;
	// default 16.
	DiscoveryConcurrency int
	// ListWait bounds one discovery as a whole, and so how long the first
	// tools/list waits when there is no cached list; default 10s. Actions
	// whose details have not arrived by then are offered with a
	// permissive schema until the next refresh.
	ListWait time.Duration
	// CacheDir, when set, is where the last discovered catalogue of each
	// gate is kept (see cache.go): with it, the first tools/list is
	// answered at once and discovery refreshes it in the background.
	// It is created with mode 0700 if missing.
	CacheDir string
	// ExecuteTimeout bounds an execute call whose action declares no
	// timeout; default 120s. Actions with a timeout get it plus 30s.
	ExecuteTimeout time.Duration
	// HoldTimeout bounds the wait for an approval; default 300s, the
	// gate's approval lifetime.
	HoldTimeout time.Duration
	// Include and Exclude filter the gate's actions by id with
	// path.Match globs ("github_*"): an action is offered when it matches
	// some Include pattern (or Include is empty) and no Exclude pattern.
	// Users trim the tool list a model sees without touching gate policy;
	// the gate still decides what runs. Check patterns with
	// [CheckPatterns].
	Include []string
	Exclude []string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Server is the MCP server for one stdio session.
type Server struct {
	opts   Options
	client *gate.Client
	log    *slog.Logger
	now    func() time.Time
	mcp    *mcp.Server
	cat    catalog
	health *health
	disc   *discovery
	holds  holdTracker
	kick   chan struct{}

	cache     *toolCache
	firstDone chan struct{} // closed when the first discovery attempt ends
	listed    chan struct{} // closed when the first tools/list is answered
	listOnce  sync.Once
	startOnce sync.Once
	loopDone  chan struct{} // closed when the refresh loop has returned
	// pollWait waits between approval polls; tests replace it to step
	// the loop by hand.
	pollWait func(ctx context.Context, d time.Duration) bool

	refreshMu   sync.Mutex // one discovery at a time
	lastErr     error      // of the last discovery, under refreshMu
	lastErrTime time.Time
	lastPartial bool // the last discovery ran out of time
}

// recentRefreshError returns the error of the last discovery if it failed
// less than within ago.
func (s *Server) recentRefreshError(within time.Duration) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	if s.lastErr != nil && s.now().Sub(s.lastErrTime) < within {
		return s.lastErr
	}
	return nil
}

// New builds the server; nothing talks to the gate until [Server.Run].
func New(opts Options) (*Server, error) {
	if opts.Client == nil {
		return nil, errors.New("create server: no gate client")
	}
	if err := CheckPatterns(append(append([]string(nil), opts.Include...), opts.Exclude...)); err != nil {
		return nil, fmt.Errorf("create server: %w", err)
	}
	s := &Server{opts: opts, client: opts.Client, log: opts.Logger, now: opts.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.Version == "" {
		s.opts.Version = "dev"
	}
	if s.opts.AgentID == "" {
		s.opts.AgentID = "latchgate-mcp"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.opts.RefreshInterval, 150*time.Second)
	def(&s.opts.ListWait, 10*time.Second)
	def(&s.opts.ExecuteTimeout, 120*time.Second)
	def(&s.opts.HoldTimeout, 300*time.Second)
	if s.opts.DiscoveryConcurrency <= 0 {
		s.opts.DiscoveryConcurrency = 16
	}
	s.health = newHealth(s.now)
	s.kick = make(chan struct{}, 1)
	s.firstDone = make(chan struct{})
	s.listed = make(chan struct{})
	s.loopDone = make(chan struct{})
	s.pollWait = sleepCtx
	s.holds.m = map[string]*holdRecord{}
	s.disc = &discovery{client: s.client, concurrency: s.opts.DiscoveryConcurrency,
		defaultTimeout: s.opts.ExecuteTimeout, budget: s.opts.ListWait, warn: s.log.Warn, info: s.log.Info,
		include: s.opts.Include, exclude: s.opts.Exclude}
	s.cache = newToolCache(s.opts.CacheDir, s.client, s.opts.Include, s.opts.Exclude)

	s.mcp = mcp.NewServer(&mcp.Implementation{Name: "latchgate-mcp", Title: "LatchGate", Version: s.opts.Version},
		&mcp.ServerOptions{
			Logger:       s.log,
			Instructions: instructions,
			// Declared explicitly: the tools capability must be there even
			// when the gate offers no tools yet, or clients never ask.
			// There is no logging capability: MCP deprecated it
			// (SEP-2577) in favour of stderr, where our logs go; holds are
			// reported with progress notifications.
			Capabilities: &mcp.ServerCapabilities{
				Tools:     &mcp.ToolCapabilities{ListChanged: true},
				Resources: &mcp.ResourceCapabilities{ListChanged: true},
			},
		})
	s.mcp.AddReceivingMiddleware(s.middleware)
	s.addLocalTools()
	s.mcp.AddTool(dispatchTool, s.dispatch)
	s.addResources()
	return s, nil
}

// sleepCtx waits d or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

const instructions = `Tools from this server are LatchGate protected actions. Every call is authorized by the LatchGate gate, audited and verified. A call may be denied by policy, or held until a human operator approves it: the call then waits (with progress notifications) and returns the result once approved. Failed calls return a JSON object with a "code" such as policy_denied, pending_approval, budget_exhausted or gate_unavailable; do not retry policy_denied calls unchanged.`

// MCP returns the underlying SDK server, for in-process tests.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Run serves t until the client goes away or ctx ends: the cached tool
// list (if any) at once, discovery in the background. Gate failures never
// end it. It returns once the background work has stopped.
func (s *Server) Run(ctx context.Context, t mcp.Transport) error {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		<-s.loopDone
	}()
	s.Start(ctx)
	runCtx := ctx
	if st, ok := t.(*StdioTransport); ok {
		// End a stdio session the way a client does, as end of input:
		// answers in flight are still written, and the SDK does not log
		// the normal shutdown an IDE triggers with SIGINT as an error.
		st.stop = ctx.Done()
		st.log = s.log
		runCtx = context.WithoutCancel(ctx)
	}
	err := s.mcp.Run(runCtx, t)
	if errors.Is(err, context.Canceled) || errors.Is(err, mcp.ErrConnectionClosed) {
		return nil
	}
	return err
}

// Start loads the cached tool list and begins background discovery
// without a transport, for tests that connect sessions with
// [mcp.Server.Connect] themselves. Only the first call does anything.
func (s *Server) Start(ctx context.Context) {
	s.startOnce.Do(func() {
		s.loadCache()
		go func() {
			defer close(s.loopDone)
			s.refreshLoop(ctx)
		}()
	})
}

// loadCache installs the cached catalogue, if there is one. It runs before
// any session exists, so it notifies nobody.
func (s *Server) loadCache() {
	if s.cache == nil {
		return
	}
	entries, err := s.cache.load()
	switch {
	case err != nil:
		s.log.Warn("cannot use the tool cache; discovering the tools instead", "error", err)
	case entries != nil:
		s.cat.replace(entries, s.now(), true)
		s.log.Debug("tool list loaded from the cache", "tools", len(entries), "file", s.cache.path)
	}
}

// middleware answers tools/list from the catalogue (waiting for the first
// discovery when there is no cached list, since several clients never ask
// again, and failing with the reason when there is nothing to show and the
// gate is down), and routes a call to a gate tool through the dispatcher
// tool (see dispatch), answering a call to a tool the gate does not have
// with a tool error the model can read instead of the SDK's protocol
// error.
//
// Gate tools are not registered with the SDK one by one: AddTool
// re-marshals every schema and keeps its tools in a sorted slice, which
// made registering a thousand tools take about 30 ms and 75 MB of
// allocations, for a list the catalogue already holds.
func (s *Server) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		switch method {
		case "tools/list":
			if err := s.awaitCatalog(ctx); err != nil {
				return nil, err
			}
			defer s.listOnce.Do(func() { close(s.listed) })
			return &mcp.ListToolsResult{Tools: s.cat.tools(), Cacheable: mcp.Cacheable{CacheScope: "public"}}, nil
		case "tools/call":
			p, ok := req.GetParams().(*mcp.CallToolParamsRaw)
			if !ok || p == nil || s.isLocal(p.Name) {
				break
			}
			if res := s.precheckCall(ctx, req, p); res != nil {
				return res, nil
			}
			name := p.Name
			p.Name = dispatchName
			defer func() { p.Name = name }()
			return next(context.WithValue(ctx, toolNameKey{}, name), method, req)
		}
		return next(ctx, method, req)
	}
}

// dispatchName is the one gate-tool name the SDK knows. tools/call for a
// gate tool reaches the SDK renamed to it, with the real name in the
// context, so the SDK still does what it does for every call (cancellation,
// result shape per protocol version) without a registration per tool.
// It never appears in tools/list, which the middleware answers, and a
// client calling it by name is told there is no such action.
const dispatchName = "latchgate_gate_action"

var dispatchTool = &mcp.Tool{
	Name:        dispatchName,
	Description: "Internal: routes calls to LatchGate actions.",
	InputSchema: json.RawMessage(`{"type":"object"}`),
}

type toolNameKey struct{}

// dispatch is the handler of dispatchTool: it runs the call for the tool
// the middleware named in ctx.
func (s *Server) dispatch(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	name, _ := ctx.Value(toolNameKey{}).(string)
	if name == "" {
		c := &callState{s: s, actionID: dispatchName, traceID: "tr_" + gate.NewUUIDv7(), structured: wantsStructured(req)}
		return c.fail(codeActionNotFound, fmt.Sprintf("Action '%s' not found in registry.", dispatchName)), nil
	}
	return s.callHandler(name)(ctx, req)
}

// notifyToolsChanged tells clients the tool list changed. The SDK sends
// notifications/tools/list_changed (debounced) when a registered tool is
// replaced; the dispatcher is the tool replaced, by itself.
func (s *Server) notifyToolsChanged() {
	s.mcp.AddTool(dispatchTool, s.dispatch)
}

// precheckCall waits for the first discovery, so a call that arrives
// before it (a client replaying a cached tool list) is not refused, and
// answers a call to a tool the gate does not have with a tool error the
// model can read instead of the SDK's protocol error. A nil result lets
// the call proceed.
func (s *Server) precheckCall(ctx context.Context, req mcp.Request, p *mcp.CallToolParamsRaw) mcp.Result {
	if _, ok := s.cat.lookup(p.Name); ok {
		return nil
	}
	s.waitFirst(ctx)
	if _, ok := s.cat.lookup(p.Name); ok {
		return nil
	}
	s.cat.mu.RLock()
	stale := s.now().Sub(s.cat.updated) > time.Second
	s.cat.mu.RUnlock()
	if stale {
		_ = s.refresh(ctx)
		if _, ok := s.cat.lookup(p.Name); ok {
			return nil
		}
	}
	c := &callState{s: s, actionID: p.Name, traceID: "tr_" + gate.NewUUIDv7()}
	if ss, ok := req.GetSession().(*mcp.ServerSession); ok {
		if ip := ss.InitializeParams(); ip != nil && ip.ProtocolVersion >= structuredFrom {
			c.structured = true
		}
	}
	return c.fail(codeActionNotFound, fmt.Sprintf("Action '%s' not found in registry.", cleanText(p.Name, true)))
}

// waitListed waits until the first tools/list has been answered, at most
// d.
func (s *Server) waitListed(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.listed:
	case <-t.C:
	case <-ctx.Done():
	}
}

// waitFirst waits for the first discovery to end: it is bounded by
// ListWait, plus a margin for the work after the gate's last answer.
func (s *Server) waitFirst(ctx context.Context) {
	wait := time.NewTimer(s.opts.ListWait + 2*time.Second)
	defer wait.Stop()
	select {
	case <-s.firstDone:
	case <-wait.C:
	case <-ctx.Done():
	}
}

// awaitCatalog returns at once when there is a tool list (cached or
// discovered). Otherwise it waits for the first discovery, which is
// bounded as a whole (ListWait), and never starts a second one while that
// one runs: a gate that stalls costs the first tools/list one bounded
// discovery, not two. If the first discovery failed a while ago (the gate
// was down at startup) it tries once more; otherwise it fails tools/list
// with the reason, which Claude Code shows to the user.
func (s *Server) awaitCatalog(ctx context.Context) error {
	if _, loaded := s.cat.snapshot(); loaded {
		return nil
	}
	s.waitFirst(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, loaded := s.cat.snapshot(); loaded {
		return nil
	}
	var err error
	select {
	case <-s.firstDone:
		// Retry unless the last attempt failed just now: a gate that does
		// not answer should cost the client one discovery, not two.
		err = s.recentRefreshError(2 * time.Second)
		if err == nil {
			err = s.refresh(ctx)
		}
		if err == nil {
			return nil
		}
	default:
		err = fmt.Errorf("the gate has not finished listing its actions after %s", s.opts.ListWait)
	}
	msg := "cannot fetch action list from LatchGate: " + err.Error()
	if h := gate.Hint(err); h != "" {
		msg += " (" + h + ")"
	}
	return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
}

// refreshLoop keeps the tool list current: every RefreshInterval while the
// gate is healthy, and at each backoff step while it is not, so a gate
// that comes back is noticed without any client activity.
func (s *Server) refreshLoop(ctx context.Context) {
	if s.cat.isFromCache() {
		// The IDE has its tools from the cache: leave the CPU to its
		// first requests (a thousand tools take a few thousand gate
		// requests to check), then check the gate in the background.
		s.waitListed(ctx, time.Second)
	}
	err := s.refresh(ctx)
	// Discovery's garbage (every gate answer, decoded) is several times
	// the catalogue it leaves; the runtime would keep that memory for
	// minutes. Give it back now: serve lives as long as the IDE session,
	// idle most of the time, once per IDE window.
	debug.FreeOSMemory()
	close(s.firstDone)
	s.warmUpIfNeeded(ctx, err)
	for {
		st := s.health.state()
		wait := s.opts.RefreshInterval
		if s.partialRefresh() {
			// Some tools are offered without their details: fill them in
			// soon rather than at the next regular refresh.
			wait = min(wait, s.opts.ListWait+5*time.Second)
		}
		if !st.Healthy {
			wait = max(st.NextRetry, 10*time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.kick:
			t.Stop()
			if s.health.state().Healthy {
				// A kick from a healthy state means "the gate came back":
				// re-read the catalogue at once.
				s.warmUpIfNeeded(ctx, s.refresh(ctx))
			}
			continue
		case <-t.C:
		}
		s.warmUpIfNeeded(ctx, s.refresh(ctx))
	}
}

// warmUpIfNeeded warms up after a successful discovery when there is no
// lease yet (at startup, or when the gate first came up later).
func (s *Server) warmUpIfNeeded(ctx context.Context, refreshErr error) {
	if refreshErr == nil && s.client.CurrentLease() == nil {
		s.warmUp(ctx)
	}
}

// warmUp obtains the first lease and proves it is accepted, off the
// critical path of tools/list, so the first tool call does not pay for the
// lease and a misconfiguration shows in the log at startup rather than on
// the first call.
func (s *Server) warmUp(ctx context.Context) {
	err := s.client.VerifyAuth(ctx)
	if err == nil {
		return
	}
	var ge *gate.Error
	if errors.As(err, &ge) && strings.Contains(ge.DenyReason, "htu") {
		s.log.Warn("the gate rejects this server's DPoP proofs: --public-base-url must equal public_base_url in latchgate.toml",
			"public_base_url", s.client.PublicBaseURL(), "gate_says", ge.DenyReason)
		return
	}
	s.log.Warn("cannot authenticate to the gate; tool calls will fail until this is fixed", "error", err, "hint", gate.Hint(err))
}

// kickRefresh wakes the refresh loop (after a state change).
func (s *Server) kickRefresh() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// refresh runs one discovery and installs the result. On failure the
// previous tool list stays (a gate that is down still has tools, as far as
// the client is concerned: calls then fail with gate_unavailable). A
// complete result is written to the cache.
func (s *Server) refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	start := s.now()
	d, err := s.disc.run(ctx)
	if ctx.Err() != nil {
		// Shutting down (or the request that asked is gone): not a gate
		// failure, and nothing worth reporting.
		return ctx.Err()
	}
	s.lastErr, s.lastErrTime = err, s.now()
	if err != nil {
		s.noteGateError(err)
		if !gate.IsTransport(err) {
			s.log.Warn("cannot refresh the tool list", "error", err, "hint", gate.Hint(err))
		}
		return err
	}
	s.lastPartial = d.partial > 0
	if s.health.success() {
		s.log.Warn("gate connection restored")
	}
	added, removed := s.cat.replace(s.cat.keepKnown(d.entries), s.now(), false)
	if len(added) > 0 || len(removed) > 0 {
		s.notifyToolsChanged()
	}
	if s.cache != nil && d.partial == 0 {
		if err := s.cache.save(d.entries, s.now()); err != nil {
			s.log.Warn("cannot save the tool cache", "error", err)
		}
	}
	s.log.Debug("tool list refreshed", "tools", len(d.entries), "skipped", d.skipped, "filtered", d.filtered,
		"partial", d.partial, "added", len(added), "removed", len(removed), "took", s.now().Sub(start))
	return nil
}

// partialRefresh reports whether the last discovery left tools without
// their details.
func (s *Server) partialRefresh() bool {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	return s.lastPartial
}

// noteGateError feeds the reconnection state machine: only failures to
// reach the gate count, and an execute that timed out does not (the gate
// may be busy running it).
func (s *Server) noteGateError(err error) {
	var te *gate.TransportError
	if !errors.As(err, &te) || te.Timeout || errors.Is(err, context.Canceled) {
		return
	}
	wait, first := s.health.failure(err)
	level := slog.LevelDebug // one warning per outage, not one per attempt
	if first {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "gate unreachable; reconnecting", "error", err, "hint", te.Hint, "next_attempt_in", wait)
	s.kickRefresh()
}

func (s *Server) noteGateOK() {
	if s.health.success() {
		s.log.Warn("gate connection restored")
		s.kickRefresh()
	}
}

func (s *Server) gateStatusLine() string {
	st := s.health.state()
	if st.Healthy {
		return "healthy"
	}
	return fmt.Sprintf("unreachable (attempt %d, next retry in %ds): %s", st.Attempt, int(st.NextRetry.Seconds()+0.5), st.LastErr)
}
