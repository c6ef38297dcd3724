package jsondoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/tailscale/hujson"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// marshal encodes v as compact JSON without HTML escaping, as Claude Code
// and VS Code write their files (JSON.stringify does not escape <, > or &).
func marshal(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// utf8BOM is the byte order mark some Windows editors put at the start of
// a file. JSON parsers reject it, so we strip it and put it back.
var utf8BOM = []byte("\xEF\xBB\xBF")

// Document is one JSON or JSONC file held as its original bytes.
//
// Edits are made by splicing new text into those bytes at offsets found by
// parsing, never by re-serialising the tree, so every byte outside the
// edited member (comments, key order, indentation, line ends, a missing
// final newline) is kept exactly.
type Document struct {
	// src is the text (without the BOM) before pending, the last edit,
	// which is applied only when something needs the whole text: text()
	// returns it. See commit.
	src     []byte
	pending *pendingText
	// parsed: src is the parser's input (after the BOM) and no edit has
	// been applied to a copy of it, so Patch can state the edits.
	parsed bool
	bom    bool
	strict bool
	// noTrailing: comments allowed, trailing commas not
	// (config.JSONComments).
	noTrailing bool
	root       valueRef
	// tables holds the members of the objects near the top, from the
	// parse; cleared by any edit, whose offsets it would no longer match.
	tables map[int]objectInfo
	nl     string // "\n" or "\r\n", for the lines we add
	unit   string // one level of indentation, for the lines we add
	config.NoteList
}

var (
	_ config.Document   = (*Document)(nil)
	_ config.KeyLister  = (*Document)(nil)
	_ config.ItemSetter = (*Document)(nil)
	_ config.Cloner     = (*Document)(nil)
)

// Clone implements config.Cloner. The copy shares the text and the
// member tables with d: no edit changes either in place (an edit makes
// new text and new tables), so the two stay independent.
func (d *Document) Clone() config.Document {
	c := *d
	c.NoteList = config.NoteList{}
	return &c
}

// Format implements config.Document.Format.
func (d *Document) Format() config.Format {
	switch {
	case d.strict:
		return config.JSON
	case d.noTrailing:
		return config.JSONComments
	}
	return config.JSONC
}

// Parse reads data as JSON (strict) or JSONC (comments and trailing commas
// allowed). Empty or whitespace-only input is an empty object, as a file
// that was just created by touch should be.
func Parse(data []byte, strict bool) (*Document, error) {
	f := config.JSONC
	if strict {
		f = config.JSON
	}
	return ParseFormat(data, f)
}

// ParseFormat reads data as f, one of the JSON formats: config.JSON,
// config.JSONC or config.JSONComments (comments but no trailing commas).
func ParseFormat(data []byte, f config.Format) (*Document, error) {
	d := &Document{}
	switch f {
	case config.JSON:
		d.strict = true
	case config.JSONC:
	case config.JSONComments:
		d.noTrailing = true
	default:
		return nil, fmt.Errorf("the %s format is not JSON", f)
	}
	if bytes.HasPrefix(data, utf8BOM) {
		d.bom = true
		data = data[len(utf8BOM):]
	}
	d.src = data
	d.parsed = true
	if len(bytes.TrimSpace(data)) == 0 {
		// Nothing of value in it: start a fresh object.
		d.src = []byte("{}\n")
		d.parsed = false
	}
	root, err := d.scan(d.src)
	if err != nil {
		return nil, err
	}
	if root.kind != '{' {
		return nil, fmt.Errorf("the top level is %s, not an object", kindName(root.kind))
	}
	d.root = root
	d.nl = detectNewline(d.src)
	d.unit = detectIndentUnit(d.src)
	return d, nil
}

// scan validates src as the document's format and returns its top-level
// value, or a *config.SyntaxError with the line and column of the problem.
func (d *Document) scan(src []byte) (valueRef, error) {
	// Depth 3 covers projects["<path>"] in ~/.claude.json.
	sc := scanner{src: src, strict: d.strict, noTrailing: d.noTrailing, keepDepth: 3}
	defer func() { d.tables = sc.tables }()
	start, end, err := sc.validate()
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			line, col := lineColumn(src, se.off)
			return valueRef{}, &config.SyntaxError{Line: line, Column: col, Msg: se.msg}
		}
		return valueRef{}, err
	}
	return valueRef{kind: kindOf(src[start]), start: start, end: end}, nil
}

func lineColumn(b []byte, n int) (line, column int) {
	if n < 0 {
		n = 0
	}
	if n > len(b) {
		n = len(b)
	}
	line = 1 + bytes.Count(b[:n], []byte("\n"))
	column = 1 + n - (bytes.LastIndexByte(b[:n], '\n') + 1)
	return line, column
}

