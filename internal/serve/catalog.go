package serve

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// toolNameRE is the tool-name rule of the strictest clients (Claude's API):
// an action whose id breaks it is skipped rather than offered under a name
// the client would reject.
var toolNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// destructiveVerbs mark a side effect (or a high-risk action id) as
// destructive, matched as substrings.
var destructiveVerbs = []string{"delete", "destroy", "drop", "purge", "remove", "revoke", "terminate", "truncate", "wipe"}

// annotations are the tool hints derived from an action; nil fields are
// hints not set.
type annotations struct {
	ReadOnly    *bool `json:"readOnlyHint,omitempty"`
	Destructive *bool `json:"destructiveHint,omitempty"`
	OpenWorld   *bool `json:"openWorldHint,omitempty"`
}

func (a annotations) empty() bool {
	return a.ReadOnly == nil && a.Destructive == nil && a.OpenWorld == nil
}

func ptr(b bool) *bool { return &b }

// deriveAnnotations derives MCP tool hints from an action's risk and
// detail (nil when the detail could not be fetched), as the Rust adapter
// does except that actions which only read are read-only: clients use the
// hints to decide what to confirm with the user.
func deriveAnnotations(actionID, risk string, d *gate.ActionDetail) annotations {
	var a annotations
	var effects *[]string
	if d != nil {
		effects = d.DeclaredSideEffects
	}
	destructive := risk == "critical"
	if effects != nil {
		for _, e := range *effects {
			if containsVerb(e) {
				destructive = true
			}
		}
	}
	if risk == "high" && containsVerb(actionID) {
		destructive = true
	}
	if effects != nil {
		a.ReadOnly = ptr(!destructive && onlyReads(*effects))
	}
	switch {
	case destructive:
		a.Destructive = ptr(true)
	case effects != nil:
		a.Destructive = ptr(false)
	}
	switch d.EgressProfile() {
	case "none":
		a.OpenWorld = ptr(false)
	case "proxy_allowlist":
		a.OpenWorld = ptr(true)
	}
	return a
}

// onlyReads reports whether every declared side effect is a read
// ("http_read", "fs_read"); none at all counts too. The Rust adapter marks
// only actions with no side effects read-only, so the many http_read
// actions were offered to clients as if they wrote (gate-protocol §10 G13).
func onlyReads(effects []string) bool {
	for _, e := range effects {
		if !strings.HasSuffix(e, "_read") {
			return false
		}
	}
	return true
}

func containsVerb(s string) bool {
	for _, v := range destructiveVerbs {
		if strings.Contains(s, v) {
			return true
		}
	}
	return false
}

func (a annotations) mcp() *mcp.ToolAnnotations {
	if a.empty() {
		return nil
	}
	t := &mcp.ToolAnnotations{DestructiveHint: a.Destructive, OpenWorldHint: a.OpenWorld}
	if a.ReadOnly != nil {
		t.ReadOnlyHint = *a.ReadOnly
	}
	return t
}

// MaxDescriptionBytes caps a tool description; a longer one (a database
// action listing thousands of statements) is cut with "…". Each value taken
// from the gate (version, risk, statement ids, tables, operations) is cut
// to maxFieldBytes and has its control characters replaced by spaces, so
// nothing the gate sends can drive the terminal of the person reading
// the tool list.
const (
	MaxDescriptionBytes = 8 << 10
	maxFieldBytes       = 128
)

// field cleans one value from the gate for a description: one line, no
// control characters, at most maxFieldBytes.
func field(s string) string {
	return gate.Sanitize(cleanText(s, true), maxFieldBytes)
}

