package config

// Select returns a value holding only what doc has at the paths patterns
// name, nested as in the file ("*" matches every member of an object).
// Checking a schema against it costs what those parts cost, not what the
// whole file does: a 10 MB ~/.claude.json keeps its servers in a few
// kilobytes. A nil patterns selects the whole document.
//
// Under a "*", an empty object where a pattern ends is left out, with
// the member of the "*" that led to it (a project whose "mcpServers" is
// {}): it holds nothing to check, and a large ~/.claude.json has
// thousands of them. A schema that wants members there would not see it;
// ours describe what a server list holds, never that it holds one.
func Select(doc Document, patterns [][]string) (Value, bool) {
	if patterns == nil {
		return doc.Get()
	}
	out := ObjectValue()
	for _, p := range patterns {
		if v, ok := selectPath(doc, nil, p, false); ok {
			out = mergeObjects(out, v)
		}
	}
	return out, true
}

// selectPath returns what doc has at prefix+rest, wrapped in the objects
// of rest; it reads a value only where the pattern ends, so the objects
// on the way are never converted whole. many says a "*" led here.
func selectPath(doc Document, prefix, rest []string, many bool) (Value, bool) {
	if len(rest) == 0 {
		v, ok := doc.Get(prefix...)
		if ok && many && v.Kind() == Object && len(v.Members()) == 0 {
			return Value{}, false
		}
		return v, ok
	}
	next := func(k string) []string { return append(append([]string(nil), prefix...), k) }
	if rest[0] != "*" {
		v, ok := selectPath(doc, next(rest[0]), rest[1:], many)
		if !ok {
			return Value{}, false
		}
		return ObjectValue(M(rest[0], v)), true
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
		return doc.Get(prefix...)
	}
	var members []Member
	for _, k := range keys {
		if v, ok := selectPath(doc, next(k), rest[1:], true); ok {
			members = append(members, M(k, v))
		}
	}
	return ObjectValue(members...), true
}

// mergeObjects merges b into a, object members recursively; b wins for
// anything else.
func mergeObjects(a, b Value) Value {
	if a.Kind() != Object || b.Kind() != Object {
		return b
	}
	out := a
	for _, m := range b.Members() {
		if old, ok := out.Field(m.Key); ok {
			out = out.With(m.Key, mergeObjects(old, m.Value))
		} else {
			out = out.With(m.Key, m.Value)
		}
	}
	return out
}
