package yamldoc

import (
	"gopkg.in/yaml.v3"
)

// A loc is a node with what is needed to find where it ends: yaml.v3
// records where a node starts, and the end of a plain or block scalar
// depends on its context.
type loc struct {
	n *yaml.Node
	// bound is where the next node after n starts (the length of the text
	// after the last): n's text ends before it.
	bound int
	// flow is set inside a flow collection.
	flow bool
	// indent is the column of the block collection holding n (the column
	// of its keys or dashes), -1 at the top level. A plain scalar
	// continues on lines indented deeper than this; comment lines deeper
	// than it belong to n.
	indent int
}

// pos returns the offset where n starts: its anchor or tag if it has one.
func (d *Document) pos(n *yaml.Node) int {
	return d.t.offset(n.Line, n.Column)
}

// propsEnd returns the offset after the anchor and tag that start at p
// (p itself when there are none).
func (d *Document) propsEnd(p int) int {
	src := d.t.src
	end := p
	for q := p; q < len(src) && (src[q] == '&' || src[q] == '!'); {
		verbatim := q+1 < len(src) && src[q] == '!' && src[q+1] == '<'
		for q < len(src) && !isSpaceOrBreak(src[q]) && !(verbatim && src[q-1] == '>') {
			q++
		}
		end = q
		q = d.t.skipBlanks(q)
	}
	return end
}

// hasProps reports whether the node starting at p has an anchor or a tag.
func (d *Document) hasProps(p int) bool {
	return p < len(d.t.src) && (d.t.src[p] == '&' || d.t.src[p] == '!')
}

// contentStart returns where n's content starts, after its anchor and tag
// (which may be on an earlier line).
func (d *Document) contentStart(n *yaml.Node) int {
	p := d.pos(n)
	if !d.hasProps(p) {
		return p
	}
	if n.Kind == yaml.ScalarNode && n.Value == "" && n.Style&^yaml.TaggedStyle == 0 {
		// Only properties: "key: &a" is an empty (null) value.
		return d.propsEnd(p)
	}
	return d.t.skipSpace(d.propsEnd(p))
}

func isFlow(n *yaml.Node) bool { return n.Style&yaml.FlowStyle != 0 }

// blockIndent returns the column of a block collection's keys or dashes.
func (d *Document) blockIndent(n *yaml.Node) int {
	if len(n.Content) == 0 {
		return d.t.column(d.pos(n))
	}
	first := d.pos(n.Content[0])
	if n.Kind == yaml.SequenceNode {
		if dash, ok := d.dashBefore(first); ok {
			return d.t.column(dash)
		}
	}
	return d.t.column(d.keyStart(first))
}

// keyStart returns where the entry whose key starts at p starts: at p, or
// at the "?" of an explicit key ("? a", or "?" alone on a line above).
func (d *Document) keyStart(p int) int {
	src := d.t.src
	q := p
	for q > 0 && isBlank(src[q-1]) {
		q--
	}
	if q > 0 && src[q-1] == '?' {
		return q - 1
	}
	if q > 0 && src[q-1] != '\n' {
		return p
	}
	// The key starts its line: is the line above just "?" (and perhaps
	// a comment)?
	for ls := d.t.lineStart(p); ls > 0; {
		ls = d.t.lineStart(ls - 1)
		if d.t.blankLine(ls) || d.t.commentLine(ls) {
			continue
		}
		f := d.t.firstNonBlank(ls)
		rest := d.t.skipBlanks(f + 1)
		if src[f] == '?' && (rest >= len(src) || src[rest] == '\n' || src[rest] == '\r' || src[rest] == '#') {
			return f
		}
		break
	}
	return p
}

// child returns the located child i of l's collection. indent is l's own
// block indentation (blockIndent), passed in so a loop computes it once.
func (d *Document) child(l loc, i, indent int) loc {
	n := l.n
	c := loc{n: n.Content[i], flow: l.flow || isFlow(n), bound: l.bound}
	if i+1 < len(n.Content) {
		c.bound = d.pos(n.Content[i+1])
		if n.Kind == yaml.SequenceNode && !c.flow {
			// The next item's dash comes before it.
			if dash, ok := d.dashBefore(c.bound); ok {
				c.bound = dash
			}
		}
	}
	if c.flow {
		c.indent = l.indent
	} else {
		c.indent = indent
	}
	return c
}