// valueRef is a value in the document by offsets: [start, end).
type valueRef struct {
	kind       byte // '{', '[', '"', '0' (number), 't' (boolean), 'n' (null)
	start, end int
}

func kindOf(c byte) byte {
	switch c {
	case '{', '[', '"', 'n':
		return c
	case 't', 'f':
		return 't'
	}
	return '0'
}

func kindName(k byte) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "not a JSON value"
}

func detectNewline(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// detectIndentUnit returns the indentation of the first indented line: in a
// pretty-printed file that line is one level deep, so it is one unit.
func detectIndentUnit(src []byte) string {
	for start := 0; start < len(src); {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		line := src[start:end]
		n := 0
		for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
			n++
		}
		if n > 0 && n < len(line) && line[n] != '\r' {
			if line[0] == '\t' {
				return "\t"
			}
			return string(line[:n])
		}
		start = end + 1
	}
	return "  "
}

// Bytes returns the document's current text, with its BOM if it had one.
// The slice is the document's own when there is no BOM: a 10 MB file is
// not copied again just to be written.
func (d *Document) Bytes() []byte {
	if !d.bom {
		return d.text()
	}
	return append(append([]byte(nil), utf8BOM...), d.text()...)
}

// Patch implements config.Patcher: the last edit, when every edit since
// the parse is still pending (one commit; a second one applies the first
// to a copy).
func (d *Document) Patch() ([]config.Splice, bool) {
	if !d.parsed {
		return nil, false
	}
	if d.pending == nil {
		return nil, true
	}
	off := 0
	if d.bom {
		off = len(utf8BOM)
	}
	out := make([]config.Splice, len(d.pending.edits))
	for i, e := range d.pending.edits {
		out[i] = config.Splice{Start: e.start + off, End: e.end + off, Text: []byte(e.text)}
	}
	return out, true
}

// A pendingText is an edit not yet applied to the whole text: base with
// edits, built on first use. It is shared by clones (config.Cloner) and
// may be read from several goroutines (a document in the read cache), so
// it is built once.
type pendingText struct {
	once  sync.Once
	base  []byte
	edits []splice
	out   []byte
}

func (p *pendingText) text() []byte {
	p.once.Do(func() { p.out = applySplices(p.base, p.edits) })
	return p.out
}

// span returns the text [start, end) after the edits, without building
// the whole: a slice of base before the first edit and after the last
// one, a small copy across them.
func (p *pendingText) span(start, end int) []byte {
	first, last := p.edits[0], p.edits[len(p.edits)-1]
	delta := 0
	for _, e := range p.edits {
		delta += len(e.text) - (e.end - e.start)
	}
	switch {
	case end <= first.start:
		return p.base[start:end]
	case start >= last.end+delta:
		return p.base[start-delta : end-delta]
	}
	out := make([]byte, 0, end-start)
	pos, at := 0, 0 // pos in base, at in the new text
	take := func(b []byte) {
		lo, hi := max(start, at), min(end, at+len(b))
		if lo < hi {
			out = append(out, b[lo-at:hi-at]...)
		}
		at += len(b)
	}
	for _, e := range p.edits {
		take(p.base[pos:e.start])
		take([]byte(e.text))
		pos = e.end
		if at >= end {
			return out
		}
	}
	take(p.base[pos:])
	return out
}

// span returns the text [start, end) (no BOM), building no more of it
// than that.
func (d *Document) span(start, end int) []byte {
	if d.pending != nil {
		return d.pending.span(start, end)
	}
	return d.src[start:end]
}

// text returns the document's text, without the BOM. A 10 MB file with an
// entry added is built only when something needs all of it: writing it
// takes Patch instead, and reading the entry back finds it in the edited
// span (see span).
func (d *Document) text() []byte {
	if d.pending != nil {
		return d.pending.text()
	}
	return d.src
}

// Strict reports whether the document must stay plain JSON.
func (d *Document) Strict() bool { return d.strict }

// lookup walks path from the root. It returns the deepest value found,
// how many segments were matched, and an error if a segment runs into a
// value that is not an object.
func (d *Document) lookup(path []string) (valueRef, int, error) {
	v := d.root
	for i, seg := range path {
		if _, _, ok := config.ParseWhere(seg); ok {
			return v, i, &config.PathError{Path: path[:i+1], Msg: "selects a list item, which JSON server lists do not use"}
		}
		if v.kind != '{' {
			return v, i, &config.PathError{Path: path[:i], Msg: "is " + kindName(v.kind) + ", not an object"}
		}
		obj, err := d.openObject(v)
		if err != nil {
			return v, i, err
		}
		m := d.findMember(obj, seg)
		if m < 0 {
			return v, i, nil
		}
		mi := obj.members[m]
		v = valueRef{kind: kindOf(d.span(mi.valStart, mi.valStart+1)[0]), start: mi.valStart, end: mi.valEnd}
	}
	return v, len(path), nil
}

