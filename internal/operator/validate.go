package operator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ValidateApprovalID checks an approval id before it goes into a URL
// path: the gate's ids are lowercase hyphenated UUIDs (36 characters,
// '-' at 8, 13, 18 and 23, lowercase hex elsewhere). Anything else, such
// as "../leases", never reaches the gate.
func ValidateApprovalID(id string) error {
	if len(id) != 36 {
		return fmt.Errorf("invalid approval id %q: want a lowercase UUID such as 019e6963-abcd-7def-8901-234567890abc", Clean(id, 64))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return fmt.Errorf("invalid approval id %q: want a lowercase UUID such as 019e6963-abcd-7def-8901-234567890abc", Clean(id, 64))
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return fmt.Errorf("invalid approval id %q: want a lowercase UUID such as 019e6963-abcd-7def-8901-234567890abc", Clean(id, 64))
			}
		}
	}
	return nil
}

// ValidateResourceID checks an action id, agent id (principal) or trace
// id: 1 to 128 characters of [A-Za-z0-9_:-]. The colon is allowed
// because the gate's principals have one ("uid:1000", "dev:anonymous");
// the Rust adapter refuses it and so cannot allowlist a real principal
// (G10).
func ValidateResourceID(field, id string) error {
	if id == "" || len(id) > 128 {
		return fmt.Errorf("invalid %s %q: want 1 to 128 characters of A-Z a-z 0-9 _ : -", field, Clean(id, 64))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':' || c == '-') {
			return fmt.Errorf("invalid %s %q: want 1 to 128 characters of A-Z a-z 0-9 _ : -", field, Clean(id, 64))
		}
	}
	return nil
}

// checkToken refuses a token that cannot be an api_key: whitespace or
// control characters inside would break the header or hide a paste
// mistake.
func checkToken(tok string) error {
	if len(tok) > 4096 {
		return errors.New("the operator token is longer than 4096 bytes")
	}
	for _, r := range tok {
		if r <= ' ' || r == 0x7f || r >= 0x80 {
			return errors.New("the operator token holds whitespace, control or non-ASCII characters")
		}
	}
	return nil
}

// Clean makes text that came from the gate (or from the model) safe to
// show on one line of a terminal or in an MCP message: control
// characters and the Unicode formatting characters that reorder or hide
// text (bidi overrides, zero-width marks) are written as visible escapes
// such as \x1b or \u202e, invalid UTF-8 as \xNN, and the result is cut
// to max bytes (0: no limit) with "…" marking the cut. Gate strings carry
// attacker input (arguments, reasons, ids); printed raw, an escape
// sequence could rewrite the screen a person decides on.
func Clean(s string, max int) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && size == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r == '\n':
			piece = `\n`
		case r == '\t':
			piece = `\t`
		case r == '\r':
			piece = `\r`
		case r < 0x20 || r == 0x7f:
			piece = fmt.Sprintf(`\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			piece = fmt.Sprintf(`\u%04x`, r)
		case hiddenFormat(r):
			piece = fmt.Sprintf(`\u%04x`, r)
		default:
			piece = s[i : i+size]
		}
		if max > 0 && b.Len()+len(piece) > max {
			b.WriteString("…")
			break
		}
		b.WriteString(piece)
		i += size
	}
	return b.String()
}

// hiddenFormat reports the format characters that change how the text
// around them reads: bidi embeddings, overrides and isolates, the
// directional marks, zero-width characters and the BOM.
func hiddenFormat(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200b, r == 0x200c, r == 0x200d, r == 0x200e, r == 0x200f, r == 0x2060, r == 0xfeff:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// SafeJSON rewrites, inside JSON text, the characters a terminal may act
// on or that hide text (ESC, DEL, C1 controls, bidi and zero-width
// format characters, invalid UTF-8) as \uXXXX escapes; the JSON value is
// unchanged. encoding/json already escapes the other C0 controls.
// Outside strings JSON is ASCII, so only string contents are touched.
func SafeJSON(b []byte) []byte {
	var out strings.Builder
	out.Grow(len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size == 1:
			out.WriteString(`\ufffd`)
		case r == 0x1b || r == 0x7f || (r >= 0x80 && r < 0xa0) || hiddenFormat(r):
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return []byte(out.String())
}

// MarshalSafe is json.MarshalIndent (two spaces, no HTML escaping)
// followed by [SafeJSON].
func MarshalSafe(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return SafeJSON(bytes.TrimRight(buf.Bytes(), "\n")), nil
}
