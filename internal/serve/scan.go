package serve

import (
	"encoding/json"
)

// topLevel is what scanTopLevel finds in a JSON-RPC line.
type topLevel struct {
	id        json.RawMessage // the "id" member as sent, nil when absent
	hasMethod bool
}

// scanTopLevel checks that line is one valid JSON object, however deeply
// nested (it keeps a counter, not a stack of calls or of containers), and
// returns its top-level "id" member and whether it has a "method". It is
// for the lines the decoders refuse for their depth limits, so they can
// still be answered with their own id.
func scanTopLevel(line []byte) (topLevel, bool) {
	var out topLevel
	sc := &jsonScanner{b: line}
	sc.space()
	if !sc.byte('{') {
		return out, false
	}
	sc.space()
	if sc.peek() == '}' {
		sc.i++
		sc.space()
		return out, sc.i == len(sc.b)
	}
	for {
		sc.space()
		keyStart := sc.i
		if !sc.str() {
			return out, false
		}
		var key string
		if json.Unmarshal(sc.b[keyStart:sc.i], &key) != nil {
			return out, false
		}
		sc.space()
		if !sc.byte(':') {
			return out, false
		}
		sc.space()
		valStart := sc.i
		if !sc.value() {
			return out, false
		}
		switch key {
		case "id":
			out.id = json.RawMessage(sc.b[valStart:sc.i])
		case "method":
			out.hasMethod = true
		}
		sc.space()
		switch {
		case sc.byte(','):
		case sc.byte('}'):
			sc.space()
			return out, sc.i == len(sc.b)
		default:
			return out, false
		}
	}
}

// jsonScanner validates JSON without recursion: containers are tracked
// with a slice of their kinds, strings and numbers byte by byte.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jsonScanner) byte(c byte) bool {
	if s.peek() == c && s.i < len(s.b) {
		s.i++
		return true
	}
	return false
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// str scans a string starting at the opening quote.
func (s *jsonScanner) str() bool {
	if !s.byte('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.i >= len(s.b) {
				return false
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 > len(s.b) {
					return false
				}
				for _, h := range s.b[s.i : s.i+4] {
					if !isHex(h) {
						return false
					}
				}
				s.i += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// scalar scans a number or a literal.
func (s *jsonScanner) scalar() bool {
	for _, lit := range []string{"true", "false", "null"} {
		if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
			s.i += len(lit)
			return true
		}
	}
	start := s.i
	s.byte('-')
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	intStart := s.i
	n := digits()
	if n == 0 || (n > 1 && s.b[intStart] == '0') {
		return false
	}
	if s.byte('.') && digits() == 0 {
		return false
	}
	if s.byte('e') || s.byte('E') {
		if !s.byte('+') {
			s.byte('-')
		}
		if digits() == 0 {
			return false
		}
	}
	return s.i > start
}

// value scans one value of any depth.
func (s *jsonScanner) value() bool {
	var stack []byte // '{' or '[' per open container
	for {
		s.space()
		switch c := s.peek(); c {
		case '{', '[':
			s.i++
			stack = append(stack, c)
			s.space()
			if (c == '{' && s.peek() == '}') || (c == '[' && s.peek() == ']') {
				s.i++
				stack = stack[:len(stack)-1]
				break
			}
			if c == '{' {
				if !s.memberName() {
					return false
				}
			}
			continue
		case '"':
			if !s.str() {
				return false
			}
		default:
			if !s.scalar() {
				return false
			}
		}
		// A value ended: close containers or move to the next element.
		for {
			if len(stack) == 0 {
				return true
			}
			s.space()
			top := stack[len(stack)-1]
			if s.byte(',') {
				if top == '{' && !s.memberName() {
					return false
				}
				break
			}
			if (top == '{' && s.byte('}')) || (top == '[' && s.byte(']')) {
				stack = stack[:len(stack)-1]
				continue
			}
			return false
		}
	}
}

// memberName scans `"name" :` inside an object.
func (s *jsonScanner) memberName() bool {
	s.space()
	if !s.str() {
		return false
	}
	s.space()
	return s.byte(':')
}
