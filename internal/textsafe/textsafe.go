package textsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unsafe reports whether a terminal could act on r, or not show it: the
// characters Quote escapes.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == '\u2028', r == '\u2029':
		return true
	case r == utf8.RuneError:
		return false // a real U+FFFD prints as itself; bad bytes are handled apart
	}
	return unicode.Is(unicode.Cf, r)
}

// Quote returns s with every unsafe character (see the package doc)
// written as a visible escape, and nothing else changed. Text without any
// is returned as is.
func Quote(s string) string { return quote(s, false) }

// Multiline is Quote for text meant to span lines (a server's stderr
// shown as detail): newlines and tabs stay, everything else unsafe is
// escaped, carriage returns included (one could hide a line).
func Multiline(s string) string { return quote(s, true) }

func quote(s string, keepLines bool) string {
	i := firstUnsafe(s, keepLines)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case Unsafe(r):
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte of s that quote would
// change, or -1.
func firstUnsafe(s string, keepLines bool) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return i
			}
			continue
		}
		if keepLines && (r == '\n' || r == '\t') {
			continue
		}
		if Unsafe(r) {
			return i
		}
	}
	return -1
}

func writeEscape(b *strings.Builder, r rune) {
	switch {
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r == '\t':
		b.WriteString(`\t`)
	case r < 0x80:
		fmt.Fprintf(b, `\x%02x`, r)
	case r <= 0xffff:
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		fmt.Fprintf(b, `\U%08x`, r)
	}
}

// Argv renders a command and its arguments for display, one line that a
// POSIX shell would read back as the same words: a plain word as is, a
// word with spaces or shell characters in single quotes, and a word with
// unsafe characters in $'...' with visible escapes (the form bash, zsh
// and ksh read back as the original bytes).
func Argv(args []string) string {
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = Word(a)
	}
	return strings.Join(words, " ")
}

// Word renders one argument the way Argv does.
func Word(s string) string {
	switch {
	case s == "":
		return "''"
	case plain(s):
		return s
	case firstUnsafe(s, false) < 0:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case Unsafe(r):
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String()
}

// plain reports whether s needs no quoting in a POSIX shell.
func plain(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("@%+=:,./-_", r):
		default:
			return false
		}
	}
	return true
}