// openObject lists the members of the object v. The document was
// validated when it was parsed, so an error here is a bug.
func (d *Document) openObject(v valueRef) (objectInfo, error) {
	if obj, ok := d.tables[v.start]; ok {
		return obj, nil
	}
	// Scanned in a window of the value alone: after an edit, only the
	// object's own text is built.
	win := d.span(v.start, v.end)
	sc := scanner{src: win, strict: d.strict, noTrailing: d.noTrailing, trustedBefore: len(win) + 1}
	obj, _, err := sc.object(0, 0, true)
	return obj.moved(v.start), err
}

func (d *Document) openArray(v valueRef) (arrayInfo, error) {
	win := d.span(v.start, v.end)
	sc := scanner{src: win, strict: d.strict, noTrailing: d.noTrailing, trustedBefore: len(win) + 1}
	arr, _, err := sc.array(0, 0, true)
	return arr.moved(v.start), err
}

// findMember is the package's findMember over the document's text, read
// by span: a lookup after an edit does not build the whole text.
func (d *Document) findMember(obj objectInfo, name string) int {
	if d.pending == nil {
		return findMember(d.src, obj, name)
	}
	return findMemberBy(func(m memberInfo) []byte { return d.span(m.nameStart, m.nameEnd) }, obj, name)
}

// findMember returns the index of the last member named name (the one a
// JSON parser keeps when a name repeats), or -1.
func findMember(src []byte, obj objectInfo, name string) int {
	return findMemberBy(func(m memberInfo) []byte { return src[m.nameStart:m.nameEnd] }, obj, name)
}

// findMemberBy is findMember with each member's name literal read by nameOf.
func findMemberBy(nameOf func(memberInfo) []byte, obj objectInfo, name string) int {
	if obj.index != nil {
		if i, ok := obj.index[name]; ok {
			return i
		}
		return -1
	}
	for i := len(obj.members) - 1; i >= 0; i-- {
		lit := nameOf(obj.members[i])
		if bytes.IndexByte(lit, '\\') < 0 {
			if string(lit[1:len(lit)-1]) == name { // compared without a copy
				return i
			}
			continue
		}
		got, err := decodeString(lit)
		if err == nil && got == name {
			return i
		}
	}
	return -1
}

// Keys implements config.KeyLister.
func (d *Document) Keys(path ...string) ([]string, bool) {
	v, n, err := d.lookup(path)
	if err != nil || n < len(path) || v.kind != '{' {
		return nil, false
	}
	obj, err := d.openObject(v)
	if err != nil {
		return nil, false
	}
	seen := make(map[string]bool, len(obj.members))
	keys := make([]string, 0, len(obj.members))
	for _, m := range obj.members {
		name, err := decodeString(d.span(m.nameStart, m.nameEnd))
		if err == nil && !seen[name] {
			seen[name] = true
			keys = append(keys, name)
		}
	}
	return keys, true
}

// Get implements config.Document.Get. An empty path is the whole
// document.
func (d *Document) Get(path ...string) (config.Value, bool) {
	v, n, err := d.lookup(path)
	if err != nil || n < len(path) {
		return config.Value{}, false
	}
	if d.strict && (v.kind == '{' || v.kind == '[') && len(bytes.TrimSpace(d.span(v.start+1, v.end-1))) == 0 {
		// Empty: most of what list selects in a large ~/.claude.json
		// (every project's "mcpServers": {}), not worth a decoder.
		if v.kind == '{' {
			return config.ObjectValue(), true
		}
		return config.ListValue(), true
	}
	val, err := config.FromJSON(d.standardValue(v))
	if err != nil {
		return config.Value{}, false
	}
	return val, true
}

// GetRaw returns the compact JSON of the value at path, if there is one.
// It is Get without building a tree, for callers that decode into a
// struct.
func (d *Document) GetRaw(path ...string) (json.RawMessage, bool) {
	v, n, err := d.lookup(path)
	if err != nil || n < len(path) {
		return nil, false
	}
	return d.standardValue(v), true
}

// standardValue returns v as compact plain JSON (comments and trailing
// commas dropped, by hujson), for comparing and decoding.
func (d *Document) standardValue(v valueRef) json.RawMessage {
	text := d.span(v.start, v.end)
	if !d.strict {
		// Standardize blanks comments in place: work on a copy, never on
		// the document (or the caller's buffer it aliases).
		hv, err := hujson.Parse(bytes.Clone(text))
		if err != nil {
			return json.RawMessage(text)
		}
		hv.Standardize()
		text = hv.Pack()
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, text); err != nil {
		return json.RawMessage(text)
	}
	return buf.Bytes()
}

