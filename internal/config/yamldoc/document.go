package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"gopkg.in/yaml.v3"
)

var utf8BOM = []byte("\xEF\xBB\xBF")

// Document is one YAML file held as its original bytes, open for a
// lossless edit. It implements config.Document.
type Document struct {
	// notes is not embedded: an embedded config.NoteList is a field named
	// Notes, which hides its own Notes method.
	notes config.NoteList
	t     text
	bom   bool
	root  *yaml.Node // the top-level mapping; nil when the file has no content
	// data is the file as yaml.v3 decodes it; every edit must turn it into
	// exactly the data expected, or it is refused.
	data any
	// targets maps each node an alias refers to, to those aliases; built
	// when first needed.
	targets map[*yaml.Node][]*yaml.Node
	nl      string
	lo      layout
}

var _ config.Document = (*Document)(nil)

// Parse reads data as one YAML document whose top level is a mapping.
// Empty input, and input holding only blanks and comments, is an empty
// mapping (the comments stay). A malformed file is a *config.SyntaxError
// with the line and column of the problem; a top level that is not a
// mapping is a *config.PathError. A file holding more than one document is
// refused too: Continue, Hermes and Goose all read one document and refuse
// a second, so there is no right document to edit.
func Parse(data []byte) (*Document, error) {
	bom := false
	switch {
	case bytes.HasPrefix(data, utf8BOM):
		bom = true
		data = data[len(utf8BOM):]
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return nil, &config.SyntaxError{Line: 1, Column: 1, Msg: "the file is UTF-16; save it as UTF-8"}
	}
	d, err := parse(data)
	if err != nil {
		return nil, err
	}
	d.bom = bom
	d.nl = "\n"
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		d.nl = "\r\n"
	}
	d.lo = d.detectLayout()
	return d, nil
}

// parse reads src (without a BOM) and checks it the way the fuzzers'
// reference does: yaml.v3 decoding into plain Go values.
func parse(src []byte) (*Document, error) {
	d := &Document{t: newText(src)}
	if err := d.checkCharacters(); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case err == io.EOF:
		return d, nil
	case err != nil:
		return nil, d.syntaxError(err, nil)
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case err == nil:
		line, col := second.Line, 1
		return nil, &config.SyntaxError{Line: line, Column: col,
			Msg: "a second YAML document starts here; the file must hold one document"}
	case err != io.EOF:
		return nil, d.syntaxError(err, nil)
	}
	if len(doc.Content) == 0 {
		return d, nil
	}
	root := doc.Content[0]
	if err := d.checkKeys(root); err != nil {
		return nil, err
	}
	if err := doc.Decode(&d.data); err != nil {
		return nil, d.syntaxError(err, root)
	}
	switch {
	case root.Kind == yaml.MappingNode:
		d.root = root
	case root.Kind == yaml.ScalarNode && root.Value == "" && root.Style == 0 && root.ShortTag() == "!!null":
		// "---" alone: a document with nothing in it.
		d.data = nil
	default:
		return nil, &config.PathError{Msg: "is " + kindName(root) + ", not a mapping"}
	}
	return d, nil
}

// checkCharacters refuses what yaml.v3 would refuse without saying where
// (invalid UTF-8, control characters), and the line breaks other than
// "\n" and "\r\n", which yaml.v3 counts as lines and this package does
// not.
func (d *Document) checkCharacters() error {
	src := d.t.src
	for p := 0; p < len(src); {
		r, size := utf8.DecodeRune(src[p:])
		var msg string
		switch {
		case r == utf8.RuneError && size == 1:
			msg = "the file is not valid UTF-8"
		case r == '\r' && (p+1 >= len(src) || src[p+1] != '\n'):
			msg = "a carriage return without a line feed; use \\n or \\r\\n line ends"
		case r == 0x85 || r == 0x2028 || r == 0x2029:
			msg = fmt.Sprintf("line break U+%04X is not supported; use \\n or \\r\\n line ends", r)
		case r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0x7e || r >= 0xa0 && r <= 0xd7ff ||
			r >= 0xe000 && r <= 0xfffd || r >= 0x10000:
		default:
			msg = fmt.Sprintf("character U+%04X is not allowed in YAML", r)
		}
		if msg != "" {
			line := d.t.lineNumber(p)
			return &config.SyntaxError{Line: line, Column: p - d.t.lines[line-1] + 1, Msg: msg}
		}
		p += size
	}
	return nil
}

