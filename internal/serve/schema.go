package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Caps on what the gate's data can put in front of a client. A gate (or
// something impersonating one) decides these bytes; they reach the model's
// context and the IDE's screen.
const (
	// MaxSchemaBytes caps a request schema; an action whose schema is
	// larger is skipped with a warning. Real manifests' schemas are under
	// 3 KB.
	MaxSchemaBytes = 64 << 10
	// MaxSchemaDepth caps the JSON nesting of a request schema; deeper
	// schemas are skipped.
	MaxSchemaDepth = 64
	// maxSchemaExpansion caps how many subschemas one validation step may
	// apply at the same place in the arguments (through $ref, allOf, anyOf,
	// oneOf, not, if/then/else). A schema over it is still offered, but
	// only the gate validates its arguments: checking it locally could
	// take exponential time.
	maxSchemaExpansion = 4096
)

// schemaInfo is what checkSchema learned about a request schema.
type schemaInfo struct {
	// raw is the schema to offer: the gate's bytes, or a copy with control
	// characters removed from descriptions and titles.
	raw json.RawMessage
	// trivial is set when the schema accepts every object.
	trivial bool
	// validate is set when the schema can be checked locally without risk:
	// no $ref that cannot be followed, no loop, a bounded expansion.
	validate bool
}

// checkSchema decides whether a request schema from the gate can be
// offered to clients and checked locally. It refuses (the action is then
// skipped) what is not an object schema, what is too large or too deep,
// what has control characters outside descriptions and titles, and a
// $ref loop that does not descend into the arguments: {"$ref":"#"}, or a
// chain of $ref, allOf and the like that comes back to where it started,
// which sends a validator into endless recursion (a Go stack overflow is
// fatal: it would take every tool down, not one). The common case, a
// plain schema without $ref or control characters, is checked without
// building a tree of it.
func checkSchema(raw json.RawMessage) (schemaInfo, error) {
	if len(raw) > MaxSchemaBytes {
		return schemaInfo{}, fmt.Errorf("request schema is %d bytes, over the %d KiB cap", len(raw), MaxSchemaBytes>>10)
	}
	scan := scanSchemaBytes(raw)
	if scan.depth > MaxSchemaDepth {
		return schemaInfo{}, fmt.Errorf("request schema nests %d levels deep, over the cap of %d", scan.depth, MaxSchemaDepth)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return schemaInfo{}, errors.New("request schema is not a JSON object")
	}
	if t := strings.TrimSpace(string(top["type"])); t != `"object"` {
		if t == "" {
			t = "missing"
		}
		return schemaInfo{}, fmt.Errorf("request schema is not an object schema (type %s)", t)
	}
	info := schemaInfo{raw: raw, validate: true}
	switch len(top) {
	case 1:
		info.trivial = true
	case 2:
		info.trivial = strings.TrimSpace(string(top["additionalProperties"])) == "true"
	}
	if !scan.control && !scan.refs {
		return info, nil
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return schemaInfo{}, errors.New("request schema is not a JSON object")
	}
	if scan.control {
		if err := cleanSchemaText(tree); err != nil {
			return schemaInfo{}, err
		}
		clean, err := json.Marshal(tree)
		if err != nil {
			return schemaInfo{}, fmt.Errorf("rewrite request schema: %w", err)
		}
		info.raw = clean
	}
	if scan.refs {
		ok, err := checkSchemaGraph(tree)
		if err != nil {
			return schemaInfo{}, err
		}
		info.validate = ok
	}
	return info, nil
}

// schemaScan is what one pass over a schema's bytes finds.
type schemaScan struct {
	depth   int  // deepest nesting
	control bool // a string holds a control character other than \n and \t
	refs    bool // a "$ref", "$dynamicRef" or "$recursiveRef" appears
}

// scanSchemaBytes measures nesting and looks for control characters in
// strings (escaped as \u00XX, \b, \f, \r, or DEL and C1 characters as
// such) and reference keywords, without parsing. Invalid JSON is left to
// the parser.
func scanSchemaBytes(b []byte) schemaScan {
	var s schemaScan
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case c == '"':
				inString = false
			case c == '\\' && i+1 < len(b):
				i++
				switch b[i] {
				case 'b', 'f', 'r':
					s.control = true
				case 'u':
					if i+4 < len(b) && isControlEscape(b[i+1:i+5]) {
						s.control = true
					}
				}
			case c == 0x7f:
				s.control = true
			case c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f:
				s.control = true
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			s.depth = max(s.depth, depth)
		case '}', ']':
			depth--
		}
	}
	s.refs = bytes.Contains(b, []byte(`"$ref"`)) || bytes.Contains(b, []byte(`"$dynamicRef"`)) || bytes.Contains(b, []byte(`"$recursiveRef"`))
	return s
}

// isControlEscape reports whether the four hex digits of a \u escape name
// a control character other than \n (000a) and \t (0009).
func isControlEscape(hex []byte) bool {
	n, err := strconv.ParseUint(string(hex), 16, 32)
	if err != nil {
		return false
	}
	r := rune(n)
	return isStrippedControl(r)
}

// isStrippedControl reports whether r is a control character that text
// from the gate must not carry to a client: C0 (except newline and tab),
// DEL and C1. Escape sequences start with one of them.
func isStrippedControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f)
}

