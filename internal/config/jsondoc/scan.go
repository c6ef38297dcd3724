package jsondoc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"unicode/utf8"
)

// The scanner validates JSON or JSONC (comments and trailing commas, the
// grammar tailscale/hujson accepts) and finds the byte offsets of the
// members along one path, without building a tree.
//
// hujson.Parse builds a node for every value: on a 10 MB ~/.claude.json
// that is about 80 ms and 57 MB, more than the whole install may take.
// This scanner only remembers the members of the objects it is asked to
// open. hujson stays the reference: a differential fuzz test checks that
// both accept and reject the same inputs and agree on member offsets.
// From parallelFrom bytes on, the scan runs on two cores (parallel.go),
// with the same results, which another fuzz test checks.

// maxDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxDepth = 10000

type scanner struct {
	src    []byte
	strict bool
	// noTrailing refuses trailing commas in a file that may have
	// comments (config.JSONComments); strict refuses both.
	noTrailing bool
	// trustedBefore marks text validated already: member values that
	// start before it are skipped by bracket matching, not validated
	// again. Zero trusts nothing.
	trustedBefore int
	// keepDepth records the members of every object nested at most this
	// deep (the top level is 1) in tables, keyed by the object's offset,
	// so lookups after a parse need not scan a large file again.
	keepDepth int
	tables    map[int]objectInfo
	// claims are the values a helper goroutine validated already, on a
	// large file (see parallel.go); nil when there is no helper.
	claims *claims
	// helper is set on the helper's own scanner: it keeps tables in a
	// list, with their depths, and tracks the deepest nesting.
	helper  *helper
	deepest int
}

// syntaxError is a scan error at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func (s *scanner) errorf(off int, format string, args ...any) error {
	return &syntaxError{off: off, msg: fmt.Sprintf(format, args...)}
}

// trailingCommaError reports a trailing comma before the closing
// bracket at off.
func (s *scanner) trailingCommaError(off int) error {
	if s.strict {
		return s.errorf(off, "trailing commas are not allowed in this file (it must be plain JSON)")
	}
	return s.errorf(off, "trailing commas are not allowed in this file (comments are, but its client stops at a trailing comma)")
}

// describe names the character at off for an error message.
func (s *scanner) describe(off int) string {
	if off >= len(s.src) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(s.src[off:])
	return fmt.Sprintf("character %q", r)
}

// space skips whitespace and (in JSONC) comments. Many calls find a
// token at once; the hottest callers make that test themselves and call
// spaceRun only past it, as the calls were a fifth of the scan (space is
// a little too large for the compiler to inline).
func (s *scanner) space(pos int) (int, error) {
	if pos < len(s.src) && tokenByte[s.src[pos]] {
		return pos, nil
	}
	return s.spaceRun(pos)
}

// tokenByte marks the bytes that are neither space nor the start of a
// comment.
var tokenByte = func() (t [256]bool) {
	for c := '!'; c < 256; c++ {
		t[c] = c != '/'
	}
	return t
}()

// spaceRun is space without its first test, for the callers that made
// it or know the next byte is likely a space (after a comma).
func (s *scanner) spaceRun(pos int) (int, error) {
	src := s.src
	// Most runs are a newline and the indentation of the next line,
	// skipped eight spaces at a time.
	for pos < len(src) && (src[pos] == ' ' || src[pos] == '\n') {
		pos++
		for pos+8 <= len(src) {
			if x := binary.LittleEndian.Uint64(src[pos:]) ^ (0x0101010101010101 * ' '); x != 0 {
				pos += bits.TrailingZeros64(x) / 8
				break
			}
			pos += 8
		}
	}
	if pos < len(src) && src[pos] > ' ' && src[pos] != '/' {
		return pos, nil
	}
	for pos < len(src) {
		switch src[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		case '/':
			if s.strict {
				return pos, s.errorf(pos, "comments are not allowed in this file (it must be plain JSON)")
			}
			if pos+1 < len(src) && src[pos+1] == '/' {
				end := len(src)
				if nl := bytes.IndexByte(src[pos+2:], '\n'); nl >= 0 {
					end = pos + 2 + nl + 1
				}
				// As hujson: a line comment may not hold a Unicode line
				// separator, which some editors show as a line break.
				for _, sep := range [][]byte{[]byte("\u2028"), []byte("\u2029")} {
					if i := bytes.Index(src[pos:end], sep); i >= 0 {
						return pos + i, s.errorf(pos+i, "invalid character %q in line comment", string(sep))
					}
				}
				if !utf8.Valid(src[pos:end]) {
					return pos, s.errorf(pos, "invalid UTF-8 in comment")
				}
				pos = end
			} else if pos+1 < len(src) && src[pos+1] == '*' {
				end := bytes.Index(src[pos+2:], []byte("*/"))
				if end < 0 {
					return pos, s.errorf(pos, "unterminated block comment")
				}
				if !utf8.Valid(src[pos : pos+2+end+2]) {
					return pos, s.errorf(pos, "invalid UTF-8 in comment")
				}
				pos += 2 + end + 2
			} else {
				return pos, s.errorf(pos, "invalid character '/' (not a comment)")
			}
		default:
			return pos, nil
		}
	}
	return pos, nil
}

