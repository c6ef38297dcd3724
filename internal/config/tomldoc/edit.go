package tomldoc

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// edit runs op, one public edit made of one or more spliced steps (each
// re-parsed), then checks the result with go-toml's full decoder and with
// readBack. If op or a check fails, the document is put back as it was.
func (d *Document) edit(verb string, path []string, op func() (bool, error), readBack func() bool) (bool, error) {
	saved, savedCreated := d.parsed, maps.Clone(d.created)
	changed, err := op()
	if err == nil && changed {
		if verr := decodeCheck(d.src); verr != nil {
			err = fmt.Errorf("internal error: the edited text does not decode (%v); nothing was changed", verr)
		} else if !readBack() {
			err = errors.New("internal error: the edited text does not read back as intended; nothing was changed")
		}
	}
	if err != nil {
		d.parsed, d.created = saved, savedCreated
		var pe *config.PathError
		if errors.As(err, &pe) {
			return false, err
		}
		return false, fmt.Errorf("%s %s: %w", verb, config.DisplayPath(path), err)
	}
	return changed, nil
}

func checkPath(verb string, path []string) error {
	if len(path) == 0 {
		return fmt.Errorf("%s the top level: a TOML document is a table; name a key in it", verb)
	}
	for _, k := range path {
		if !utf8.ValidString(k) {
			return fmt.Errorf("%s %s: a key is not valid UTF-8", verb, config.DisplayPath(path))
		}
	}
	return nil
}

// Set implements config.Document. An existing value is replaced in the
// form it is written in: a table (a [header], dotted keys or an inline
// table) key by key, so that comments and the user's other keys stay; a
// value in place, a one-line literal string staying literal and a
// multi-line array multi-line. A missing key is added where its table is
// written: see insert.
func (d *Document) Set(v config.Value, path ...string) (bool, error) {
	if err := checkPath("set", path); err != nil {
		return false, err
	}
	if err := checkValue(v); err != nil {
		return false, fmt.Errorf("set %s: %w", config.DisplayPath(path), err)
	}
	return d.edit("set", path, func() (bool, error) { return d.set(v, path) }, func() bool {
		got, ok := d.Get(path...)
		return ok && got.Equal(v)
	})
}

func (d *Document) set(v config.Value, path []string) (bool, error) {
	t, n, err := d.resolve(path, true)
	if err != nil {
		return false, err
	}
	if n < len(path) {
		w := v
		for i := len(path) - 1; i > n; i-- {
			w = config.ObjectValue(config.M(path[i], w))
		}
		return true, d.insert(t, path[n], w)
	}
	if t.kind == nodeArray {
		return false, &config.PathError{Path: path, Msg: "is an array of tables, which is only read or deleted whole"}
	}
	if t.value().Equal(v) {
		return false, nil
	}
	switch {
	case t.kind == nodeTable && v.Kind() == config.Object && (v.Len() > 0 || t.def == defHeader || t.def == defInline):
		return true, d.setMembers(v, path)
	case t.kind == nodeValue || t.def == defInline:
		return true, d.replaceValue(t, v)
	}
	// A table written as a [header] or dotted keys becomes a value; an
	// empty one too when it is written only by its members (dotted keys,
	// deeper headers), which it would not survive losing.
	if _, err := d.delete(path); err != nil {
		return false, err
	}
	return d.set(v, path)
}

// setMembers makes the table at path hold exactly the members of v, key by
// key: members that are there are set in place, new ones added after them,
// members v lacks deleted.
func (d *Document) setMembers(v config.Value, path []string) error {
	ms := members(v)
	want := make(map[string]bool, len(ms))
	for _, m := range ms {
		want[m.Key] = true
		if _, err := d.set(m.Value, append(path[:len(path):len(path)], m.Key)); err != nil {
			return err
		}
	}
	t, n, err := d.resolve(path, true)
	if err != nil {
		return err
	}
	if n < len(path) {
		return errors.New("internal error: the table went away while its members were set")
	}
	var drop []string
	for _, c := range t.children {
		if !want[c.name] {
			drop = append(drop, c.name)
		}
	}
	for _, k := range drop {
		if _, err := d.delete(append(path[:len(path):len(path)], k)); err != nil {
			return err
		}
	}
	return nil
}