// childIndent is the indent to pass to child for l's children.
func (d *Document) childIndent(l loc) int {
	if l.flow || isFlow(l.n) {
		return l.indent
	}
	return d.blockIndent(l.n)
}

// dashBefore finds the "-" that introduces the sequence item starting at
// p: on the same line, or alone (perhaps with a comment) on a line above.
func (d *Document) dashBefore(p int) (int, bool) {
	src := d.t.src
	q := p
	for q > 0 && isBlank(src[q-1]) {
		q--
	}
	if q > 0 && src[q-1] == '-' && (q-1 == 0 || isSpaceOrBreak(src[q-2])) {
		return q - 1, true
	}
	if q > 0 && src[q-1] != '\n' {
		return 0, false
	}
	// The item starts its line: look for a line above holding just "-".
	ls := d.t.lineStart(p)
	for ls > 0 {
		ls = d.t.lineStart(ls - 1)
		if d.t.blankLine(ls) || d.t.commentLine(ls) {
			continue
		}
		f := d.t.firstNonBlank(ls)
		if src[f] != '-' {
			return 0, false
		}
		rest := d.t.skipBlanks(f + 1)
		if rest >= len(src) || src[rest] == '\n' || src[rest] == '\r' || src[rest] == '#' {
			return f, true
		}
		return 0, false
	}
	return 0, false
}

// colonAfter returns the offset of the ":" that follows the key k.
func (d *Document) colonAfter(k loc) (int, bool) {
	src := d.t.src
	p := d.t.skipSpace(d.end(k))
	if p < len(src) && src[p] == ':' {
		return p, true
	}
	return 0, false
}

// end returns the offset just after the last character of l's node.
func (d *Document) end(l loc) int {
	n := l.n
	switch n.Kind {
	case yaml.AliasNode:
		return d.pos(n) + 1 + len(n.Value)
	case yaml.ScalarNode:
		return d.scalarEnd(l)
	case yaml.MappingNode, yaml.SequenceNode:
		if isFlow(n) {
			return d.flowEnd(l)
		}
		if len(n.Content) == 0 {
			return d.propsEnd(d.pos(n))
		}
		last := len(n.Content) - 1
		return d.end(d.child(l, last, d.blockIndent(n)))
	}
	return d.pos(n)
}

// pairEnd returns where the mapping entry with key k and value v ends. An
// absent value has no text, and yaml.v3 places it at the ":", after it,
// or (after an explicit key, "? a") at the next token: the entry then
// ends with its key or its ":".
func (d *Document) pairEnd(k, v loc) int {
	if !emptyValue(v.n) || d.hasProps(d.pos(v.n)) {
		return max(d.end(v), d.pos(k.n))
	}
	e := d.end(k)
	if c := d.t.skipSpace(e); c < len(d.t.src) && d.t.src[c] == ':' && c <= v.bound {
		e = c + 1
	}
	return e
}

// emptyValue reports whether n is an absent value: an empty plain null.
func emptyValue(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0 && n.ShortTag() == "!!null"
}

// flowEnd returns the end of a flow collection: after its closing bracket.
// A single-pair mapping inside a flow sequence ([a: 1]) has no brackets
// and ends with its value.
func (d *Document) flowEnd(l loc) int {
	src := d.t.src
	n := l.n
	cs := d.contentStart(n)
	open := byte('[')
	close := byte(']')
	if n.Kind == yaml.MappingNode {
		open, close = '{', '}'
	}
	p := cs + 1
	if len(n.Content) > 0 {
		inner := d.childIndent(l)
		last := len(n.Content) - 1
		e := d.end(d.child(l, last, inner))
		if n.Kind == yaml.MappingNode {
			e = d.pairEnd(d.child(l, last-1, inner), d.child(l, last, inner))
		}
		if cs >= len(src) || src[cs] != open {
			return e
		}
		p = e
	}
	for p < len(src) {
		p = d.t.skipSpace(p)
		if p < len(src) && src[p] == ',' {
			p++
			continue
		}
		break
	}
	if p < len(src) && src[p] == close {
		return p + 1
	}
	return p
}

