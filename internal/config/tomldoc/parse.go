package tomldoc

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// utf8BOM is the byte order mark some Windows editors put at the start of
// a file. The TOML parsers reject it, so it is stripped and put back.
var utf8BOM = []byte("\xEF\xBB\xBF")

// Document is one TOML file held as its original bytes, with what the last
// parse learned about where each key, value and table lies in them.
type Document struct {
	*parsed
	// notes is a named field: embedded, the embedded type's field name would
	// hide its own Notes method.
	notes config.NoteList
	bom   bool
	nl    string // "\n" or "\r\n", for the lines we add
	// created holds the tables (by pathKey) that this Document wrote as a
	// [header] or an inline table, so that a Delete that empties one
	// removes it too and a delete after a fresh set gives back the
	// original bytes. A table that was in the file stays, even empty.
	created map[string]bool
}

var _ config.Document = (*Document)(nil)

// parsed is one parse of a text: its top-level expressions (key-values and
// table headers) in order, the sections they form (the top level, then one
// per header) and the tree of tables.
type parsed struct {
	src      []byte
	exprs    []expr
	sections []section
	root     *tnode
}

// keyPart is one part of a (dotted) key: its decoded name and where its
// raw text (quotes included) lies.
type keyPart struct {
	name       string
	start, end int
}

// val is a value by position: [start, end) is its text. Arrays list their
// items, inline tables their key-values; commas[i] is where the comma after
// item or member i is (-1 for none).
type val struct {
	kind       unstable.Kind
	start, end int
	text       string // a string's decoded value; the raw text of other scalars
	items      []*val
	members    []*member
	commas     []int
}

// member is a key-value, at the top level or inside an inline table:
// [start, end) runs from the key to the end of the value.
type member struct {
	keys       []keyPart
	start, end int
	value      *val
}

type exprKind uint8

const (
	exprKV exprKind = iota
	exprTable
	exprArrayTable
)

// expr is one top-level expression. [start, end) is its text; the lines it
// covers run from lineStart to lineEnd, which is past the comment that ends
// its last line and the line break (or at the end of the text).
type expr struct {
	kind               exprKind
	kv                 *member   // exprKV
	keys               []keyPart // headers
	start, end         int
	lineStart, lineEnd int
	section            int
}

// section is the top level (index 0) or one [header] and the key-values
// after it: exprs[header+1 : exprEnd]. lastKV is the index of its last
// key-value, or -1.
type section struct {
	header  int // expr index; -1 for the top level
	path    []string
	table   *tnode
	exprEnd int
	lastKV  int
}

func (s section) firstExpr() int { return s.header + 1 }

type nodeKind uint8

const (
	nodeTable nodeKind = iota
	nodeArray          // an array of tables ([[name]])
	nodeValue
)

// defKind says how a table came to be, which decides how keys are added to
// it: in its own section, as dotted keys, or inside an inline table.
type defKind uint8

const (
	defRoot         defKind = iota
	defImplicit             // a super-table made by a deeper [header] only
	defHeader               // its own [header] (or [[header]] for an element)
	defDotted               // by dotted keys in one section's body
	defInline               // an inline table: the value of a key
	defInlineDotted         // by dotted keys inside an inline table
	defValue                // not a table: a key's value
	defArray                // an array of tables
)

// tnode is a table, an array of tables or a value in the tree the file
// defines, with what is needed to edit it where it is written.
type tnode struct {
	name     string
	parent   *tnode
	kind     nodeKind
	def      defKind
	children []*tnode
	index    map[string]*tnode
	// section is the table's own section (defHeader), or the section
	// whose body holds the dotted keys that make it (defDotted); -1 else.
	section int
	// via is the key-value whose key goes through the table (defDotted,
	// defInlineDotted: the first one; depth is where its name is in that
	// key) or that holds the value (defInline, defValue).
	via   *member
	depth int
	// last is the expr index of the last key-value whose dotted key goes
	// through a defDotted table.
	last int
	// v is the value of a defInline or defValue node.
	v *val
	// container is the inline table holding the key-value that makes the
	// node, when there is one.
	container *val
	// expr is the expr index of the top-level key-value that holds a
	// defInline or defValue node; -1 inside an inline table.
	expr  int
	elems []*tnode // defArray
}