// jsonEqual compares two JSON texts by value: key order and formatting do
// not matter, so an entry a user reformatted is still "up to date".
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// Set implements config.Document.Set.
func (d *Document) Set(v config.Value, path ...string) (bool, error) {
	raw, err := v.MarshalJSON()
	if err != nil {
		return false, err
	}
	return d.SetRaw(raw, path...)
}

// SetRaw makes the value at path equal value (compact JSON), creating
// missing parent objects. It reports whether the text changed. The member
// keeps its place if it exists; otherwise it is added after its siblings,
// indented like them.
func (d *Document) SetRaw(value json.RawMessage, path ...string) (bool, error) {
	if len(path) == 0 {
		return false, errors.New("set: empty path")
	}
	if !json.Valid(value) {
		return false, fmt.Errorf("set %s: the new value is not valid JSON", config.DisplayPath(path))
	}
	v, n, err := d.lookup(path)
	if err != nil {
		return false, err
	}
	if n == len(path) {
		if jsonEqual(d.standardValue(v), value) {
			return false, nil
		}
		old := d.text()[v.start:v.end]
		var text string
		if len(old) > 2 && bytes.IndexByte(old, '\n') < 0 {
			// Keep a one-line value on one line.
			text = d.renderInline(value)
		} else {
			text = d.render(value, lineIndent(d.text(), v.start))
		}
		return true, d.commit(v, fromStart, splice{v.start, v.end, text})
	}
	if v.kind != '{' {
		return false, &config.PathError{Path: path[:n], Msg: "is " + kindName(v.kind) + ", not an object"}
	}
	obj, err := d.openObject(v)
	if err != nil {
		return false, err
	}
	// Wrap value in the missing parents: {"b": {"c": value}} for a path
	// whose "b" is missing.
	nested := value
	for i := len(path) - 1; i > n; i-- {
		key, _ := marshal(path[i])
		nested = json.RawMessage(fmt.Sprintf("{%s:%s}", key, nested))
	}
	return true, d.insertMember(obj, path[n], nested)
}

// Delete implements config.Document.Delete: it removes the member at
// path, every one of that name when the object has duplicate keys (the
// older one would otherwise become the active entry). Removing the last
// member of an object leaves the object, empty.
func (d *Document) Delete(path ...string) (bool, error) {
	changed := false
	for {
		removed, err := d.deleteOne(path)
		if err != nil || !removed {
			return changed, err
		}
		changed = true
	}
}

// deleteOne removes the last member at path. It reports whether it was
// there.
func (d *Document) deleteOne(path []string) (bool, error) {
	if len(path) == 0 {
		return false, errors.New("delete: empty path")
	}
	parent, n, err := d.lookup(path[:len(path)-1])
	if err != nil {
		return false, err
	}
	if n < len(path)-1 {
		return false, nil
	}
	if parent.kind != '{' {
		return false, &config.PathError{Path: path[:len(path)-1], Msg: "is " + kindName(parent.kind) + ", not an object"}
	}
	obj, err := d.openObject(parent)
	if err != nil {
		return false, err
	}
	i := d.findMember(obj, path[len(path)-1])
	if i < 0 {
		return false, nil
	}
	items := make([]item, len(obj.members))
	for j, m := range obj.members {
		items[j] = item{start: m.nameStart, end: m.valEnd, comma: m.comma}
	}
	return true, d.removeItem(parent, items, i, obj.trailingComma)
}

// AddToSet appends s to the array of strings at path unless it is there,
// creating the array (and its parents) when missing.
func (d *Document) AddToSet(s string, path ...string) (bool, error) {
	elem, _ := marshal(s)
	v, n, err := d.lookup(path)
	if err != nil {
		return false, err
	}
	if n < len(path) {
		return d.SetRaw(json.RawMessage("["+string(elem)+"]"), path...)
	}
	if v.kind != '[' {
		return false, &config.PathError{Path: path, Msg: "is " + kindName(v.kind) + ", not an array"}
	}
	arr, err := d.openArray(v)
	if err != nil {
		return false, err
	}
	if d.arrayIndex(arr, s) >= 0 {
		return false, nil
	}
	return true, d.insertElement(v, arr, elem)
}

// RemoveFromSet removes every s from the array of strings at path. It
// reports whether anything was removed.
func (d *Document) RemoveFromSet(s string, path ...string) (bool, error) {
	return d.removeWhere(path, func(arr arrayInfo) int { return d.arrayIndex(arr, s) })
}

