package yamldoc

import (
	"encoding/json"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"time"
)

// The document's data, as yaml.v3 decodes it into plain Go values, is
// what every edit is checked against: the expected data is the old data
// with the one change made, and the edited text must decode to exactly
// that. A data path is a list of map keys (string) and list indices (int,
// -1 to append).

// setAt returns data with the value at path set to v; the maps and lists
// on the way are copied, missing or null ones created.
func setAt(data any, path []any, v any) any {
	if len(path) == 0 {
		return v
	}
	switch seg := path[0].(type) {
	case string:
		switch m := data.(type) {
		case map[string]any:
			out := maps.Clone(m)
			out[seg] = setAt(m[seg], path[1:], v)
			return out
		case map[any]any:
			out := maps.Clone(m)
			out[seg] = setAt(m[seg], path[1:], v)
			return out
		}
		return map[string]any{seg: setAt(nil, path[1:], v)}
	case int:
		l, _ := data.([]any)
		out := slices.Clone(l)
		if seg < 0 || seg >= len(out) {
			return append(out, setAt(nil, path[1:], v))
		}
		out[seg] = setAt(out[seg], path[1:], v)
		return out
	}
	return data
}

// deleteAt returns data without the member or item at path.
func deleteAt(data any, path []any) any {
	if len(path) == 0 {
		return nil
	}
	last := len(path) == 1
	switch seg := path[0].(type) {
	case string:
		switch m := data.(type) {
		case map[string]any:
			out := maps.Clone(m)
			if last {
				delete(out, seg)
			} else if x, ok := m[seg]; ok {
				out[seg] = deleteAt(x, path[1:])
			}
			return out
		case map[any]any:
			out := maps.Clone(m)
			if last {
				delete(out, seg)
			} else if x, ok := m[seg]; ok {
				out[seg] = deleteAt(x, path[1:])
			}
			return out
		}
	case int:
		if l, ok := data.([]any); ok && seg >= 0 && seg < len(l) {
			if last {
				return slices.Delete(slices.Clone(l), seg, seg+1)
			}
			out := slices.Clone(l)
			out[seg] = deleteAt(l[seg], path[1:])
			return out
		}
	}
	return data
}

// sameData compares decoded YAML: maps by key, numbers by value whatever
// their Go type (330 decodes as an int, 330.0 as a float64), NaN equal to
// itself.
func sameData(a, b any) bool {
	switch x := a.(type) {
	case map[string]any, map[any]any:
		xa, xb := entries(x), entries(b)
		if xa == nil || xb == nil || len(xa) != len(xb) {
			return false
		}
		for k, v := range xa {
			w, ok := xb[k]
			if !ok || !sameData(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameData(x[i], y[i]) {
				return false
			}
		}
		return true
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	}
	if fa, ok := number(a); ok {
		fb, ok := number(b)
		if !ok {
			return false
		}
		if fa == nil || fb == nil {
			return fa == nil && fb == nil // NaN
		}
		return fa.Cmp(fb) == 0
	}
	return reflect.DeepEqual(a, b)
}

// entries returns a decoded map keyed by comparable keys.
func entries(m any) map[any]any {
	switch m := m.(type) {
	case map[string]any:
		out := make(map[any]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	case map[any]any:
		return m
	}
	return nil
}

// number converts a decoded number; nil for NaN.
func number(x any) (*big.Float, bool) {
	f := new(big.Float)
	switch x := x.(type) {
	case int:
		return f.SetInt64(int64(x)), true
	case int64:
		return f.SetInt64(x), true
	case uint64:
		return f.SetUint64(x), true
	case float64:
		if math.IsNaN(x) {
			return nil, true
		}
		return f.SetFloat64(x), true
	case json.Number:
		g, _, err := big.ParseFloat(string(x), 10, 256, big.ToNearestEven)
		return g, err == nil
	}
	return nil, false
}
