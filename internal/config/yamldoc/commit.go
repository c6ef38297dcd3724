package yamldoc

import (
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// internalError is a planning mistake, caught before it reached the
// text: the document is unchanged.
func internalError(format string, args ...any) error {
	return fmt.Errorf("internal error: "+format+
		"\nhint: the file was left as it was; add the entry by hand, and report this with the file", args...)
}

// splice replaces src[start:end] with text.
type splice struct {
	start, end int
	text       string
}

// aliasTargets maps each node an alias refers to, to the aliases.
func (d *Document) aliasTargets() map[*yaml.Node][]*yaml.Node {
	if d.targets == nil {
		d.targets = map[*yaml.Node][]*yaml.Node{}
		var walk func(n *yaml.Node, depth int)
		walk = func(n *yaml.Node, depth int) {
			if depth > maxDepth {
				return
			}
			if n.Kind == yaml.AliasNode && n.Alias != nil {
				d.targets[n.Alias] = append(d.targets[n.Alias], n)
			}
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		}
		if d.root != nil {
			walk(d.root, 0)
		}
	}
	return d.targets
}

func (d *Document) isTarget(n *yaml.Node) bool {
	return len(d.aliasTargets()[n]) > 0
}

// anchorUsedOutside returns an anchor defined in n (or on it) that an
// alias outside n uses: changing or removing n would change that alias.
func (d *Document) anchorUsedOutside(n *yaml.Node) (string, bool) {
	targets := d.aliasTargets()
	if len(targets) == 0 {
		return "", false
	}
	inside := map[*yaml.Node]bool{}
	var collect func(m *yaml.Node, depth int)
	collect = func(m *yaml.Node, depth int) {
		if depth > maxDepth {
			return
		}
		inside[m] = true
		for _, c := range m.Content {
			collect(c, depth+1)
		}
	}
	collect(n, 0)
	for m := range inside {
		for _, a := range targets[m] {
			if !inside[a] {
				return m.Anchor, true
			}
		}
	}
	return "", false
}

// commit applies edits and checks the result: it must parse, and decode
// to exactly what expect makes of the old data. Only then does the
// document take the new text; otherwise nothing changes.
func (d *Document) commit(edits []splice, expect func(any) any) error {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].end < edits[j].end
	})
	for i := 1; i < len(edits); i++ {
		if edits[i].start < edits[i-1].end {
			return internalError("the planned edits overlap")
		}
	}
	out := applySplices(d.t.src, edits)
	nd, err := parse(out)
	if err != nil {
		return internalError("the edit gives YAML that does not parse (%v)", err)
	}
	if !sameData(expect(d.data), nd.data) {
		return internalError("the edit would change other data in the file")
	}
	d.t, d.root, d.data, d.targets = nd.t, nd.root, nd.data, nil
	return nil
}

// applySplices replaces each [start, end) range of src with its text; the
// ranges are in order and do not overlap.
func applySplices(src []byte, edits []splice) []byte {
	size := len(src)
	for _, e := range edits {
		size += len(e.text) - (e.end - e.start)
	}
	out := make([]byte, 0, size)
	pos := 0
	for _, e := range edits {
		out = append(out, src[pos:e.start]...)
		out = append(out, e.text...)
		pos = e.end
	}
	return append(out, src[pos:]...)
}