// removeWhere removes, one at a time, the element of the array at path
// that index finds, until it finds none. It reports whether anything was
// removed.
func (d *Document) removeWhere(path []string, index func(arrayInfo) int) (bool, error) {
	changed := false
	for {
		v, n, err := d.lookup(path)
		if err != nil || n < len(path) {
			return changed, err
		}
		if v.kind != '[' {
			return changed, &config.PathError{Path: path, Msg: "is " + kindName(v.kind) + ", not an array"}
		}
		arr, err := d.openArray(v)
		if err != nil {
			return changed, err
		}
		i := index(arr)
		if i < 0 {
			return changed, nil
		}
		items := make([]item, len(arr.elems))
		for j, e := range arr.elems {
			items[j] = item{start: e.valStart, end: e.valEnd, comma: e.comma}
		}
		if err := d.removeItem(v, items, i, arr.trailingComma); err != nil {
			return changed, err
		}
		changed = true
	}
}

// AddItem implements config.ItemSetter: v is added to the array at path
// unless an equal element is there. An object or array added to a
// multi-line array (or to an empty one) is laid out over several lines,
// indented like its siblings, as Claude Code's JSON.stringify would.
func (d *Document) AddItem(v config.Value, path ...string) (bool, error) {
	if v.Kind() == config.String {
		return d.AddToSet(v.Str(), path...)
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return false, err
	}
	ref, n, err := d.lookup(path)
	if err != nil {
		return false, err
	}
	if n < len(path) {
		return d.SetRaw(json.RawMessage("["+string(raw)+"]"), path...)
	}
	if ref.kind != '[' {
		return false, &config.PathError{Path: path, Msg: "is " + kindName(ref.kind) + ", not an array"}
	}
	arr, err := d.openArray(ref)
	if err != nil {
		return false, err
	}
	if d.itemIndex(arr, raw) >= 0 {
		return false, nil
	}
	if len(arr.elems) == 0 {
		return true, d.insertIntoEmpty(ref, func(indent string) string { return d.render(raw, indent) })
	}
	lastE := arr.elems[len(arr.elems)-1]
	return true, d.insertAfterLast(ref, item{start: lastE.valStart, end: lastE.valEnd, comma: lastE.comma}, len(arr.elems)-1,
		func(indent string, multiline bool) string {
			if !multiline {
				return d.renderInline(raw)
			}
			return d.render(raw, indent)
		})
}

// RemoveItem implements config.ItemSetter.
func (d *Document) RemoveItem(v config.Value, path ...string) (bool, error) {
	if v.Kind() == config.String {
		return d.RemoveFromSet(v.Str(), path...)
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return false, err
	}
	return d.removeWhere(path, func(arr arrayInfo) int { return d.itemIndex(arr, raw) })
}

// itemIndex returns the index of the first element of arr equal to the
// JSON raw, by value, or -1.
func (d *Document) itemIndex(arr arrayInfo, raw json.RawMessage) int {
	for i, e := range arr.elems {
		if jsonEqual(d.standardValue(valueRef{start: e.valStart, end: e.valEnd}), raw) {
			return i
		}
	}
	return -1
}

// arrayIndex returns the index of the string s in arr, or -1. Elements
// are read one by one (see span): the text is not built for a lookup.
func (d *Document) arrayIndex(arr arrayInfo, s string) int {
	for i, e := range arr.elems {
		if got, err := stringAt(d.span(e.valStart, e.valEnd), 0, e.valEnd-e.valStart); err == nil && got == s {
			return i
		}
	}
	return -1
}

// item is one member of an object or element of an array, by offsets:
// start is where its name (or value) begins, end where its value ends,
// and comma where the comma after it is (-1 for none).
type item struct {
	start, end, comma int
}

// removeItem deletes item i of the composite value c, with the comma that
// belongs to it, and the line break and indentation before it, so the
// lines around it close up. Comments stay.
func (d *Document) removeItem(c valueRef, items []item, i int, trailingComma bool) error {
	src := d.text()
	last := len(items) - 1
	start := backOverLineStart(src, items[i].start)
	var end int
	switch {
	case items[i].comma >= 0:
		end = items[i].comma + 1 // through its comma
		if start == items[i].start {
			// Inline ("a", "lg", "b"): take the blank after the comma too.
			for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
				end++
			}
		}
	default:
		end = items[i].end
	}
	var edits []splice
	if i == last && !trailingComma && i > 0 {
		// The previous item's comma goes with us.
		comma := items[i-1].comma
		edits = append(edits, splice{comma, comma + 1, ""})
		if start < comma+1 || start == items[i].start {
			// Inline, or nothing but blanks since the comma: close up.
			start = comma + 1
		}
	}
	edits = append(edits, splice{start, end, ""})
	if len(items) == 1 {
		// Collapse "{\n  }" back to "{}" when nothing but whitespace is
		// left, so install followed by uninstall gives back the original.
		rest := append(append([]byte(nil), src[c.start+1:start]...), src[end:c.end-1]...)
		if len(bytes.TrimSpace(rest)) == 0 {
			return d.commit(c, fromStart, splice{c.start + 1, c.end - 1, ""})
		}
	}
	r := fromStart
	if i > 0 {
		r = resume{pos: items[i-1].start, n: i - 1}
	}
	return d.commit(c, r, edits...)
}