// value validates the value starting at pos (which must not be space) and
// returns the offset just after it.
func (s *scanner) value(pos, depth int) (int, error) {
	if pos >= len(s.src) {
		return pos, s.errorf(pos, "unexpected end of file, expecting a value")
	}
	if s.claims != nil && pos >= s.claims.from {
		if end, ok := s.claimed(pos, depth); ok {
			return end, nil
		}
	}
	switch c := s.src[pos]; {
	case c == '"':
		return s.str(pos)
	case c == '{':
		obj := objectInfo{start: pos}
		return s.objectAt(&obj, depth+1, false)
	case c == '[':
		arr := arrayInfo{start: pos}
		return s.arrayAt(&arr, depth+1, false)
	case c == '-' || c >= '0' && c <= '9':
		return s.number(pos)
	case c == 't':
		return s.literal(pos, "true")
	case c == 'f':
		return s.literal(pos, "false")
	case c == 'n':
		return s.literal(pos, "null")
	}
	return pos, s.errorf(pos, "invalid %s, expecting a value", s.describe(pos))
}

func (s *scanner) literal(pos int, word string) (int, error) {
	if !bytes.HasPrefix(s.src[pos:], []byte(word)) {
		return pos, s.errorf(pos, "invalid %s, expecting a value", s.describe(pos))
	}
	end := pos + len(word)
	if end < len(s.src) && isWordByte(s.src[end]) {
		return end, s.errorf(end, "invalid %s after %s", s.describe(end), word)
	}
	return end, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '+' || c == '-'
}

