package yamldoc

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"gopkg.in/yaml.v3"
)

// maxDepth bounds recursion over nodes; yaml.v3 refuses deeper documents
// anyway.
const maxDepth = 10000

// resolve follows aliases to the node they refer to.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	return n
}

// isMerge reports whether k is a merge key ("<<"), as yaml.v3 decides it.
func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" &&
		(k.Tag == "" || k.Tag == "!" || k.ShortTag() == "!!merge")
}

// hasMergeKey reports whether the mapping n has a merge key.
func hasMergeKey(n *yaml.Node) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			return true
		}
	}
	return false
}

type member struct {
	key string
	val *yaml.Node
}

// mappingMembers lists a mapping's members as yaml.v3 decodes them: its
// own keys first, then those its merge keys bring that it lacks, earlier
// merge sources winning over later ones.
func mappingMembers(n *yaml.Node) []member {
	var out []member
	seen := make(map[string]bool, len(n.Content)/2)
	var add func(m *yaml.Node, depth int)
	add = func(m *yaml.Node, depth int) {
		if depth > maxDepth {
			return
		}
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if isMerge(k) {
				merges = append(merges, m.Content[i+1])
				continue
			}
			key, ok := keyString(k)
			if !ok || seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, member{key, m.Content[i+1]})
		}
		for _, src := range merges {
			src = resolve(src)
			switch src.Kind {
			case yaml.MappingNode:
				add(src, depth+1)
			case yaml.SequenceNode:
				for _, s := range src.Content {
					if s = resolve(s); s.Kind == yaml.MappingNode {
						add(s, depth+1)
					}
				}
			}
		}
	}
	add(n, 0)
	return out
}

// mergeProvides reports whether one of the mapping n's merge keys brings
// key (whether or not n has key of its own).
func mergeProvides(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !isMerge(n.Content[i]) {
			continue
		}
		src := resolve(n.Content[i+1])
		sources := []*yaml.Node{src}
		if src.Kind == yaml.SequenceNode {
			sources = src.Content
		}
		for _, s := range sources {
			if s = resolve(s); s.Kind != yaml.MappingNode {
				continue
			}
			for _, m := range mappingMembers(s) {
				if m.key == key {
					return true
				}
			}
		}
	}
	return false
}

// keyString returns a scalar key's text.
func keyString(k *yaml.Node) (string, bool) {
	k = resolve(k)
	if k.Kind != yaml.ScalarNode {
		return "", false
	}
	return k.Value, true
}

// valueOf converts a node to a config.Value.
func valueOf(n *yaml.Node, depth int) (config.Value, error) {
	if depth > maxDepth {
		return config.Value{}, errors.New("values nested too deeply")
	}
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n)
	case yaml.SequenceNode:
		items := make([]config.Value, len(n.Content))
		for i, c := range n.Content {
			v, err := valueOf(c, depth+1)
			if err != nil {
				return config.Value{}, err
			}
			items[i] = v
		}
		return config.ListValue(items...), nil
	case yaml.MappingNode:
		ms := mappingMembers(n)
		members := make([]config.Member, len(ms))
		for i, m := range ms {
			v, err := valueOf(m.val, depth+1)
			if err != nil {
				return config.Value{}, err
			}
			members[i] = config.M(m.key, v)
		}
		return config.ObjectValue(members...), nil
	}
	return config.Value{}, errors.New("an alias to nothing")
}

// scalarValue converts a scalar by its resolved tag, as yaml.v3 decodes
// it into an interface{}.
func scalarValue(n *yaml.Node) (config.Value, error) {
	switch n.ShortTag() {
	case "!!null":
		return config.NullValue(), nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return config.Value{}, err
		}
		return config.BoolValue(b), nil
	case "!!int", "!!float":
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
			// Plain JSON-syntax numbers keep their exact text.
			if v, err := config.NumberValue(n.Value); err == nil {
				return v, nil
			}
		}
		var x any
		if err := n.Decode(&x); err != nil {
			return config.Value{}, err
		}
		switch x := x.(type) {
		case int:
			return config.IntValue(int64(x)), nil
		case int64:
			return config.IntValue(x), nil
		case uint64:
			return config.NumberValue(strconv.FormatUint(x, 10))
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return config.StringValue(n.Value), nil
			}
			return config.NumberValue(strconv.FormatFloat(x, 'g', -1, 64))
		}
		return config.StringValue(n.Value), nil
	case "!!binary":
		var s string
		if err := n.Decode(&s); err != nil {
			return config.Value{}, err
		}
		return config.StringValue(s), nil
	case "!!timestamp":
		var t time.Time
		if n.Decode(&t) == nil && n.Tag == "!!timestamp" && n.Style&yaml.TaggedStyle != 0 {
			return config.StringValue(t.Format(time.RFC3339Nano)), nil
		}
	}
	return config.StringValue(n.Value), nil
}
