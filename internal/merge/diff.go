package merge

import (
	"bytes"
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
	if c.After() == nil {
		to = "/dev/null"
	}
	return UnifiedDiff(from, to, c.Before, c.After())
}

// UnifiedDiff compares two texts line by line.
//
// go-difflib finds the matching blocks, but its own writer is not used:
// difflib.SplitLines invents an empty last line for text that ends in "\n"
// (a spurious "+" line and wrong hunk counts), and it never prints the "\
// No newline at end of file" marker. The hunks are written here instead.
func UnifiedDiff(fromName, toName string, a, b []byte) string {
	if bytes.Equal(a, b) {
		return ""
	}
	const context = 3
	// Cut both texts down to the lines that differ plus the context
	// around them before matching: a 10 MB ~/.claude.json differs in a
	// few lines, and splitting and matching all of it is slow.
	lo, hiA, hiB := changedRegion(a, b, context)
	offset := bytes.Count(a[:lo], []byte("\n"))
	ma, mb := splitLines(string(a[lo:hiA])), splitLines(string(b[lo:hiB]))

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

// changedRegion returns the byte range, in whole lines, that holds every
// difference between a and b plus context lines on each side: a[lo:hiA]
// and b[lo:hiB]. The texts are equal before lo and after the ranges.
func changedRegion(a, b []byte, context int) (lo, hiA, hiB int) {
	n := min(len(a), len(b))
	p := 0
	for p < n && a[p] == b[p] {
		p++
	}
	lo = bytes.LastIndexByte(a[:p], '\n') + 1
	// The common suffix, not reaching into the common prefix.
	s := 0
	for s < n-lo && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	endA := len(a) - s
	if endA > lo && a[endA-1] != '\n' {
		// Start the suffix at a line start.
		if k := bytes.IndexByte(a[endA:], '\n'); k >= 0 {
			endA += k + 1
		} else {
			endA = len(a)
		}
	}
	endB := len(b) - (len(a) - endA)
	for range context {
		if lo == 0 {
			break
		}
		lo = bytes.LastIndexByte(a[:lo-1], '\n') + 1
	}
	hiA = endA
	for range context {
		if hiA >= len(a) {
			break
		}
		if k := bytes.IndexByte(a[hiA:], '\n'); k >= 0 {
			hiA += k + 1
		} else {
			hiA = len(a)
		}
	}
	return lo, hiA, endB + (hiA - endA)
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
