package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
)

var sprintf = fmt.Sprintf

// Kind is the type of a [Value].
type Kind uint8

// The kinds of value every format shares.
const (
	Null Kind = iota
	Bool
	Number
	String
	List
	Object
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "a boolean"
	case Number:
		return "a number"
	case String:
		return "a string"
	case List:
		return "a list"
	case Object:
		return "an object"
	}
	return "an unknown value"
}

// A Value is a format-neutral configuration value: what an adapter builds
// for its entry and what a Document reads back. Objects keep their members
// in order, so the text we write is stable and reads the way the adapter
// lists it. The zero Value is null.
type Value struct {
	kind    Kind
	b       bool
	s       string // a string, or a number's text (JSON syntax)
	items   []Value
	members []Member
}

// A Member is one key of an object and its value.
type Member struct {
	Key   string
	Value Value
}

// NullValue returns null.
func NullValue() Value { return Value{} }

// BoolValue returns b.
func BoolValue(b bool) Value { return Value{kind: Bool, b: b} }

// StringValue returns s.
func StringValue(s string) Value { return Value{kind: String, s: s} }

// IntValue returns the integer n.
func IntValue(n int64) Value { return Value{kind: Number, s: strconv.FormatInt(n, 10)} }

// NumberValue returns the number written as text in JSON syntax. It
// returns an error if text is not a JSON number.
func NumberValue(text string) (Value, error) {
	if !json.Valid([]byte(text)) || !isNumberText(text) {
		return Value{}, fmt.Errorf("%q is not a number", text)
	}
	return Value{kind: Number, s: text}, nil
}

func isNumberText(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '-' || c >= '0' && c <= '9'
}

// ListValue returns a list of items.
func ListValue(items ...Value) Value {
	return Value{kind: List, items: append([]Value{}, items...)}
}

// StringList returns a list of strings.
func StringList(items ...string) Value {
	v := Value{kind: List, items: make([]Value, len(items))}
	for i, s := range items {
		v.items[i] = StringValue(s)
	}
	return v
}

// ObjectValue returns an object with members in the given order.
func ObjectValue(members ...Member) Value {
	return Value{kind: Object, members: append([]Member{}, members...)}
}

// M is shorthand for a Member, for building entries.
func M(key string, v Value) Member { return Member{Key: key, Value: v} }

// Kind returns v's kind.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null (or the zero Value).
func (v Value) IsNull() bool { return v.kind == Null }

// Bool returns a boolean's value, false for other kinds.
func (v Value) Bool() bool { return v.kind == Bool && v.b }

// Str returns a string's value, or a number's text, "" for other kinds.
func (v Value) Str() string {
	if v.kind == String || v.kind == Number {
		return v.s
	}
	return ""
}

// Int returns a number's value as an integer, and whether it is one.
func (v Value) Int() (int64, bool) {
	if v.kind != Number {
		return 0, false
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	if err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

// Items returns a list's items (nil for other kinds). The slice is v's
// own: do not change it.
func (v Value) Items() []Value {
	if v.kind != List {
		return nil
	}
	return v.items
}

// Members returns an object's members in order (nil for other kinds). The
// slice is v's own: do not change it.
func (v Value) Members() []Member {
	if v.kind != Object {
		return nil
	}
	return v.members
}

// Len returns the number of items or members.
func (v Value) Len() int {
	switch v.kind {
	case List:
		return len(v.items)
	case Object:
		return len(v.members)
	}
	return 0
}

// Field returns the member key of an object, and whether it is there. With
// duplicate keys the last one wins, as in JSON.parse and most parsers.
func (v Value) Field(key string) (Value, bool) {
	if v.kind != Object {
		return Value{}, false
	}
	for i := len(v.members) - 1; i >= 0; i-- {
		if v.members[i].Key == key {
			return v.members[i].Value, true
		}
	}
	return Value{}, false
}

// With returns a copy of the object v with key set to x: replaced in place
// if it is there, appended otherwise. v must be an object (or null, which
// starts an empty one).
func (v Value) With(key string, x Value) Value {
	out := Value{kind: Object, members: make([]Member, 0, len(v.members)+1)}
	found := false
	for _, m := range v.members {
		if m.Key == key {
			if found {
				continue
			}
			found = true
			m.Value = x
		}
		out.members = append(out.members, m)
	}
	if !found {
		out.members = append(out.members, Member{Key: key, Value: x})
	}
	return out
}

// Without returns a copy of the object v without key.
func (v Value) Without(key string) Value {
	out := Value{kind: Object, members: make([]Member, 0, len(v.members))}
	for _, m := range v.members {
		if m.Key != key {
			out.members = append(out.members, m)
		}
	}
	return out
}

// Equal reports whether v and w hold the same data. Object members are
// compared by key, without regard to order; numbers by value (330 equals
// 330.0).
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case Null:
		return true
	case Bool:
		return v.b == w.b
	case String:
		return v.s == w.s
	case Number:
		if v.s == w.s {
			return true
		}
		a, _, errA := big.ParseFloat(v.s, 10, 256, big.ToNearestEven)
		b, _, errB := big.ParseFloat(w.s, 10, 256, big.ToNearestEven)
		return errA == nil && errB == nil && a.Cmp(b) == 0
	case List:
		if len(v.items) != len(w.items) {
			return false
		}
		for i := range v.items {
			if !v.items[i].Equal(w.items[i]) {
				return false
			}
		}
		return true
	case Object:
		a, b := v.lastByKey(), w.lastByKey()
		if len(a) != len(b) {
			return false
		}
		for k, x := range a {
			y, ok := b[k]
			if !ok || !x.Equal(y) {
				return false
			}
		}
		return true
	}
	return false
}

