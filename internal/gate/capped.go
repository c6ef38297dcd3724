package gate

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxEnvelope bounds everything in a capped answer except its big member
// (ids, decision, verification, ...): a few hundred bytes in practice.
const maxEnvelope = 1 << 20

// errEnvelopeTooLarge means the small members of an answer exceed
// maxEnvelope: not an answer the gate writes.
var errEnvelopeTooLarge = errors.New("the answer's fields are larger than expected")

// cappedObject is a JSON object read by readCapped: every member except
// the big one, and the big one when it fit.
type cappedObject struct {
	// envelope is the object without the big member.
	envelope []byte
	// big is the big member's value, nil when it was absent or larger than
	// the limit.
	big json.RawMessage
	// bigSize is the size in bytes of the big member's value as sent.
	bigSize int64
	// bigDropped reports that the big member was larger than the limit
	// and was not kept.
	bigDropped bool
}

// readCapped reads one JSON object from r and keeps the value of member
// field only if it is at most limit bytes, counting the rest without
// holding it. An action's output (or a receipt's provider_receipt) can be
// tens of megabytes; the answer's other members are small and are what the
// caller needs to report that the output was too large (the receipt id).
// Reading it whole, as a generic JSON decoder must, would hold the output
// several times over for every concurrent call.
//
// The object is checked only as far as splitting it needs; the envelope and
// a kept value are parsed (and so validated) by the caller. Nothing after
// the closing brace is read.
func readCapped(r io.Reader, field string, limit int64) (*cappedObject, error) {
	br := bufio.NewReaderSize(r, 32<<10)
	out := &cappedObject{}
	env := make([]byte, 0, 512)
	env = append(env, '{')
	if err := expectByte(br, '{'); err != nil {
		return nil, err
	}
	first := true
	for {
		c, err := skipSpace(br)
		if err != nil {
			return nil, err
		}
		if c == '}' && first {
			break
		}
		if c != '"' {
			return nil, fmt.Errorf("invalid JSON object: %q where a member name should be", c)
		}
		keyRaw := capBuf{limit: 4 << 10, buf: []byte{'"'}}
		if err := copyString(br, &keyRaw); err != nil {
			return nil, err
		}
		if keyRaw.dropped {
			return nil, errEnvelopeTooLarge
		}
		var key string
		if err := json.Unmarshal(keyRaw.buf, &key); err != nil {
			return nil, fmt.Errorf("invalid JSON member name: %w", err)
		}
		if err := expectByte(br, ':'); err != nil {
			return nil, err
		}
		if key == field {
			val := capBuf{limit: limit}
			if err := copyValue(br, &val); err != nil {
				return nil, err
			}
			out.big, out.bigSize, out.bigDropped = val.buf, val.n, val.dropped
			if val.dropped {
				out.big = nil
			}
		} else {
			val := capBuf{limit: int64(maxEnvelope - len(env))}
			if err := copyValue(br, &val); err != nil {
				return nil, err
			}
			if val.dropped {
				return nil, errEnvelopeTooLarge
			}
			if len(env) > 1 {
				env = append(env, ',')
			}
			env = append(env, keyRaw.buf...)
			env = append(env, ':')
			env = append(env, val.buf...)
		}
		first = false
		c, err = skipSpace(br)
		if err != nil {
			return nil, err
		}
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, fmt.Errorf("invalid JSON object: %q after a member", c)
		}
	}
	out.envelope = append(env, '}')
	return out, nil
}

// capBuf keeps bytes up to limit and counts all of them.
type capBuf struct {
	limit   int64
	buf     []byte
	n       int64
	dropped bool
}

func (b *capBuf) add(c byte) {
	b.n++
	if b.dropped {
		return
	}
	if int64(len(b.buf)) >= b.limit {
		b.dropped, b.buf = true, nil
		return
	}
	b.buf = append(b.buf, c)
}

func (b *capBuf) addBytes(p []byte) {
	b.n += int64(len(p))
	if b.dropped {
		return
	}
	if int64(len(b.buf)+len(p)) > b.limit {
		b.dropped, b.buf = true, nil
		return
	}
	b.buf = append(b.buf, p...)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, unexpectedEnd(err)
		}
		if !isSpace(c) {
			return c, nil
		}
	}
}

func expectByte(br *bufio.Reader, want byte) error {
	c, err := skipSpace(br)
	if err != nil {
		return err
	}
	if c != want {
		return fmt.Errorf("invalid JSON: %q where %q should be", c, want)
	}
	return nil
}

func unexpectedEnd(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// copyString copies the rest of a JSON string (after its opening quote)
// into dst, closing quote included. It scans for quotes a buffer at a
// time, since an output is mostly one long string.
func copyString(br *bufio.Reader, dst *capBuf) error {
	carried := 0 // backslashes at the end of what was already copied
	for {
		chunk, err := br.ReadSlice('"')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return unexpectedEnd(err)
		}
		dst.addBytes(chunk)
		if err != nil { // no quote in this chunk
			carried = trailingBackslashes(chunk, carried)
			continue
		}
		// The chunk ends with a quote: it ends the string unless an odd
		// number of backslashes precede it.
		if trailingBackslashes(chunk[:len(chunk)-1], carried)%2 == 0 {
			return nil
		}
		carried = 0
	}
}

// trailingBackslashes counts the backslashes that end b, adding carried
// when b is nothing but backslashes.
func trailingBackslashes(b []byte, carried int) int {
	n := 0
	for n < len(b) && b[len(b)-1-n] == '\\' {
		n++
	}
	if n == len(b) {
		return carried + n
	}
	return n
}

// copyValue copies one JSON value into dst. It tracks nesting with a
// counter, not recursion, so a value nested a million deep costs no stack.
func copyValue(br *bufio.Reader, dst *capBuf) error {
	c, err := skipSpace(br)
	if err != nil {
		return err
	}
	depth := 0
	for {
		switch {
		case c == '"':
			dst.add(c)
			if err := copyString(br, dst); err != nil {
				return err
			}
			if depth == 0 {
				return nil
			}
		case c == '{' || c == '[':
			depth++
			dst.add(c)
		case c == '}' || c == ']':
			if depth == 0 {
				return fmt.Errorf("invalid JSON: %q where a value should be", c)
			}
			depth--
			dst.add(c)
			if depth == 0 {
				return nil
			}
		case depth == 0:
			// A number or literal: up to the next delimiter, which is
			// left for the caller.
			dst.add(c)
			for {
				next, err := br.ReadByte()
				if err != nil {
					return unexpectedEnd(err)
				}
				if next == ',' || next == '}' || next == ']' || isSpace(next) {
					return br.UnreadByte()
				}
				dst.add(next)
			}
		default:
			dst.add(c)
		}
		c, err = br.ReadByte()
		if err != nil {
			return unexpectedEnd(err)
		}
	}
}

// value returns the big member for a result: the value when it was kept
// (checked to be JSON), or its size when it was dropped.
func (o *cappedObject) value() (json.RawMessage, int64, bool, error) {
	if o.bigDropped {
		return nil, o.bigSize, true, nil
	}
	if o.big != nil && !json.Valid(o.big) {
		return nil, o.bigSize, false, errors.New("not valid JSON")
	}
	return o.big, o.bigSize, false, nil
}