// describe builds a tool description. Manifests carry no human text, so
// the description says what LatchGate does with the call and, for
// database actions, which statements exist.
func describe(version, risk string, d *gate.ActionDetail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "LatchGate protected action (version %s, risk: %s). Execution is authorized, audited, and verified by LatchGate.", field(version), field(risk))
	if d == nil || d.Database == nil {
		return b.String()
	}
	db := d.Database
	fmt.Fprintf(&b, "\n\nDatabase action (mode: %s). Use `statement_id` with `params` to invoke a predeclared operation.", field(db.Mode))
	if len(db.Statements) > 0 {
		b.WriteString("\n\nAvailable statements:")
		for _, st := range db.Statements {
			if b.Len() > MaxDescriptionBytes {
				break
			}
			tables := make([]string, 0, len(st.Tables))
			for _, tb := range st.Tables {
				if len(tables) > 64 {
					break
				}
				tables = append(tables, field(tb))
			}
			fmt.Fprintf(&b, "\n  - %s: %s on %s", field(st.ID), field(st.Operation), strings.Join(tables, ", "))
			if st.ParamCount > 0 {
				ps := make([]string, min(st.ParamCount, 64))
				for i := range ps {
					ps[i] = fmt.Sprintf("$%d", i+1)
				}
				fmt.Fprintf(&b, " — params: [%s]", strings.Join(ps, ", "))
			}
		}
	}
	if db.AllowsParameterizedQueries && len(db.ParameterizedOperations) > 0 {
		ops := make([]string, 0, len(db.ParameterizedOperations))
		for _, op := range db.ParameterizedOperations {
			if len(ops) > 64 {
				break
			}
			ops = append(ops, field(op))
		}
		fmt.Fprintf(&b, "\n\nYou can also send parameterized queries using the `query` field for %s operations.", strings.Join(ops, ", "))
	}
	return capDescription(b.String())
}

// capDescription cuts a description to MaxDescriptionBytes.
func capDescription(s string) string {
	if len(s) <= MaxDescriptionBytes {
		return s
	}
	const more = "…"
	return gate.Sanitize(s, MaxDescriptionBytes-len(more)) + more
}

// permissiveSchema is the input schema of an action whose schema could not
// be fetched: any object, validated by the gate alone.
var permissiveSchema = json.RawMessage(`{"type":"object","additionalProperties":true}`)

// toolEntry is one gate action offered as a tool.
type toolEntry struct {
	tool     *mcp.Tool
	actionID string
	// schemaRaw validates arguments before they go to the gate; nil when
	// the schema accepts any object or cannot be checked safely (see
	// checkSchema). It is compiled on first use: that is most of the cost
	// of discovery, and most tools are never called.
	schemaRaw  json.RawMessage
	schemaOnce sync.Once
	schema     *jsonschema.Resolved
	// timeout bounds an execute call: the action's own limit plus margin.
	timeout time.Duration
	// hash covers the whole tool definition, so any change to it (not
	// just the set of names) notifies the client.
	hash [32]byte
	// partial marks a tool offered before its detail and schema arrived
	// (the discovery ran out of time): permissive until the next refresh.
	partial bool
}

// buildEntry turns one action into a tool, or says why it is skipped.
func buildEntry(sum gate.ActionSummary, detail *gate.ActionDetail, schema json.RawMessage, defaultTimeout time.Duration) (*toolEntry, error) {
	if !toolNameRE.MatchString(sum.ActionID) {
		return nil, fmt.Errorf("action id %q is not a valid tool name (^[a-zA-Z0-9_-]{1,64}$)", sum.ActionID)
	}
	if schema == nil {
		schema = permissiveSchema
	}
	info, err := checkSchema(schema)
	if err != nil {
		return nil, err
	}
	ann := deriveAnnotations(sum.ActionID, sum.RiskLevel, detail)
	t := &mcp.Tool{
		Name:        sum.ActionID,
		Description: describe(sum.Version, sum.RiskLevel, detail),
		InputSchema: info.raw,
		Annotations: ann.mcp(),
	}
	e := &toolEntry{tool: t, actionID: sum.ActionID, timeout: defaultTimeout}
	if detail != nil && detail.ResourceLimits.TimeoutSeconds > 0 {
		e.timeout = time.Duration(detail.ResourceLimits.TimeoutSeconds)*time.Second + 30*time.Second
	}
	if info.validate && !info.trivial {
		e.schemaRaw = info.raw
	}
	e.hash = toolHash(t, e.timeout, e.schemaRaw != nil)
	return e, nil
}

