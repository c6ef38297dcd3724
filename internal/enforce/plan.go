package enforce

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Left is a recorded item --undo (or a changed enforce) did not take
// back, and why.
type Left struct {
	Item Item
	Why  string
}

// FileResult is what planning did to one file; it is filled in when the
// plan's edits run (merge.NewPlan), so a dry run reports it too.
type FileResult struct {
	Client  string
	Scope   ides.Scope
	Path    string
	Display string
	// Added are the items written now; Present those the file had
	// already (the user's: never recorded, never taken back); Replaced
	// the sets that replaced a value of the user's (recorded, and put
	// back by --undo).
	Added, Present, Replaced []Item
	// Kept are recorded items still in place and still asked for.
	Kept []Item
	// Retracted are recorded items taken back; Left those left alone.
	Retracted []Item
	Left      []Left
	// Removed: the file is removed (enforce had created it and nothing
	// is left in it).
	Removed bool
}

// task is the plan for one file.
type task struct {
	client  string
	scope   ides.Scope
	level   ides.Level
	file    ides.PolicyFile // Items empty for an undo
	display string
	// recorded is the file's record before this run (nil for none).
	recorded *FileRecord
	// created: enforce created the file (now or in an earlier run).
	created bool
	// after is the file's record after the edit ran; nil when nothing
	// of ours is left in it.
	after *FileRecord
	req   Request
	res   FileResult
}

// Planner plans enforce and undo runs over one record file.
type Planner struct {
	recordPath, recordDisplay string
	recordMode                os.FileMode
	display                   func(string) string
	records                   Records
	tasks                     []*task
}

// NewPlanner reads the record at recordPath; display shortens paths for
// messages and diffs.
func NewPlanner(recordPath string, display func(string) string) (*Planner, error) {
	rs, err := ReadRecords(recordPath, display(recordPath))
	if err != nil {
		return nil, err
	}
	return &Planner{recordPath: recordPath, recordDisplay: display(recordPath), recordMode: 0o600, display: display, records: rs}, nil
}

// NewPlannerUnread is a planner that has not read the record at
// recordPath: for a run that writes nothing (--print, --dry-run) by a user
// who may not read it (root's record of managed files). Its plan takes
// nothing back, as it does not know what enforce added.
func NewPlannerUnread(recordPath string, display func(string) string) *Planner {
	return &Planner{recordPath: recordPath, recordDisplay: display(recordPath), recordMode: 0o600, display: display}
}

// Records returns the record as read.
func (p *Planner) Records() Records { return p.records }

// Request is what a run asked for, kept in the record so that install
// can plan the same policy again for a changed entry.
type Request struct {
	Shell ides.ShellPolicy // "" for the default
	Allow []string
}

// Enforce plans writing files for client in scope at level. Files
// recorded for client and scope that files no longer names are taken back
// whole.
func (p *Planner) Enforce(client string, scope ides.Scope, level ides.Level, files []ides.PolicyFile, req Request) {
	named := map[string]bool{}
	for _, f := range files {
		named[f.Path] = true
		p.add(client, scope, level, f).req = req
	}
	for _, r := range p.records.For(client, scope) {
		if !named[r.File] {
			p.add(client, scope, r.Level, ides.PolicyFile{Path: r.File, Format: r.Format})
		}
	}
}

// Request returns what the last run for client and scope asked for, and
// whether one is recorded.
func (rs Records) Request(client string, scope ides.Scope) (Request, bool) {
	for _, r := range rs.For(client, scope) {
		return Request{Shell: r.Shell, Allow: r.Allow}, true
	}
	return Request{}, false
}

// Undo plans taking back everything recorded for client (every client
// for "") in scope (every scope for ""). It reports whether anything was
// recorded.
func (p *Planner) Undo(client string, scope ides.Scope) bool {
	rs := p.records.For(client, scope)
	for _, r := range rs {
		p.add(r.Client, r.Scope, r.Level, ides.PolicyFile{Path: r.File, Format: r.Format})
	}
	return len(rs) > 0
}

func (p *Planner) add(client string, scope ides.Scope, level ides.Level, f ides.PolicyFile) *task {
	t := &task{client: client, scope: scope, level: level, file: f, display: p.display(f.Path),
		recorded: p.records.find(client, scope, f.Path)}
	if t.recorded != nil {
		t.created = t.recorded.CreatedFile
	} else if _, err := os.Lstat(f.Path); errors.Is(err, fs.ErrNotExist) && len(f.Items) > 0 {
		t.created = true
	}
	t.res = FileResult{Client: client, Scope: scope, Path: f.Path, Display: t.display}
	p.tasks = append(p.tasks, t)
	return t
}

