package yamldoc

import (
	"errors"
	"fmt"
	"slices"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"gopkg.in/yaml.v3"
)

// step is one path segment, found: the child at index in its parent's
// Content (a mapping's value, a sequence's item).
type step struct {
	parent  loc
	pindent int // d.childIndent(parent)
	index   int
	child   loc
	dkey    any // the segment in the decoded data: a key or an item index
}

// walked is how far a path leads.
type walked struct {
	steps []step
	// missing is the first segment not found (the length of the path
	// when all are).
	missing int
	// extra lists further items a final Where segment matches.
	extra []int
}

// dpath returns the data path of the first n steps.
func (w walked) dpath(n int) []any {
	out := make([]any, n, n+1)
	for i := range n {
		out[i] = w.steps[i].dkey
	}
	return out
}

func (d *Document) rootLoc() loc {
	return loc{n: d.root, bound: len(d.t.src), indent: -1}
}

func pathError(path []string, format string, args ...any) error {
	return &config.PathError{Path: slices.Clone(path), Msg: fmt.Sprintf(format, args...)}
}

// walk follows path from the top as far as it leads. It refuses to go
// through what an edit cannot change alone: an alias, a node that an
// alias elsewhere refers to, a key that comes from a merge key.
func (d *Document) walk(path []string, deleting bool) (walked, error) {
	var w walked
	if d.root == nil {
		return w, nil
	}
	cur := d.rootLoc()
	for i, seg := range path {
		n := cur.n
		here := path[:i]
		if n.Kind == yaml.AliasNode {
			return w, pathError(here, "is an alias (*%s); change it by hand", n.Value)
		}
		if d.isTarget(n) {
			return w, pathError(here, "is anchored (&%s) and used elsewhere, which a change here would change too; change it by hand", n.Anchor)
		}
		if isNullNode(n) {
			w.missing = i
			return w, nil
		}
		field, val, where := config.ParseWhere(seg)
		idx := -1
		if where {
			if n.Kind != yaml.SequenceNode {
				return w, pathError(here, "is %s, not a list", kindName(n))
			}
			m := matchItems(n, field, val, false)
			if len(m) == 0 {
				w.missing = i
				return w, nil
			}
			idx = m[0]
			if i == len(path)-1 {
				w.extra = m[1:]
			}
		} else {
			if n.Kind != yaml.MappingNode {
				return w, pathError(here, "is %s, not a mapping", kindName(n))
			}
			merged := mergeProvides(n, seg)
			if merged && deleting && i == len(path)-1 {
				return w, pathError(path[:i+1], "comes from a merge key (<<); change it where it is defined")
			}
			for j := 0; j+1 < len(n.Content); j += 2 {
				if k, ok := keyString(n.Content[j]); ok && k == seg && !isMerge(n.Content[j]) {
					idx = j + 1
					break
				}
			}
			if idx < 0 {
				if merged && i < len(path)-1 {
					return w, pathError(path[:i+1], "comes from a merge key (<<); change it where it is defined")
				}
				w.missing = i
				return w, nil
			}
		}
		ind := d.childIndent(cur)
		c := d.child(cur, idx, ind)
		var dk any = seg
		if where {
			dk = idx
		}
		w.steps = append(w.steps, step{parent: cur, pindent: ind, index: idx, child: c, dkey: dk})
		cur = c
	}
	w.missing = len(path)
	return w, nil
}

