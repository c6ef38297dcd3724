package yamldoc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"gopkg.in/yaml.v3"
)

// layout is how a file indents what we add to it, detected from the file.
type layout struct {
	// unit is the indentation of a mapping inside a mapping.
	unit int
	// seqIndent is how far a block sequence's dashes sit right of the key
	// that holds it: 0 for "key:\n- a", 2 for "key:\n  - a".
	seqIndent int
	// itemOffset is how far the keys of a mapping in a sequence sit right
	// of its dash: 2 for "- name: x\n  command: y".
	itemOffset int
}

var defaultLayout = layout{unit: 2, seqIndent: 2, itemOffset: 2}

// maxKeyLen is the longest key written as an implicit key: YAML limits
// them to 1024 characters, and a longer one needs the "? " form.
const maxKeyLen = 1000

// checkValue refuses values that cannot be written as YAML: strings that
// are not UTF-8 (YAML text is Unicode; a byte sequence would need
// !!binary, which no client reads as a string) and keys over maxKeyLen.
func checkValue(v config.Value) error {
	return v.Walk(func(x config.Value) error {
		if x.Kind() == config.String && !utf8.ValidString(x.Str()) {
			return errors.New("a string in the new value is not valid UTF-8")
		}
		return nil
	}, func(key string) error {
		if !utf8.ValidString(key) {
			return errors.New("a key in the new value is not valid UTF-8")
		}
		if len(key) > maxKeyLen {
			return fmt.Errorf("a key in the new value is longer than %d bytes", maxKeyLen)
		}
		return nil
	})
}

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

// afterKey renders v as the text that follows "key:" for a key at column
// col: " scalar", " []", " {}", or a line break and the block lines of a
// collection.
func (lo layout) afterKey(v config.Value, col int) string {
	switch {
	case v.Kind() == config.Object && v.Len() > 0:
		return "\n" + lo.members(v, col+lo.unit)
	case v.Kind() == config.List && v.Len() > 0:
		var b strings.Builder
		dash := col + lo.seqIndent
		for _, item := range v.Items() {
			b.WriteString("\n" + spaces(dash) + "-" + lo.afterDash(item, dash))
		}
		return b.String()
	}
	return " " + inline(v, false)
}

// members renders an object's members as block lines at column col,
// without a line break before the first or after the last.
func (lo layout) members(v config.Value, col int) string {
	var b strings.Builder
	for i, m := range v.Members() {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(spaces(col) + keyText(m.Key, false) + ":" + lo.afterKey(m.Value, col))
	}
	return b.String()
}

// afterDash renders v as the text that follows "-" for a dash at column
// col: " scalar", or a collection that starts on the dash's line
// ("- name: x" with the other members below, aligned).
func (lo layout) afterDash(v config.Value, col int) string {
	switch {
	case v.Kind() == config.Object && v.Len() > 0:
		kcol := col + lo.itemOffset
		var b strings.Builder
		for i, m := range v.Members() {
			if i == 0 {
				b.WriteString(spaces(lo.itemOffset - 1))
			} else {
				b.WriteString("\n" + spaces(kcol))
			}
			b.WriteString(keyText(m.Key, false) + ":" + lo.afterKey(m.Value, kcol))
		}
		return b.String()
	case v.Kind() == config.List && v.Len() > 0:
		icol := col + 2
		var b strings.Builder
		for i, item := range v.Items() {
			if i == 0 {
				b.WriteString(" ")
			} else {
				b.WriteString("\n" + spaces(icol))
			}
			b.WriteString("-" + lo.afterDash(item, icol))
		}
		return b.String()
	}
	return " " + inline(v, false)
}

