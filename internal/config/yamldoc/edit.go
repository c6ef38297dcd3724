package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"gopkg.in/yaml.v3"
)

// splice replaces src[start:end] with text.
type splice struct {
	start, end int
	text       string
}

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

// aliasTargets maps each node an alias refers to, to the aliases.
func (d *Document) aliasTargets() map[*yaml.Node][]*yaml.Node {
	if d.targets == nil {
		d.targets = map[*yaml.Node][]*yaml.Node{}
		var walk func(n *yaml.Node, depth int)
		walk = func(n *yaml.Node, depth int) {
			if depth > maxDepth {
				return
			}
			if n.Kind == yaml.AliasNode && n.Alias != nil {
				d.targets[n.Alias] = append(d.targets[n.Alias], n)
			}
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		}
		if d.root != nil {
			walk(d.root, 0)
		}
	}
	return d.targets
}

func (d *Document) isTarget(n *yaml.Node) bool {
	return len(d.aliasTargets()[n]) > 0
}

// anchorUsedOutside returns an anchor defined in n (or on it) that an
// alias outside n uses: changing or removing n would change that alias.
func (d *Document) anchorUsedOutside(n *yaml.Node) (string, bool) {
	targets := d.aliasTargets()
	if len(targets) == 0 {
		return "", false
	}
	inside := map[*yaml.Node]bool{}
	var collect func(m *yaml.Node, depth int)
	collect = func(m *yaml.Node, depth int) {
		if depth > maxDepth {
			return
		}
		inside[m] = true
		for _, c := range m.Content {
			collect(c, depth+1)
		}
	}
	collect(n, 0)
	for m := range inside {
		for _, a := range targets[m] {
			if !inside[a] {
				return m.Anchor, true
			}
		}
	}
	return "", false
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

// insert plans adding elem as path[w.missing] to the node that lacks it.
func (d *Document) insert(w walked, path []string, elem config.Value) ([]splice, error) {
	i := w.missing
	seg := path[i]
	_, _, where := config.ParseWhere(seg)
	container := config.ObjectValue(config.M(seg, elem))
	if where {
		container = config.ListValue(elem)
	}
	if d.root == nil {
		if where {
			return nil, pathError(nil, "is a mapping, not a list")
		}
		return d.insertIntoEmpty(d.lo.members(container, 0)), nil
	}
	at := d.rootLoc()
	var owner *step
	if len(w.steps) > 0 {
		owner = &w.steps[len(w.steps)-1]
		at = owner.child
	}
	n := at.n
	if isNullNode(n) {
		s, err := d.slotOf(*owner)
		if err != nil {
			return nil, err
		}
		return d.replaceWhole(at, container, s, false)
	}
	if isFlow(n) {
		if len(n.Content) == 0 && !at.flow {
			if owner == nil {
				// "{}" at the top level: the members at column 0, on a
				// line of their own ("--- {}").
				p := d.pos(n)
				text := d.lo.members(container, 0)
				if !d.t.onlyBlanks(d.t.lineStart(p), p) {
					text = "\n" + text
				}
				return []splice{{p, d.end(at), d.fix(text)}}, nil
			}
			s, err := d.slotOf(*owner)
			if err != nil {
				return nil, err
			}
			if s.kind == inMap {
				return d.replaceWhole(at, container, s, false)
			}
		}
		text := flowText(elem)
		if !where {
			text = keyText(seg, true) + ": " + text
		}
		return d.flowInsert(at, text)
	}
	if len(n.Content) == 0 {
		return nil, pathError(path[:i], "is an empty collection with only a tag or anchor; change it by hand")
	}
	if n.Kind == yaml.MappingNode && emptyValue(n.Content[len(n.Content)-2]) {
		// "?" with nothing after it: a line added below would become
		// that key.
		return nil, pathError(path[:i], "ends with an empty explicit key (?); change it by hand")
	}
	ind := d.blockIndent(n)
	var text string
	if where {
		text = spaces(ind) + "-" + d.lo.afterDash(elem, ind)
	} else {
		text = spaces(ind) + keyText(seg, false) + ":" + d.lo.afterKey(elem, ind)
	}
	return []splice{d.blockInsert(at, text)}, nil
}

// insertIntoEmpty adds lines to a document with no content: after its
// last comment (or "---"), before a "..." that ends it.
func (d *Document) insertIntoEmpty(text string) []splice {
	src := d.t.src
	p := -1
	for ls := 0; ls < len(src); ls = d.t.nextLine(ls) {
		if src[ls] == '.' && d.t.docMarker(ls) {
			break
		}
		if !d.t.blankLine(ls) {
			p = d.t.lineEnd(ls)
		}
	}
	if p < 0 {
		return []splice{{0, 0, d.fix(text) + d.nl}}
	}
	return []splice{d.insertLinesAfter(p, text)}
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
	switch {
	case isFlow(n):
		if len(n.Content) == 0 && !l.flow {
			if sl, err := d.slotOf(last); err == nil && sl.kind == inMap {
				edits, err = d.replaceWhole(l, config.StringList(s), sl, false)
				if err != nil {
					return false, err
				}
				break
			}
		}
		edits, err = d.flowInsert(l, inline(elem, true))
		if err != nil {
			return false, err
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

// removeChild plans removing s.child from its collection. owner is the
// step that leads to that collection, nil for the top level.
func (d *Document) removeChild(owner *step, s step) ([]splice, error) {
	p := s.parent
	n := p.n
	if isFlow(n) {
		k := s.index
		if n.Kind == yaml.MappingNode {
			k = (s.index - 1) / 2
		}
		return d.flowRemove(p, k)
	}
	var ls, le int
	var own bool
	count := len(n.Content)
	if n.Kind == yaml.MappingNode {
		ls, le, own = d.entryLines(p, s.index-1, s.pindent)
		count /= 2
	} else {
		ls, le, own = d.itemLines(p, s.index, s.pindent)
	}
	if !own {
		// The entry shares its line with the collection's start ("- a: 1"
		// losing "a"): write the collection again without it.
		if owner == nil {
			return nil, fmt.Errorf("internal error: cannot find the lines of the entry at line %d", s.child.n.Line)
		}
		v, err := valueOf(n, 0)
		if err != nil {
			return nil, err
		}
		var rest config.Value
		if n.Kind == yaml.MappingNode {
			key, _ := keyString(n.Content[s.index-1])
			rest = v.Without(key)
		} else {
			rest = config.ListValue(slices.Delete(slices.Clone(v.Items()), s.index, s.index+1)...)
		}
		sl, err := d.slotOf(*owner)
		if err != nil {
			return nil, err
		}
		return d.replaceWhole(p, rest, sl, false)
	}
	prev := s.index - 1
	if n.Kind == yaml.MappingNode {
		prev = s.index - 2
	}
	afterScalar := prev >= 0 && isBlockScalar(lastLeaf(n.Content[prev]))
	edits := []splice{d.removeLines(ls, le, afterScalar)}
	if count == 1 {
		mark := " {}"
		if n.Kind == yaml.SequenceNode {
			mark = " []"
		}
		if at, ok := d.emptyMarkAt(owner, p); ok {
			edits = append(edits, splice{at, at, mark})
		}
	}
	return edits, nil
}

// emptyMarkAt returns where "{}" or "[]" goes for a block collection left
// empty: after its anchor or tag, or after the ":" or "-" before it. The
// top level needs none: an empty document is an empty mapping.
func (d *Document) emptyMarkAt(owner *step, p loc) (int, bool) {
	if at := d.pos(p.n); d.hasProps(at) {
		return d.propsEnd(at), true
	}
	if owner == nil {
		return 0, false
	}
	s, err := d.slotOf(*owner)
	if err != nil || s.kind == inFlow {
		return 0, false
	}
	return s.ind, true
}

// entryLines returns the lines of the entry whose key is Content[k] of
// the block mapping l: from the start of the key's line to the end of the
// value's last line and the comment lines indented under the key. own is
// false when something else starts the key's line.
func (d *Document) entryLines(l loc, k, indent int) (ls, le int, own bool) {
	kp := d.pos(l.n.Content[k])
	ls = d.t.lineStart(kp)
	if pre := bytes.TrimSpace(d.t.src[ls:kp]); len(pre) > 0 && string(pre) != "?" {
		return 0, 0, false
	}
	v := d.child(l, k+1, indent)
	le = d.t.lineEnd(d.entryEnd(l, k, indent))
	return ls, d.t.trailingComments(le, d.t.indent(ls), v.bound), true
}

// entryEnd returns where the entry whose key is Content[k] of the mapping
// l ends. An absent value has no text, and yaml.v3 places it after the
// ":" or, after an explicit key ("? a"), at the next token: the entry
// then ends with its key or ":".
func (d *Document) entryEnd(l loc, k, indent int) int {
	v := d.child(l, k+1, indent)
	if !emptyValue(v.n) || d.hasProps(d.pos(v.n)) {
		return max(d.end(v), d.pos(l.n.Content[k]))
	}
	e := d.end(d.child(l, k, indent))
	if c := d.t.skipSpace(e); c < len(d.t.src) && d.t.src[c] == ':' && c < v.bound {
		e = c + 1
	}
	return e
}

// emptyValue reports whether n is an absent value: an empty plain null.
func emptyValue(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0 && n.ShortTag() == "!!null"
}

// itemLines is entryLines for item i of the block sequence l.
func (d *Document) itemLines(l loc, i, indent int) (ls, le int, own bool) {
	dash, ok := d.dashBefore(d.pos(l.n.Content[i]))
	if !ok {
		return 0, 0, false
	}
	ls = d.t.lineStart(dash)
	if !d.t.onlyBlanks(ls, dash) {
		return 0, 0, false
	}
	c := d.child(l, i, indent)
	le = d.t.lineEnd(max(d.end(c), dash+1))
	return ls, d.t.trailingComments(le, d.t.indent(ls), c.bound), true
}

// blockInsert plans adding text (lines at the collection's indentation)
// as the last entry of the block collection l. A file that ends, without
// a line break, in a block scalar ("s: |\n  x") gets the entry before its
// last one instead: a line break after the scalar would become part of
// its value.
func (d *Document) blockInsert(l loc, text string) splice {
	src := d.t.src
	p := d.blockInsertPoint(l)
	if p == len(src) && len(src) > 0 && src[len(src)-1] != '\n' && isBlockScalar(lastLeaf(l.n)) {
		n := l.n
		start, ok := 0, true
		if n.Kind == yaml.MappingNode {
			start = d.pos(n.Content[len(n.Content)-2])
		} else {
			start, ok = d.dashBefore(d.pos(n.Content[len(n.Content)-1]))
		}
		if ls := d.t.lineStart(start); ok && d.t.onlyBlanks(ls, start) {
			return splice{ls, ls, d.fix(text) + d.nl}
		}
	}
	return d.insertLinesAfter(p, text)
}

// lastLeaf returns the node whose text ends a block collection.
func lastLeaf(n *yaml.Node) *yaml.Node {
	for i := 0; (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && !isFlow(n) && len(n.Content) > 0 && i < maxDepth; i++ {
		n = n.Content[len(n.Content)-1]
	}
	return n
}

func isBlockScalar(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
}

// blockInsertPoint returns where a new entry of the block collection l
// goes: the end of the last line of its last entry, or of the comment
// lines after it indented deeper than l's owner (commented-out entries).
func (d *Document) blockInsertPoint(l loc) int {
	n := l.n
	ind := d.blockIndent(n)
	var e int
	if n.Kind == yaml.MappingNode {
		e = d.entryEnd(l, len(n.Content)-2, ind)
	} else {
		e = d.end(d.child(l, len(n.Content)-1, ind))
	}
	return d.t.trailingComments(d.t.lineEnd(e), l.indent, l.bound)
}

// removeLines removes the lines [ls, le) (le the end of the last, before
// its line break) with one line break: their own, or the one before them
// at the end of a file without a final line break, unless that one ends
// a block scalar (afterScalar), whose value it is part of.
func (d *Document) removeLines(ls, le int, afterScalar bool) splice {
	if le < len(d.t.src) {
		return splice{ls, le + d.t.breakLen(le), ""}
	}
	if k := d.breakBefore(ls); k > 0 && !afterScalar {
		return splice{ls - k, le, ""}
	}
	return splice{ls, le, ""}
}

// breakBefore returns the length of the line break that ends just before
// the line start ls (0 at the start of the text).
func (d *Document) breakBefore(ls int) int {
	switch {
	case ls == 0:
		return 0
	case ls >= 2 && d.t.src[ls-2] == '\r':
		return 2
	}
	return 1
}

// insertLinesAfter adds text (lines joined by "\n") after the line ending
// at p.
func (d *Document) insertLinesAfter(p int, text string) splice {
	text = d.fix(text)
	switch {
	case p < len(d.t.src):
		q := p + d.t.breakLen(p)
		return splice{q, q, text + d.nl}
	case len(d.t.src) == 0:
		return splice{0, 0, text + d.nl}
	}
	return splice{p, p, d.nl + text}
}

// fix gives rendered text the file's line ends.
func (d *Document) fix(s string) string {
	if d.nl == "\n" {
		return s
	}
	return strings.ReplaceAll(s, "\n", d.nl)
}

type slotKind int

const (
	inMap  slotKind = iota // the value of a block mapping entry
	inSeq                  // an item of a block sequence
	inFlow                 // anything inside a flow collection
)

// slot is where a value sits, for writing another in its place.
type slot struct {
	kind slotKind
	col  int // the column of the key or dash
	ind  int // the offset after the ":" or "-"
}

func (d *Document) slotOf(s step) (slot, error) {
	if s.child.flow {
		return slot{kind: inFlow}, nil
	}
	if s.parent.n.Kind == yaml.MappingNode {
		k := d.child(s.parent, s.index-1, s.pindent)
		colon, ok := d.colonAfter(k)
		if !ok {
			return slot{}, fmt.Errorf("internal error: no ':' after the key at line %d", k.n.Line)
		}
		return slot{kind: inMap, col: s.pindent, ind: colon + 1}, nil
	}
	dash, ok := d.dashBefore(d.pos(s.child.n))
	if !ok {
		return slot{}, fmt.Errorf("internal error: no '-' before the item at line %d", s.child.n.Line)
	}
	return slot{kind: inSeq, col: d.t.column(dash), ind: dash + 1}, nil
}

func isScalarValue(v config.Value) bool {
	switch v.Kind() {
	case config.Null, config.Bool, config.Number, config.String:
		return true
	}
	return false
}

// update plans turning the value at l into v: a block mapping member by
// member, a scalar in its own quoting style, anything else as a whole.
func (d *Document) update(l loc, v config.Value, s slot) ([]splice, error) {
	n := l.n
	if cur, err := valueOf(n, 0); err == nil && cur.Equal(v) {
		return nil, nil
	}
	if n.Kind == yaml.MappingNode && !isFlow(n) && !l.flow && len(n.Content) > 0 &&
		v.Kind() == config.Object && v.Len() > 0 && !hasMergeKey(n) {
		edits, ok, err := d.updateMembers(l, v)
		if err != nil || ok {
			return edits, err
		}
	}
	if n.Kind == yaml.ScalarNode && isScalarValue(v) && n.Style&yaml.TaggedStyle == 0 &&
		!(n.Value == "" && n.Style == 0) && !d.hasProps(d.pos(n)) {
		return []splice{{d.contentStart(n), d.end(l), scalarLike(v, n.Style, l.flow)}}, nil
	}
	return d.replaceWhole(l, v, s, true)
}

// updateMembers plans turning the block mapping at l into the object v:
// members v has are updated in place, members it lacks removed, new ones
// added at the end. ok is false when a member cannot be removed alone.
func (d *Document) updateMembers(l loc, v config.Value) (edits []splice, ok bool, err error) {
	n := l.n
	ind := d.blockIndent(n)
	seen := map[string]bool{}
	var removals []splice
	var scalarBefore []bool
	for j := 0; j+1 < len(n.Content); j += 2 {
		key, ok := keyString(n.Content[j])
		if !ok {
			return nil, false, nil
		}
		seen[key] = true
		nv, in := v.Field(key)
		if !in {
			ls, le, own := d.entryLines(l, j, ind)
			if !own {
				return nil, false, nil
			}
			afterScalar := j > 0 && isBlockScalar(lastLeaf(n.Content[j-1]))
			removals = append(removals, d.removeLines(ls, le, afterScalar))
			scalarBefore = append(scalarBefore, afterScalar)
			continue
		}
		colon, ok := d.colonAfter(d.child(l, j, ind))
		if !ok {
			return nil, false, nil
		}
		sub, err := d.update(d.child(l, j+1, ind), nv, slot{kind: inMap, col: ind, ind: colon + 1})
		if err != nil {
			return nil, false, err
		}
		edits = append(edits, sub...)
	}
	// Entries removed up to the end of a file without a final line break:
	// the last takes the line break before it, so the one above it must
	// too, or the two removals overlap.
	for i := len(removals) - 1; i > 0; i-- {
		a, b := removals[i-1], removals[i]
		if a.end <= b.start {
			continue
		}
		if k := d.breakBefore(a.start); k > 0 && !scalarBefore[i-1] {
			removals[i-1] = splice{a.start - k, a.end - k, ""}
		} else {
			removals[i-1] = splice{a.start, b.end, ""}
			removals = slices.Delete(removals, i, i+1)
		}
	}
	edits = append(edits, removals...)
	var lines []string
	for _, m := range v.Members() {
		if seen[m.Key] {
			continue
		}
		seen[m.Key] = true
		lines = append(lines, spaces(ind)+keyText(m.Key, false)+":"+d.lo.afterKey(m.Value, ind))
	}
	if len(lines) > 0 {
		edits = append(edits, d.blockInsert(l, strings.Join(lines, "\n")))
	}
	return edits, true, nil
}

// replaceWhole plans writing v in place of the value at l, which sits in
// s. keepFlow keeps a flow collection in flow style; otherwise a
// collection is written in block style. A comment on the key's line stays
// on it, and so do comment lines indented under the key when the old
// value was on the key's line.
func (d *Document) replaceWhole(l loc, v config.Value, s slot, keepFlow bool) ([]splice, error) {
	n := l.n
	src := d.t.src
	e := d.end(l)
	p := d.pos(n)
	if s.kind == inFlow {
		return []splice{{p, e, flowText(v)}}, nil
	}
	var body string
	switch {
	case keepFlow && isFlow(n) && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) &&
		(v.Kind() == config.Object || v.Kind() == config.List):
		body = " " + flowText(v)
	case s.kind == inMap:
		body = d.lo.afterKey(v, s.col)
	default:
		body = d.lo.afterDash(v, s.col)
	}
	block := strings.HasPrefix(body, "\n")
	if d.t.lineNumber(p) > d.t.lineNumber(s.ind) {
		// The old value starts below the key: keep the key line's comment.
		tail := string(src[s.ind:d.t.lineEnd(s.ind)])
		if strings.TrimSpace(tail) == "" {
			tail = ""
		}
		if block {
			body = tail + body
		} else {
			body += tail
		}
		return []splice{{s.ind, e, d.fix(body)}}, nil
	}
	if block && d.t.lineNumber(e) == d.t.lineNumber(s.ind) {
		le := d.t.trailingComments(d.t.lineEnd(e), s.col, l.bound)
		edits := []splice{{le, le, d.fix(body)}}
		if e > s.ind {
			edits = append([]splice{{s.ind, e, ""}}, edits...)
		}
		return edits, nil
	}
	return []splice{{s.ind, e, d.fix(body)}}, nil
}

// flowItem is an element of a flow collection: [start, end) and the comma
// after it (-1 for none).
type flowItem struct {
	start, end, comma int
}

func (d *Document) flowItems(l loc) []flowItem {
	src := d.t.src
	n := l.n
	ind := d.childIndent(l)
	stride := 1
	if n.Kind == yaml.MappingNode {
		stride = 2
	}
	var items []flowItem
	for i := 0; i < len(n.Content); i += stride {
		c := d.child(l, i, ind)
		it := flowItem{start: d.pos(c.n), end: d.end(c), comma: -1}
		if stride == 2 {
			it.end = max(it.end, d.end(d.child(l, i+1, ind)))
		}
		if q := d.t.skipSpace(it.end); q < len(src) && src[q] == ',' {
			it.comma = q
		}
		items = append(items, it)
	}
	return items
}

// flowBrackets returns the offsets of a flow collection's brackets.
func (d *Document) flowBrackets(l loc) (open, close int, err error) {
	src := d.t.src
	open = d.contentStart(l.n)
	close = d.end(l) - 1
	if open >= len(src) || src[open] != '[' && src[open] != '{' || close <= open || src[close] != ']' && src[close] != '}' {
		return 0, 0, fmt.Errorf("internal error: cannot find the brackets of the collection at line %d", l.n.Line)
	}
	return open, close, nil
}

// flowInsert plans adding elem (flow text) as the last element of the
// flow collection l: inline after ", " on one line, or on its own line,
// indented like the last element, when the collection spans lines.
func (d *Document) flowInsert(l loc, elem string) ([]splice, error) {
	src := d.t.src
	open, close, err := d.flowBrackets(l)
	if err != nil {
		return nil, err
	}
	items := d.flowItems(l)
	if len(items) == 0 {
		inner := src[open+1 : close]
		if len(bytes.TrimSpace(inner)) == 0 {
			return []splice{{open + 1, close, elem}}, nil
		}
		// Comments inside: the element goes on its own line after them.
		base := d.lineIndent(open)
		kept := string(bytes.TrimRight(inner, " \t\r\n"))
		return []splice{{open + 1, close, kept + d.nl + base + spaces(d.lo.unit) + elem + d.nl + base}}, nil
	}
	last := items[len(items)-1]
	trailing := last.comma >= 0
	if bytes.IndexByte(src[open:last.start], '\n') < 0 {
		if trailing {
			at := last.comma + 1
			return []splice{{at, at, " " + elem + ","}}, nil
		}
		return []splice{{last.end, last.end, ", " + elem}}, nil
	}
	indent := d.lineIndent(last.start)
	from := last.end
	if trailing {
		from = last.comma + 1
	}
	lineEnd := from + d.endOfLineComment(from)
	if trailing {
		return []splice{{lineEnd, lineEnd, d.nl + indent + elem + ","}}, nil
	}
	return []splice{{last.end, last.end, ","}, {lineEnd, lineEnd, d.nl + indent + elem}}, nil
}

// flowRemove plans removing element k of the flow collection l with the
// comma that belongs to it, closing up the line it leaves.
func (d *Document) flowRemove(l loc, k int) ([]splice, error) {
	src := d.t.src
	open, close, err := d.flowBrackets(l)
	if err != nil {
		return nil, err
	}
	items := d.flowItems(l)
	it := items[k]
	last := len(items) - 1
	start := d.backOverLineStart(it.start)
	var end int
	if it.comma >= 0 {
		end = it.comma + 1
		if start == it.start {
			end = d.t.skipBlanks(end)
		}
	} else {
		end = it.end
	}
	var edits []splice
	if k == last && items[last].comma < 0 && k > 0 {
		comma := items[k-1].comma
		edits = append(edits, splice{comma, comma + 1, ""})
		if start < comma+1 || start == it.start {
			start = comma + 1
		}
	}
	edits = append(edits, splice{start, end, ""})
	if len(items) == 1 {
		rest := append(slices.Clone(src[open+1:start]), src[end:close]...)
		if len(bytes.TrimSpace(rest)) == 0 {
			return []splice{{open + 1, close, ""}}, nil
		}
	}
	return edits, nil
}

// backOverLineStart moves p back over the blanks before it and one line
// break, if only blanks stand between them.
func (d *Document) backOverLineStart(p int) int {
	src := d.t.src
	q := p
	for q > 0 && isBlank(src[q-1]) {
		q--
	}
	if q > 0 && src[q-1] == '\n' {
		q--
		if q > 0 && src[q-1] == '\r' {
			q--
		}
		return q
	}
	return p
}

// endOfLineComment returns how far the rest of the line from p extends
// when it holds only blanks and a comment, 0 otherwise.
func (d *Document) endOfLineComment(p int) int {
	q := d.t.skipBlanks(p)
	if q < len(d.t.src) && d.t.src[q] == '#' {
		return d.t.lineEnd(q) - p
	}
	return 0
}

// lineIndent returns the blanks that start the line holding p.
func (d *Document) lineIndent(p int) string {
	ls := d.t.lineStart(p)
	return string(d.t.src[ls:d.t.firstNonBlank(ls)])
}

// commit applies edits and checks the result: it must parse, and decode
// to exactly what expect makes of the old data. Only then does the
// document take the new text; otherwise nothing changes.
func (d *Document) commit(edits []splice, expect func(any) any) error {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	for i := 1; i < len(edits); i++ {
		if edits[i].start < edits[i-1].end {
			return errors.New("internal error: the planned edits overlap; nothing was changed")
		}
	}
	out := applySplices(d.t.src, edits)
	nd, err := parse(out)
	if err != nil {
		return fmt.Errorf("internal error: the edit gives YAML that does not parse (%v); nothing was changed", err)
	}
	if !sameData(expect(d.data), nd.data) {
		return errors.New("internal error: the edit would change other data in the file; nothing was changed")
	}
	d.t, d.root, d.data, d.targets = nd.t, nd.root, nd.data, nil
	return nil
}

// applySplices replaces each [start, end) range of src with its text; the
// ranges are in order and do not overlap.
func applySplices(src []byte, edits []splice) []byte {
	size := len(src)
	for _, e := range edits {
		size += len(e.text) - (e.end - e.start)
	}
	out := make([]byte, 0, size)
	pos := 0
	for _, e := range edits {
		out = append(out, src[pos:e.start]...)
		out = append(out, e.text...)
		pos = e.end
	}
	return append(out, src[pos:]...)
}