// toolHash identifies a tool definition and how it is called, so a change
// to any of it is noticed, without marshalling the whole tool.
func toolHash(t *mcp.Tool, timeout time.Duration, validates bool) [32]byte {
	h := sha256.New()
	schema, _ := t.InputSchema.(json.RawMessage)
	ann, _ := json.Marshal(t.Annotations)
	for _, part := range [][]byte{[]byte(t.Name), []byte(t.Description), schema, ann,
		[]byte(timeout.String()), []byte(strconv.FormatBool(validates))} {
		h.Write(part)
		h.Write([]byte{0})
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// validator returns the compiled request schema, or nil when there is
// nothing to check or it does not compile (the gate validates anyway, so
// we never refuse what it would accept).
func (e *toolEntry) validator() *jsonschema.Resolved {
	e.schemaOnce.Do(func() {
		if e.schemaRaw == nil {
			return
		}
		// A schema from the cache file was checked when it was
		// discovered; check again, since the file is outside our
		// control and a loop here would be fatal.
		if info, err := checkSchema(e.schemaRaw); err != nil || !info.validate {
			return
		}
		defer func() { _ = recover() }() // a compiler bug must not end the session
		var s jsonschema.Schema
		if err := json.Unmarshal(e.schemaRaw, &s); err != nil {
			return
		}
		if rs, err := s.Resolve(nil); err == nil {
			e.schema = rs
		}
	})
	return e.schema
}

// discovery fetches the whole catalogue: the list, then each action's
// detail and (when the detail says there is one) its schema, several
// actions at a time, so tools/list is ready in a few rounds of parallel
// requests rather than 2N sequential ones. One discovery is bounded by
// budget as a whole: actions whose detail has not arrived by then are
// offered with a permissive schema (the gate validates every call anyway)
// and filled in by the next refresh, so a gate that stalls on action
// details costs the first tools/list one budget, not one per action.
type discovery struct {
	client         *gate.Client
	concurrency    int
	defaultTimeout time.Duration
	budget         time.Duration
	warn           func(msg string, args ...any)
	info           func(msg string, args ...any)
	// include and exclude are Options.Include and Options.Exclude.
	include, exclude []string
}

// wanted reports whether the include and exclude patterns let an action
// through. Patterns were checked by New, so match errors cannot occur.
func (d *discovery) wanted(id string) bool {
	for _, p := range d.exclude {
		if ok, _ := path.Match(p, id); ok {
			return false
		}
	}
	if len(d.include) == 0 {
		return true
	}
	for _, p := range d.include {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

// CheckPatterns checks include and exclude patterns (path.Match syntax).
func CheckPatterns(patterns []string) error {
	for _, p := range patterns {
		if p == "" {
			return errors.New("check tool filter: empty pattern")
		}
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("check tool filter %q: %w", p, err)
		}
	}
	return nil
}

type discovered struct {
	entries  []*toolEntry
	skipped  int
	filtered int // left out by the include and exclude patterns
	partial  int // offered without detail and schema: the budget ran out
}

func (d *discovery) run(parent context.Context) (*discovered, error) {
	ctx, cancel := context.WithTimeout(parent, d.budget)
	defer cancel()
	all, err := d.client.ListActions(ctx)
	if err != nil {
		return nil, err
	}
	// Filter first: a tool nobody will see costs no schema or detail
	// request.
	actions := make([]gate.ActionSummary, 0, len(all))
	filtered := 0
	for _, a := range all {
		if d.wanted(a.ActionID) {
			actions = append(actions, a)
		} else {
			filtered++
		}
	}
	entries := make([]*toolEntry, len(actions))
	sem := make(chan struct{}, max(d.concurrency, 1))
	var wg sync.WaitGroup
	for i, a := range actions {
		if !toolNameRE.MatchString(a.ActionID) {
			d.warn("skipping action: its id is not a valid MCP tool name", "action_id", a.ActionID)
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			// Out of time: the rest are offered as they are.
			entries[i] = d.entry(a, nil, nil, true)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			entries[i] = d.fetch(ctx, a)
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return nil, err
	}
	out := &discovered{filtered: filtered}
	for _, e := range entries {
		switch {
		case e == nil:
			out.skipped++
		case e.partial:
			out.partial++
			fallthrough
		default:
			out.entries = append(out.entries, e)
		}
	}
	if out.partial > 0 {
		d.warn("the gate did not send every action's details in time; those actions are offered with a permissive schema until the next refresh",
			"actions", out.partial, "budget", d.budget)
	}
	return out, nil
}

// fetch reads one action's detail, then its schema unless the detail says
// it has none, and builds its entry (nil when it is skipped).
func (d *discovery) fetch(ctx context.Context, a gate.ActionSummary) *toolEntry {
	detail, derr := d.client.Action(ctx, a.ActionID)
	if ctx.Err() != nil {
		return d.entry(a, nil, nil, true)
	}
	if derr != nil {
		detail = nil
	}
	var schema json.RawMessage
	if detail == nil || detail.IO.HasRequestSchema == nil || *detail.IO.HasRequestSchema {
		var serr error
		schema, serr = d.client.RequestSchema(ctx, a.ActionID)
		if ctx.Err() != nil {
			return d.entry(a, detail, nil, true)
		}
		if serr != nil {
			var ge *gate.Error
			if errors.As(serr, &ge) && ge.Status == 404 {
				// The action declares no request schema: normal.
				d.info("action has no request schema; the gate alone validates its arguments", "action_id", a.ActionID)
			} else {
				d.warn("cannot fetch the request schema; the gate alone will validate its arguments", "action_id", a.ActionID, "error", serr)
			}
			schema = nil
		}
	}
	return d.entry(a, detail, schema, false)
}

func (d *discovery) entry(a gate.ActionSummary, detail *gate.ActionDetail, schema json.RawMessage, partial bool) *toolEntry {
	e, err := buildEntry(a, detail, schema, d.defaultTimeout)
	if err != nil {
		d.warn("skipping action", "action_id", a.ActionID, "reason", err)
		return nil
	}
	e.partial = partial
	return e
}

// catalog is the current tool set, shared by the handlers.
type catalog struct {
	mu      sync.RWMutex
	byName  map[string]*toolEntry
	loaded  bool
	updated time.Time
	// fromCache is set while the tools are the cache file's, before the
	// first discovery has answered.
	fromCache bool
	// locals are the tools this process serves itself; list is every
	// tool, sorted by name, as tools/list answers it.
	locals []*mcp.Tool
	list   []*mcp.Tool
}

func (c *catalog) lookup(name string) (*toolEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.byName[name]
	return e, ok
}

// isFromCache reports whether the tools are the cache file's.
func (c *catalog) isFromCache() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.fromCache
}

// tools returns every tool, sorted by name; the slice is shared and must
// not be changed.
func (c *catalog) tools() []*mcp.Tool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.list == nil {
		return c.locals
	}
	return c.list
}

func (c *catalog) snapshot() ([]*toolEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*toolEntry, 0, len(c.byName))
	for _, e := range c.byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].tool.Name < out[j].tool.Name })
	return out, c.loaded
}