// flowText renders v on one line in flow style: {a: 1, b: [x, y]}.
func flowText(v config.Value) string {
	switch v.Kind() {
	case config.Object:
		parts := make([]string, len(v.Members()))
		for i, m := range v.Members() {
			parts[i] = keyText(m.Key, true) + ": " + flowText(m.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case config.List:
		parts := make([]string, len(v.Items()))
		for i, x := range v.Items() {
			parts[i] = flowText(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return inline(v, true)
}

// inline renders a scalar, or an empty collection.
func inline(v config.Value, flow bool) string {
	switch v.Kind() {
	case config.Null:
		return "null"
	case config.Bool:
		return strconv.FormatBool(v.Bool())
	case config.Number:
		return numberText(v.Str())
	case config.String:
		return stringText(v.Str(), flow)
	case config.List:
		if v.Len() == 0 {
			return "[]"
		}
	case config.Object:
		if v.Len() == 0 {
			return "{}"
		}
	}
	return flowText(v)
}

// numberText writes a JSON number so that YAML 1.1 readers (PyYAML,
// which Hermes uses) read a number too: they want a dot and a signed
// exponent in "1.0e+3", where JSON allows "1e3".
func numberText(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return s
	}
	mant, exp := s[:i], s[i+1:]
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if exp != "" && exp[0] != '+' && exp[0] != '-' {
		exp = "+" + exp
	}
	return mant + "e" + exp
}

// keyText renders a mapping key.
func keyText(k string, flow bool) string {
	return stringText(k, flow)
}

// stringText renders a string plain when that is safe, and double-quoted
// otherwise.
func stringText(s string, flow bool) string {
	if plainOK(s, flow) {
		return s
	}
	return doubleQuoted(s)
}

// plainOK reports whether s can be written unquoted and be read back as
// the same string, by yaml.v3 and by YAML 1.1 readers alike: no indicator
// at the start, no ": " or " #" inside, nothing that resolves to another
// type (yes, on, null, 1e3, 0o17, 2024-01-01), and, in a flow collection,
// no flow indicators. yaml.v3 then confirms the reading.
func plainOK(s string, flow bool) bool {
	if s == "" || s != strings.TrimSpace(s) {
		return false
	}
	switch s[0] {
	case '-', '?', ':':
		if len(s) == 1 || s[1] == ' ' || strings.HasPrefix(s, "---") {
			return false
		}
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	if strings.HasPrefix(s, "...") {
		return false
	}
	if strings.HasSuffix(s, ":") || strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return false
	}
	if flow && strings.ContainsAny(s, ",[]{}:#?") {
		return false
	}
	for _, r := range s {
		if !plainRune(r) {
			return false
		}
	}
	if looksTyped(s) {
		return false
	}
	return readsAsString(s, flow)
}

// plainRune reports whether r may appear unescaped in a scalar we write:
// printable, and not a line break or byte order mark.
func plainRune(r rune) bool {
	switch {
	case r >= 0x20 && r <= 0x7e:
		return true
	case r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff:
		return false
	case r <= 0xd7ff || r >= 0xe000 && r <= 0xfffd || r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// looksTyped reports whether a plain s could be read as something other
// than a string by YAML 1.1 or 1.2: booleans and nulls in any case,
// numbers in any base, sexagesimals, timestamps, .inf and .nan, the merge
// key.
func looksTyped(s string) bool {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~", "<<", "=",
		".inf", "+.inf", "-.inf", ".nan":
		return true
	}
	c := s[0]
	if c >= '0' && c <= '9' {
		return true
	}
	if (c == '+' || c == '-' || c == '.') && len(s) > 1 && (s[1] >= '0' && s[1] <= '9' || s[1] == '.') {
		return true
	}
	return false
}

// readsAsString asks yaml.v3 how it reads s written plain.
func readsAsString(s string, flow bool) bool {
	src := "k: " + s
	if flow {
		src = "[" + s + "]"
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) != 1 {
		return false
	}
	n := doc.Content[0]
	if len(n.Content) == 0 {
		return false
	}
	x := n.Content[len(n.Content)-1]
	return x.Kind == yaml.ScalarNode && x.Style == 0 && x.ShortTag() == "!!str" && x.Value == s
}

// doubleQuoted writes s as a double-quoted scalar on one line, escaping
// what YAML does not allow raw (control characters, line breaks, the BOM).
func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			switch {
			case plainRune(r):
				b.WriteRune(r)
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02X`, r)
			case r <= 0xffff:
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				fmt.Fprintf(&b, `\U%08X`, r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// singleQuotedOK reports whether s can be written single-quoted on one
// line (where only the quote itself is escaped, by doubling it).
func singleQuotedOK(s string) bool {
	for _, r := range s {
		if !plainRune(r) {
			return false
		}
	}
	return true
}

// scalarLike renders the scalar v in place of an existing scalar, in the
// same quoting style when that style can hold it.
func scalarLike(v config.Value, old yaml.Style, flow bool) string {
	if v.Kind() != config.String {
		return inline(v, flow)
	}
	s := v.Str()
	switch {
	case old&yaml.DoubleQuotedStyle != 0:
		return doubleQuoted(s)
	case old&yaml.SingleQuotedStyle != 0 && singleQuotedOK(s):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return stringText(s, flow)
}