// replaceValue writes v over the value of node t.
func (d *Document) replaceValue(t *tnode, v config.Value) error {
	old := t.v
	src := d.src
	text := inline(v)
	switch {
	case v.Kind() == config.String && old.kind == unstable.String && src[old.start] == '\'' &&
		!bytes.HasPrefix(src[old.start:], []byte("'''")) && literalOK(v.Str()):
		text = "'" + v.Str() + "'"
	case v.Kind() == config.List && v.Len() > 0 && old.kind == unstable.Array &&
		bytes.IndexByte(src[old.start:old.end], '\n') >= 0:
		text = d.multilineArray(old, v)
	}
	return d.apply(splice{old.start, old.end, text})
}

// multilineArray writes the list v one item a line, indented like the
// old array's items, the closing bracket where the old one was.
func (d *Document) multilineArray(old *val, v config.Value) string {
	src := d.src
	base := lineIndent(src, old.start)
	indent := base + "  "
	if len(old.items) > 0 && bytes.IndexByte(src[old.start:old.items[0].start], '\n') >= 0 {
		indent = lineIndent(src, old.items[0].start)
	}
	if cl := old.end - 1; isBlank(src[lineStart(src, cl):cl]) {
		base = lineIndent(src, cl)
	}
	var b strings.Builder
	b.WriteString("[" + d.nl)
	for _, x := range v.Items() {
		b.WriteString(indent + inline(x) + "," + d.nl)
	}
	b.WriteString(base + "]")
	return b.String()
}

// insert adds member k with value w to the table t, in the form t is
// written in:
//   - an inline table: inside its braces;
//   - dotted keys: as more dotted keys, after the last line of the group;
//   - the top level or a [header] table: a scalar, array or empty object
//     as a key-value after the table's last key-value line (never after a
//     following [header], where it would belong to that table); a table
//     in the style of the table's other sub-tables (dotted keys or an
//     inline table when those are what the user wrote), else as new
//     [header] sections after the last section that belongs to t (at
//     the end of the file for the top level);
//   - a super-table that only deeper headers define ([mcp_servers] when
//     the file has only [mcp_servers.x]): sub-tables as above, a
//     key-value under a new [header] of its own.
func (d *Document) insert(t *tnode, k string, w config.Value) error {
	switch t.def {
	case defInline:
		if w.Kind() == config.Object {
			d.made(append(t.path(), k))
		}
		return d.insertItem(t.v, renderKey(k)+" = "+inline(w))
	case defInlineDotted:
		return d.insertItem(t.container, d.rawKeys(t.via.keys[:t.depth+1])+"."+renderKey(k)+" = "+inline(w))
	case defDotted:
		e := d.exprs[t.last]
		prefix := d.rawKeys(t.via.keys[:t.depth+1]) + "." + renderKey(k)
		return d.insertLines(e.lineEnd, dottedLines(prefix, w, lineIndent(d.src, e.lineStart), d.nl), false)
	case defRoot:
		if isTable(w) {
			return d.insertSections(len(d.sections)-1, []string{k}, w)
		}
		return d.insertKV(t, k, w)
	case defHeader, defImplicit:
		if isTable(w) {
			if sib := lastTable(t); sib != nil {
				// A direct member of a [header] table written as dotted keys
				// or as an inline table sits in that table's own section,
				// with a one-part key.
				switch {
				case sib.def == defDotted:
					e := d.exprs[sib.last]
					return d.insertLines(e.lineEnd, dottedLines(renderKey(k), w, lineIndent(d.src, e.lineStart), d.nl), false)
				case sib.def == defInline && sib.expr >= 0:
					d.made(append(t.path(), k))
					e := d.exprs[sib.expr]
					line := lineIndent(d.src, e.lineStart) + renderKey(k) + " = " + inline(w) + d.nl
					return d.insertLines(e.lineEnd, line, false)
				}
			}
			return d.insertSections(d.lastSectionUnder(t.path()), append(t.path(), k), w)
		}
		if t.def == defHeader {
			return d.insertKV(t, k, w)
		}
		return d.insertSections(d.lastSectionUnder(t.path()), t.path(), config.ObjectValue(config.M(k, w)))
	}
	return &config.PathError{Path: t.path(), Msg: "cannot take new keys"}
}

// lastTable returns t's last member (in file order) that is a table or an
// array of tables, or nil.
func lastTable(t *tnode) *tnode {
	for i := len(t.children) - 1; i >= 0; i-- {
		if c := t.children[i]; c.kind != nodeValue {
			return c
		}
	}
	return nil
}

// rawKeys returns the text of key parts as the user wrote them, joined by
// dots.
func (d *Document) rawKeys(keys []keyPart) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = string(d.src[k.start:k.end])
	}
	return strings.Join(parts, ".")
}

