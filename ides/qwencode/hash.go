package qwencode

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// nonBehavioral are the keys Qwen Code leaves out of an entry's hash
// (NON_BEHAVIORAL_FIELDS in packages/core/src/mcp/configHash.ts, 0.24.4):
// where the entry came from and how it is labelled.
var nonBehavioral = []string{"scope", "extensionName", "description"}

// Hash is Qwen Code's hashMcpServerConfig of an entry as Qwen holds it
// after loading (variables expanded, "type" dropped for .mcp.json): the
// SHA-256, in hex, of JSON.stringify of the entry without the
// non-behavioural keys, with the keys of every object sorted.
func Hash(entry config.Value) string {
	var b strings.Builder
	writeJS(&b, entry, true)
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// writeJS writes v as JavaScript's JSON.stringify does with Qwen's
// key-sorting replacer: no whitespace, object keys sorted as
// Array.prototype.sort sorts strings (by UTF-16 code units), strings
// escaped as JSON.stringify escapes them, numbers as JavaScript prints
// them.
func writeJS(b *strings.Builder, v config.Value, top bool) {
	switch v.Kind() {
	case config.Object:
		members := v.Members()
		// JSON.parse keeps the last of duplicate keys.
		byKey := map[string]config.Value{}
		var keys []string
		for _, m := range members {
			if top && slices.Contains(nonBehavioral, m.Key) {
				continue
			}
			if _, dup := byKey[m.Key]; !dup {
				keys = append(keys, m.Key)
			}
			byKey[m.Key] = m.Value
		}
		slices.SortFunc(keys, compareUTF16)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSString(b, k)
			b.WriteByte(':')
			writeJS(b, byKey[k], false)
		}
		b.WriteByte('}')
	case config.List:
		b.WriteByte('[')
		for i, it := range v.Items() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJS(b, it, false)
		}
		b.WriteByte(']')
	case config.String:
		writeJSString(b, v.Str())
	case config.Number:
		b.WriteString(jsNumber(v.Str()))
	case config.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	default:
		b.WriteString("null")
	}
}

// compareUTF16 orders strings by their UTF-16 code units, as JavaScript
// compares strings.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

// writeJSString quotes s as JSON.stringify does: only '"', '\\' and the
// control characters are escaped (the short forms where JSON has them,
// else \u00xx in lower-case hex); '<', '>', '&', U+2028 and U+2029 are
// not.
func writeJSString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// jsNumber prints the JSON number text n as JavaScript prints the
// double it parses to: integers below 1e21 in full, other values in the
// shortest form that reads back, with JavaScript's exponent style.
func jsNumber(n string) string {
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	if f == 0 {
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+21, 1.5e-07
	mant, exp, _ := strings.Cut(s, "e")
	sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
	if sign == "+" {
		return mant + "e+" + digits
	}
	return mant + "e-" + digits
}