// checkKeys finds repeated keys, which yaml.v3 refuses (as do Continue
// and Goose), and says where the second one is.
func (d *Document) checkKeys(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		seen := make(map[string]*yaml.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			id := strconv.Itoa(int(k.Kind)) + ":" + k.Value
			if first, ok := seen[id]; ok {
				return &config.SyntaxError{Line: k.Line, Column: d.byteColumn(k),
					Msg: fmt.Sprintf("mapping key %q already defined at line %d", k.Value, first.Line)}
			}
			seen[id] = k
		}
	}
	for _, c := range n.Content {
		if err := d.checkKeys(c); err != nil {
			return err
		}
	}
	return nil
}

// byteColumn returns n's column counted in bytes, as config.SyntaxError
// wants it.
func (d *Document) byteColumn(n *yaml.Node) int {
	p := d.pos(n)
	return p - d.t.lineStart(p) + 1
}

var errLine = regexp.MustCompile(`^yaml: (?:unmarshal errors:\s*)?(?:line (\d+): )?`)

// parserMessages are the problems yaml.v3's parser (not its scanner)
// reports. For them yaml.v3 prints a line counted from 0 (its scanner's
// are counted from 1), and no line at all for the first.
var parserMessages = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// syntaxError turns a yaml.v3 error into a *config.SyntaxError with a
// line and a column. yaml.v3 gives a line only (sometimes that of the
// construct being read rather than of the problem); the column is found
// on that line from the kind of problem.
func (d *Document) syntaxError(err error, root *yaml.Node) error {
	full := err.Error()
	msg := full
	line := 0
	if m := errLine.FindStringSubmatch(full); m != nil {
		msg = full[len(m[0]):]
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
		}
	}
	msg, _, _ = strings.Cut(msg, "\n")
	parserError := false
	for _, pm := range parserMessages {
		if msg == pm {
			parserError = true
		}
	}
	var te *yaml.TypeError
	if parserError && !errors.As(err, &te) {
		line++
	}
	line = max(line, 1)
	col := 0
	switch {
	case strings.HasPrefix(msg, "unknown anchor '"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		line, col = d.find("*" + name)
	case strings.HasPrefix(msg, "anchor '") && strings.HasSuffix(msg, "' value contains itself"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "anchor '"), "' value contains itself")
		line, col = d.find("&" + name)
	case msg == "found unexpected end of stream":
		if p, ok := d.unclosedQuote(); ok {
			line = d.t.lineNumber(p)
			col = p - d.t.lines[line-1] + 1
		}
	case strings.Contains(msg, "tab character"):
		// yaml.v3 names the line of the scalar it was reading; the tab
		// is in the indentation of a line at or after it.
		for l := line; l <= len(d.t.lines); l++ {
			ls := d.t.lines[l-1]
			if i := bytes.IndexByte(d.t.src[ls:d.t.firstNonBlank(ls)], '\t'); i >= 0 {
				line, col = l, i+1
				break
			}
		}
	case msg == "document contains excessive aliasing" && root != nil:
		if a := firstAlias(root); a != nil {
			line, col = a.Line, d.byteColumn(a)
		}
	case root != nil && !strings.HasPrefix(full, "yaml: line ") && !errors.As(err, &te):
		// A decoding error without a line ("cannot decode !!str `abc` as
		// a !!int"): find the node that fails alone.
		if n := failingNode(root, 0); n != nil {
			line, col = n.Line, d.byteColumn(n)
		}
	}
	if line > len(d.t.lines) {
		line = len(d.t.lines)
	}
	if col == 0 {
		col = d.guessColumn(line, msg)
	}
	return &config.SyntaxError{Line: line, Column: col, Msg: msg}
}

// find returns the line and column of the first occurrence of s that is
// not followed by more of a name.
func (d *Document) find(s string) (int, int) {
	src := d.t.src
	for from := 0; ; {
		i := bytes.Index(src[from:], []byte(s))
		if i < 0 {
			return 1, 0
		}
		p := from + i
		q := p + len(s)
		if q >= len(src) || isSpaceOrBreak(src[q]) || isFlowIndicator(src[q]) {
			line := d.t.lineNumber(p)
			return line, p - d.t.lines[line-1] + 1
		}
		from = q
	}
}