// Edits returns the file edits of every planned file, then the record's:
// the record is planned from what the files' edits did, so it comes last.
func (p *Planner) Edits() []merge.FileEdit {
	var out []merge.FileEdit
	for _, t := range p.tasks {
		t := t
		format := t.file.Format
		if format == "" {
			format = config.JSON
		}
		out = append(out, merge.FileEdit{
			Path: t.file.Path, Display: t.display, Format: format, NewMode: t.file.NewMode,
			Edits: []merge.Edit{t.converge},
			Drop: func(after []byte) bool {
				t.res.Removed = t.created && t.after == nil && empty(after)
				return t.res.Removed
			},
		})
	}
	if len(p.tasks) > 0 {
		out = append(out, merge.FileEdit{Path: p.recordPath, Display: p.recordDisplay, Format: config.JSON,
			NewMode: p.recordMode, Edits: []merge.Edit{p.writeRecord}})
	}
	return out
}

// Results returns what each file's edit did; call it after the plan was
// made.
func (p *Planner) Results() []FileResult {
	out := make([]FileResult, len(p.tasks))
	for i, t := range p.tasks {
		out[i] = t.res
	}
	return out
}

// empty reports whether a file's text holds nothing: blank, or an empty
// object.
func empty(text []byte) bool {
	s := strings.TrimSpace(strings.TrimPrefix(string(text), "\xEF\xBB\xBF"))
	return s == "" || s == "{}"
}

// converge makes doc hold the task's items and takes back the recorded
// ones no longer asked for; it sets t.after and t.res.
func (t *task) converge(doc config.Document) (bool, error) {
	t.res = FileResult{Client: t.client, Scope: t.scope, Path: t.file.Path, Display: t.display}
	var recorded []Item
	if t.recorded != nil {
		recorded = t.recorded.Items
	}
	desired := make([]Item, len(t.file.Items))
	for i, d := range t.file.Items {
		v := d.Value
		desired[i] = Item{Op: d.Op, Path: d.Path, Value: &v}
	}
	isDesired := func(it Item) bool {
		return slices.ContainsFunc(desired, it.same)
	}
	changed := false
	// Recorded items no longer asked for go first, newest first.
	for i := len(recorded) - 1; i >= 0; i-- {
		it := recorded[i]
		if it.Op == OpCreate || isDesired(it) {
			continue
		}
		c, err := t.retract(doc, it)
		if err != nil {
			return changed, err
		}
		changed = changed || c
	}
	// Then what is asked for now; recorded items it still holds stay in
	// their order, new ones after them.
	var keep, added []Item
	var creates []Item
	for i, d := range t.file.Items {
		want := desired[i]
		var rec *Item
		if j := slices.IndexFunc(recorded, want.same); j >= 0 {
			rec = &recorded[j]
		}
		switch d.Op {
		case ides.PolicyAdd:
			if config.HasItem(doc, d.Value, d.Path...) {
				if rec != nil {
					keep = append(keep, *rec)
					t.res.Kept = append(t.res.Kept, *rec)
				} else {
					t.res.Present = append(t.res.Present, want)
				}
				continue
			}
			creates = append(creates, missing(doc, d.Path, len(d.Path))...)
			if _, err := config.AddItem(doc, d.Value, d.Path...); err != nil {
				return changed, err
			}
			changed = true
			added = append(added, want)
			t.res.Added = append(t.res.Added, want)
		case ides.PolicySet:
			cur, ok := doc.Get(d.Path...)
			if ok && cur.Equal(d.Value) {
				if rec != nil {
					keep = append(keep, *rec)
					t.res.Kept = append(t.res.Kept, *rec)
				} else {
					t.res.Present = append(t.res.Present, want)
				}
				continue
			}
			if ok && d.IfAbsent {
				t.res.Present = append(t.res.Present, Item{Op: d.Op, Path: d.Path, Value: &cur})
				continue
			}
			creates = append(creates, missing(doc, d.Path, len(d.Path)-1)...)
			if _, err := doc.Set(d.Value, d.Path...); err != nil {
				return changed, err
			}
			changed = true
			switch {
			case rec != nil:
				// Ours before, changed since: set again, and --undo still
				// puts back what was there before the first enforce.
				want.Prior = rec.Prior
			case ok:
				prior := cur
				want.Prior = &prior
				t.res.Replaced = append(t.res.Replaced, want)
			}
			added = append(added, want)
			t.res.Added = append(t.res.Added, want)
		}
	}
	// Containers: those recorded earlier, then those made now; one left
	// holding nothing but empty containers, and no item asked for, goes,
	// deepest first.
	var recCreates []Item
	for _, it := range recorded {
		if it.Op == OpCreate {
			recCreates = append(recCreates, it)
		}
	}
	slices.SortStableFunc(recCreates, func(a, b Item) int { return len(b.Path) - len(a.Path) })
	var keptCreates []Item
	for _, it := range recCreates {
		v, ok := doc.Get(it.Path...)
		if !ok {
			continue
		}
		if slices.ContainsFunc(t.file.Items, func(d ides.PolicyItem) bool { return hasPrefix(d.Path, it.Path) }) {
			keptCreates = append(keptCreates, it) // still holds what is asked for
			continue
		}
		if !emptyTree(v) {
			t.res.Left = append(t.res.Left, Left{Item: it, Why: "holds other settings now; left as it is"})
			continue
		}
		if _, err := doc.Delete(it.Path...); err != nil {
			return changed, err
		}
		changed = true
		t.res.Retracted = append(t.res.Retracted, it)
	}
	var items []Item
	items = append(items, keptCreates...)
	for _, c := range creates {
		// One created inside another goes with it.
		if !slices.ContainsFunc(items, func(o Item) bool { return hasPrefix(c.Path, o.Path) }) {
			items = append(items, c)
		}
	}
	items = append(items, keep...)
	items = append(items, added...)
	t.after = nil
	if len(items) > 0 {
		t.after = &FileRecord{Client: t.client, Scope: t.scope, File: t.file.Path, Format: t.file.Format,
			Level: t.level, CreatedFile: t.created, Shell: t.req.Shell, Allow: t.req.Allow, Items: items}
	}
	return changed, nil
}

