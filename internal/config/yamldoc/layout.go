package yamldoc

import "gopkg.in/yaml.v3"

// detectLayout finds how the file indents: how deep a mapping inside a
// mapping goes, where block sequences put their dashes, and where the keys
// of a mapping in a sequence start. Each is the most common choice among
// the first samples, so one odd entry does not decide; what the file never
// shows falls back to the defaults (2, 2 and 2; dashes one unit in when
// the unit is known).
func (d *Document) detectLayout() layout {
	if d.root == nil {
		return defaultLayout
	}
	const enough = 64
	var units, dashes, items tally
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if depth > 64 || units.n >= enough && dashes.n >= enough && items.n >= enough || isFlow(n) {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if isFlow(v) || len(v.Content) == 0 {
					walk(v, depth+1)
					continue
				}
				kc := d.t.column(d.pos(k))
				switch v.Kind {
				case yaml.MappingNode:
					if first := v.Content[0]; first.Line > k.Line {
						units.add(d.t.column(d.pos(first)) - kc)
					}
				case yaml.SequenceNode:
					if dash, ok := d.dashBefore(d.pos(v.Content[0])); ok && d.t.lineNumber(dash) > k.Line {
						dashes.add(d.t.column(dash) - kc)
					}
				}
				walk(v, depth+1)
			}
		case yaml.SequenceNode:
			for _, item := range n.Content {
				if item.Kind == yaml.MappingNode && !isFlow(item) && len(item.Content) > 0 {
					if dash, ok := d.dashBefore(d.pos(item)); ok && d.t.lineNumber(dash) == item.Line {
						items.add(d.t.column(d.pos(item.Content[0])) - d.t.column(dash))
					}
				}
				walk(item, depth+1)
			}
		}
	}
	walk(d.root, 0)
	lo := defaultLayout
	if u, ok := units.best(1); ok {
		lo.unit = u
		lo.seqIndent = u
	}
	if s, ok := dashes.best(0); ok {
		lo.seqIndent = s
	}
	if o, ok := items.best(2); ok {
		lo.itemOffset = o
	}
	return lo
}

// tally counts small positive observations.
type tally struct {
	counts [9]int
	n      int
}

func (t *tally) add(x int) {
	if x >= 0 && x < len(t.counts) {
		t.counts[x]++
		t.n++
	}
}

// best returns the most common observation not below least (the smaller
// on a tie).
func (t *tally) best(least int) (int, bool) {
	b := -1
	for x := least; x < len(t.counts); x++ {
		if t.counts[x] > 0 && (b < 0 || t.counts[x] > t.counts[b]) {
			b = x
		}
	}
	return b, b >= 0
}