func (v Value) lastByKey() map[string]Value {
	m := make(map[string]Value, len(v.members))
	for _, mem := range v.members {
		m[mem.Key] = mem.Value
	}
	return m
}

// Interface returns v as plain Go data, as encoding/json would decode it:
// map[string]any, []any, string, float64, bool, nil. Numbers that are
// integers too large for a float64 stay json.Number. It is what JSON
// Schema validators take.
func (v Value) Interface() any {
	switch v.kind {
	case Bool:
		return v.b
	case String:
		return v.s
	case Number:
		if f, err := strconv.ParseFloat(v.s, 64); err == nil {
			return f
		}
		return json.Number(v.s)
	case List:
		out := make([]any, len(v.items))
		for i, x := range v.items {
			out[i] = x.Interface()
		}
		return out
	case Object:
		out := make(map[string]any, len(v.members))
		for _, m := range v.members {
			out[m.Key] = m.Value.Interface()
		}
		return out
	}
	return nil
}

// MarshalJSON writes v as compact JSON in member order, without HTML
// escaping (as JSON.stringify writes it, and as the clients' own files are).
func (v Value) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := v.writeJSON(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (v Value) writeJSON(b *bytes.Buffer) error {
	switch v.kind {
	case Null:
		b.WriteString("null")
	case Bool:
		b.WriteString(strconv.FormatBool(v.b))
	case Number:
		b.WriteString(v.s)
	case String:
		writeJSONString(b, v.s)
	case List:
		b.WriteByte('[')
		for i, x := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := x.writeJSON(b); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case Object:
		b.WriteByte('{')
		for i, m := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, m.Key)
			b.WriteByte(':')
			if err := m.Value.writeJSON(b); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("unknown value kind %d", v.kind)
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// UnmarshalJSON reads JSON into v, keeping object members in order.
func (v *Value) UnmarshalJSON(data []byte) error {
	x, err := FromJSON(data)
	if err != nil {
		return err
	}
	*v = x
	return nil
}

// FromJSON parses one JSON value, keeping object members in order.
func FromJSON(data []byte) (Value, error) {
	// The empty object is most of what list selects in a large
	// ~/.claude.json (every project's "mcpServers": {}): not worth a
	// decoder each.
	switch string(bytes.TrimSpace(data)) {
	case "{}":
		return ObjectValue(), nil
	case "[]":
		return ListValue(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return Value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Value{}, errors.New("more than one JSON value")
	}
	return v, nil
}

// MustJSON is FromJSON for literals in tests and tables; it panics on
// malformed input.
func MustJSON(s string) Value {
	v, err := FromJSON([]byte(s))
	if err != nil {
		panic(err)
	}
	return v
}

// maxDepth bounds nesting, so a hostile file cannot exhaust the stack.
const maxDepth = 10000

func decodeValue(dec *json.Decoder, depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, errors.New("values nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return Value{}, err
	}
	switch t := tok.(type) {
	case nil:
		return Value{}, nil
	case bool:
		return BoolValue(t), nil
	case json.Number:
		return Value{kind: Number, s: t.String()}, nil
	case string:
		return StringValue(t), nil
	case json.Delim:
		switch t {
		case '[':
			out := Value{kind: List, items: []Value{}}
			for dec.More() {
				x, err := decodeValue(dec, depth+1)
				if err != nil {
					return Value{}, err
				}
				out.items = append(out.items, x)
			}
			_, err := dec.Token()
			return out, err
		case '{':
			out := Value{kind: Object, members: []Member{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return Value{}, err
				}
				key, _ := kt.(string)
				x, err := decodeValue(dec, depth+1)
				if err != nil {
					return Value{}, err
				}
				out.members = append(out.members, Member{Key: key, Value: x})
			}
			_, err := dec.Token()
			return out, err
		}
	}
	return Value{}, fmt.Errorf("unexpected JSON token %v", tok)
}

// Decode stores v into dst, as json.Unmarshal would store v's JSON.
func (v Value) Decode(dst any) error {
	data, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	return json.Unmarshal(data, dst)
}

// FromGo converts plain Go data (what encoding/json marshals) into a
// Value, through its JSON; struct fields keep their declared order.
func FromGo(x any) (Value, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return Value{}, err
	}
	return FromJSON(bytes.TrimRight(b.Bytes(), "\n"))
}

// Walk calls value for v and for every value inside it, depth first, and
// key for every member name, stopping at the first error: how a format
// checks a new value for what it cannot write.
func (v Value) Walk(value func(Value) error, key func(string) error) error {
	if err := value(v); err != nil {
		return err
	}
	switch v.Kind() {
	case List:
		for _, x := range v.Items() {
			if err := x.Walk(value, key); err != nil {
				return err
			}
		}
	case Object:
		for _, m := range v.Members() {
			if err := key(m.Key); err != nil {
				return err
			}
			if err := m.Value.Walk(value, key); err != nil {
				return err
			}
		}
	}
	return nil
}
