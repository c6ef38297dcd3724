package merge

import (
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Diff returns c as a unified diff with a/ and b/ headers (/dev/null for a
// file that is created or deleted), 3 lines of context, and the "\ No
// newline at end of file" marker where a side ends without one.
func (c *Change) Diff() string {
	// "a/" + "/tmp/x" would read "a//tmp/x"; git-style tools expect one slash.
	name := strings.TrimPrefix(c.Display, "/")
	from, to := "a/"+name, "b/"+name
	if !c.Existed {
		from = "/dev/null"
	}
	if c.After == nil {
		to = "/dev/null"
	}
	return UnifiedDiff(from, to, string(c.Before), string(c.After))
}

// UnifiedDiff compares two texts line by line.
//
// go-difflib finds the matching blocks, but its own writer is not used:
// difflib.SplitLines invents an empty last line for text that ends in "\n"
// (a spurious "+" line and wrong hunk counts), and it never prints the "\
// No newline at end of file" marker. The hunks are written here instead.
func UnifiedDiff(fromName, toName, a, b string) string {
	if a == b {
		return ""
	}
	al, bl := splitLines(a), splitLines(b)

	// Trim the lines both sides share at the start and the end before
	// matching: a 10 MB ~/.claude.json differs in a few lines, and the
	// matcher is far slower than this.
	prefix := 0
	for prefix < len(al) && prefix < len(bl) && al[prefix] == bl[prefix] {
		prefix++
	}
	suffix := 0
	for suffix < len(al)-prefix && suffix < len(bl)-prefix &&
		al[len(al)-1-suffix] == bl[len(bl)-1-suffix] {
		suffix++
	}
	const context = 3
	keepPre := min(prefix, context)
	keepSuf := min(suffix, context)
	offset := prefix - keepPre
	ma := al[offset : len(al)-suffix+keepSuf]
	mb := bl[offset : len(bl)-suffix+keepSuf]

	m := difflib.NewMatcher(ma, mb)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", fromName, toName)
	for _, group := range m.GetGroupedOpCodes(context) {
		first, last := group[0], group[len(group)-1]
		fmt.Fprintf(&out, "@@ -%s +%s @@\n",
			formatRange(offset+first.I1, offset+last.I2), formatRange(offset+first.J1, offset+last.J2))
		for _, op := range group {
			switch op.Tag {
			case 'e':
				writeLines(&out, " ", ma[op.I1:op.I2])
			case 'r':
				writeLines(&out, "-", ma[op.I1:op.I2])
				writeLines(&out, "+", mb[op.J1:op.J2])
			case 'd':
				writeLines(&out, "-", ma[op.I1:op.I2])
			case 'i':
				writeLines(&out, "+", mb[op.J1:op.J2])
			}
		}
	}
	return out.String()
}

// splitLines splits s after each "\n"; the last line keeps no newline if s
// has none at its end, and there is no empty line after a final "\n".
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func writeLines(out *strings.Builder, prefix string, lines []string) {
	for _, l := range lines {
		out.WriteString(prefix)
		out.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// formatRange renders a hunk range the way GNU diff does: "3" for one
// line, "3,0" style counts otherwise, and the line before for an empty
// range.
func formatRange(start, stop int) string {
	beginning := start + 1
	length := stop - start
	if length == 1 {
		return fmt.Sprintf("%d", beginning)
	}
	if length == 0 {
		beginning--
	}
	return fmt.Sprintf("%d,%d", beginning, length)
}
