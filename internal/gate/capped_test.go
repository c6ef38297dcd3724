package gate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCapped(t *testing.T) {
	for _, tc := range []struct {
		name, in, envelope, big string
		limit                   int64
		dropped                 bool
		size                    int64
	}{
		{name: "output first", in: `{"output":{"a":"}"},"receipt_id":"r"}`, envelope: `{"receipt_id":"r"}`, big: `{"a":"}"}`, limit: 100, size: 9},
		{name: "output last", in: ` { "x" : [1, 2] , "output" : "q\"uote\\" } `, envelope: `{"x":[1, 2]}`, big: `"q\"uote\\"`, limit: 100, size: 11},
		{name: "scalar output", in: `{"output":12.5e3,"n":null}`, envelope: `{"n":null}`, big: `12.5e3`, limit: 100, size: 6},
		{name: "no output", in: `{"decision":"pending_approval"}`, envelope: `{"decision":"pending_approval"}`, limit: 100},
		{name: "empty", in: `{}`, envelope: `{}`, limit: 100},
		{name: "dropped", in: `{"receipt_id":"r","output":"` + strings.Repeat(`\\`, 100) + `"}`, envelope: `{"receipt_id":"r"}`, limit: 50, dropped: true, size: 202},
		{name: "nested deep", in: `{"output":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `,"r":1}`, envelope: `{"r":1}`, limit: 10, dropped: true, size: 40000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readCapped(strings.NewReader(tc.in), "output", tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.envelope) != tc.envelope || string(got.big) != tc.big || got.bigDropped != tc.dropped || got.bigSize != tc.size {
				t.Errorf("got envelope %s big %s dropped %v size %d", got.envelope, got.big, got.bigDropped, got.bigSize)
			}
		})
	}
	for _, in := range []string{``, `[]`, `{"a"}`, `{"a":1,}`, `{"a":1`, `{"output":"unterminated`, `{"a":]}`, `{1:2}`} {
		if got, err := readCapped(strings.NewReader(in), "output", 100); err == nil {
			t.Errorf("readCapped(%q) = %+v, want an error", in, got)
		}
	}
}

// FuzzReadCapped checks that splitting an object into its envelope and
// its big member loses nothing: together they are the object.
func FuzzReadCapped(f *testing.F) {
	for _, seed := range []string{`{"output":{"a":[1,"\"}"]},"receipt_id":"r"}`, `{"x":"\\\\","output":"a\\"}`, `{}`, `{"output":null}`} {
		f.Add([]byte(seed), int64(8))
	}
	f.Fuzz(func(t *testing.T, data []byte, limit int64) {
		var want map[string]json.RawMessage
		if json.Unmarshal(data, &want) != nil || want == nil || limit < 0 {
			return
		}
		got, err := readCapped(bytes.NewReader(data), "output", limit)
		if err != nil {
			t.Fatalf("readCapped(%q): %v", data, err)
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(got.envelope, &env); err != nil {
			t.Fatalf("envelope %q: %v", got.envelope, err)
		}
		compact := func(m map[string]json.RawMessage) map[string]string {
			out := map[string]string{}
			for k, v := range m {
				var b bytes.Buffer
				if err := json.Compact(&b, v); err != nil {
					t.Fatal(err)
				}
				out[k] = b.String()
			}
			return out
		}
		wantOut, hasOut := want["output"]
		delete(want, "output")
		if diff := cmp.Diff(compact(want), compact(env)); diff != "" {
			t.Fatalf("envelope of %q differs:\n%s", data, diff)
		}
		switch {
		case !hasOut:
			if got.big != nil || got.bigDropped {
				t.Fatalf("big member found in %q", data)
			}
		case got.bigDropped:
			if got.bigSize <= limit {
				t.Fatalf("dropped a %d-byte value under the %d limit", got.bigSize, limit)
			}
		default:
			c := compact(map[string]json.RawMessage{"o": got.big, "w": wantOut})
			if c["o"] != c["w"] {
				t.Fatalf("big member %s, want %s", got.big, wantOut)
			}
		}
	})
}