func (t *tnode) child(name string) *tnode {
	if t.index != nil {
		return t.index[name]
	}
	for _, c := range t.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// indexAbove is the number of members past which a table gets a map: a
// config.toml can trust thousands of projects.
const indexAbove = 8

func (t *tnode) add(c *tnode) {
	c.parent = t
	t.children = append(t.children, c)
	switch {
	case t.index != nil:
		t.index[c.name] = c
	case len(t.children) > indexAbove:
		t.index = make(map[string]*tnode, 2*len(t.children))
		for _, x := range t.children {
			t.index[x.name] = x
		}
	}
}

func (t *tnode) path() []string {
	var out []string
	for n := t; n != nil && n.def != defRoot; n = n.parent {
		out = append(out, n.name)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Parse reads data as TOML. Empty or whitespace-only input is an empty
// document. Malformed input is refused with a *config.SyntaxError that
// says where: the unstable parser finds syntax errors, and parse what that
// parser leaves to its callers (duplicate keys, a table defined twice or
// by both a header and dotted keys, an inline table extended, impossible
// dates, integers out of range), as go-toml's decoder does; for files up
// to decodeLimit that decoder is asked too.
func Parse(data []byte) (*Document, error) {
	d := &Document{}
	if bytes.HasPrefix(data, utf8BOM) {
		d.bom = true
		data = data[len(utf8BOM):]
	}
	p, err := parse(data, nil)
	if err != nil {
		return nil, err
	}
	if err := decodeCheck(data); err != nil {
		return nil, err
	}
	d.parsed = p
	d.nl = detectNewline(data)
	return d, nil
}

// Note implements config.Document.
func (d *Document) Note(format string, args ...any) { d.notes.Note(format, args...) }

// Notes implements config.Document.
func (d *Document) Notes() []string { return d.notes.Notes() }

// Format implements config.Document.
func (d *Document) Format() config.Format { return config.TOML }

// Bytes returns the document's current text, with its BOM if it had one.
// The slice is the document's own when there is no BOM.
func (d *Document) Bytes() []byte {
	if !d.bom {
		return d.src
	}
	return append(append([]byte(nil), utf8BOM...), d.src...)
}

func detectNewline(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// decodeLimit is the largest text that decodeCheck gives go-toml's full
// decoder. Its duplicate-key tracker searches linearly, so its cost grows
// with the square of the number of tables: 0.5 s for a 1 MB file with
// 8000 trusted projects. parse enforces the same rules itself (and the
// fuzz test holds it to go-toml's verdict), so past this size the second
// opinion is skipped.
const decodeLimit = 128 << 10

// decodeCheck decodes src with go-toml's full decoder, the reference for
// what a TOML file may hold, when src is small enough (see decodeLimit).
func decodeCheck(src []byte) error {
	if len(src) > decodeLimit {
		return nil
	}
	return decodeError(toml.Unmarshal(src, new(any)), 0, 0)
}

// decodeError turns a go-toml decode error into a *config.SyntaxError,
// its position moved by line and col (for a snippet decoded alone).
func decodeError(err error, line, col int) error {
	if err == nil {
		return nil
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		l, c := de.Position()
		if l == 1 {
			c += col
		}
		return &config.SyntaxError{Line: l + line, Column: c, Msg: cleanMessage(strings.TrimPrefix(de.Error(), "toml: "))}
	}
	return &config.SyntaxError{Line: line + 1, Column: col + 1, Msg: cleanMessage(err.Error())}
}

// cleanMessage escapes control characters and invalid UTF-8 that a parser
// message may have copied from the file (a key name, say), so that no
// error prints raw escape sequences to a terminal.
func cleanMessage(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// builder turns the unstable parser's expressions into a parsed. Nodes,
// values and key parts come from slabs: a 1 MB file has tens of
// thousands of them, and allocating each alone doubled the parse time.
type builder struct {
	p     *parsed
	src   []byte
	nodes []tnode
	vals  []val
	mems  []member
	keyz  []keyPart
}

const slab = 256

func (b *builder) node(n tnode) *tnode {
	if len(b.nodes) == cap(b.nodes) {
		b.nodes = make([]tnode, 0, slab)
	}
	b.nodes = append(b.nodes, n)
	return &b.nodes[len(b.nodes)-1]
}

func (b *builder) val(v val) *val {
	if len(b.vals) == cap(b.vals) {
		b.vals = make([]val, 0, slab)
	}
	b.vals = append(b.vals, v)
	return &b.vals[len(b.vals)-1]
}

func (b *builder) member(m member) *member {
	if len(b.mems) == cap(b.mems) {
		b.mems = make([]member, 0, slab)
	}
	b.mems = append(b.mems, m)
	return &b.mems[len(b.mems)-1]
}

// parse builds the parsed form of src. hint, the parse of a text src was
// made from by an edit, sizes the slices.
func parse(src []byte, hint *parsed) (*parsed, error) {
	root := &tnode{kind: nodeTable, def: defRoot, section: 0, expr: -1}
	p := &parsed{src: src, root: root}
	if hint != nil {
		p.exprs = make([]expr, 0, len(hint.exprs)+16)
		p.sections = make([]section, 0, len(hint.sections)+8)
	} else {
		// Each expression takes a line at least; each header starts one.
		p.exprs = make([]expr, 0, bytes.Count(src, []byte("\n"))+1)
		p.sections = make([]section, 0, bytes.Count(src, []byte("\n["))+2)
	}
	p.sections = append(p.sections, section{header: -1, table: root, lastKV: -1})
	b := &builder{p: p, src: src}
	var ps unstable.Parser
	ps.Reset(src)
	for ps.NextExpression() {
		e := ps.Expression()
		var err error
		switch e.Kind {
		case unstable.KeyValue:
			err = b.keyValue(e)
		case unstable.Table, unstable.ArrayTable:
			err = b.header(e)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := ps.Error(); err != nil {
		var pe *unstable.ParserError
		if errors.As(err, &pe) {
			off := cap(src) - cap(pe.Highlight)
			if pe.Highlight == nil || off < 0 || off > len(src) {
				off = len(src)
			}
			return nil, b.errAt(off, "%s", pe.Message)
		}
		return nil, b.errAt(len(src), "%v", err)
	}
	p.sections[len(p.sections)-1].exprEnd = len(p.exprs)
	return p, nil
}

func (b *builder) errAt(off int, format string, args ...any) error {
	line, col := lineColumn(b.src, off)
	return &config.SyntaxError{Line: line, Column: col, Msg: cleanMessage(fmt.Sprintf(format, args...))}
}

// internal reports a disagreement between the unstable parser's tree and
// the text, which would be a bug here or there: refusing is safer than
// editing at a wrong offset.
func (b *builder) internal(off int, what string) error {
	return b.errAt(off, "cannot locate %s (internal error)", what)
}

func lineColumn(b []byte, n int) (line, column int) {
	n = max(0, min(n, len(b)))
	line = 1 + bytes.Count(b[:n], []byte("\n"))
	column = 1 + n - (bytes.LastIndexByte(b[:n], '\n') + 1)
	return line, column
}

func (b *builder) keys(it unstable.Iterator) []keyPart {
	if cap(b.keyz)-len(b.keyz) < 16 {
		b.keyz = make([]keyPart, 0, 4*slab)
	}
	from := len(b.keyz)
	for it.Next() {
		n := it.Node()
		b.keyz = append(b.keyz, keyPart{
			name:  string(n.Data),
			start: int(n.Raw.Offset),
			end:   int(n.Raw.Offset + n.Raw.Length),
		})
	}
	return b.keyz[from:len(b.keyz):len(b.keyz)]
}

func names(keys []keyPart) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

func (b *builder) header(e *unstable.Node) error {
	src := b.src
	keys := b.keys(e.Key())
	if len(keys) == 0 {
		return b.internal(0, "a table header")
	}
	brackets := 1
	kind := exprTable
	if e.Kind == unstable.ArrayTable {
		brackets, kind = 2, exprArrayTable
	}
	open := keys[0].start
	for open > 0 && (src[open-1] == ' ' || src[open-1] == '\t') {
		open--
	}
	open -= brackets
	closing := skipBlanks(src, keys[len(keys)-1].end) + brackets
	if open < 0 || src[open] != '[' || closing > len(src) || src[closing-1] != ']' {
		return b.internal(keys[0].start, "a table header")
	}
	p := b.p
	idx := len(p.exprs)
	secIdx := len(p.sections)
	t := p.root
	for _, k := range keys[:len(keys)-1] {
		c := t.child(k.name)
		switch {
		case c == nil:
			c = b.node(tnode{name: k.name, kind: nodeTable, def: defImplicit, section: -1, expr: -1})
			t.add(c)
		case c.kind == nodeArray:
			c = c.elems[len(c.elems)-1]
		case c.kind == nodeValue:
			return b.errAt(k.start, "key %s is already defined as a value", k.name)
		case c.def == defInline || c.def == defInlineDotted:
			return b.errAt(k.start, "key %s is an inline table, which cannot be extended", k.name)
		}
		t = c
	}
	last := keys[len(keys)-1]
	c := t.child(last.name)
	if kind == exprTable {
		switch {
		case c == nil:
			c = b.node(tnode{name: last.name, kind: nodeTable, def: defHeader, expr: -1})
			t.add(c)
		case c.kind == nodeTable && c.def == defImplicit:
			c.def = defHeader
		default:
			return b.errAt(keys[0].start, "table %s already exists", strings.Join(names(keys), "."))
		}
		c.section = secIdx
	} else {
		switch {
		case c == nil:
			c = b.node(tnode{name: last.name, kind: nodeArray, def: defArray, section: -1, expr: -1})
			t.add(c)
		case c.kind != nodeArray:
			return b.errAt(last.start, "key %s is already defined and is not an array of tables", last.name)
		}
		elem := b.node(tnode{name: last.name, parent: t, kind: nodeTable, def: defHeader, section: secIdx, expr: -1})
		c.elems = append(c.elems, elem)
		c = elem
	}
	p.sections[len(p.sections)-1].exprEnd = idx
	p.sections = append(p.sections, section{header: idx, path: names(keys), table: c, lastKV: -1})
	p.exprs = append(p.exprs, expr{
		kind: kind, keys: keys, start: open, end: closing,
		lineStart: lineStart(src, open), lineEnd: lineEnd(src, closing), section: secIdx,
	})
	return nil
}

func (b *builder) keyValue(e *unstable.Node) error {
	m, err := b.keyValueNode(e)
	if err != nil {
		return err
	}
	p := b.p
	secIdx := len(p.sections) - 1
	idx := len(p.exprs)
	t := p.sections[secIdx].table
	for i, k := range m.keys[:len(m.keys)-1] {
		c := t.child(k.name)
		switch {
		case c == nil:
			c = b.node(tnode{name: k.name, kind: nodeTable, def: defDotted, section: secIdx, via: m, depth: i, expr: -1})
			t.add(c)
		case c.kind == nodeTable && c.def == defDotted && c.section == secIdx:
		default:
			return b.errAt(k.start, "key %s is already defined", k.name)
		}
		c.last = idx
		t = c
	}
	last := m.keys[len(m.keys)-1]
	if t.child(last.name) != nil {
		return b.errAt(last.start, "key %s is already defined", last.name)
	}
	if err := b.addValue(t, last.name, m, nil, idx); err != nil {
		return err
	}
	p.sections[secIdx].lastKV = idx
	p.exprs = append(p.exprs, expr{
		kind: exprKV, kv: m, start: m.start, end: m.end,
		lineStart: lineStart(b.src, m.start), lineEnd: lineEnd(b.src, m.end), section: secIdx,
	})
	return nil
}

// member reads a key-value node: its key parts and its value with their
// positions. The unstable parser gives ranges for keys, scalars and the
// whole key-value; those of arrays and inline tables are found here by
// skipping the blanks, comments and commas between their items.
func (b *builder) keyValueNode(n *unstable.Node) (*member, error) {
	keys := b.keys(n.Key())
	if len(keys) == 0 {
		return nil, b.internal(int(n.Raw.Offset), "a key")
	}
	start := int(n.Raw.Offset)
	end := start + int(n.Raw.Length)
	vs := skipBlanks(b.src, keys[len(keys)-1].end)
	if vs >= len(b.src) || b.src[vs] != '=' {
		return nil, b.internal(vs, "the '=' after a key")
	}
	vs = skipBlanks(b.src, vs+1)
	v, vend, err := b.value(n.Value(), vs)
	if err != nil {
		return nil, err
	}
	if vend != end {
		return nil, b.internal(vs, "the end of a value")
	}
	return b.member(member{keys: keys, start: start, end: end, value: v}), nil
}

func (b *builder) value(n *unstable.Node, start int) (*val, int, error) {
	src := b.src
	switch n.Kind {
	case unstable.Array:
		if start >= len(src) || src[start] != '[' {
			return nil, 0, b.internal(start, "an array")
		}
		v := b.val(val{kind: n.Kind, start: start})
		pos := start + 1
		for it := n.Children(); it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			pos = skipTrivia(src, pos)
			item, end, err := b.value(c, pos)
			if err != nil {
				return nil, 0, err
			}
			if item.kind == unstable.InlineTable {
				// Not in the tree (arrays are values), but its keys must
				// not repeat either.
				t := &tnode{kind: nodeTable, def: defInline, v: item, expr: -1}
				for _, m := range item.members {
					if err := b.inlineMember(t, m); err != nil {
						return nil, 0, err
					}
				}
			}
			v.items = append(v.items, item)
			pos = skipTrivia(src, end)
			comma := -1
			if pos < len(src) && src[pos] == ',' {
				comma = pos
				pos++
			}
			v.commas = append(v.commas, comma)
		}
		pos = skipTrivia(src, pos)
		if pos >= len(src) || src[pos] != ']' {
			return nil, 0, b.internal(pos, "the end of an array")
		}
		v.end = pos + 1
		return v, v.end, nil
	case unstable.InlineTable:
		if start != int(n.Raw.Offset) || src[start] != '{' {
			return nil, 0, b.internal(start, "an inline table")
		}
		v := b.val(val{kind: n.Kind, start: start})
		pos := start + 1
		for it := n.Children(); it.Next(); {
			c := it.Node()
			if c.Kind != unstable.KeyValue {
				continue
			}
			pos = skipTrivia(src, pos)
			if pos != int(c.Raw.Offset) {
				return nil, 0, b.internal(pos, "a key in an inline table")
			}
			m, err := b.keyValueNode(c)
			if err != nil {
				return nil, 0, err
			}
			v.members = append(v.members, m)
			pos = skipTrivia(src, m.end)
			comma := -1
			if pos < len(src) && src[pos] == ',' {
				comma = pos
				pos++
			}
			v.commas = append(v.commas, comma)
		}
		pos = skipTrivia(src, pos)
		if pos >= len(src) || src[pos] != '}' {
			return nil, 0, b.internal(pos, "the end of an inline table")
		}
		v.end = pos + 1
		return v, v.end, nil
	}
	if start != int(n.Raw.Offset) || n.Raw.Length == 0 {
		return nil, 0, b.internal(start, "a value")
	}
	end := start + int(n.Raw.Length)
	v := b.val(val{kind: n.Kind, start: start, end: end, text: string(n.Data)})
	if err := b.checkScalar(v); err != nil {
		return nil, 0, err
	}
	return v, end, nil
}

// checkScalar checks what the unstable parser leaves to its callers, as
// go-toml's decoder does: that integers fit in 64 bits, that floats parse,
// that dates and times exist.
func (b *builder) checkScalar(v *val) error {
	switch v.kind {
	case unstable.Integer:
		s := strings.ReplaceAll(v.text, "_", "")
		base := 10
		if len(s) > 2 && s[0] == '0' {
			switch s[1] {
			case 'x':
				base = 16
			case 'o':
				base = 8
			case 'b':
				base = 2
			}
			if base != 10 {
				s = s[2:]
			}
		}
		if _, err := strconv.ParseInt(s, base, 64); err != nil {
			return b.errAt(v.start, "integer %s does not fit in 64 bits", v.text)
		}
	case unstable.Float:
		s := strings.TrimLeft(v.text, "+-")
		if s == "inf" || s == "nan" {
			return nil
		}
		if _, err := strconv.ParseFloat(strings.ReplaceAll(v.text, "_", ""), 64); err != nil {
			return b.errAt(v.start, "unable to parse float %s", v.text)
		}
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		// Rare in a config file: let go-toml judge the value alone.
		const lead = "v = "
		line, col := lineColumn(b.src, v.start)
		return decodeError(toml.Unmarshal([]byte(lead+v.text), new(any)), line-1, col-1-len(lead))
	}
	return nil
}

// addValue adds the value of key-value m as t's member name. An inline
// table becomes a table node whose members are built from its key-values.
func (b *builder) addValue(t *tnode, name string, m *member, container *val, exprIdx int) error {
	if m.value.kind != unstable.InlineTable {
		t.add(b.node(tnode{name: name, kind: nodeValue, def: defValue, section: -1, via: m, v: m.value, container: container, expr: exprIdx}))
		return nil
	}
	c := b.node(tnode{name: name, kind: nodeTable, def: defInline, section: -1, via: m, v: m.value, container: container, expr: exprIdx})
	t.add(c)
	for _, mem := range m.value.members {
		if err := b.inlineMember(c, mem); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) inlineMember(c *tnode, m *member) error {
	t := c
	for i, k := range m.keys[:len(m.keys)-1] {
		x := t.child(k.name)
		switch {
		case x == nil:
			x = b.node(tnode{name: k.name, kind: nodeTable, def: defInlineDotted, section: -1, via: m, depth: i, container: c.v, expr: -1})
			t.add(x)
		case x.def == defInlineDotted && x.container == c.v:
		default:
			return b.errAt(k.start, "key %s is already defined", k.name)
		}
		t = x
	}
	last := m.keys[len(m.keys)-1]
	if t.child(last.name) != nil {
		return b.errAt(last.start, "key %s is already defined", last.name)
	}
	return b.addValue(t, last.name, m, c.v, -1)
}

func skipBlanks(src []byte, pos int) int {
	for pos < len(src) && (src[pos] == ' ' || src[pos] == '\t') {
		pos++
	}
	return pos
}

// skipTrivia skips what may stand between the items of an array or inline
// table: blanks, line breaks and comments (not commas).
func skipTrivia(src []byte, pos int) int {
	for pos < len(src) {
		switch src[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		case '#':
			nl := bytes.IndexByte(src[pos:], '\n')
			if nl < 0 {
				return len(src)
			}
			pos += nl + 1
		default:
			return pos
		}
	}
	return pos
}

// lineStart returns where the line holding pos starts.
func lineStart(src []byte, pos int) int {
	return bytes.LastIndexByte(src[:pos], '\n') + 1
}

// lineEnd returns where the line holding pos ends, past blanks, a comment
// and the line break (or at the end of the text).
func lineEnd(src []byte, pos int) int {
	pos = skipBlanks(src, pos)
	if pos < len(src) && src[pos] == '#' {
		nl := bytes.IndexByte(src[pos:], '\n')
		if nl < 0 {
			return len(src)
		}
		return pos + nl + 1
	}
	if pos < len(src) && src[pos] == '\r' && pos+1 < len(src) && src[pos+1] == '\n' {
		return pos + 2
	}
	if pos < len(src) && src[pos] == '\n' {
		return pos + 1
	}
	return pos
}
