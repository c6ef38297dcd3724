package yamldoc

import (
	"bytes"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"gopkg.in/yaml.v3"
)

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
	if owner == nil && isFlow(n) && len(n.Content) == 0 {
		// "{}" at the top level: the members at column 0, on a line of
		// their own ("--- {}").
		p := d.pos(n)
		text := d.lo.members(container, 0)
		if ls := d.t.lineStart(p); d.t.onlyBlanks(ls, p) {
			p = ls
		} else {
			text = "\n" + text
		}
		e := d.end(at)
		return []splice{{p, e, d.fix(text + d.sep(e))}}, nil
	}
	if edits, ok, err := d.fillEmpty(path[:i], owner, at, container); ok || err != nil {
		return edits, err
	}
	if isNullNode(n) {
		s, err := d.slotOf(*owner)
		if err != nil {
			return nil, err
		}
		return d.replaceWhole(at, container, s, false)
	}
	if isFlow(n) {
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

// fillEmpty plans turning an empty value of a block mapping entry (null,
// or "[]" or "{}" on the key's line) into the block collection container.
// The "~" or brackets go with one blank before them; an anchor stays; the
// block lines follow the key's line, its comment and the comment lines
// indented under the key. Deleting the last entry again puts "{}" or "[]"
// back in the same place. ok is false for other values and places.
func (d *Document) fillEmpty(here []string, owner *step, l loc, container config.Value) (edits []splice, ok bool, err error) {
	n := l.n
	if owner == nil || l.flow || !isNullNode(n) && !(isFlow(n) && len(n.Content) == 0) {
		return nil, false, nil
	}
	s, err := d.slotOf(*owner)
	if err != nil || s.kind != inMap {
		return nil, false, err
	}
	src := d.t.src
	p := d.pos(n)
	from := d.contentStart(n)
	to := d.end(l)
	if isFlow(n) {
		if to != from+2 || d.t.lineNumber(from) != d.t.lineNumber(s.ind) {
			// "[ ]", or brackets below the key: add in flow style.
			return nil, false, nil
		}
	}
	if d.hasProps(p) && bytes.IndexByte(src[p:d.propsEnd(p)], '!') >= 0 && isNullNode(n) {
		return nil, false, pathError(here, "is null with a tag; change it by hand")
	}
	if from < to && from > 0 && isBlank(src[from-1]) && from-1 >= s.ind && d.sep(to) == "" {
		from--
	}
	le := d.pastTabBlanks(d.t.trailingComments(d.t.lineEnd(max(to, s.ind)), s.col, l.bound))
	edits = []splice{{le, le, d.fix(d.lo.afterKey(container, s.col))}}
	if from < to {
		edits = append([]splice{{from, to, ""}}, edits...)
	}
	return edits, true, nil
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
			return nil, internalError("cannot find the lines of the entry at line %d", s.child.n.Line)
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
	kp := d.keyStart(d.pos(l.n.Content[k]))
	ls = d.t.lineStart(kp)
	if !d.t.onlyBlanks(ls, kp) {
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
	return d.pairEnd(d.child(l, k, indent), d.child(l, k+1, indent))
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
	p = d.pastTabBlanks(p)
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

// pastTabBlanks moves p, the end of a line, past the blank lines after
// it when one of them holds a tab: yaml.v3 accepts " \t" after a plain
// scalar only when the tab is not left of the scalar's indentation, so
// such a line must stay after the scalar it follows, not move after ours.
func (d *Document) pastTabBlanks(p int) int {
	end, tab := p, false
	for ls := p + d.t.breakLen(p); ls < len(d.t.src) && d.t.blankLine(ls); ls = d.t.nextLine(ls) {
		le := d.t.lineEnd(ls)
		tab = tab || bytes.IndexByte(d.t.src[ls:le], '\t') >= 0
		end = le
	}
	if tab {
		return end
	}
	return p
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
	// bare is set for a key without ":" in a flow mapping ("{a, b}");
	// ind is then the end of the key.
	bare bool
}

func (d *Document) slotOf(s step) (slot, error) {
	if s.child.flow {
		sl := slot{kind: inFlow}
		if s.parent.n.Kind == yaml.MappingNode && emptyValue(s.child.n) {
			// "{a, b}": a value written in place of a's needs a ":".
			k := d.child(s.parent, s.index-1, s.pindent)
			if _, ok := d.colonAfter(k); !ok {
				sl.ind, sl.bare = d.end(k), true
			}
		}
		return sl, nil
	}
	if s.parent.n.Kind == yaml.MappingNode {
		k := d.child(s.parent, s.index-1, s.pindent)
		colon, ok := d.colonAfter(k)
		if !ok {
			return slot{}, internalError("no ':' after the key at line %d", k.n.Line)
		}
		return slot{kind: inMap, col: s.pindent, ind: colon + 1}, nil
	}
	dash, ok := d.dashBefore(d.pos(s.child.n))
	if !ok {
		return slot{}, internalError("no '-' before the item at line %d", s.child.n.Line)
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
		e := d.end(l)
		return []splice{{d.contentStart(n), e, scalarLike(v, n.Style, l.flow) + d.sep(e)}}, nil
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
		if s.bare {
			return []splice{{s.ind, s.ind, ": " + flowText(v)}}, nil
		}
		return []splice{{p, e, flowText(v) + d.sep(e)}}, nil
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
		return []splice{{s.ind, e, d.fix(body + d.sep(e))}}, nil
	}
	if block && d.t.lineNumber(e) == d.t.lineNumber(s.ind) {
		le := d.pastTabBlanks(d.t.trailingComments(d.t.lineEnd(e), s.col, l.bound))
		edits := []splice{{le, le, d.fix(body)}}
		if e > s.ind {
			edits = append([]splice{{s.ind, e, ""}}, edits...)
		}
		return edits, nil
	}
	return []splice{{s.ind, e, d.fix(body + d.sep(e))}}, nil
}

// sep returns the blank that new text ending at e needs before what
// follows it: a "#" right after a value ("x#y", "[]#") is part of what it
// follows, not a comment, and must stay so.
func (d *Document) sep(e int) string {
	if e < len(d.t.src) && d.t.src[e] == '#' {
		return " "
	}
	return ""
}