// retract takes back one recorded item if it is still as enforce wrote
// it.
func (t *task) retract(doc config.Document, it Item) (bool, error) {
	if it.Value == nil {
		return false, nil
	}
	switch it.Op {
	case ides.PolicyAdd:
		if !config.HasItem(doc, *it.Value, it.Path...) {
			t.res.Left = append(t.res.Left, Left{Item: it, Why: "no longer there"})
			return false, nil
		}
		if _, err := config.RemoveItem(doc, *it.Value, it.Path...); err != nil {
			return false, err
		}
	case ides.PolicySet:
		cur, ok := doc.Get(it.Path...)
		if !ok || !cur.Equal(*it.Value) {
			t.res.Left = append(t.res.Left, Left{Item: it, Why: "changed since enforce wrote it; left as it is"})
			return false, nil
		}
		var err error
		if it.Prior != nil {
			_, err = doc.Set(*it.Prior, it.Path...)
		} else {
			_, err = doc.Delete(it.Path...)
		}
		if err != nil {
			return false, err
		}
	default:
		return false, nil
	}
	t.res.Retracted = append(t.res.Retracted, it)
	return true, nil
}

// missing returns, as a create item, the shallowest of the first n
// prefixes of path (n+1 with the path itself) that doc lacks: the
// container an edit at path is about to create.
func missing(doc config.Document, path []string, n int) []Item {
	for k := 1; k <= n && k <= len(path); k++ {
		if _, ok := doc.Get(path[:k]...); !ok {
			return []Item{{Op: OpCreate, Path: slices.Clone(path[:k])}}
		}
	}
	return nil
}

// emptyTree reports whether v is an object or list holding nothing but
// empty objects and lists.
func emptyTree(v config.Value) bool {
	switch v.Kind() {
	case config.Object:
		for _, m := range v.Members() {
			if !emptyTree(m.Value) {
				return false
			}
		}
		return true
	case config.List:
		for _, x := range v.Items() {
			if !emptyTree(x) {
				return false
			}
		}
		return true
	}
	return false
}

func hasPrefix(path, prefix []string) bool {
	return len(path) >= len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

// writeRecord puts each file's record after this run in the record file.
func (p *Planner) writeRecord(doc config.Document) (bool, error) {
	changed := false
	for _, t := range p.tasks {
		path := []string{t.client, string(t.scope), t.file.Path}
		var c bool
		var err error
		if t.after == nil || t.res.Removed {
			c, err = doc.Delete(path...)
		} else {
			var v config.Value
			if v, err = t.after.value(); err == nil {
				c, err = doc.Set(v, path...)
			}
		}
		if err != nil {
			return changed, err
		}
		changed = changed || c
		// Clean up the scope and client left empty.
		for _, up := range [][]string{path[:2], path[:1]} {
			if v, ok := doc.Get(up...); ok && v.Kind() == config.Object && v.Len() == 0 {
				if _, err := doc.Delete(up...); err != nil {
					return changed, err
				}
			}
		}
	}
	return changed, nil
}