// insertKV adds k = w to the key-values of t, the top level or a [header]
// table: after its last key-value line; after its header when it has
// none; for the top level, when it has none, before the first [header]
// and the comments right above it, with a blank line between.
func (d *Document) insertKV(t *tnode, k string, w config.Value) error {
	sec := d.sections[t.section]
	line := renderKey(k) + " = " + inline(w)
	switch {
	case sec.lastKV >= 0:
		e := d.exprs[sec.lastKV]
		return d.insertLines(e.lineEnd, lineIndent(d.src, e.lineStart)+line+d.nl, false)
	case sec.header >= 0:
		return d.insertLines(d.exprs[sec.header].lineEnd, line+d.nl, false)
	case len(d.sections) == 1:
		return d.insertLines(d.endOfContent(0), line+d.nl, false)
	}
	h := d.exprs[d.sections[1].header].lineStart
	x := d.attachedStart(0, h)
	return d.apply(splice{x, x, line + d.nl + d.nl})
}

// insertSections writes the object w as [header] sections for path after
// section s's last line, with a blank line before them.
func (d *Document) insertSections(s int, path []string, w config.Value) error {
	text := sections(path, w, d.nl, d.made)
	return d.insertLines(d.endOfContent(s), text, true)
}

// endOfContent is where lines added after section s go: its extentEnd,
// or the end of a text that holds nothing but blank lines (which stay
// before what is added, so that removing it gives them back).
func (d *Document) endOfContent(s int) int {
	if isBlank(d.src) {
		return len(d.src)
	}
	return d.extentEnd(s)
}

// made records that this Document wrote the table at path, as a [header]
// or an inline table, for Delete's clean-up.
func (d *Document) made(path []string) {
	if d.created == nil {
		d.created = make(map[string]bool)
	}
	d.created[pathKey(path)] = true
}

func pathKey(path []string) string { return strings.Join(path, "\x00") }

// lastSectionUnder returns the index of the last section whose header is
// path or below it, or of the last section of all when none is.
func (d *Document) lastSectionUnder(path []string) int {
	for s := len(d.sections) - 1; s > 0; s-- {
		if hasPrefix(d.sections[s].path, path) {
			return s
		}
	}
	return len(d.sections) - 1
}

func hasPrefix(path, prefix []string) bool {
	return len(path) >= len(prefix) && slices.Equal(path[:len(prefix)], prefix)
}

func keysHavePrefix(keys []keyPart, prefix []string) bool {
	if len(keys) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if keys[i].name != p {
			return false
		}
	}
	return true
}

// insertLines puts whole lines (each ending in the file's line break) at
// x, a line start or the end of the text, with a blank line before them
// when blankBefore and something other than blank lines comes before. In
// a file that does not end with a line break the added lines do not
// either.
func (d *Document) insertLines(x int, lines string, blankBefore bool) error {
	src := d.src
	blank := ""
	if blankBefore && !isBlank(src[:x]) {
		blank = d.nl
	}
	if x == len(src) && x > 0 && src[x-1] != '\n' {
		return d.apply(splice{x, x, d.nl + blank + strings.TrimSuffix(lines, d.nl)})
	}
	return d.apply(splice{x, x, blank + lines})
}

// extentEnd returns where section s ends: past its last key-value line
// and the comment lines after it, but before the blank lines that follow
// and before the comment lines right above the next header (which are
// about that table).
func (p *parsed) extentEnd(s int) int {
	sec := p.sections[s]
	last := 0
	if sec.header >= 0 {
		last = p.exprs[sec.header].lineEnd
	}
	if sec.lastKV >= 0 {
		last = p.exprs[sec.lastKV].lineEnd
	}
	stop := len(p.src)
	if s+1 < len(p.sections) {
		stop = p.attachedStart(last, p.exprs[p.sections[s+1].header].lineStart)
	}
	end := last
	for pos := last; pos < stop; {
		le := stop
		if i := bytes.IndexByte(p.src[pos:stop], '\n'); i >= 0 {
			le = pos + i + 1
		}
		if !isBlank(p.src[pos:le]) {
			end = le
		}
		pos = le
	}
	return end
}

// attachedStart returns the start of the run of comment lines right above
// the line at h (h itself if there are none), not before from.
func (p *parsed) attachedStart(from, h int) int {
	x := h
	for x > from {
		ls := lineStart(p.src, x-1)
		if ls < from || !isComment(p.src[ls:x]) {
			break
		}
		x = ls
	}
	return x
}

