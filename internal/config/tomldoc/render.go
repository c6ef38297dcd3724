package tomldoc

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// checkValue reports what in v cannot be written as TOML: null (TOML has
// none), an integer outside 64 bits, a float that overflows, a string or
// key that is not UTF-8.
func checkValue(v config.Value) error {
	return v.Walk(checkScalar, func(key string) error {
		if !utf8.ValidString(key) {
			return errors.New("a key is not valid UTF-8")
		}
		return nil
	})
}

// checkScalar is checkValue of one value, not what it holds.
func checkScalar(v config.Value) error {
	switch v.Kind() {
	case config.Null:
		return errors.New("TOML has no null")
	case config.Number:
		s := v.Str()
		if isIntegerText(s) {
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				return fmt.Errorf("the integer %s does not fit in TOML's 64 bits", s)
			}
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("the number %s does not fit in a TOML float", s)
		}
	case config.String:
		if !utf8.ValidString(v.Str()) {
			return errors.New("a string is not valid UTF-8")
		}
	}
	return nil
}

func isIntegerText(s string) bool {
	return !strings.ContainsAny(s, ".eE")
}

// members returns an object's members once each: a key that repeats keeps
// its first place and its last value (config.Value.Field's rule).
func members(v config.Value) []config.Member {
	ms := v.Members()
	seen := make(map[string]int, len(ms))
	out := make([]config.Member, 0, len(ms))
	for _, m := range ms {
		if i, ok := seen[m.Key]; ok {
			out[i].Value = m.Value
			continue
		}
		seen[m.Key] = len(out)
		out = append(out, m)
	}
	return out
}

// renderKey writes one key part: bare when TOML allows it, else a basic
// string.
func renderKey(k string) string {
	if k == "" {
		return `""`
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return basicString(k)
		}
	}
	return k
}

func renderPath(path []string) string {
	parts := make([]string, len(path))
	for i, k := range path {
		parts[i] = renderKey(k)
	}
	return strings.Join(parts, ".")
}

// basicString writes s as a TOML basic string: quotes and backslashes
// escaped, control characters as their short escapes or \uXXXX, the rest
// as UTF-8.
func basicString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// literalOK reports whether s can be written as a one-line literal
// string ('...'), which has no escapes.
func literalOK(s string) bool {
	for _, r := range s {
		if r == '\'' || r < 0x20 && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// inline writes v as a TOML value on one line: arrays as [a, b], objects
// as inline tables { k = v }. checkValue must have accepted v.
func inline(v config.Value) string {
	var b strings.Builder
	writeInline(&b, v)
	return b.String()
}

func writeInline(b *strings.Builder, v config.Value) {
	switch v.Kind() {
	case config.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case config.Number:
		b.WriteString(v.Str()) // JSON number syntax is TOML number syntax
	case config.String:
		b.WriteString(basicString(v.Str()))
	case config.List:
		b.WriteByte('[')
		for i, x := range v.Items() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeInline(b, x)
		}
		b.WriteByte(']')
	case config.Object:
		ms := members(v)
		if len(ms) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{ ")
		for i, m := range ms {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(renderKey(m.Key))
			b.WriteString(" = ")
			writeInline(b, m.Value)
		}
		b.WriteString(" }")
	}
}

// isTable reports whether v is written as a table of its own (a [header]
// or a group of dotted keys) rather than as a value: a non-empty object.
// An empty object is written {}.
func isTable(v config.Value) bool {
	return v.Kind() == config.Object && v.Len() > 0
}

// sections writes the object v as [header] sections for the table at
// path (rendered key parts): its scalars, arrays and empty objects as
// key-values under its header, its non-empty objects as sub-tables
// ([a.b.env]) after it, a blank line between sections. A table with no
// key-values of its own gets no header when it has sub-tables (its
// header would be empty: TOML defines it implicitly). It records each
// header's path in made.
//
// Sub-tables rather than inline tables for nested objects: it is how Codex
// itself writes an entry's env (its mcp add command), each variable gets its own
// line, and a user can add one by hand without editing a long line (an
// inline table cannot be extended by later keys).
func sections(path []string, v config.Value, nl string, made func([]string)) string {
	var b strings.Builder
	writeSections(&b, path, v, nl, made)
	return b.String()
}

func writeSections(b *strings.Builder, path []string, v config.Value, nl string, made func([]string)) {
	ms := members(v)
	var subs []config.Member
	var kvs strings.Builder
	for _, m := range ms {
		if isTable(m.Value) {
			subs = append(subs, m)
			continue
		}
		kvs.WriteString(renderKey(m.Key) + " = " + inline(m.Value) + nl)
	}
	if kvs.Len() > 0 || len(subs) == 0 {
		b.WriteString("[" + renderPath(path) + "]" + nl)
		b.WriteString(kvs.String())
		made(path)
	}
	for _, m := range subs {
		if b.Len() > 0 {
			b.WriteString(nl)
		}
		writeSections(b, append(path[:len(path):len(path)], m.Key), m.Value, nl, made)
	}
}

// dottedLines writes v as key-values under the dotted key prefix (raw
// text): one line per scalar, array or empty object, nested objects
// flattened into longer dotted keys, each line starting with indent.
func dottedLines(prefix string, v config.Value, indent, nl string) string {
	var b strings.Builder
	var walk func(prefix string, v config.Value)
	walk = func(prefix string, v config.Value) {
		if !isTable(v) {
			b.WriteString(indent + prefix + " = " + inline(v) + nl)
			return
		}
		for _, m := range members(v) {
			walk(prefix+"."+renderKey(m.Key), m.Value)
		}
	}
	walk(prefix, v)
	return b.String()
}