// backOverLineStart moves pos back over the indentation before it and one
// line break, if only whitespace stands between them.
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

// insertMember adds "name": value as the last member of obj.
func (d *Document) insertMember(obj objectInfo, name string, value json.RawMessage) error {
	key, _ := marshal(name)
	v := valueRef{kind: '{', start: obj.start, end: obj.end}
	if len(obj.members) == 0 {
		return d.insertIntoEmpty(v, func(indent string) string {
			return string(key) + ": " + d.render(value, indent)
		})
	}
	lastM := obj.members[len(obj.members)-1]
	return d.insertAfterLast(v, item{start: lastM.nameStart, end: lastM.valEnd, comma: lastM.comma}, len(obj.members)-1,
		func(indent string, multiline bool) string {
			if !multiline {
				return string(key) + ": " + d.renderInline(value)
			}
			return string(key) + ": " + d.render(value, indent)
		})
}

func (d *Document) insertElement(v valueRef, arr arrayInfo, elem []byte) error {
	if len(arr.elems) == 0 {
		if len(bytes.TrimSpace(d.text()[v.start+1:v.end-1])) == 0 {
			// An empty array gets its element inline: ["name"].
			return d.commit(v, fromStart, splice{v.start + 1, v.end - 1, string(elem)})
		}
		// Comments inside: the element goes on its own line after them.
		return d.insertIntoEmpty(v, func(string) string { return string(elem) })
	}
	lastE := arr.elems[len(arr.elems)-1]
	return d.insertAfterLast(v, item{start: lastE.valStart, end: lastE.valEnd, comma: lastE.comma}, len(arr.elems)-1,
		func(string, bool) string { return string(elem) })
}

// insertIntoEmpty fills an empty object or array, keeping any comments
// inside it.
func (d *Document) insertIntoEmpty(v valueRef, text func(indent string) string) error {
	base := lineIndent(d.text(), v.start)
	indent := base + d.unit
	kept := bytes.TrimRight(d.text()[v.start+1:v.end-1], " \t\r\n")
	body := string(kept) + d.nl + indent + text(indent) + d.nl + base
	return d.commit(v, fromStart, splice{v.start + 1, v.end - 1, body})
}

// insertAfterLast adds a new item after the last one. In a multi-line
// container the new item goes on its own line, indented like the last
// item, after any comment that ends the last item's line; in a one-line
// container it follows inline after ", ".
func (d *Document) insertAfterLast(v valueRef, last item, lastIndex int, text func(indent string, multiline bool) string) error {
	// Only the last item and what follows it change: re-check from there.
	r := resume{pos: last.start, n: lastIndex}
	trailing := last.comma >= 0
	multiline := bytes.IndexByte(d.text()[v.start:last.start], '\n') >= 0
	if !multiline {
		if trailing {
			at := last.comma + 1
			return d.commit(v, r, splice{at, at, " " + text("", false) + ","})
		}
		return d.commit(v, r, splice{last.end, last.end, ", " + text("", false)})
	}
	indent := lineIndent(d.text(), last.start)
	// The new line starts at the end of the last item's line, so that a
	// comment after it stays on its line.
	from := last.end
	if trailing {
		from = last.comma + 1
	}
	lineEnd := from + endOfLineComment(d.text()[from:])
	entry := text(indent, true)
	if trailing {
		return d.commit(v, r, splice{lineEnd, lineEnd, d.nl + indent + entry + ","})
	}
	return d.commit(v, r,
		splice{last.end, last.end, ","},
		splice{lineEnd, lineEnd, d.nl + indent + entry})
}

