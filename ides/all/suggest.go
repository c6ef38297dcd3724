package all

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

// Suggest returns the adapter IDs a user may have meant by id, an --ide
// value that [Lookup] did not find, best first. It only offers IDs of
// supported adapters, and only when the value is close to one of their
// names (the ID, an alias, the product name): a typo ("cursr"), the
// first word of a name ("claude" for every "claude-..." adapter), the
// beginning of one ("vsc"), or a whole name with a word added
// ("cursor-ide"). Only the closest matches are returned. A value close
// to none ("emacs", "claude-desktop" when no adapter is called that) gets
// nothing rather than a guess.
func Suggest(id string) []string {
	return suggest(id, Adapters())
}

func suggest(id string, adapters []ides.Adapter) []string {
	in := normalizeName(id)
	if in == "" {
		return nil
	}
	type match struct {
		id    string
		score int // 0 is best
		order int // display order, for ties
	}
	var found []match
	for i, a := range adapters {
		best := -1
		for _, name := range adapterNames(a) {
			if s, ok := nameScore(in, name); ok && (best < 0 || s < best) {
				best = s
			}
		}
		if best >= 0 {
			found = append(found, match{a.ID(), best, i})
		}
	}
	slices.SortStableFunc(found, func(x, y match) int {
		return cmp.Or(cmp.Compare(x.score, y.score), cmp.Compare(x.order, y.order))
	})
	// Only the closest: "vscode-insider" is a typo of vscode-insiders,
	// not also vscode with a word added.
	var out []string
	for _, m := range found {
		if m.score == found[0].score {
			out = append(out, m.id)
		}
	}
	return out
}

// adapterNames returns every name a user may call a by: its ID, the
// aliases that lead to it, and its product name.
func adapterNames(a ides.Adapter) []string {
	names := []string{a.ID(), normalizeName(a.DisplayName())}
	for alias, target := range aliases {
		if target == a.ID() {
			names = append(names, normalizeName(alias))
		}
	}
	slices.Sort(names[2:]) // map order must not decide ties
	return names
}

// normalizeName folds case and writes every separator as "-", so that
// "Claude Code", "claude_code" and "claude-code" compare as one.
func normalizeName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == '-' || r == '_' || r == ' ' || r == '.'
	}), "-")
}

// nameScore says whether in is close enough to name to suggest it, and
// how close (0 is best).
func nameScore(in, name string) (int, bool) {
	words := strings.Split(name, "-")
	inWords := strings.Split(in, "-")
	// A typo: one edit from 5 letters on, two from 8. Shorter names are
	// too near other words ("code" is one letter from "xcode").
	limit := 0
	switch {
	case len(name) >= 8:
		limit = 2
	case len(name) >= 5:
		limit = 1
	}
	d := editDistance(in, name)
	switch {
	case d == 0:
		return 0, true
	case d <= limit:
		return d, true // "cursr" -> cursor
	case slices.Contains(words, in):
		return 1, true // "claude" -> claude-code
	case len(in) >= 3 && strings.HasPrefix(name, in):
		return 1, true // "vsc" -> vscode
	case len(inWords) > len(words) && containsRun(inWords, words):
		return 2, true // "cursor-ide" -> cursor
	}
	return 0, false
}

// containsRun reports whether sub appears in s as consecutive elements.
func containsRun(s, sub []string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance between a and b, in bytes:
// IDs and aliases are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownIDError is Lookup's error: the supported IDs, and the likely
// ones first when the value is close to some.
func unknownIDError(id string, ids []string) error {
	supported := strings.Join(ids, ", ")
	s := Suggest(id)
	if len(s) == 0 {
		return fmt.Errorf("unknown IDE %q (supported: %s)", id, supported)
	}
	mean := s[0]
	if len(s) > 1 {
		mean = strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
	}
	return fmt.Errorf("unknown IDE %q: did you mean %s? (supported: %s)", id, mean, supported)
}
