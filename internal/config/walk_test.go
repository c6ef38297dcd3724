package config

import (
	"errors"
	"slices"
	"testing"
)

// TestWalk: every value inside, depth first, and every member name, in
// order; the first error stops the walk and is returned.
func TestWalk(t *testing.T) {
	t.Parallel()
	v := MustJSON(`{"a": [1, {"b": "x"}], "c": null}`)
	var seen []string
	visit := func(x Value) error {
		j, _ := x.MarshalJSON()
		seen = append(seen, string(j))
		return nil
	}
	key := func(k string) error { seen = append(seen, "key "+k); return nil }
	if err := v.Walk(visit, key); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"a":[1,{"b":"x"}],"c":null}`, "key a", `[1,{"b":"x"}]`, "1", `{"b":"x"}`, "key b", `"x"`, "key c", "null"}
	if !slices.Equal(seen, want) {
		t.Fatalf("walked %q\nwant    %q", seen, want)
	}
	stop := errors.New("stop")
	seen = nil
	err := v.Walk(visit, func(k string) error {
		if k == "b" {
			return stop
		}
		return key(k)
	})
	if !errors.Is(err, stop) || slices.Contains(seen, `"x"`) || slices.Contains(seen, "null") {
		t.Fatalf("walk after an error: %v, saw %q", err, seen)
	}
}