// endOfLineComment returns how far the rest of the current line extends
// when it holds only blanks and comments; 0 if anything else (or a block
// comment spanning lines) is in the way.
func endOfLineComment(b []byte) int {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return 0
	}
	if nl > 0 && b[nl-1] == '\r' {
		nl--
	}
	rest := b[:nl]
	trimmed := bytes.TrimSpace(rest)
	switch {
	case len(trimmed) == 0:
		return 0
	case bytes.HasPrefix(trimmed, []byte("//")):
		return nl
	case bytes.HasPrefix(trimmed, []byte("/*")) && bytes.HasSuffix(trimmed, []byte("*/")) &&
		bytes.Count(trimmed, []byte("*/")) == 1:
		return nl
	}
	return 0
}

// lineIndent returns the whitespace at the start of the line holding pos.
func lineIndent(src []byte, pos int) string {
	start := bytes.LastIndexByte(src[:pos], '\n') + 1
	end := start
	for end < len(src) && (src[end] == ' ' || src[end] == '\t') {
		end++
	}
	return string(src[start:end])
}

// render formats compact JSON for insertion at indent: one unit deeper per
// level, the file's line ends, and no HTML escaping (Claude Code writes
// with JSON.stringify, which does not escape <, > or &).
func (d *Document) render(value json.RawMessage, indent string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, value, indent, d.unit); err != nil {
		return string(value)
	}
	s := buf.String()
	if d.nl != "\n" {
		s = strings.ReplaceAll(s, "\n", d.nl)
	}
	return s
}

// renderInline formats compact JSON on one line, with a space after each
// ':' and ',' the way people write one-line JSON objects.
func (d *Document) renderInline(value json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, value); err != nil {
		return string(value)
	}
	return spaceCompact(buf.String())
}

// spaceCompact adds a space after each ':' and ',' outside strings, the
// way people write one-line JSON objects.
func spaceCompact(s string) string {
	var b strings.Builder
	inStr, esc := false, false
	for _, r := range s {
		b.WriteRune(r)
		switch {
		case esc:
			esc = false
		case inStr && r == '\\':
			esc = true
		case r == '"':
			inStr = !inStr
		case !inStr && (r == ':' || r == ','):
			b.WriteByte(' ')
		}
	}
	return b.String()
}

type splice struct {
	start, end int
	text       string
}

// applySplices replaces each [start, end) range of src with its text; the
// ranges must be in increasing order and must not overlap.
func applySplices(src []byte, edits []splice) []byte {
	size := len(src)
	for _, e := range edits {
		size += len(e.text) - (e.end - e.start)
	}
	// Exactly sized: growing a 10 MB slice by appending would double it.
	out := make([]byte, 0, size)
	pos := 0
	for _, e := range edits {
		out = append(out, src[pos:e.start]...)
		out = append(out, e.text...)
		pos = e.end
	}
	return append(out, src[pos:]...)
}

// resume says where re-checking a container after an edit may start:
// at the item that begins at pos, which has n items before it. Items
// before it did not change.
type resume struct{ pos, n int }

// fromStart re-checks the whole container.
var fromStart = resume{pos: -1}

// commit applies edits (in order, inside the value container) and
// re-checks the result: the container is scanned again from r, with the
// values that lie before the first edit trusted (they were validated when
// the file was parsed) and everything from the edit on validated. A valid
// value in place of a valid value keeps the whole document valid, so an
// edit can never produce a file that does not parse, or comments in a
// strict file, and a 10 MB file is not scanned again for a small edit.
//
// The member tables of the objects near the top are carried over, moved
// by the edit's length (see shiftTables), so that later lookups (another
// edit, or list reading the document this one wrote) do not scan a large
// file again either.
func (d *Document) commit(container valueRef, r resume, edits ...splice) error {
	if d.pending != nil {
		// One edit pending at a time: the one before is applied now.
		d.src = d.pending.text()
		d.pending = nil
		d.parsed = false
	}
	delta := 0
	for _, e := range edits {
		delta += len(e.text) - (e.end - e.start)
	}
	// The re-check reads only the new text from where it resumes to the
	// container's end: that window is built on its own, so adding an
	// entry at the end of a 10 MB file does not copy the file. Offsets in
	// the window are from its start (from); the results move back by it.
	from := container.start
	if r.pos >= 0 {
		from = r.pos
	}
	win := applySplices(d.src[from:container.end], shifted(edits, -from))
	sc := scanner{src: win, strict: d.strict, noTrailing: d.noTrailing, trustedBefore: edits[0].start - from}
	// A container with a table gets its members from the re-check.
	old, kept := d.tables[container.start]
	kept = kept && container.kind == '{'
	var obj objectInfo
	var end int
	var err error
	switch {
	case r.pos < 0 && kept && win[0] == '{':
		obj, end, err = sc.object(0, 1, true)
	case r.pos < 0:
		kept = false
		end, err = sc.value(0, 0)
	case container.kind == '{':
		obj, end, err = sc.objectFrom(objectInfo{start: container.start - from}, 0, r.n, 1, kept)
	default:
		_, end, err = sc.arrayFrom(arrayInfo{start: container.start - from}, 0, r.n, 1, false)
	}
	if err == nil && from+end != container.end+delta {
		err = fmt.Errorf("the edited value ends at offset %d, not %d", from+end, container.end+delta)
	}
	if err != nil {
		return fmt.Errorf("internal error: the edit produced text that does not parse (%v); nothing was written", err)
	}
	var rebuilt *objectInfo
	if kept {
		obj = obj.moved(from)
		if r.pos >= 0 {
			obj.members = append(old.members[:r.n:r.n], obj.members...)
		}
		obj.index = nil
		if len(obj.members) >= indexFrom {
			obj.index = indexMembersOf(func(m memberInfo) []byte {
				if m.nameStart >= from {
					return win[m.nameStart-from : m.nameEnd-from]
				}
				return d.src[m.nameStart:m.nameEnd] // before the edit: unchanged
			}, obj.members)
		}
		rebuilt = &obj
	}
	d.tables = shiftTables(d.tables, container, edits[0].start, edits[len(edits)-1].end, delta, rebuilt)
	d.pending = &pendingText{base: d.src, edits: edits}
	d.root.end += delta
	return nil
}

