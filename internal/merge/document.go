package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/tailscale/hujson"
)

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
	src    []byte // without the BOM
	bom    bool
	strict bool
	root   hujson.Value
	nl     string // "\n" or "\r\n", for the lines we add
	unit   string // one level of indentation, for the lines we add
	notes  []string
}

// Note records something an edit wants the user to know (that it moved an
// entry, say); it is shown with the plan.
func (d *Document) Note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

// ParseError is a syntax error at a position in a file.
type ParseError struct {
	Line, Column int
	Msg          string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Parse reads data as JSON (strict) or JSONC (comments and trailing commas
// allowed). Empty or whitespace-only input is an empty object, as a file
// that was just created by touch should be.
func Parse(data []byte, strict bool) (*Document, error) {
	d := &Document{strict: strict}
	if bytes.HasPrefix(data, utf8BOM) {
		d.bom = true
		data = data[len(utf8BOM):]
	}
	d.src = data
	if len(bytes.TrimSpace(data)) == 0 {
		// Nothing of value in it: start a fresh object.
		d.src = []byte("{}\n")
	}
	root, err := hujson.Parse(d.src)
	if err != nil {
		return nil, newParseError(d.src, err)
	}
	if strict && !root.IsStandard() {
		return nil, strictError(d.src)
	}
	if _, ok := root.Value.(*hujson.Object); !ok {
		return nil, fmt.Errorf("the top level is %s, not an object", kindName(root.Value.Kind()))
	}
	d.root = root
	d.nl = detectNewline(d.src)
	d.unit = detectIndentUnit(d.src)
	return d, nil
}

// newParseError turns hujson's "hujson: line L, column C: msg" into a
// ParseError so callers can print it with the file name in front.
func newParseError(src []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "hujson: ")
	var line, col int
	if n, _ := fmt.Sscanf(msg, "line %d, column %d:", &line, &col); n == 2 {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return &ParseError{Line: line, Column: col, Msg: msg}
	}
	return &ParseError{Line: 1, Column: 1, Msg: msg}
}

// strictError locates the first comment or trailing comma in src, which
// parsed as JSONC but is not plain JSON.
func strictError(src []byte) error {
	var v any
	err := json.Unmarshal(src, &v)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := lineColumn(src, int(syn.Offset)-1)
		return &ParseError{Line: line, Column: col,
			Msg: "comments and trailing commas are not allowed in this file (it must be plain JSON): " + syn.Error()}
	}
	return &ParseError{Line: 1, Column: 1, Msg: "the file is not plain JSON"}
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

func kindName(k hujson.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
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
	for _, line := range bytes.Split(src, []byte("\n")) {
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
	}
	return "  "
}

// Bytes returns the document's current text, with its BOM if it had one.
func (d *Document) Bytes() []byte {
	if !d.bom {
		return append([]byte(nil), d.src...)
	}
	return append(append([]byte(nil), utf8BOM...), d.src...)
}

// Strict reports whether the document must stay plain JSON.
func (d *Document) Strict() bool { return d.strict }

// PathError says that something on the way to the edited member is not
// what it must be (an array where an object is needed, say).
type PathError struct {
	Path []string
	Msg  string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("%s %s", displayPath(e.Path), e.Msg)
}

// displayPath renders a path the way a user would write it in JavaScript:
// mcpServers, projects["/home/me/app"].mcpServers.
func displayPath(path []string) string {
	if len(path) == 0 {
		return "the top level"
	}
	var b strings.Builder
	for i, seg := range path {
		if isIdentifier(seg) {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg)
		} else {
			q, _ := json.Marshal(seg)
			fmt.Fprintf(&b, "[%s]", q)
		}
	}
	return b.String()
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// lookup walks path from the root. It returns the deepest value found,
// how many segments were matched, and an error if a segment runs into a
// value that is not an object.
func (d *Document) lookup(path []string) (*hujson.Value, int, error) {
	v := &d.root
	for i, seg := range path {
		obj, ok := v.Value.(*hujson.Object)
		if !ok {
			return nil, i, &PathError{Path: path[:i], Msg: "is " + kindName(v.Value.Kind()) + ", not an object"}
		}
		m := findMember(obj, seg)
		if m < 0 {
			return v, i, nil
		}
		v = &obj.Members[m].Value
	}
	return v, len(path), nil
}

// findMember returns the index of the last member named name (the one a
// JSON parser keeps when a name repeats), or -1.
func findMember(obj *hujson.Object, name string) int {
	for i := len(obj.Members) - 1; i >= 0; i-- {
		lit, ok := obj.Members[i].Name.Value.(hujson.Literal)
		if ok && lit.String() == name {
			return i
		}
	}
	return -1
}

// Get returns the compact JSON of the value at path, if there is one.
func (d *Document) Get(path ...string) (json.RawMessage, bool) {
	v, n, err := d.lookup(path)
	if err != nil || n < len(path) {
		return nil, false
	}
	return standardValue(v), true
}

// standardValue returns v as compact plain JSON (comments and trailing
// commas dropped), for comparing and decoding.
func standardValue(v *hujson.Value) json.RawMessage {
	c := hujson.Value{Value: v.Value}
	c.Standardize()
	var buf bytes.Buffer
	if err := json.Compact(&buf, c.Pack()); err != nil {
		return json.RawMessage(c.Pack())
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

// Set makes the value at path equal value (compact JSON), creating
// missing parent objects. It reports whether the text changed. The member
// keeps its place if it exists; otherwise it is added after its siblings,
// indented like them.
func (d *Document) Set(value json.RawMessage, path ...string) (bool, error) {
	if len(path) == 0 {
		return false, errors.New("set: empty path")
	}
	if !json.Valid(value) {
		return false, fmt.Errorf("set %s: the new value is not valid JSON", displayPath(path))
	}
	v, n, err := d.lookup(path)
	if err != nil {
		return false, err
	}
	if n == len(path) {
		if jsonEqual(standardValue(v), value) {
			return false, nil
		}
		old := d.src[v.StartOffset:v.EndOffset]
		var text string
		if len(old) > 2 && bytes.IndexByte(old, '\n') < 0 {
			// Keep a one-line value on one line.
			text = d.renderInline(value)
		} else {
			text = d.render(value, lineIndent(d.src, v.StartOffset))
		}
		return true, d.splice(v.StartOffset, v.EndOffset, text)
	}
	obj, ok := v.Value.(*hujson.Object)
	if !ok {
		return false, &PathError{Path: path[:n], Msg: "is " + kindName(v.Value.Kind()) + ", not an object"}
	}
	// Wrap value in the missing parents: {"b": {"c": value}} for a path
	// whose "b" is missing.
	nested := value
	for i := len(path) - 1; i > n; i-- {
		key, _ := json.Marshal(path[i])
		nested = json.RawMessage(fmt.Sprintf("{%s:%s}", key, nested))
	}
	return true, d.insertMember(v, obj, path[n], nested)
}

// Delete removes the member at path. It reports whether it was there.
// Removing the last member of an object leaves the object, empty.
func (d *Document) Delete(path ...string) (bool, error) {
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
	obj, ok := parent.Value.(*hujson.Object)
	if !ok {
		return false, &PathError{Path: path[:len(path)-1], Msg: "is " + kindName(parent.Value.Kind()) + ", not an object"}
	}
	i := findMember(obj, path[len(path)-1])
	if i < 0 {
		return false, nil
	}
	items := make([]item, len(obj.Members))
	for j, m := range obj.Members {
		items[j] = item{start: m.Name.StartOffset, end: m.Value.EndOffset, after: len(m.Value.AfterExtra)}
	}
	trailing := obj.Members[len(obj.Members)-1].Value.AfterExtra != nil
	return true, d.removeItem(parent, items, i, trailing)
}

// AddToSet appends s to the array of strings at path unless it is there,
// creating the array (and its parents) when missing.
func (d *Document) AddToSet(s string, path ...string) (bool, error) {
	elem, _ := json.Marshal(s)
	v, n, err := d.lookup(path)
	if err != nil {
		return false, err
	}
	if n < len(path) {
		return d.Set(json.RawMessage("["+string(elem)+"]"), path...)
	}
	arr, ok := v.Value.(*hujson.Array)
	if !ok {
		return false, &PathError{Path: path, Msg: "is " + kindName(v.Value.Kind()) + ", not an array"}
	}
	if arrayIndex(arr, s) >= 0 {
		return false, nil
	}
	return true, d.insertElement(v, arr, elem)
}

// RemoveFromSet removes every s from the array of strings at path. It
// reports whether anything was removed.
func (d *Document) RemoveFromSet(s string, path ...string) (bool, error) {
	changed := false
	for {
		v, n, err := d.lookup(path)
		if err != nil || n < len(path) {
			return changed, err
		}
		arr, ok := v.Value.(*hujson.Array)
		if !ok {
			return changed, &PathError{Path: path, Msg: "is " + kindName(v.Value.Kind()) + ", not an array"}
		}
		i := arrayIndex(arr, s)
		if i < 0 {
			return changed, nil
		}
		items := make([]item, len(arr.Elements))
		for j, e := range arr.Elements {
			items[j] = item{start: e.StartOffset, end: e.EndOffset, after: len(e.AfterExtra)}
		}
		trailing := len(arr.Elements) > 0 && arr.Elements[len(arr.Elements)-1].AfterExtra != nil
		if err := d.removeItem(v, items, i, trailing); err != nil {
			return changed, err
		}
		changed = true
	}
}

func arrayIndex(arr *hujson.Array, s string) int {
	for i, e := range arr.Elements {
		if lit, ok := e.Value.(hujson.Literal); ok && lit.Kind() == '"' && lit.String() == s {
			return i
		}
	}
	return -1
}

// item is one member of an object or element of an array, by offsets:
// start is where its name (or value) begins, end where its value ends, and
// after the length of the whitespace and comments between the value and
// the comma that follows it.
type item struct {
	start, end, after int
}

// removeItem deletes item i of the composite value c, with the comma that
// belongs to it, and the line break and indentation before it, so the
// lines around it close up. Comments stay.
func (d *Document) removeItem(c *hujson.Value, items []item, i int, trailingComma bool) error {
	src := d.src
	last := len(items) - 1
	start := backOverLineStart(src, items[i].start)
	var end int
	switch {
	case i < last || trailingComma:
		end = items[i].end + items[i].after + 1 // through its comma
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
		comma := items[i-1].end + items[i-1].after
		edits = append(edits, splice{comma, comma + 1, ""})
		if start < comma+1 || start == items[i].start {
			// Inline, or nothing but blanks since the comma: close up.
			start = comma + 1
		}
	}
	edits = append(edits, splice{start, end, ""})
	out := applySplices(src, edits)
	if len(items) == 1 {
		// Collapse "{\n  }" back to "{}" when nothing but whitespace is
		// left, so install followed by uninstall gives back the original.
		open := c.StartOffset
		closeAt := c.EndOffset - 1 - (len(src) - len(out))
		if closeAt > open && len(bytes.TrimSpace(out[open+1:closeAt])) == 0 {
			out = append(out[:open+1:open+1], out[closeAt:]...)
		}
	}
	return d.reparse(out)
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

// insertMember adds "name": value as the last member of obj (the object
// value v).
func (d *Document) insertMember(v *hujson.Value, obj *hujson.Object, name string, value json.RawMessage) error {
	key, _ := json.Marshal(name)
	if len(obj.Members) == 0 {
		return d.insertIntoEmpty(v, obj.AfterExtra, func(indent string) string {
			return string(key) + ": " + d.render(value, indent)
		})
	}
	lastM := obj.Members[len(obj.Members)-1]
	trailing := lastM.Value.AfterExtra != nil
	return d.insertAfterLast(v, item{start: lastM.Name.StartOffset, end: lastM.Value.EndOffset, after: len(lastM.Value.AfterExtra)},
		trailing, obj.AfterExtra, func(indent string, multiline bool) string {
			if !multiline {
				return string(key) + ": " + d.renderInline(value)
			}
			return string(key) + ": " + d.render(value, indent)
		})
}

func (d *Document) insertElement(v *hujson.Value, arr *hujson.Array, elem []byte) error {
	if len(arr.Elements) == 0 {
		// An empty array gets its element inline: ["name"].
		return d.splice(v.StartOffset+1, v.EndOffset-1, string(bytes.TrimSpace(arr.AfterExtra))+string(elem))
	}
	lastE := arr.Elements[len(arr.Elements)-1]
	trailing := lastE.AfterExtra != nil
	return d.insertAfterLast(v, item{start: lastE.StartOffset, end: lastE.EndOffset, after: len(lastE.AfterExtra)},
		trailing, arr.AfterExtra, func(string, bool) string { return string(elem) })
}

// insertIntoEmpty fills an empty object, keeping any comments inside it.
func (d *Document) insertIntoEmpty(v *hujson.Value, inner hujson.Extra, text func(indent string) string) error {
	base := lineIndent(d.src, v.StartOffset)
	indent := base + d.unit
	kept := bytes.TrimRight(inner, " \t\r\n")
	body := string(kept) + d.nl + indent + text(indent) + d.nl + base
	return d.splice(v.StartOffset+1, v.EndOffset-1, body)
}

// insertAfterLast adds a new item after the last one. In a multi-line
// container the new item goes on its own line, indented like the last
// item, after any comment that ends the last item's line; in a one-line
// container it follows inline after ", ".
func (d *Document) insertAfterLast(v *hujson.Value, last item, trailing bool, closing hujson.Extra, text func(indent string, multiline bool) string) error {
	multiline := bytes.IndexByte(d.src[v.StartOffset:last.start], '\n') >= 0
	if !multiline {
		if trailing {
			at := last.end + last.after + 1
			return d.splice(at, at, " "+text("", false)+",")
		}
		return d.splice(last.end, last.end, ", "+text("", false))
	}
	indent := lineIndent(d.src, last.start)
	// The new line starts at the end of the last item's line, so that a
	// comment after it stays on its line.
	tail := d.src[last.end:]
	var after int
	if trailing {
		after = last.after + 1
	}
	lineEnd := after + endOfLineComment(tail[after:])
	entry := text(indent, true)
	if trailing {
		return d.splice(last.end+lineEnd, last.end+lineEnd, d.nl+indent+entry+",")
	}
	return applyAndReparse(d, []splice{
		{last.end, last.end, ","},
		{last.end + lineEnd, last.end + lineEnd, d.nl + indent + entry},
	})
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
	out := make([]byte, 0, len(src)+256)
	pos := 0
	for _, e := range edits {
		out = append(out, src[pos:e.start]...)
		out = append(out, e.text...)
		pos = e.end
	}
	return append(out, src[pos:]...)
}

func (d *Document) splice(start, end int, text string) error {
	return applyAndReparse(d, []splice{{start, end, text}})
}

func applyAndReparse(d *Document, edits []splice) error {
	return d.reparse(applySplices(d.src, edits))
}

// reparse takes out as the new text. It re-parses it (an edit must never
// produce a file that does not parse) and checks strict files stay strict.
func (d *Document) reparse(out []byte) error {
	root, err := hujson.Parse(out)
	if err != nil {
		return fmt.Errorf("internal error: the edit produced text that does not parse (%v); nothing was written", err)
	}
	if d.strict && !root.IsStandard() {
		return errors.New("internal error: the edit produced text that is not plain JSON; nothing was written")
	}
	d.src, d.root = out, root
	return nil
}
