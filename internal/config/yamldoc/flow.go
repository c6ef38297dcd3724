package yamldoc

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// flowItem is an element of a flow collection: [start, end) and the comma
// after it (-1 for none).
type flowItem struct {
	start, end, comma int
	// bare is set for a key whose value is absent: it ends with ":".
	bare bool
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
			v := d.child(l, i+1, ind)
			it.end = d.pairEnd(c, v)
			it.bare = emptyValue(v.n) && it.end > d.end(c)
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
		return 0, 0, internalError("cannot find the brackets of the collection at line %d", l.n.Line)
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
		// What is inside stays, so that removing the element again gives
		// back exactly what was there.
		ls := d.t.lineStart(close)
		if bytes.IndexByte(src[open:close], '\n') < 0 || !d.t.onlyBlanks(ls, close) {
			// "[]", "[ ]": the element goes before the bracket.
			return []splice{{close, close, elem}}, nil
		}
		// Lines inside (comments): the element goes on its own line,
		// above the closing bracket's.
		return []splice{{ls, ls, d.lineIndent(open) + spaces(d.lo.unit) + elem + d.nl}}, nil
	}
	last := items[len(items)-1]
	trailing := last.comma >= 0
	// After a key without a value ("{a: }"), a comma right after the ":"
	// would join it.
	comma := ","
	if last.bare {
		comma = " ,"
	}
	if bytes.IndexByte(src[open:last.start], '\n') < 0 {
		if trailing {
			at := last.comma + 1
			return []splice{{at, at, " " + elem + ","}}, nil
		}
		return []splice{{last.end, last.end, comma + " " + elem}}, nil
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
	return []splice{{last.end, last.end, comma}, {lineEnd, lineEnd, d.nl + indent + elem}}, nil
}

// flowRemove plans removing element k of the flow collection l with the
// comma that belongs to it, closing up the line it leaves.
func (d *Document) flowRemove(l loc, k int) ([]splice, error) {
	if _, _, err := d.flowBrackets(l); err != nil {
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