// indexMembersOf is indexMembers with each member's name literal read by
// name.
func indexMembersOf(name func(memberInfo) []byte, members []memberInfo) map[string]int {
	index := make(map[string]int, len(members))
	for i, m := range members {
		if s, err := decodeString(name(m)); err == nil {
			index[s] = i
		}
	}
	return index
}

// shifted returns edits moved by delta bytes.
func shifted(edits []splice, delta int) []splice {
	out := make([]splice, len(edits))
	for i, e := range edits {
		out[i] = splice{e.start + delta, e.end + delta, e.text}
	}
	return out
}

// shiftTables returns the member tables of the objects near the top
// after an edit inside container that replaced the text [lo, hi) with
// text delta bytes longer. Objects before the edit keep their entry;
// objects after it move by delta; the objects around container keep
// their members, the one holding container growing by delta; container
// itself gets rebuilt (its members from the re-check; dropped when nil);
// objects inside container that the edit touched are dropped, to be
// opened again if a lookup needs them.
//
// The tables may be shared with a clone of the document: nothing in
// them is changed in place.
func shiftTables(tables map[int]objectInfo, container valueRef, lo, hi, delta int, rebuilt *objectInfo) map[int]objectInfo {
	if len(tables) == 0 {
		return nil
	}
	out := make(map[int]objectInfo, len(tables))
	for start, obj := range tables {
		switch {
		case obj.end <= lo:
			out[start] = obj
		case obj.start >= hi:
			out[start+delta] = obj.moved(delta)
		case obj.start == container.start:
			if rebuilt != nil {
				out[start] = *rebuilt
			}
		case obj.start < container.start && obj.end >= container.end:
			out[start] = obj.around(container, delta)
		}
	}
	return out
}

// moved returns o moved by delta bytes.
func (o objectInfo) moved(delta int) objectInfo {
	n := o
	n.start += delta
	n.end += delta
	n.members = make([]memberInfo, len(o.members))
	for i, m := range o.members {
		n.members[i] = m.moved(delta)
	}
	return n
}

// moved returns a moved by delta bytes.
func (a arrayInfo) moved(delta int) arrayInfo {
	n := a
	n.start += delta
	n.end += delta
	n.elems = make([]elemInfo, len(a.elems))
	for i, e := range a.elems {
		e.valStart += delta
		e.valEnd += delta
		if e.comma >= 0 {
			e.comma += delta
		}
		n.elems[i] = e
	}
	return n
}

func (m memberInfo) moved(delta int) memberInfo {
	m.nameStart += delta
	m.nameEnd += delta
	m.valStart += delta
	m.valEnd += delta
	if m.comma >= 0 {
		m.comma += delta
	}
	return m
}

// around returns o, which holds inner in one of its member values,
// after inner grew by delta bytes: that member's value ends delta later,
// the members after it move.
func (o objectInfo) around(inner valueRef, delta int) objectInfo {
	n := o
	n.end += delta
	n.members = make([]memberInfo, len(o.members))
	for i, m := range o.members {
		switch {
		case m.valEnd <= inner.start:
			n.members[i] = m // before
		case m.valStart <= inner.start && inner.end <= m.valEnd:
			m.valEnd += delta
			if m.comma >= 0 {
				m.comma += delta
			}
			n.members[i] = m
		default:
			n.members[i] = m.moved(delta) // after
		}
	}
	return n
}
