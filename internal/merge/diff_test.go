package merge

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// applyUnified applies a unified diff made by UnifiedDiff to a, checking
// the hunk headers' line numbers and counts as it goes.
func applyUnified(t *testing.T, a, diff string) string {
	t.Helper()
	if diff == "" {
		return a
	}
	lines := strings.SplitAfter(diff, "\n")
	al := splitLines(a)
	var out []string
	pos := 0 // next line of a to copy
	for i := 2; i < len(lines) && lines[i] != ""; {
		h := lines[i]
		var aStart, aLen, bStart, bLen int
		parseRange := func(s string) (int, int) {
			start, n, ok := strings.Cut(s, ",")
			st, _ := strconv.Atoi(start)
			if !ok {
				return st, 1
			}
			c, _ := strconv.Atoi(n)
			return st, c
		}
		var r1, r2 string
		if _, err := fmt.Sscanf(h, "@@ -%s +%s @@", &r1, &r2); err != nil {
			t.Fatalf("bad hunk header %q", h)
		}
		aStart, aLen = parseRange(r1)
		bStart, bLen = parseRange(r2)
		first := aStart - 1
		if aLen == 0 {
			first = aStart
		}
		out = append(out, al[pos:first]...)
		pos = first
		_ = bStart
		i++
		gotA, gotB := 0, 0
		for i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@") {
			l := lines[i]
			body := l[1:]
			if i+1 < len(lines) && lines[i+1] == "\\ No newline at end of file\n" {
				body = strings.TrimSuffix(body, "\n")
				i++
			}
			switch l[0] {
			case ' ':
				if al[pos] != body {
					t.Fatalf("context line %d: %q, a has %q", pos+1, body, al[pos])
				}
				out = append(out, body)
				pos++
				gotA++
				gotB++
			case '-':
				if al[pos] != body {
					t.Fatalf("removed line %d: %q, a has %q", pos+1, body, al[pos])
				}
				pos++
				gotA++
			case '+':
				out = append(out, body)
				gotB++
			}
			i++
		}
		if gotA != aLen || gotB != bLen {
			t.Fatalf("hunk %q has %d/%d lines", h, gotA, gotB)
		}
	}
	out = append(out, al[pos:]...)
	return strings.Join(out, "")
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(40) {
		b.WriteString([]string{"{", "}", "  \"a\": 1,", "x", "", "  ]"}[r.IntN(6)])
		b.WriteByte('\n')
	}
	s := b.String()
	if r.IntN(3) == 0 {
		s = strings.TrimSuffix(s, "\n")
	}
	return s
}

// TestUnifiedDiffApplies checks that every diff, applied to its "before",
// gives its "after", with correct hunk headers, over random texts and
// random edits (inserts, deletes, final newline changes).
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 3000 {
		a := randomText(r)
		b := a
		switch r.IntN(4) {
		case 0:
			b = randomText(r)
		case 1:
			i := r.IntN(len(b) + 1)
			b = b[:i] + "\n  \"new\": true,\n" + b[i:]
		case 2:
			if len(b) > 0 {
				i := r.IntN(len(b))
				j := i + r.IntN(len(b)-i+1)
				b = b[:i] + b[j:]
			}
		case 3:
			if strings.HasSuffix(b, "\n") {
				b = strings.TrimSuffix(b, "\n")
			} else {
				b += "\n"
			}
		}
		d := UnifiedDiff("a/x", "b/x", []byte(a), []byte(b))
		if got := applyUnified(t, a, d); got != b {
			t.Fatalf("diff does not apply:\na=%q\nb=%q\ndiff:\n%s\ngot=%q", a, b, d, got)
		}
	}
}
