package inspect

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
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
	// Approvable: install --approve would make the client start it.
	Approvable bool `json:"-"`
}

// ReadDoc reads and parses the file of t; nil and no error when it does
// not exist. display names the file in errors.
func ReadDoc(t ides.Target, display string) (config.Document, bool, error) {
	return merge.ReadDoc(t.Path, t.Format, display)
}

// EntryPath is the path of server name in t's file.
func EntryPath(t ides.Target, name string) []string { return t.EntryPath(name) }

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
	r.SchemaError = schemaError(doc, loc.Target)
	v, ok := doc.Get(EntryPath(loc.Target, name)...)
	if !ok {
		return r
	}
	r.Configured = true
	e, err := ides.ReadEntry(a, v)
	if err != nil {
		r.Transport = "unrecognised entry"
		return r
	}
	r.Command = e.Command
	if e.URL != "" {
		r.Transport = "remote " + gate.RedactURL(e.URL)
		return r
	}
	r.Transport = DescribeArgs(e.Args, e.EnvMap())
	return r
}

// schemaError checks the parts of doc that t's schema describes, and
// returns how they depart from it ("" when they do not, or there is no
// schema).
//
// The result is kept per document: the scopes of one file (user and
// local in ~/.claude.json) share its document (merge.ReadDoc) and its
// schema, and list, doctor and the report after install look at every
// scope, so a 10 MB file's servers are checked once per run.
func schemaError(doc config.Document, t ides.Target) string {
	if t.Schema == "" {
		return ""
	}
	key := schemaKey{doc: doc, schema: t.Schema, paths: fmt.Sprintf("%q", t.SchemaPaths)}
	schemaMemo.Lock()
	msg, ok := schemaMemo.m[key]
	schemaMemo.Unlock()
	if ok {
		return msg
	}
	if root, ok := config.Select(doc, t.SchemaPaths); ok {
		if err := schemas.ValidateValue(t.Schema, root.Interface()); err != nil {
			msg = err.Error()
		}
	}
	schemaMemo.Lock()
	if len(schemaMemo.m) >= maxSchemaMemo {
		clear(schemaMemo.m)
	}
	schemaMemo.m[key] = msg
	schemaMemo.Unlock()
	return msg
}

// maxSchemaMemo bounds the schema results kept: a run checks a few dozen
// files.
const maxSchemaMemo = 64

type schemaKey struct {
	doc           config.Document // the parsed file, shared for the run
	schema, paths string
}

var schemaMemo = struct {
	sync.Mutex
	m map[schemaKey]string
}{m: map[schemaKey]string{}}

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
		return "HTTP " + gate.RedactURL(flag("--gate-url"))
	case flag("--gate-socket") != "":
		return "socket " + flag("--gate-socket")
	case env["LATCHGATE_URL"] != "":
		return "HTTP " + gate.RedactURL(env["LATCHGATE_URL"])
	case env["LATCHGATE_SOCKET"] != "":
		return "socket " + env["LATCHGATE_SOCKET"]
	}
	return "default socket"
}

// Differences compares the entry in the file with want, field by
// field, in words.
func Differences(loc ides.Location, env ides.Env, want config.Value, name string) []string {
	doc, _, err := ReadDoc(loc.Target, "")
	if err != nil || doc == nil {
		return nil
	}
	got, _ := doc.Get(EntryPath(loc.Target, name)...)
	have, ok := got.Interface().(map[string]any)
	if !ok {
		return []string{"the entry is not an object"}
	}
	exp, ok := want.Interface().(map[string]any)
	if !ok {
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

// ClientView fills in what the IDE will do with each configured entry,
// by the rules of its adapter.
func ClientView(a ides.Adapter, env ides.Env, rows []File, name string) {
	states := make([]ides.EntryState, len(rows))
	for i, r := range rows {
		states[i] = ides.EntryState{Scope: ides.ParseScope(r.Scope), Variant: r.Variant, Configured: r.Configured}
	}
	ides.ClientView(a, env, name, states)
	for i := range rows {
		rows[i].Client, rows[i].Detail, rows[i].Approvable = states[i].Client, states[i].Detail, states[i].Approvable
	}
}