// cleanText replaces control characters in s with spaces; with oneLine,
// newlines and tabs too. Invalid UTF-8 becomes U+FFFD.
func cleanText(s string, oneLine bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || isStrippedControl(r) || (oneLine && (r == '\n' || r == '\t')) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isStrippedControl(r) || (oneLine && (r == '\n' || r == '\t')) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// cleanSchemaText removes control characters from the "description" and
// "title" strings of a schema tree, in place. Anywhere else (a property
// name, an enum value, a pattern) a control character is part of what the
// schema means, so the schema is refused rather than changed.
func cleanSchemaText(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if cleanText(k, false) != k {
				return errors.New("request schema has a control character in a property name")
			}
			if s, ok := child.(string); ok && (k == "description" || k == "title") {
				x[k] = cleanText(s, false)
				continue
			}
			if err := cleanSchemaText(child); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range x {
			if err := cleanSchemaText(child); err != nil {
				return err
			}
		}
	case string:
		if cleanText(x, false) != x {
			return errors.New("request schema has a control character outside descriptions and titles")
		}
	}
	return nil
}

// sameSpotKeywords apply their subschemas to the same place in the
// arguments as the schema holding them; a cycle through them never ends.
// Keywords that descend (properties, items, ...) consume the arguments'
// depth, so recursion through them ends with the arguments.
var (
	sameSpotSingle = []string{"not", "if", "then", "else"}
	sameSpotList   = []string{"allOf", "anyOf", "oneOf"}
	sameSpotMap    = []string{"dependentSchemas"}
)

// checkSchemaGraph follows the $refs of a schema tree. It returns an
// error for a loop that does not descend (the action is then skipped),
// false when the schema should not be checked locally (a $ref that is not
// a JSON pointer into the document, a dynamic reference, or an expansion
// over maxSchemaExpansion), and true otherwise.
func checkSchemaGraph(root any) (bool, error) {
	g := &schemaGraph{root: root, state: map[string]int{}, cost: map[string]int{}}
	// Every schema object in the document is a starting point: a property
	// schema is applied at its own place in the arguments.
	var visit func(v any, ptr string)
	visit = func(v any, ptr string) {
		switch x := v.(type) {
		case map[string]any:
			if g.err == nil && !g.opaque {
				g.expand(ptr, x)
			}
			for k, child := range x {
				visit(child, ptr+"/"+escapePointer(k))
			}
		case []any:
			for i, child := range x {
				visit(child, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	visit(root, "")
	if g.err != nil {
		return false, g.err
	}
	return !g.opaque && !g.tooWide, nil
}

type schemaGraph struct {
	root    any
	state   map[string]int // 1 on the current path, 2 done
	cost    map[string]int // subschemas one application of a node applies
	err     error
	opaque  bool // a reference this check cannot follow
	tooWide bool
}

// expand walks the same-spot edges from the schema at ptr, depth first,
// and returns how many schemas applying it applies.
func (g *schemaGraph) expand(ptr string, node map[string]any) int {
	switch g.state[ptr] {
	case 1:
		g.err = fmt.Errorf("request schema has a $ref loop at %q that never descends into the arguments", "#"+ptr)
		return 0
	case 2:
		return g.cost[ptr]
	}
	g.state[ptr] = 1
	total := 1
	follow := func(childPtr string, child any) {
		if m, ok := child.(map[string]any); ok && g.err == nil && !g.opaque {
			total += g.expand(childPtr, m)
		}
	}
	for _, k := range sameSpotSingle {
		if c, ok := node[k]; ok {
			follow(ptr+"/"+k, c)
		}
	}
	for _, k := range sameSpotList {
		if list, ok := node[k].([]any); ok {
			for i, c := range list {
				follow(ptr+"/"+k+"/"+strconv.Itoa(i), c)
			}
		}
	}
	for _, k := range sameSpotMap {
		if m, ok := node[k].(map[string]any); ok {
			for name, c := range m {
				follow(ptr+"/"+k+"/"+escapePointer(name), c)
			}
		}
	}
	if _, ok := node["$dynamicRef"]; ok {
		g.opaque = true
	}
	if _, ok := node["$recursiveRef"]; ok {
		g.opaque = true
	}
	if ref, ok := node["$ref"]; ok {
		s, isString := ref.(string)
		target, targetPtr, found := g.resolve(s)
		switch {
		case !isString || !found:
			g.opaque = true
		default:
			follow(targetPtr, target)
		}
	}
	if total > maxSchemaExpansion {
		g.tooWide = true
		total = maxSchemaExpansion
	}
	g.state[ptr] = 2
	g.cost[ptr] = total
	return total
}

// resolve finds the target of a local $ref ("#" or "#/json/pointer"); any
// other reference is not followed.
func (g *schemaGraph) resolve(ref string) (any, string, bool) {
	if ref == "#" {
		return g.root, "", true
	}
	frag, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, "", false
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return nil, "", false
	}
	cur := g.root
	var canon strings.Builder
	for _, seg := range strings.Split(frag, "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			next, ok := x[seg]
			if !ok {
				return nil, "", false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) || strconv.Itoa(i) != seg {
				return nil, "", false
			}
			cur = x[i]
		default:
			return nil, "", false
		}
		canon.WriteString("/" + escapePointer(seg))
	}
	return cur, canon.String(), true
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