// isNullNode reports whether n is null ("key:", "key: ~", "key: null"),
// which an edit fills as an empty collection.
func isNullNode(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// withField puts field: value first in the list item v unless v has it.
func withField(v config.Value, field, value string) (config.Value, error) {
	if v.Kind() != config.Object {
		return v, fmt.Errorf("a list item chosen by its %s must be an object, not %s", field, v.Kind())
	}
	if f, ok := v.Field(field); ok {
		if f.Kind() != config.String || f.Str() != value {
			return v, fmt.Errorf("the item's %s is %s, not %q", field, describe(f), value)
		}
		return v, nil
	}
	return config.ObjectValue(append([]config.Member{config.M(field, config.StringValue(value))}, v.Members()...)...), nil
}

func describe(v config.Value) string {
	if v.Kind() == config.String {
		return fmt.Sprintf("%q", v.Str())
	}
	return v.Kind().String()
}

// nested returns the value at path[:i+1] that holds v at path: v wrapped
// in the objects and lists of the segments after i.
func nested(path []string, i int, v config.Value) (config.Value, error) {
	e := v
	for j := len(path) - 1; j > i; j-- {
		if field, val, ok := config.ParseWhere(path[j]); ok {
			var err error
			if e, err = withField(e, field, val); err != nil {
				return e, err
			}
			e = config.ListValue(e)
		} else {
			e = config.ObjectValue(config.M(path[j], e))
		}
	}
	if field, val, ok := config.ParseWhere(path[i]); ok {
		return withField(e, field, val)
	}
	return e, nil
}

// Set implements config.Document. An existing mapping is updated member
// by member, so comments beside the members that stay are kept; a new
// entry goes after the last one of its mapping or list, after the comment
// lines indented under it, in block style with the file's indentation. An
// empty flow collection ("mcpServers: []") becomes a block one; a
// non-empty one gets the entry in flow style. A null value on the way
// ("mcp_servers:") is filled. A list item chosen by [config.Where] gets
// its field first when v lacks it; a second item of the same name is
// removed (with a note).
func (d *Document) Set(v config.Value, path ...string) (bool, error) {
	if len(path) == 0 {
		return false, errors.New("set: empty path")
	}
	if err := checkValue(v); err != nil {
		return false, fmt.Errorf("set %s: %w", config.DisplayPath(path), err)
	}
	if field, val, ok := config.ParseWhere(path[len(path)-1]); ok {
		var err error
		if v, err = withField(v, field, val); err != nil {
			return false, fmt.Errorf("set %s: %w", config.DisplayPath(path), err)
		}
	}
	changed := false
	for {
		w, err := d.walk(path, false)
		if err != nil {
			return changed, err
		}
		if len(w.extra) == 0 {
			c, err := d.set(w, v, path)
			return changed || c, err
		}
		last := w.steps[len(w.steps)-1]
		item := w.extra[len(w.extra)-1]
		s := step{parent: last.parent, pindent: last.pindent, index: item, child: d.child(last.parent, item, last.pindent)}
		var owner *step
		if len(w.steps) > 1 {
			o := w.steps[len(w.steps)-2]
			owner = &o
		}
		edits, err := d.removeChild(owner, s)
		if err != nil {
			return changed, err
		}
		dp := append(w.dpath(len(w.steps)-1), item)
		if err := d.commit(edits, func(data any) any { return deleteAt(data, dp) }); err != nil {
			return changed, err
		}
		d.Note("removed a second %s entry from %s", config.DisplayPath(path[len(path)-1:]), config.DisplayPath(path[:len(path)-1]))
		changed = true
	}
}

func (d *Document) set(w walked, v config.Value, path []string) (bool, error) {
	if w.missing == len(path) {
		last := w.steps[len(w.steps)-1]
		if cur, err := valueOf(last.child.n, 0); err == nil && cur.Equal(v) {
			return false, nil
		}
		if name, used := d.anchorUsedOutside(last.child.n); used {
			return false, pathError(path, "defines the anchor &%s, which is used elsewhere; change it by hand", name)
		}
		s, err := d.slotOf(last)
		if err != nil {
			return false, err
		}
		edits, err := d.update(last.child, v, s)
		if err != nil {
			return false, err
		}
		dp := w.dpath(len(path))
		want := v.Interface()
		return true, d.commit(edits, func(data any) any { return setAt(data, dp, want) })
	}
	i := w.missing
	elem, err := nested(path, i, v)
	if err != nil {
		return false, fmt.Errorf("set %s: %w", config.DisplayPath(path), err)
	}
	edits, err := d.insert(w, path, elem)
	if err != nil {
		return false, err
	}
	dp := w.dpath(i)
	if _, _, ok := config.ParseWhere(path[i]); ok {
		dp = append(dp, -1)
	} else {
		dp = append(dp, path[i])
	}
	want := elem.Interface()
	return true, d.commit(edits, func(data any) any { return setAt(data, dp, want) })
}

// Delete implements config.Document. The entry's lines go with the
// comment lines indented under it; comments above it stay. A block
// collection left empty becomes "{}" or "[]", so that deleting what a Set
// added (even to "mcpServers: []") gives back the original bytes.
func (d *Document) Delete(path ...string) (bool, error) {
	if len(path) == 0 {
		return false, errors.New("delete: empty path")
	}
	_, _, where := config.ParseWhere(path[len(path)-1])
	changed := false
	for {
		w, err := d.walk(path, true)
		if err != nil || w.missing < len(path) {
			return changed, err
		}
		last := w.steps[len(w.steps)-1]
		if name, used := d.anchorUsedOutside(last.child.n); used {
			return changed, pathError(path, "defines the anchor &%s, which is used elsewhere; change it by hand", name)
		}
		var owner *step
		if len(w.steps) > 1 {
			o := w.steps[len(w.steps)-2]
			owner = &o
		}
		edits, err := d.removeChild(owner, last)
		if err != nil {
			return changed, err
		}
		dp := w.dpath(len(path))
		if err := d.commit(edits, func(data any) any { return deleteAt(data, dp) }); err != nil {
			return changed, err
		}
		changed = true
		if !where {
			return true, nil
		}
	}
}

// AddToSet implements config.Document.
func (d *Document) AddToSet(s string, path ...string) (bool, error) {
	if len(path) == 0 {
		return false, errors.New("add to set: empty path")
	}
	elem := config.StringValue(s)
	if err := checkValue(elem); err != nil {
		return false, fmt.Errorf("add to %s: %w", config.DisplayPath(path), err)
	}
	w, err := d.walk(path, false)
	if err != nil {
		return false, err
	}
	if w.missing < len(path) || isNullNode(w.steps[len(w.steps)-1].child.n) {
		return d.Set(config.StringList(s), path...)
	}
	last := w.steps[len(w.steps)-1]
	l := last.child
	n := l.n
	if n.Kind != yaml.SequenceNode {
		return false, pathError(path, "is %s, not a list", kindName(n))
	}
	for _, item := range n.Content {
		if r := resolve(item); r.Kind == yaml.ScalarNode && r.ShortTag() == "!!str" && r.Value == s {
			return false, nil
		}
	}
	if name, used := d.anchorUsedOutside(n); used {
		return false, pathError(path, "defines the anchor &%s, which is used elsewhere; change it by hand", name)
	}
	var edits []splice
	var ok bool
	switch {
	case isFlow(n):
		if edits, ok, err = d.fillEmpty(path, &last, l, config.StringList(s)); err != nil {
			return false, err
		}
		if !ok {
			if edits, err = d.flowInsert(l, inline(elem, true)); err != nil {
				return false, err
			}
		}
	default:
		ind := d.blockIndent(n)
		edits = []splice{d.blockInsert(l, spaces(ind)+"-"+d.lo.afterDash(elem, ind))}
	}
	dp := append(w.dpath(len(path)), -1)
	return true, d.commit(edits, func(data any) any { return setAt(data, dp, s) })
}

// RemoveFromSet implements config.Document.
func (d *Document) RemoveFromSet(s string, path ...string) (bool, error) {
	if len(path) == 0 {
		return false, errors.New("remove from set: empty path")
	}
	changed := false
	for {
		w, err := d.walk(path, false)
		if err != nil || w.missing < len(path) {
			return changed, err
		}
		last := w.steps[len(w.steps)-1]
		n := last.child.n
		if isNullNode(n) {
			return changed, nil
		}
		if n.Kind != yaml.SequenceNode {
			return changed, pathError(path, "is %s, not a list", kindName(n))
		}
		idx := -1
		for i, item := range n.Content {
			if r := resolve(item); r.Kind == yaml.ScalarNode && r.ShortTag() == "!!str" && r.Value == s {
				idx = i
				break
			}
		}
		if idx < 0 {
			return changed, nil
		}
		if name, used := d.anchorUsedOutside(n); used {
			return changed, pathError(path, "defines the anchor &%s, which is used elsewhere; change it by hand", name)
		}
		ind := d.childIndent(last.child)
		item := step{parent: last.child, pindent: ind, index: idx, child: d.child(last.child, idx, ind)}
		edits, err := d.removeChild(&last, item)
		if err != nil {
			return changed, err
		}
		dp := append(w.dpath(len(path)), idx)
		if err := d.commit(edits, func(data any) any { return deleteAt(data, dp) }); err != nil {
			return changed, err
		}
		changed = true
	}
}
