package inspect

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

// File is one configuration file of one IDE and scope, and what the
// latchgate entry in it amounts to. The JSON field names are a stable
// interface for scripts (list --json).
type File struct {
	IDE     string `json:"ide"`
	IDEName string `json:"ide_name"`
	Scope   string `json:"scope"`
	Variant string `json:"variant,omitempty"` // "profile Work"
	File    string `json:"file"`              // as displayed
	Path    string `json:"path"`
	Exists  bool   `json:"exists"`
	Error   string `json:"error,omitempty"` // the file cannot be read or parsed
	// SchemaError says how the file departs from the IDE's format (our
	// embedded JSON Schema), which the IDE may reject or ignore.
	SchemaError string `json:"schema_error,omitempty"`
	Configured  bool   `json:"configured"` // the entry is there
	Command     string `json:"command,omitempty"`
	Transport   string `json:"transport,omitempty"`
	// Current says whether the entry is what install would write now;
	// nil when there is no entry.
	Current     *bool    `json:"current,omitempty"`
	Differences []string `json:"differences,omitempty"`
	// Client is what the IDE will do with the entry: active, shadowed,
	// pending-approval, disabled, or "" when there is no entry.
	Client string `json:"client,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// ReadDoc reads and parses the file of t; nil and no error when it does
// not exist. display names the file in errors.
func ReadDoc(t ides.Target, display string) (*merge.Document, bool, error) {
	data, existed, err := merge.ReadFile(t.Path)
	if err != nil {
		return nil, existed, &merge.FileError{Op: "read", Path: display, Err: err}
	}
	if !existed {
		return nil, false, nil
	}
	doc, err := merge.Parse(data, t.Strict)
	if err != nil {
		return nil, true, &merge.FileError{Op: "parse", Path: display, Err: err}
	}
	return doc, true, nil
}

// EntryPath is the JSON path of server name in t's file.
func EntryPath(t ides.Target, name string) []string {
	return append(append([]string(nil), t.Servers...), name)
}

// Inspect reads one file and fills in what is there.
func Inspect(a ides.Adapter, env ides.Env, loc ides.Location, name string) File {
	r := File{IDE: a.ID(), IDEName: a.DisplayName(), Scope: ides.ScopeName(a, loc.Scope), Variant: loc.Variant,
		File: env.Display(loc.Path), Path: loc.Path}
	doc, exists, err := ReadDoc(loc.Target, r.File)
	r.Exists = exists
	if err != nil {
		r.Error = err.Error()
		return r
	}
	if doc == nil {
		return r
	}
	if schema := schemas.For(a.ID(), loc.Target); schema != "" {
		if data, _, err := merge.ReadFile(loc.Path); err == nil {
			if err := schemas.Validate(schema, data); err != nil {
				r.SchemaError = err.Error()
			}
		}
	}
	raw, ok := doc.Get(EntryPath(loc.Target, name)...)
	if !ok {
		return r
	}
	r.Configured = true
	var e struct {
		Command string            `json:"command"`
		Args    []string          `json:"args"`
		Env     map[string]string `json:"env"`
		URL     string            `json:"url"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		r.Transport = "unrecognised entry"
		return r
	}
	r.Command = e.Command
	if e.URL != "" {
		r.Transport = "remote " + e.URL
		return r
	}
	r.Transport = DescribeArgs(e.Args, e.Env)
	return r
}

// DescribeArgs says which gate a serve command line reaches.
func DescribeArgs(args []string, env map[string]string) string {
	flag := func(name string) string {
		for i, a := range args {
			if a == name && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, name+"="); ok {
				return v
			}
		}
		return ""
	}
	switch {
	case flag("--gate-url") != "":
		return "HTTP " + flag("--gate-url")
	case flag("--gate-socket") != "":
		return "socket " + flag("--gate-socket")
	case env["LATCHGATE_URL"] != "":
		return "HTTP " + env["LATCHGATE_URL"]
	case env["LATCHGATE_SOCKET"] != "":
		return "socket " + env["LATCHGATE_SOCKET"]
	}
	return "default socket"
}

