package layered

import (
	"fmt"
	"os"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// A File is one file the client reads.
type File struct {
	ides.Target
	// Label tells the file apart from the other files of its scope in
	// list and doctor ("opencode.json", "~/.opencode").
	Label string
	// Editable: install may put the entry here. The client also reads
	// files install leaves alone (a deeper directory's, a home-wide
	// override); they are read, shown and weighed, never written.
	Editable bool
}

// A Stack is every file a client reads, lowest precedence first, whether
// or not it exists.
type Stack []File

// Client is an adapter whose client reads a stack of files.
type Client interface {
	ides.Adapter
	// Stack lists the files the client reads on env's machine.
	Stack(env ides.Env) Stack
	// Default is the file install creates for scope when none of the
	// scope's editable files exists; it must be in the stack.
	Default(env ides.Env, scope ides.Scope) (ides.Target, error)
}

// Exists reports whether path is there and not a directory.
func Exists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

// editable returns the existing editable files of scope, lowest first.
func editable(st Stack, scope ides.Scope) []File {
	var out []File
	for _, f := range st {
		if f.Scope == scope && f.Editable && Exists(f.Path) {
			out = append(out, f)
		}
	}
	return out
}

// Target is the file install edits for scope when it knows nothing of
// the entry: the existing editable file of the scope that wins, else the
// default.
func Target(c Client, env ides.Env, scope ides.Scope) (ides.Target, error) {
	if err := ides.CheckScope(c, scope); err != nil {
		return ides.Target{}, err
	}
	if files := editable(c.Stack(env), scope); len(files) > 0 {
		return files[len(files)-1].Target, nil
	}
	return c.Default(env, scope)
}

// Holds reports whether the file of t defines server name. A file that
// cannot be read or parsed holds nothing (the plan reports it).
func Holds(t ides.Target, name string) bool {
	doc, _, err := merge.ReadDoc(t.Path, t.Format, "")
	if err != nil || doc == nil {
		return false
	}
	_, ok := doc.Get(t.EntryPath(name)...)
	return ok
}

// choose returns the file install edits for name in scope: the winning
// existing editable file that already holds the entry, else the winning
// one, else the default; and the scope's other existing editable files.
func choose(c Client, env ides.Env, scope ides.Scope, name string) (ides.Target, []File, string, error) {
	files := editable(c.Stack(env), scope)
	for i := len(files) - 1; i >= 0; i-- {
		if Holds(files[i].Target, name) {
			return files[i].Target, without(files, i), "which holds the entry already", nil
		}
	}
	if len(files) > 0 {
		return files[len(files)-1].Target, files[:len(files)-1], "which wins over the others", nil
	}
	t, err := c.Default(env, scope)
	return t, nil, "", err
}

func without(files []File, i int) []File {
	return append(append([]File(nil), files[:i]...), files[i+1:]...)
}

func rank(st Stack, path string) int {
	for i, f := range st {
		if f.Path == path {
			return i
		}
	}
	return -1
}

// PlanInstall plans installing req: fileEdits gives the edits of the
// chosen file (the entry edit and whatever the client needs beside it). A
// definition of the same name in the scope's other files is removed, since
// the client would merge its keys into ours. Notes say which file was
// chosen among several, and name a file that wins over it.
func PlanInstall(c Client, env ides.Env, req ides.Request, fileEdits func(t ides.Target) []merge.Edit) ([]merge.FileEdit, []ides.Note, error) {
	if err := ides.CheckScope(c, req.Scope); err != nil {
		return nil, nil, err
	}
	t, others, why, err := choose(c, env, req.Scope, req.Name)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, fileEdits(t)...)}
	var notes []ides.Note
	if len(others) > 0 {
		names := []string{}
		for _, f := range others {
			names = append(names, env.Display(f.Path))
		}
		notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf("%s reads %d %s-scope files here; the entry goes in %s, %s (also read: %s)",
			c.DisplayName(), len(others)+1, ides.ScopeName(c, req.Scope), env.Display(t.Path), why, strings.Join(names, ", "))})
	}
	for _, f := range others {
		if Holds(f.Target, req.Name) {
			edits = append(edits, f.FileEdit(env, removeSecond(c, env, f.Target, req.Name, t.Path)))
		}
	}
	st := c.Stack(env)
	mine := rank(st, t.Path)
	for i, f := range st {
		if i > mine && mine >= 0 && Exists(f.Path) && Holds(f.Target, req.Name) {
			notes = append(notes, ides.Note{Level: "warn", ID: "shadowed", Text: fmt.Sprintf("%s also defines %q, and %s uses that definition here: it wins over %s",
				env.Display(f.Path), req.Name, c.DisplayName(), env.Display(t.Path))})
		}
	}
	return edits, notes, nil
}