// keepKnown returns entries with each partial one (offered before its
// details arrived) replaced by the tool already known under its name, so
// a slow refresh does not strip a tool of its schema and annotations. Once
// there is a list, a partial entry for a name not on it is left out: most
// likely an action an earlier discovery skipped (its schema is not usable),
// and a new action gets in with the next complete refresh, which comes
// soon after a partial one.
func (c *catalog) keepKnown(entries []*toolEntry) []*toolEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*toolEntry, 0, len(entries))
	for _, e := range entries {
		old, known := c.byName[e.tool.Name]
		switch {
		case !e.partial:
			out = append(out, e)
		case known && !old.partial:
			out = append(out, old)
		case known || !c.loaded:
			out = append(out, e)
		}
	}
	return out
}

// replace installs a new tool set and reports what changed, so the caller
// can notify clients.
func (c *catalog) replace(entries []*toolEntry, now time.Time, fromCache bool) (added, removed []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]*toolEntry, len(entries))
	list := make([]*mcp.Tool, 0, len(entries)+len(c.locals))
	list = append(list, c.locals...)
	for _, l := range c.locals {
		next[l.Name] = nil // a gate action cannot take a local tool's name
	}
	for _, e := range entries {
		if _, dup := next[e.tool.Name]; dup {
			continue
		}
		next[e.tool.Name] = e
		list = append(list, e.tool)
		if old, ok := c.byName[e.tool.Name]; !ok || old.hash != e.hash {
			added = append(added, e.tool.Name)
		}
	}
	for name := range c.byName {
		if e, ok := next[name]; !ok || e == nil {
			removed = append(removed, name)
		}
	}
	for _, l := range c.locals {
		delete(next, l.Name)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	c.byName = next
	c.list = list
	c.loaded = true
	c.fromCache = fromCache
	c.updated = now
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}
