package yamldoc

import (
	"bytes"
	"sort"
	"unicode/utf8"
)

// text is a file's bytes with the offsets where its lines start. Lines end
// at "\n" or "\r\n": Parse refuses the other line breaks YAML knows (a lone
// CR, U+0085, U+2028, U+2029), so yaml.v3 and this package count lines
// alike.
type text struct {
	src   []byte
	lines []int
}

func newText(src []byte) text {
	lines := make([]int, 1, 1+bytes.Count(src, []byte("\n")))
	for i, c := range src {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	return text{src: src, lines: lines}
}

// offset converts yaml.v3's position (line and column from 1, the column
// counting characters) to a byte offset.
func (t text) offset(line, column int) int {
	if line < 1 {
		return 0
	}
	if line > len(t.lines) {
		return len(t.src)
	}
	p := t.lines[line-1]
	for i := 1; i < column && p < len(t.src) && t.src[p] != '\n'; i++ {
		_, size := utf8.DecodeRune(t.src[p:])
		p += size
	}
	return p
}

// lineNumber returns the line (from 1) holding offset p.
func (t text) lineNumber(p int) int {
	return sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > p })
}

// lineStart returns the offset where the line holding p starts.
func (t text) lineStart(p int) int {
	return t.lines[t.lineNumber(p)-1]
}

// lineEnd returns the offset of the line break ending the line that holds
// p (the "\r" of a "\r\n"), or the length of the text.
func (t text) lineEnd(p int) int {
	i := bytes.IndexByte(t.src[p:], '\n')
	if i < 0 {
		return len(t.src)
	}
	i += p
	if i > 0 && t.src[i-1] == '\r' {
		i--
	}
	return i
}

// breakLen returns the length of the line break at p (which lineEnd
// returned): 2 for "\r\n", 1 for "\n", 0 at the end of the text.
func (t text) breakLen(p int) int {
	switch {
	case p >= len(t.src):
		return 0
	case t.src[p] == '\r':
		return 2
	}
	return 1
}

// nextLine returns the offset where the line after the one holding p
// starts, or the length of the text.
func (t text) nextLine(p int) int {
	e := t.lineEnd(p)
	return e + t.breakLen(e)
}

// column returns p's column from 0, in characters (a key's column is its
// indentation when it starts its line).
func (t text) column(p int) int {
	return utf8.RuneCount(t.src[t.lineStart(p):p])
}

// indent returns the number of spaces that start the line beginning at ls.
func (t text) indent(ls int) int {
	n := 0
	for ls+n < len(t.src) && t.src[ls+n] == ' ' {
		n++
	}
	return n
}

// firstNonBlank returns the first offset at or after ls on its line that
// is not a space or tab (the line end if there is none).
func (t text) firstNonBlank(ls int) int {
	p := ls
	for p < len(t.src) && isBlank(t.src[p]) {
		p++
	}
	return p
}

// blankLine reports whether the line starting at ls holds only blanks.
func (t text) blankLine(ls int) bool {
	p := t.firstNonBlank(ls)
	return p >= len(t.src) || t.src[p] == '\n' || t.src[p] == '\r'
}

// commentLine reports whether the line starting at ls holds only a
// comment.
func (t text) commentLine(ls int) bool {
	p := t.firstNonBlank(ls)
	return p < len(t.src) && t.src[p] == '#'
}

// docMarker reports whether the line starting at ls is a document marker
// ("---" or "..." at column 0, alone or followed by a blank).
func (t text) docMarker(ls int) bool {
	if ls+3 > len(t.src) {
		return false
	}
	m := t.src[ls : ls+3]
	if !bytes.Equal(m, []byte("---")) && !bytes.Equal(m, []byte("...")) {
		return false
	}
	return ls+3 == len(t.src) || isBlank(t.src[ls+3]) || t.src[ls+3] == '\n' || t.src[ls+3] == '\r'
}

// onlyBlanks reports whether src[from:to] holds only spaces and tabs.
func (t text) onlyBlanks(from, to int) bool {
	for _, c := range t.src[from:to] {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

// skipBlanks returns the first offset at or after p that is not a space or
// tab.
func (t text) skipBlanks(p int) int {
	for p < len(t.src) && isBlank(t.src[p]) {
		p++
	}
	return p
}

// skipSpace moves past blanks, line breaks and comments.
func (t text) skipSpace(p int) int {
	for p < len(t.src) {
		switch c := t.src[p]; {
		case isBlank(c) || c == '\n' || c == '\r':
			p++
		case c == '#' && (p == 0 || isSpaceOrBreak(t.src[p-1])):
			p = t.lineEnd(p)
		default:
			return p
		}
	}
	return p
}

// trailingComments extends a node's last line over the lines after it
// that belong to it: comment lines indented deeper than indent, and the
// blank lines between them. from is the end of the node's last line; the
// result is the end of the last line taken. It stops before bound, where
// the next node starts.
func (t text) trailingComments(from, indent, bound int) int {
	end := from
	for ls := from + t.breakLen(from); ls < len(t.src) && ls < bound; ls = t.nextLine(ls) {
		if t.blankLine(ls) {
			continue
		}
		if !t.commentLine(ls) || t.indent(ls) <= indent || t.src[ls+t.indent(ls)] != '#' {
			break
		}
		end = t.lineEnd(ls)
	}
	return end
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isSpaceOrBreak(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isFlowIndicator(c byte) bool {
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'
}