func (s *scanner) number(pos int) (int, error) {
	src, i := s.src, pos
	digits := func() int {
		n := 0
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case digits() == 0:
		return i, s.errorf(i, "invalid number: expecting a digit")
	}
	if i < len(src) && src[i] == '.' {
		i++
		if digits() == 0 {
			return i, s.errorf(i, "invalid number: expecting a digit after '.'")
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if digits() == 0 {
			return i, s.errorf(i, "invalid number: expecting a digit in the exponent")
		}
	}
	if i < len(src) && isWordByte(src[i]) {
		return i, s.errorf(i, "invalid %s in number", s.describe(i))
	}
	return i, nil
}

// str validates a string literal starting at the quote at pos. It looks
// for the next byte that needs a look (a quote, a backslash, a control
// character) eight bytes at a time (nextSpecial), so a plain string costs
// one pass over its bytes.
func (s *scanner) str(pos int) (int, error) {
	src := s.src
	i := pos + 1
	for {
		i = nextSpecial(src, i)
		if i >= len(src) {
			return len(src), s.errorf(pos, "unterminated string")
		}
		switch c := src[i]; c {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 >= len(src) {
				return i, s.errorf(pos, "unterminated string")
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(src) || !isHex4(src[i+2:i+6]) {
					return i, s.errorf(i, "invalid \\u escape in string")
				}
				i += 6
			default:
				return i, s.errorf(i, "invalid escape '\\%c' in string", src[i+1])
			}
		default:
			// Invalid UTF-8 is let through, as hujson, encoding/json
			// and Claude Code's JSON.parse let it through.
			return i, s.errorf(i, "invalid control character %q in string", c)
		}
	}
}

// nextSpecial returns the offset of the first quote, backslash or control
// character at or after i in src (len(src) if none). It tests eight bytes
// at a time with the word tricks of "Bit Twiddling Hacks": for each byte,
// x-0x01 (x the byte XOR a quote, or a backslash) or b-0x20 borrows past
// bit 7 when x is zero or b is below 0x20, and & ^w drops bytes of 0x80
// and up. A borrow can flag a byte above a true one, never below it, so
// the lowest flag is the first such byte.
func nextSpecial(src []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		q := w ^ (ones * '"')
		b := w ^ (ones * '\\')
		if m := ((w - ones*0x20) | (q - ones) | (b - ones)) &^ w & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(src); i++ {
		if c := src[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// isHex4 reports whether b holds four hex digits (it has four bytes).
// Escapes such as \u0026 are common: encoding/json and Claude Code write
// <, > and & so.
func isHex4(b []byte) bool {
	_ = b[3]
	return hexDigit[b[0]]&hexDigit[b[1]]&hexDigit[b[2]]&hexDigit[b[3]] != 0
}

var hexDigit = func() (t [256]byte) {
	for _, c := range "0123456789abcdefABCDEF" {
		t[c] = 1
	}
	return t
}()

// objectInfo is an object opened by the scanner.
type objectInfo struct {
	start, end    int // '{' and just after '}'
	members       []memberInfo
	trailingComma bool
	// index maps a member name to its last member, for the large objects
	// kept in tables (projects in ~/.claude.json can hold thousands):
	// looking each one up by scanning would make a pass over all of them
	// quadratic.
	index map[string]int
}

// indexFrom is the size from which a kept object gets an index.
const indexFrom = 16

// memberInfo is one member: its name literal and value by offsets, and
// where its comma is (-1 when no comma follows).
type memberInfo struct {
	nameStart, nameEnd int
	valStart, valEnd   int
	comma              int
}

// arrayInfo is an array opened by the scanner.
type arrayInfo struct {
	start, end    int
	elems         []elemInfo
	trailingComma bool
}

type elemInfo struct {
	valStart, valEnd int
	comma            int
}

// object scans the object at pos. With keep, it returns its members.
func (s *scanner) object(pos, depth int, keep bool) (objectInfo, int, error) {
	obj := objectInfo{start: pos}
	end, err := s.objectAt(&obj, depth, keep)
	return obj, end, err
}

// objectAt is object, filling in *obj (which has its start): the scan
// passes objects by pointer, as copying them in and out of each call was
// a tenth of its time.
func (s *scanner) objectAt(obj *objectInfo, depth int, keep bool) (int, error) {
	i, err := s.openAt(obj.start, depth)
	if err != nil {
		*obj = objectInfo{}
		return i, err
	}
	record := depth <= s.keepDepth
	end, err := s.objectRest(obj, i, 0, depth, keep || record)
	if record && err == nil {
		if len(obj.members) >= indexFrom {
			obj.index = indexMembers(s.src, obj.members)
		}
		if s.helper != nil {
			s.helper.keep(s, depth, *obj)
		} else {
			if s.tables == nil {
				s.tables = map[int]objectInfo{}
			}
			s.tables[obj.start] = *obj
		}
	}
	return end, err
}

// indexMembers maps each member name to its last member.
func indexMembers(src []byte, members []memberInfo) map[string]int {
	index := make(map[string]int, len(members))
	for i, m := range members {
		if name, err := decodeString(src[m.nameStart:m.nameEnd]); err == nil {
			index[name] = i
		}
	}
	return index
}

// objectFrom scans the rest of an object from i, the start of a member
// (or the closing brace), after n members already seen. Resuming in the
// middle lets an edit re-check only the part of a large object it
// touched.
func (s *scanner) objectFrom(obj objectInfo, i, n, depth int, keep bool) (objectInfo, int, error) {
	end, err := s.objectRest(&obj, i, n, depth, keep)
	return obj, end, err
}

// objectRest is objectFrom on *obj.
func (s *scanner) objectRest(obj *objectInfo, i, n, depth int, keep bool) (int, error) {
	var err error
	obj.trailingComma = n > 0
	for {
		if i >= len(s.src) {
			return i, s.errorf(i, "unexpected end of file in object")
		}
		if s.src[i] == '}' {
			if obj.trailingComma && (s.strict || s.noTrailing) {
				return i, s.trailingCommaError(i)
			}
			obj.end = i + 1
			return i + 1, nil
		}
		if n > 0 && !obj.trailingComma {
			return i, s.errorf(i, "invalid %s after object value (expecting ',' or '}')", s.describe(i))
		}
		if s.src[i] != '"' {
			return i, s.errorf(i, "invalid %s at start of object name", s.describe(i))
		}
		var m memberInfo
		m.nameStart = i
		if i, err = s.str(i); err != nil {
			return i, err
		}
		m.nameEnd = i
		// The usual `": "` before a value is taken without calls to
		// space, as each call was a few percent of the scan.
		if i+2 < len(s.src) && s.src[i] == ':' && s.src[i+1] == ' ' && tokenByte[s.src[i+2]] {
			i += 2
		} else {
			if i, err = s.space(i); err != nil {
				return i, err
			}
			if i >= len(s.src) || s.src[i] != ':' {
				return i, s.errorf(i, "invalid %s after object name (expecting ':')", s.describe(i))
			}
			if i, err = s.space(i + 1); err != nil {
				return i, err
			}
		}
		m.valStart = i
		if i < s.trustedBefore {
			i = s.skip(i)
		} else if i, err = s.value(i, depth); err != nil {
			return i, err
		}
		m.valEnd = i
		if i >= len(s.src) || !tokenByte[s.src[i]] {
			if i, err = s.spaceRun(i); err != nil {
				return i, err
			}
		}
		m.comma = -1
		obj.trailingComma = false
		if i < len(s.src) && s.src[i] == ',' {
			m.comma = i
			obj.trailingComma = true
			if i, err = s.spaceRun(i + 1); err != nil {
				return i, err
			}
		}
		n++
		if keep {
			obj.members = append(obj.members, m)
		}
	}
}

// array scans the array at pos. With keep, it returns its elements.
func (s *scanner) array(pos, depth int, keep bool) (arrayInfo, int, error) {
	arr := arrayInfo{start: pos}
	end, err := s.arrayAt(&arr, depth, keep)
	return arr, end, err
}

// arrayAt is array on *arr, as objectAt.
func (s *scanner) arrayAt(arr *arrayInfo, depth int, keep bool) (int, error) {
	i, err := s.openAt(arr.start, depth)
	if err != nil {
		*arr = arrayInfo{}
		return i, err
	}
	return s.arrayRest(arr, i, 0, depth, keep)
}

// openAt checks the bracket at pos, which opens a value at depth (not
// too deep, and as deep as the helper's result there says), and returns
// where its contents start.
func (s *scanner) openAt(pos, depth int) (int, error) {
	if depth > maxDepth {
		return pos, s.errorf(pos, "nesting too deep")
	}
	if s.helper != nil {
		if err := s.helperDepth(pos, depth); err != nil {
			return pos, err
		}
	}
	// A bracket is followed by a newline, or closed at once.
	i := pos + 1
	if i >= len(s.src) || !tokenByte[s.src[i]] {
		return s.spaceRun(i)
	}
	return i, nil
}

// arrayFrom scans the rest of an array from i, as objectFrom does.
func (s *scanner) arrayFrom(arr arrayInfo, i, n, depth int, keep bool) (arrayInfo, int, error) {
	end, err := s.arrayRest(&arr, i, n, depth, keep)
	return arr, end, err
}

// arrayRest is arrayFrom on *arr.
func (s *scanner) arrayRest(arr *arrayInfo, i, n, depth int, keep bool) (int, error) {
	var err error
	arr.trailingComma = n > 0
	for {
		if i >= len(s.src) {
			return i, s.errorf(i, "unexpected end of file in array")
		}
		if s.src[i] == ']' {
			if arr.trailingComma && (s.strict || s.noTrailing) {
				return i, s.trailingCommaError(i)
			}
			arr.end = i + 1
			return i + 1, nil
		}
		if n > 0 && !arr.trailingComma {
			return i, s.errorf(i, "invalid %s after array element (expecting ',' or ']')", s.describe(i))
		}
		var e elemInfo
		e.valStart = i
		if i < s.trustedBefore {
			i = s.skip(i)
		} else if i, err = s.value(i, depth); err != nil {
			return i, err
		}
		e.valEnd = i
		if i >= len(s.src) || !tokenByte[s.src[i]] {
			if i, err = s.spaceRun(i); err != nil {
				return i, err
			}
		}
		e.comma = -1
		arr.trailingComma = false
		if i < len(s.src) && s.src[i] == ',' {
			e.comma = i
			arr.trailingComma = true
			if i, err = s.spaceRun(i + 1); err != nil {
				return i, err
			}
		}
		n++
		if keep {
			arr.elems = append(arr.elems, e)
		}
	}
}

// skip returns the end of the value at pos in trusted (already
// validated) text: strings by their closing quote, containers by bracket
// counting, comments jumped over.
func (s *scanner) skip(pos int) int {
	src := s.src
	switch src[pos] {
	case '"':
		return s.skipString(pos)
	case '{', '[':
		depth := 0
		for i := pos; i < len(src); {
			switch src[i] {
			case '"':
				i = s.skipString(i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			case '/':
				if i+1 < len(src) && src[i+1] == '/' {
					nl := bytes.IndexByte(src[i:], '\n')
					if nl < 0 {
						return len(src)
					}
					i += nl + 1
					continue
				}
				if i+1 < len(src) && src[i+1] == '*' {
					end := bytes.Index(src[i+2:], []byte("*/"))
					if end < 0 {
						return len(src)
					}
					i += 2 + end + 2
					continue
				}
			}
			i++
		}
		return len(src)
	}
	i := pos
	for i < len(src) && isWordByte(src[i]) {
		i++
	}
	return i
}

// skipString returns the end of the string literal at pos in trusted
// text: the first quote not escaped by an odd run of backslashes.
func (s *scanner) skipString(pos int) int {
	src := s.src
	i := pos + 1
	for {
		q := bytes.IndexByte(src[i:], '"')
		if q < 0 {
			return len(src)
		}
		j := i + q
		k := j
		for k > pos+1 && src[k-1] == '\\' {
			k--
		}
		if (j-k)%2 == 0 {
			return j + 1
		}
		i = j + 1
	}
}

// validate checks the whole document and returns the offsets of the top
// level value.
func (s *scanner) validate() (start, end int, err error) {
	if len(s.src) >= parallelFrom && s.trustedBefore == 0 && s.claims == nil && s.helper == nil &&
		runtime.GOMAXPROCS(0) > 1 {
		if split := splitPoint(s.src); split > 0 {
			defer s.startHelper(split)()
		}
	}
	return s.validateSequential()
}

// validateSequential is validate on the calling goroutine alone (with the
// claims of a helper if one was started).
func (s *scanner) validateSequential() (start, end int, err error) {
	start, err = s.space(0)
	if err != nil {
		return 0, 0, err
	}
	end, err = s.value(start, 0)
	if err != nil {
		return 0, 0, err
	}
	after, err := s.space(end)
	if err != nil {
		return 0, 0, err
	}
	if after < len(s.src) {
		return 0, 0, s.errorf(after, "invalid %s after top-level value", s.describe(after))
	}
	return start, end, nil
}

// decodeString returns the Go string of the string literal src[start:end].
func decodeString(lit []byte) (string, error) {
	if bytes.IndexByte(lit, '\\') < 0 {
		return string(lit[1 : len(lit)-1]), nil
	}
	var s string
	err := json.Unmarshal(lit, &s)
	return s, err
}

var errNotString = errors.New("not a string")

// stringAt decodes the value at [start, end) if it is a string literal.
func stringAt(src []byte, start, end int) (string, error) {
	if end-start < 2 || src[start] != '"' {
		return "", errNotString
	}
	return decodeString(src[start:end])
}