// removeSecond deletes a second definition of name in the scope, saying
// why.
func removeSecond(c Client, env ides.Env, t ides.Target, name, kept string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		changed, err := doc.Delete(t.EntryPath(name)...)
		if changed {
			doc.Note("removed the second %q entry from %s: %s merges entries of one name across its files, so its keys would mix into the one in %s",
				name, env.Display(t.Path), c.DisplayName(), env.Display(kept))
		}
		return changed, err
	}
}

// PlanUninstall removes name from every editable file of the scope.
func PlanUninstall(c Client, env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	if err := ides.CheckScope(c, req.Scope); err != nil {
		return nil, nil, err
	}
	files := editable(c.Stack(env), req.Scope)
	if len(files) == 0 {
		t, err := c.Default(env, req.Scope)
		if err != nil {
			return nil, nil, err
		}
		return []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}, nil, nil
	}
	var edits []merge.FileEdit
	for i := len(files) - 1; i >= 0; i-- {
		edits = append(edits, files[i].FileEdit(env, ides.DeleteEntry(files[i].Target, req.Name)))
	}
	return edits, nil, nil
}

// Locations lists, in stack order, every file that exists and each
// scope's target; a scope's target has no variant, the others their label.
func Locations(c Client, env ides.Env) ([]ides.Location, error) {
	st := c.Stack(env)
	targets := map[ides.Scope]string{}
	for _, s := range c.Scopes() {
		t, err := Target(c, env, s)
		if err != nil {
			return nil, err
		}
		targets[s] = t.Path
	}
	var out []ides.Location
	seen := map[string]bool{}
	for _, f := range st {
		isTarget := f.Editable && targets[f.Scope] == f.Path
		if seen[f.Path+"\x00"+strings.Join(f.Servers, "\x00")] || !(isTarget || Exists(f.Path)) {
			continue
		}
		seen[f.Path+"\x00"+strings.Join(f.Servers, "\x00")] = true
		loc := ides.Location{Target: f.Target, Variant: f.Label}
		if isTarget {
			loc.Variant = ""
		}
		out = append(out, loc)
	}
	return out, nil
}

// A Def is one definition of the server in a file the client reads.
type Def struct {
	ides.Location
	Value config.Value
}

// Defs returns the definitions of name in every file that exists, lowest
// precedence first.
func Defs(c Client, env ides.Env, name string) []Def {
	locs, _ := Locations(c, env)
	var out []Def
	for _, l := range locs {
		doc, _, err := merge.ReadDoc(l.Path, l.Format, "")
		if err != nil || doc == nil {
			continue
		}
		if v, ok := doc.Get(l.EntryPath(name)...); ok {
			out = append(out, Def{Location: l, Value: v})
		}
	}
	return out
}

// View is how a client combines definitions, for [ClientView].
type View struct {
	// Merge says what the client does with the losing definitions, after
	// "the entry in FILE wins": "OpenCode merges ... key by key".
	Merge string
	// Off reports whether an entry decides that the server is off:
	// decided is false when the entry leaves that to other files.
	Off func(v config.Value) (decided, off bool)
	// OffKey names the key Off reads, for messages ("enabled: false").
	OffKey string
}

// ClientView fills in what the client does with each configured entry in
// the order of [Locations]: the last one wins, the others are merged
// into it; the merged entry may be turned off.
func ClientView(c Client, env ides.Env, name string, states []ides.EntryState, v View) {
	locs, err := Locations(c, env)
	if err != nil || len(locs) != len(states) {
		ides.DefaultClientView(states)
		return
	}
	winner := -1
	for i, s := range states {
		if s.Configured {
			winner = i
		}
	}
	if winner < 0 {
		return
	}
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		if i != winner {
			s.Client = "shadowed"
			s.Detail = fmt.Sprintf("the entry in %s wins; %s", env.Display(locs[winner].Path), v.Merge)
			continue
		}
		s.Client = "active"
	}
	if v.Off == nil {
		return
	}
	for i := winner; i >= 0; i-- {
		if !states[i].Configured {
			continue
		}
		doc, _, err := merge.ReadDoc(locs[i].Path, locs[i].Format, "")
		if err != nil || doc == nil {
			continue
		}
		val, _ := doc.Get(locs[i].EntryPath(name)...)
		if decided, off := v.Off(val); decided {
			if off {
				states[winner].Client = "disabled"
				states[winner].Detail = fmt.Sprintf("turned off by %s in %s", v.OffKey, env.Display(locs[i].Path))
			}
			return
		}
	}
}