func isBlank(line []byte) bool {
	return len(bytes.Trim(line, " \t\r\n")) == 0
}

func isComment(line []byte) bool {
	t := bytes.TrimLeft(line, " \t")
	return len(t) > 0 && t[0] == '#'
}

// lineIndent returns the blanks at the start of the line holding pos.
func lineIndent(src []byte, pos int) string {
	start := lineStart(src, pos)
	return string(src[start:skipBlanks(src, start)])
}

// Delete implements config.Document. It removes the key, or the table
// with its sub-tables wherever they are written (its header and body, the
// sections below it, dotted keys and inline tables that define parts of
// it). A table left empty keeps its header, unless this Document wrote
// that header, so that a delete after a fresh set gives back the file.
func (d *Document) Delete(path ...string) (bool, error) {
	if err := checkPath("delete", path); err != nil {
		return false, err
	}
	return d.edit("delete", path, func() (bool, error) {
		changed, err := d.delete(path)
		if err != nil || !changed {
			return false, err
		}
		for p := path[:len(path)-1]; len(p) > 0 && d.created[pathKey(p)]; p = p[:len(p)-1] {
			dropped, err := d.dropIfEmpty(p)
			if err != nil {
				return true, err
			}
			if !dropped {
				break
			}
		}
		return true, nil
	}, func() bool {
		_, ok := d.Get(path...)
		return !ok
	})
}

func (d *Document) delete(path []string) (bool, error) {
	t, n, err := d.resolve(path, true)
	if err != nil || n < len(path) {
		return false, err
	}
	if t.container != nil {
		return true, d.deleteInline(path)
	}
	var rs []span
	for s, sec := range d.sections {
		if sec.header >= 0 && hasPrefix(sec.path, path) {
			rs = append(rs, d.sectionSpan(s))
			continue
		}
		if len(sec.path) >= len(path) || !hasPrefix(path, sec.path) {
			continue
		}
		rel := path[len(sec.path):]
		for i := sec.firstExpr(); i < sec.exprEnd; i++ {
			if e := d.exprs[i]; e.kind == exprKV && keysHavePrefix(e.kv.keys, rel) {
				rs = append(rs, span{e.lineStart, e.lineEnd})
			}
		}
	}
	if len(rs) == 0 {
		return false, errors.New("internal error: found the key but not its text")
	}
	return true, d.removeSpans(rs)
}

// deleteInline removes the members of an inline table that define the
// node at path, one at a time.
func (d *Document) deleteInline(path []string) error {
	for {
		t, n, err := d.resolve(path, true)
		if err != nil {
			return err
		}
		if n < len(path) {
			return nil
		}
		box := t.container
		var rel []string
		for x := t; x != nil && !(x.def == defInline && x.v == box); x = x.parent {
			rel = append(rel, x.name)
		}
		slices.Reverse(rel)
		i := slices.IndexFunc(box.members, func(m *member) bool { return keysHavePrefix(m.keys, rel) })
		if i < 0 {
			return errors.New("internal error: found the key but not its text in the inline table")
		}
		if err := d.removeItem(box, i); err != nil {
			return err
		}
	}
}

// dropIfEmpty removes the table at path when it has nothing left: no
// keys, no sub-tables, and for a [header], no comments under it.
func (d *Document) dropIfEmpty(path []string) (bool, error) {
	t, n, err := d.resolve(path, true)
	if err != nil || n < len(path) || t.kind != nodeTable || len(t.children) > 0 {
		return false, err
	}
	switch t.def {
	case defHeader:
		if d.extentEnd(t.section) != d.exprs[d.sections[t.section].header].lineEnd {
			return false, nil
		}
		delete(d.created, pathKey(path))
		return true, d.removeSpans([]span{d.sectionSpan(t.section)})
	case defInline:
		delete(d.created, pathKey(path))
		return d.delete(path)
	}
	return false, nil
}

type span struct{ start, end int }

// sectionSpan returns the text of section s as a delete removes it: from
// its header line (with the blank lines above it, when something comes
// before them) to its extent's end. Comment lines right above the header
// stay: they may be about more than this table.
func (p *parsed) sectionSpan(s int) span {
	h := p.exprs[p.sections[s].header].lineStart
	x := h
	for x > 0 {
		ls := lineStart(p.src, x-1)
		if !isBlank(p.src[ls:x]) {
			break
		}
		x = ls
	}
	if x == 0 {
		x = h
	}
	return span{x, p.extentEnd(s)}
}