// scalarEnd returns the end of a scalar, found from its style.
func (d *Document) scalarEnd(l loc) int {
	n := l.n
	cs := d.contentStart(n)
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0, n.Style&yaml.SingleQuotedStyle != 0:
		return d.quotedEnd(cs)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return d.blockScalarEnd(cs, l)
	case n.Value == "":
		// An empty plain scalar is an absent value ("key:"), zero wide.
		return cs
	}
	return d.plainEnd(cs, l)
}

// quotedEnd returns the offset after the closing quote of the quoted
// scalar opening at p.
func (d *Document) quotedEnd(p int) int {
	e, _ := d.quoteClose(p)
	return e
}

// quoteClose returns the offset after the quote closing the quoted scalar
// that opens at p, and whether there is one (else the end of the text).
func (d *Document) quoteClose(p int) (int, bool) {
	src := d.t.src
	q := src[p]
	for i := p + 1; i < len(src); i++ {
		c := src[i]
		switch {
		case q == '"' && c == '\\':
			i++
		case c == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case c == q:
			return i + 1, true
		}
	}
	return len(src), false
}

// plainEnd returns the end of the plain scalar starting at p, by
// yaml.v3's rules: the line ends at " #", at ": " (or ":" at the end of
// a line) and, in a flow collection, at any of ",?[]{}" ("{a:}" has the
// key "a:"); it continues on following lines that are indented deeper
// than the collection holding it and come before the next node.
func (d *Document) plainEnd(p int, l loc) int {
	src := d.t.src
	end := p
	i := p
	for {
		for ; i < len(src) && src[i] != '\n'; i++ {
			c := src[i]
			switch {
			case c == '#' && i > p && isBlank(src[i-1]):
				return end
			case c == ':' && (i+1 == len(src) || isSpaceOrBreak(src[i+1])):
				return end
			case l.flow && (isFlowIndicator(c) || c == '?'):
				return end
			case !isBlank(c) && c != '\r':
				end = i + 1
			}
		}
		// A continuation line?
		ls := i + 1
		for ls < len(src) && d.t.blankLine(ls) {
			ls = d.t.nextLine(ls)
		}
		if ls >= len(src) || ls >= l.bound || d.t.docMarker(ls) {
			return end
		}
		f := d.t.firstNonBlank(ls)
		if f >= l.bound || src[f] == '#' || !l.flow && d.t.indent(ls) <= l.indent {
			return end
		}
		i = f
	}
}

// blockScalarEnd returns the end of the literal or folded scalar whose
// header ("|", ">-", "|2+") starts at p: the end of its last content line,
// or of its trailing empty lines when it keeps them ("+").
func (d *Document) blockScalarEnd(p int, l loc) int {
	src := d.t.src
	i := p + 1
	explicit, keep := 0, false
	for ; i < len(src); i++ {
		c := src[i]
		if c >= '1' && c <= '9' {
			explicit = int(c - '0')
		} else if c == '+' {
			keep = true
		} else if c != '-' {
			break
		}
	}
	end := i
	contentIndent := -1
	if explicit > 0 {
		// At least the header line's indentation plus the indicator;
		// yaml.v3 counts from the enclosing collection, which is never
		// to the left of that line.
		contentIndent = d.t.indent(d.t.lineStart(p)) + explicit
	}
	minIndent := max(l.indent+1, 1)
	ls := d.t.nextLine(p)
	for ; ls < len(src) && ls < l.bound; ls = d.t.nextLine(ls) {
		ind := d.t.indent(ls)
		if d.t.blankLine(ls) {
			// Blanks beyond the content's indentation are content.
			if le := d.t.lineEnd(ls); contentIndent >= 0 && (ind > contentIndent || ind == contentIndent && ls+ind < le) {
				end = le
			}
			continue
		}
		if contentIndent < 0 {
			if ind < minIndent {
				break
			}
			contentIndent = ind
		}
		if ind < contentIndent || d.t.docMarker(ls) {
			break
		}
		end = d.t.lineEnd(ls)
	}
	if keep {
		// Trailing empty lines are part of the value.
		for q := d.t.nextLine(end); q < len(src) && q < l.bound && d.t.blankLine(q); q = d.t.nextLine(q) {
			end = d.t.lineEnd(q)
		}
	}
	return end
}