// guessColumn picks the column on line that the message points at.
func (d *Document) guessColumn(line int, msg string) int {
	ls := d.t.lines[line-1]
	le := d.t.lineEnd(ls)
	lineText := d.t.src[ls:le]
	switch {
	case strings.Contains(msg, "tab character"), msg == "found character that cannot start any token":
		if i := bytes.IndexAny(lineText, "\t@`"); i >= 0 {
			return i + 1
		}
	case msg == "mapping values are not allowed in this context":
		// The second ":" of "a: b: c", or the ":" of a key too deep.
		last := -1
		for i := 0; i < len(lineText); i++ {
			if lineText[i] == ':' && (i+1 == len(lineText) || isBlank(lineText[i+1])) {
				last = i
			}
		}
		if last >= 0 {
			return last + 1
		}
	}
	return d.t.firstNonBlank(ls) - ls + 1
}

// unclosedQuote finds a quoted scalar that is never closed: a quote that
// starts a value (at the start of a line, after "[", "{" or ",", or after
// ": ", "- " or "? ") with no closing quote after it.
func (d *Document) unclosedQuote() (int, bool) {
	src := d.t.src
	prev := byte('\n') // the last non-blank character before p
	for p := 0; p < len(src); p++ {
		c := src[p]
		switch {
		case c == '#' && (p == 0 || isSpaceOrBreak(src[p-1])):
			p = d.t.lineEnd(p) - 1
			continue
		case c == '"' || c == '\'':
			starts := prev == '\n' || prev == '[' || prev == '{' || prev == ',' ||
				(prev == ':' || prev == '-' || prev == '?') && isBlank(src[p-1])
			if starts {
				e, closed := d.quoteClose(p)
				if !closed {
					return p, true
				}
				p = e - 1
			}
		}
		if c == '\n' || !isBlank(c) && c != '\r' {
			prev = c
		}
	}
	return 0, false
}

// failingNode returns the innermost node that yaml.v3 cannot decode.
func failingNode(n *yaml.Node, depth int) *yaml.Node {
	if depth > maxDepth {
		return nil
	}
	for _, c := range n.Content {
		if f := failingNode(c, depth+1); f != nil {
			return f
		}
	}
	var x any
	if n.Decode(&x) != nil {
		return n
	}
	return nil
}

func firstAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := firstAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// Note implements config.Document.
func (d *Document) Note(format string, args ...any) { d.notes.Note(format, args...) }

// Notes implements config.Document.
func (d *Document) Notes() []string { return d.notes.Notes() }

// Format implements config.Document.
func (d *Document) Format() config.Format { return config.YAML }

// Bytes returns the document's current text, with its BOM if it had one.
// The slice is the document's own when there is no BOM.
func (d *Document) Bytes() []byte {
	if !d.bom {
		return d.t.src
	}
	return append(append([]byte(nil), utf8BOM...), d.t.src...)
}

// Get returns the value at path, aliases and merge keys resolved as
// yaml.v3 resolves them. Numbers come back as JSON number text; a float
// JSON cannot write (.inf, .nan) comes back as its text, a string.
func (d *Document) Get(path ...string) (config.Value, bool) {
	n, ok := d.lookup(path)
	if !ok {
		return config.Value{}, false
	}
	if n == nil {
		return config.ObjectValue(), true
	}
	v, err := valueOf(n, 0)
	if err != nil {
		return config.Value{}, false
	}
	return v, true
}

// lookup follows path from the top, through aliases and merge keys. A nil
// node with ok is the empty document.
func (d *Document) lookup(path []string) (*yaml.Node, bool) {
	n := d.root
	for _, seg := range path {
		if n == nil {
			return nil, false
		}
		n = resolve(n)
		if field, val, ok := config.ParseWhere(seg); ok {
			if n.Kind != yaml.SequenceNode {
				return nil, false
			}
			i := matchItems(n, field, val, true)
			if len(i) == 0 {
				return nil, false
			}
			n = n.Content[i[0]]
			continue
		}
		if n.Kind != yaml.MappingNode {
			return nil, false
		}
		var found *yaml.Node
		for _, m := range mappingMembers(n) {
			if m.key == seg {
				found = m.val
				break
			}
		}
		if found == nil {
			return nil, false
		}
		n = found
	}
	if n == nil {
		return nil, true
	}
	return resolve(n), true
}

// matchItems returns the indices of the items of seq that are mappings
// whose field is the string val (all of them, or the first only).
func matchItems(seq *yaml.Node, field, val string, firstOnly bool) []int {
	var out []int
	for i, item := range seq.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			continue
		}
		for _, m := range mappingMembers(item) {
			if m.key != field {
				continue
			}
			if v := resolve(m.val); v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" && v.Value == val {
				out = append(out, i)
				if firstOnly {
					return out
				}
			}
			break
		}
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "an empty document"
}