// removeSpans removes whole lines. A removal at the start of the text or
// after a blank line takes the blank lines after it too (whole lines, not
// blanks at the end of the text), so lines close up as a person would
// leave them; in a file without a final line break, a removal that
// reaches the end leaves none either.
func (d *Document) removeSpans(rs []span) error {
	src := d.src
	sort.Slice(rs, func(i, j int) bool { return rs[i].start < rs[j].start })
	rs = mergeSpans(rs)
	for i := range rs {
		r := &rs[i]
		if r.start == 0 || isBlank(src[lineStart(src, r.start-1):r.start]) {
			for r.end < len(src) {
				j := bytes.IndexByte(src[r.end:], '\n')
				if j < 0 || !isBlank(src[r.end:r.end+j]) {
					break
				}
				r.end += j + 1
			}
		}
	}
	if last := &rs[len(rs)-1]; last.end == len(src) && src[len(src)-1] != '\n' && last.start > 0 && src[last.start-1] == '\n' {
		// The file has no final line break: take the one before the
		// removal, so that the file still has none.
		last.start--
		if last.start > 0 && src[last.start-1] == '\r' {
			last.start--
		}
	}
	rs = mergeSpans(rs)
	edits := make([]splice, len(rs))
	for i, r := range rs {
		edits[i] = splice{start: r.start, end: r.end}
	}
	return d.reparse(applySplices(src, edits))
}

// mergeSpans joins sorted spans that overlap or touch.
func mergeSpans(rs []span) []span {
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, r.end)
			continue
		}
		out = append(out, r)
	}
	return out
}

// AddToSet implements config.Document.
func (d *Document) AddToSet(s string, path ...string) (bool, error) {
	if err := checkPath("add to", path); err != nil {
		return false, err
	}
	if !utf8.ValidString(s) {
		return false, fmt.Errorf("add to %s: the string is not valid UTF-8", config.DisplayPath(path))
	}
	return d.edit("add to", path, func() (bool, error) {
		t, n, err := d.resolve(path, true)
		if err != nil {
			return false, err
		}
		if n < len(path) {
			return d.set(config.StringList(s), path)
		}
		box, err := arrayAt(t, path)
		if err != nil {
			return false, err
		}
		for _, x := range box.items {
			if x.kind == unstable.String && x.text == s {
				return false, nil
			}
		}
		return true, d.insertItem(box, basicString(s))
	}, func() bool { return d.hasString(s, path) })
}

// RemoveFromSet implements config.Document.
func (d *Document) RemoveFromSet(s string, path ...string) (bool, error) {
	if err := checkPath("remove from", path); err != nil {
		return false, err
	}
	return d.edit("remove from", path, func() (bool, error) {
		changed := false
		for {
			t, n, err := d.resolve(path, true)
			if err != nil || n < len(path) {
				return changed, err
			}
			box, err := arrayAt(t, path)
			if err != nil {
				return changed, err
			}
			i := slices.IndexFunc(box.items, func(x *val) bool { return x.kind == unstable.String && x.text == s })
			if i < 0 {
				return changed, nil
			}
			if err := d.removeItem(box, i); err != nil {
				return changed, err
			}
			changed = true
		}
	}, func() bool { return !d.hasString(s, path) })
}

func arrayAt(t *tnode, path []string) (*val, error) {
	switch {
	case t.kind == nodeArray:
		return nil, &config.PathError{Path: path, Msg: "is an array of tables, not an array of strings"}
	case t.kind == nodeTable:
		return nil, &config.PathError{Path: path, Msg: "is a table, not an array"}
	case t.v.kind != unstable.Array:
		return nil, &config.PathError{Path: path, Msg: "is " + kindName(t.v) + ", not an array"}
	}
	return t.v, nil
}

func (d *Document) hasString(s string, path []string) bool {
	v, ok := d.Get(path...)
	if !ok {
		return false
	}
	for _, x := range v.Items() {
		if x.Kind() == config.String && x.Str() == s {
			return true
		}
	}
	return false
}

// item is one element of an array or key-value of an inline table:
// [start, end) its text, comma where the comma after it is (-1 for none).
type item struct{ start, end, comma int }

func (v *val) list() []item {
	var out []item
	if v.kind == unstable.Array {
		for i, x := range v.items {
			out = append(out, item{x.start, x.end, v.commas[i]})
		}
		return out
	}
	for i, m := range v.members {
		out = append(out, item{m.start, m.end, v.commas[i]})
	}
	return out
}