// Differences compares the entry in the file with want, field by
// field, in words.
func Differences(loc ides.Location, env ides.Env, want json.RawMessage, name string) []string {
	doc, _, err := ReadDoc(loc.Target, "")
	if err != nil || doc == nil {
		return nil
	}
	raw, _ := doc.Get(EntryPath(loc.Target, name)...)
	var have, exp map[string]any
	if json.Unmarshal(raw, &have) != nil {
		return []string{"the entry is not an object"}
	}
	if json.Unmarshal(want, &exp) != nil {
		return nil
	}
	var out []string
	keys := map[string]bool{}
	for k := range have {
		keys[k] = true
	}
	for k := range exp {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	// command first, then args and env, then the rest by name.
	rank := map[string]int{"command": 0, "args": 1, "env": 2}
	sort.Slice(sorted, func(i, j int) bool {
		ri, oki := rank[sorted[i]]
		rj, okj := rank[sorted[j]]
		if oki != okj {
			return oki
		}
		if oki {
			return ri < rj
		}
		return sorted[i] < sorted[j]
	})
	for _, k := range sorted {
		h, hok := have[k]
		w, wok := exp[k]
		switch {
		case !wok:
			out = append(out, fmt.Sprintf("%s: %s (install does not write it)", k, compact(h)))
		case !hok:
			out = append(out, fmt.Sprintf("%s: missing (install writes %s)", k, compact(w)))
		case !reflect.DeepEqual(h, w):
			if k == "args" {
				ha, _ := json.Marshal(h)
				wa, _ := json.Marshal(w)
				var hs, ws []string
				_ = json.Unmarshal(ha, &hs)
				_ = json.Unmarshal(wa, &ws)
				if th, tw := DescribeArgs(hs, nil), DescribeArgs(ws, nil); th != tw {
					out = append(out, fmt.Sprintf("gate: %s (install writes %s)", th, tw))
					continue
				}
			}
			out = append(out, fmt.Sprintf("%s: %s (install writes %s)", k, compact(h), compact(w)))
		}
	}
	return out
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ClientView fills in what the IDE will do with each configured entry.
func ClientView(a ides.Adapter, env ides.Env, rows []File, name string) {
	if a.ID() == (claudecode.Adapter{}).ID() {
		claudeView(env, rows, name)
		return
	}
	configured := map[string]bool{}
	for _, r := range rows {
		if r.Configured {
			configured[r.Scope+"|"+r.Variant] = true
		}
	}
	for i := range rows {
		r := &rows[i]
		if !r.Configured {
			continue
		}
		r.Client = "active"
		switch {
		case strings.HasPrefix(r.Variant, "profile "):
			r.Detail = "when the " + strings.TrimPrefix(r.Variant, "profile ") + " profile is in use"
		case r.IDE != "cursor" && r.Scope == "user":
			r.Detail = "in the default profile"
		}
		if a.ID() == "cursor" && r.Scope == "user" && configured["project|"] {
			r.Detail = "the project's entry of the same name is used in this project"
		}
	}
}

// claudeView applies Claude Code's rules: local > project > user for the
// same name, and .mcp.json servers need approval.
func claudeView(env ides.Env, rows []File, name string) {
	in := map[string]bool{}
	for _, r := range rows {
		if r.Configured {
			in[r.Scope] = true
		}
	}
	approval, source := ClaudeApproval(env, name)
	for i := range rows {
		r := &rows[i]
		if !r.Configured {
			continue
		}
		switch r.Scope {
		case "local":
			r.Client = "active"
			if ClaudeLocalDisabled(env, name) {
				r.Client = "disabled"
				r.Detail = "turned off with /mcp in this project (disabledMcpServers)"
			}
		case "project":
			switch {
			case in["local"]:
				r.Client, r.Detail = "shadowed", "the local-scope entry wins in this project"
			case approval == "disabled":
				r.Client, r.Detail = "disabled", "rejected in "+source+" (disabledMcpjsonServers)"
			case approval == "approved":
				r.Client, r.Detail = "active", "approved in "+source
			default:
				r.Client, r.Detail = "pending-approval", "Claude Code asks before starting it; install --approve approves it"
			}
		case "user":
			r.Client = "active"
			switch {
			case in["local"]:
				r.Client, r.Detail = "shadowed", "the local-scope entry wins in this project"
			case in["project"]:
				r.Client, r.Detail = "shadowed", "the project's .mcp.json entry wins in this project"
			}
		}
	}
}

// ClaudeApproval reads the approval of project server name from the
// settings files Claude Code consults, most personal last: a rejection
// anywhere wins over approvals.
func ClaudeApproval(env ides.Env, name string) (state, source string) {
	files := []string{
		claudecode.SettingsPath(env),
		ides.Join(env, env.ProjectRoot, ".claude", "settings.json"),
		ides.Join(env, env.ProjectRoot, ".claude", "settings.local.json"),
	}
	for _, p := range files {
		doc, _, err := ReadDoc(ides.Target{Path: p, Strict: false}, "")
		if err != nil || doc == nil {
			continue
		}
		display := env.Display(p)
		if inList(doc, name, "disabledMcpjsonServers") {
			return "disabled", display
		}
		if state == "" && inList(doc, name, "enabledMcpjsonServers") {
			state, source = "approved", display
		}
		if state == "" {
			if raw, ok := doc.Get("enableAllProjectMcpServers"); ok && string(raw) == "true" {
				state, source = "approved", display+" (enableAllProjectMcpServers)"
			}
		}
	}
	return state, source
}

func inList(doc *merge.Document, name string, key ...string) bool {
	raw, ok := doc.Get(key...)
	if !ok {
		return false
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return false
	}
	for _, s := range list {
		if s == name {
			return true
		}
	}
	return false
}

// ClaudeLocalDisabled reports whether /mcp turned server name off in this
// project (disabledMcpServers in ~/.claude.json).
func ClaudeLocalDisabled(env ides.Env, name string) bool {
	doc, _, err := ReadDoc(ides.Target{Path: claudecode.StatePath(env), Strict: true}, "")
	return err == nil && doc != nil && inList(doc, name, "projects", env.ProjectRoot, "disabledMcpServers")
}
