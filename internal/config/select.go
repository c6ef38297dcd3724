package config

// Select returns a value holding only what doc has at the paths patterns
// name, nested as in the file ("*" matches every member of an object).
// Checking a schema against it costs what those parts cost, not what the
// whole file does: a 10 MB ~/.claude.json keeps its servers in a few
// kilobytes. A nil patterns selects the whole document.
func Select(doc Document, patterns [][]string) (Value, bool) {
	if patterns == nil {
		return doc.Get()
	}
	root := &selNode{}
	for _, p := range patterns {
		selectInto(doc, root, nil, p)
	}
	return root.value(), true
}

// selNode is an object being assembled by Select.
type selNode struct {
	keys     []string
	children map[string]*selNode
	leaf     *Value
}

func (n *selNode) child(key string) *selNode {
	if n.children == nil {
		n.children = map[string]*selNode{}
	}
	c, ok := n.children[key]
	if !ok {
		c = &selNode{}
		n.children[key] = c
		n.keys = append(n.keys, key)
	}
	return c
}

func (n *selNode) value() Value {
	if n.leaf != nil {
		return *n.leaf
	}
	members := make([]Member, len(n.keys))
	for i, k := range n.keys {
		members[i] = M(k, n.children[k].value())
	}
	return ObjectValue(members...)
}

func selectInto(doc Document, n *selNode, prefix, rest []string) {
	if len(rest) == 0 {
		if v, ok := doc.Get(prefix...); ok {
			n.leaf = &v
		}
		return
	}
	if rest[0] != "*" {
		if _, ok := doc.Get(append(prefix, rest[0])...); !ok && len(rest) > 1 {
			return
		}
		path := append(append([]string(nil), prefix...), rest[0])
		if len(rest) == 1 {
			if v, ok := doc.Get(path...); ok {
				c := n.child(rest[0])
				c.leaf = &v
			}
			return
		}
		selectInto(doc, n.child(rest[0]), path, rest[1:])
		return
	}
	var keys []string
	isObject := false
	if kl, ok := doc.(KeyLister); ok {
		keys, isObject = kl.Keys(prefix...)
	} else if v, ok := doc.Get(prefix...); ok && v.Kind() == Object {
		isObject = true
		for _, m := range v.Members() {
			keys = append(keys, m.Key)
		}
	}
	if !isObject {
		// Not an object where the pattern expects one: hand the value
		// itself to the schema, which says what is wrong with it.
		if v, ok := doc.Get(prefix...); ok {
			n.leaf = &v
		}
		return
	}
	for _, k := range keys {
		path := append(append([]string(nil), prefix...), k)
		if len(rest) == 1 {
			if v, ok := doc.Get(path...); ok {
				n.child(k).leaf = &v
			}
			continue
		}
		// Only members that hold what the rest of the pattern names.
		if _, ok := doc.Get(append(append([]string(nil), path...), rest[1:]...)...); !ok && !hasWildcard(rest[1:]) {
			continue
		}
		selectInto(doc, n.child(k), path, rest[1:])
	}
}

func hasWildcard(p []string) bool {
	for _, s := range p {
		if s == "*" {
			return true
		}
	}
	return false
}