// insertItem adds text as the last element of the array or inline table
// box. In a multi-line one it goes on its own line, indented like the
// last item, after any comment that ends that item's line; in a one-line
// one it follows after ", ".
func (d *Document) insertItem(box *val, text string) error {
	src := d.src
	items := box.list()
	open, closing := box.start, box.end-1
	if len(items) == 0 {
		inner := src[open+1 : closing]
		if isBlank(inner) && bytes.IndexByte(inner, '\n') < 0 {
			if box.kind == unstable.InlineTable {
				text = " " + text + " "
			}
			return d.apply(splice{open + 1, closing, text})
		}
		// Comments inside: the item goes on its own line after them.
		base := lineIndent(src, open)
		kept := bytes.TrimRight(inner, " \t\r\n")
		return d.apply(splice{open + 1, closing, string(kept) + d.nl + base + "  " + text + d.nl + base})
	}
	last := items[len(items)-1]
	trailing := last.comma >= 0
	if bytes.IndexByte(src[open:last.start], '\n') < 0 {
		if trailing {
			at := last.comma + 1
			return d.apply(splice{at, at, " " + text + ","})
		}
		return d.apply(splice{last.end, last.end, ", " + text})
	}
	indent := lineIndent(src, last.start)
	from := last.end
	if trailing {
		from = last.comma + 1
	}
	at := from + endOfLineComment(src[from:])
	if trailing {
		return d.apply(splice{at, at, d.nl + indent + text + ","})
	}
	return d.apply(splice{last.end, last.end, ","}, splice{at, at, d.nl + indent + text})
}

// endOfLineComment returns how far the rest of the line extends when it
// holds only blanks and a comment; 0 otherwise.
func endOfLineComment(b []byte) int {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return 0
	}
	if nl > 0 && b[nl-1] == '\r' {
		nl--
	}
	rest := bytes.TrimLeft(b[:nl], " \t")
	if len(rest) > 0 && rest[0] == '#' {
		return nl
	}
	return 0
}

// removeItem deletes item i of the array or inline table box, with the
// comma that belongs to it and the line break and indentation before it,
// so the lines around it close up. Comments stay.
func (d *Document) removeItem(box *val, i int) error {
	src := d.src
	items := box.list()
	last := len(items) - 1
	it := items[i]
	start := backOverLineStart(src, it.start)
	end := it.end
	if it.comma >= 0 {
		end = it.comma + 1
		if start == it.start {
			end = skipBlanks(src, end)
		}
	}
	var edits []splice
	if i == last && it.comma < 0 && i > 0 {
		// The previous item's comma goes with us.
		comma := items[i-1].comma
		edits = append(edits, splice{comma, comma + 1, ""})
		if start < comma+1 || start == it.start {
			start = comma + 1
		}
	}
	edits = append(edits, splice{start, end, ""})
	if len(items) == 1 {
		rest := append(bytes.Clone(src[box.start+1:start]), src[end:box.end-1]...)
		if isBlank(rest) {
			// Nothing but blanks left: close up to [] or {}, "{ }" for an
			// inline table that had blanks inside.
			inner := ""
			if box.kind == unstable.InlineTable && len(rest) > 0 && bytes.IndexByte(rest, '\n') < 0 {
				inner = " "
			}
			return d.apply(splice{box.start + 1, box.end - 1, inner})
		}
	}
	return d.apply(edits...)
}

// backOverLineStart moves pos back over the indentation before it and one
// line break, if only blanks stand between them.
func backOverLineStart(src []byte, pos int) int {
	p := pos
	for p > 0 && (src[p-1] == ' ' || src[p-1] == '\t') {
		p--
	}
	if p > 0 && src[p-1] == '\n' {
		p--
		if p > 0 && src[p-1] == '\r' {
			p--
		}
		return p
	}
	return pos
}

type splice struct {
	start, end int
	text       string
}

// applySplices replaces each [start, end) range of src with its text; the
// ranges must not overlap. Splices at one position apply in their order.
func applySplices(src []byte, edits []splice) []byte {
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
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

// apply splices edits into the text and parses the result again, which
// every later step needs (the offsets moved) and which refuses an edit
// that broke the syntax.
func (d *Document) apply(edits ...splice) error {
	return d.reparse(applySplices(d.src, edits))
}

func (d *Document) reparse(out []byte) error {
	p, err := parse(out, d.parsed)
	if err != nil {
		return fmt.Errorf("internal error: the edited text does not parse (%v); nothing was changed", err)
	}
	d.parsed = p
	return nil
}
