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

// describe builds a tool description. Manifests carry no human text, so
// the description says what LatchGate does with the call and, for
// database actions, which statements exist.
func describe(version, risk string, d *gate.ActionDetail) string {
	var b strings.Builder
	fmt.Fprintf(&b, "LatchGate protected action (version %s, risk: %s). Execution is authorized, audited, and verified by LatchGate.", version, risk)
	if d == nil || d.Database == nil {
		return b.String()
	}
	db := d.Database
	fmt.Fprintf(&b, "\n\nDatabase action (mode: %s). Use `statement_id` with `params` to invoke a predeclared operation.", db.Mode)
	if len(db.Statements) > 0 {
		b.WriteString("\n\nAvailable statements:")
		for _, st := range db.Statements {
			fmt.Fprintf(&b, "\n  - %s: %s on %s", st.ID, st.Operation, strings.Join(st.Tables, ", "))
			if st.ParamCount > 0 {
				ps := make([]string, st.ParamCount)
				for i := range ps {
					ps[i] = fmt.Sprintf("$%d", i+1)
				}
				fmt.Fprintf(&b, " — params: [%s]", strings.Join(ps, ", "))
			}
		}
	}
	if db.AllowsParameterizedQueries && len(db.ParameterizedOperations) > 0 {
		fmt.Fprintf(&b, "\n\nYou can also send parameterized queries using the `query` field for %s operations.", strings.Join(db.ParameterizedOperations, ", "))
	}
	return b.String()
}

// permissiveSchema is the input schema of an action whose schema could not
// be fetched: any object, validated by the gate alone.
var permissiveSchema = json.RawMessage(`{"type":"object","additionalProperties":true}`)

// toolEntry is one gate action offered as a tool.
type toolEntry struct {
	tool     *mcp.Tool
	actionID string
	// schemaRaw validates arguments before they go to the gate; nil when
	// the schema accepts any object. It is compiled on first use: that is
	// most of the cost of discovery, and most tools are never called.
	schemaRaw  json.RawMessage
	schemaOnce sync.Once
	schema     *jsonschema.Resolved
	// timeout bounds an execute call: the action's own limit plus margin.
	timeout time.Duration
	// hash covers the whole tool definition, so any change to it (not
	// just the set of names) notifies the client.
	hash [32]byte
}

// buildEntry turns one action into a tool, or says why it is skipped.
func buildEntry(sum gate.ActionSummary, detail *gate.ActionDetail, schema json.RawMessage, defaultTimeout time.Duration) (*toolEntry, error) {
	if !toolNameRE.MatchString(sum.ActionID) {
		return nil, fmt.Errorf("action id %q is not a valid tool name (^[a-zA-Z0-9_-]{1,64}$)", sum.ActionID)
	}
	if schema == nil {
		schema = permissiveSchema
	}
	var obj map[string]any
	if err := json.Unmarshal(schema, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("request schema of %q is not a JSON object", sum.ActionID)
	}
	if obj["type"] != "object" {
		return nil, fmt.Errorf("request schema of %q is not an object schema (type %v)", sum.ActionID, obj["type"])
	}
	ann := deriveAnnotations(sum.ActionID, sum.RiskLevel, detail)
	t := &mcp.Tool{
		Name:        sum.ActionID,
		Description: describe(sum.Version, sum.RiskLevel, detail),
		InputSchema: schema,
		Annotations: ann.mcp(),
	}
	e := &toolEntry{tool: t, actionID: sum.ActionID, timeout: defaultTimeout}
	if detail != nil && detail.ResourceLimits.TimeoutSeconds > 0 {
		e.timeout = time.Duration(detail.ResourceLimits.TimeoutSeconds)*time.Second + 30*time.Second
	}
	if !trivialSchema(obj) {
		e.schemaRaw = schema
	}
	def, _ := json.Marshal(t)
	e.hash = sha256.Sum256(def)
	return e, nil
}

// validator returns the compiled request schema, or nil when there is
// nothing to check or it does not compile (the gate validates anyway, so
// we never refuse what it would accept).
func (e *toolEntry) validator() *jsonschema.Resolved {
	e.schemaOnce.Do(func() {
		if e.schemaRaw == nil {
			return
		}
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

// trivialSchema reports whether a schema accepts every object, so there
// is nothing to check locally.
func trivialSchema(obj map[string]any) bool {
	switch len(obj) {
	case 1:
		return true
	case 2:
		return obj["additionalProperties"] == true
	}
	return false
}

// discovery fetches the whole catalogue: the list, then each action's
// schema and detail, several actions at a time, so tools/list is ready in
// one round of parallel requests rather than 2N sequential ones.
type discovery struct {
	client         *gate.Client
	concurrency    int
	defaultTimeout time.Duration
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
}

func (d *discovery) run(ctx context.Context) (*discovered, error) {
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if !toolNameRE.MatchString(a.ActionID) {
				d.warn("skipping action: its id is not a valid MCP tool name", "action_id", a.ActionID)
				return
			}
			var (
				schema    json.RawMessage
				detail    *gate.ActionDetail
				schemaErr error
				inner     sync.WaitGroup
			)
			inner.Add(1)
			go func() {
				defer inner.Done()
				schema, schemaErr = d.client.RequestSchema(ctx, a.ActionID)
			}()
			det, derr := d.client.Action(ctx, a.ActionID)
			inner.Wait()
			if derr == nil {
				detail = det
			}
			if schemaErr != nil {
				var ge *gate.Error
				if errors.As(schemaErr, &ge) && ge.Status == 404 {
					// The action declares no request schema: normal.
					d.info("action has no request schema; the gate alone validates its arguments", "action_id", a.ActionID)
				} else {
					d.warn("cannot fetch the request schema; the gate alone will validate its arguments", "action_id", a.ActionID, "error", schemaErr)
				}
				schema = nil
			}
			e, err := buildEntry(a, detail, schema, d.defaultTimeout)
			if err != nil {
				d.warn("skipping action", "action_id", a.ActionID, "reason", err)
				return
			}
			entries[i] = e
		}()
	}
	wg.Wait()
	out := &discovered{filtered: filtered}
	for _, e := range entries {
		if e == nil {
			out.skipped++
			continue
		}
		out.entries = append(out.entries, e)
	}
	return out, nil
}

// catalog is the current tool set, shared by the handlers.
type catalog struct {
	mu      sync.RWMutex
	byName  map[string]*toolEntry
	loaded  bool
	updated time.Time
}

func (c *catalog) lookup(name string) (*toolEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.byName[name]
	return e, ok
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

// replace installs a new tool set and returns what changed, so the caller
// can update the MCP server (which notifies clients of the change).
func (c *catalog) replace(entries []*toolEntry, now time.Time) (added, removed []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := make(map[string]*toolEntry, len(entries))
	for _, e := range entries {
		next[e.tool.Name] = e
		if old, ok := c.byName[e.tool.Name]; !ok || old.hash != e.hash {
			added = append(added, e.tool.Name)
		}
	}
	for name := range c.byName {
		if _, ok := next[name]; !ok {
			removed = append(removed, name)
		}
	}
	c.byName = next
	c.loaded = true
	c.updated = now
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}
