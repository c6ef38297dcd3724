package jsondoc

import (
	"bytes"
	"testing"

	"github.com/tailscale/hujson"
)

// FuzzScannerMatchesHujson checks the hand-written scanner against
// tailscale/hujson, the reference: both accept the same inputs (JSONC),
// strict mode accepts exactly hujson's standard JSON, and the members the
// scanner finds at the top level are hujson's, at the same offsets.
func FuzzScannerMatchesHujson(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"a":1}`, "{\"a\": [1, 2.5e-3, -0, true, false, null, \"x\\u00e9\\n\"],}",
		"// c\n{/* b */\"a\" /*x*/: // y\n 1 , }", `{"a":{"b":[{}]}}`, "\"\xff\"", `{"a":01}`, `{"a":1.}`,
		`{"a" 1}`, `{,}`, `[1,,2]`, "{\"a\":\"\t\"}", `{"\ud800":1}`, `1e5`, `-`, `{"a":tru}`, `{"a":nulls}`,
		"{\"a\":1}/", "{\"a\":1}/* open", "{\"k\":\"v\"\n,\"k\":2}", `{"esc":"\\\"\\"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Count(in, []byte("[")) > 1000 || bytes.Count(in, []byte("{")) > 1000 {
			return // deeper than hujson's recursion is happy with
		}
		ref, refErr := hujson.Parse(in)
		if refErr != nil && bytes.Contains([]byte(refErr.Error()), []byte("parsing comment: unexpected EOF")) {
			// A deliberate difference: hujson wants a newline after a
			// final // comment; VS Code does not, and neither do we.
			withNL := append(append([]byte(nil), in...), '\n')
			if r2, err2 := hujson.Parse(withNL); err2 == nil {
				ref, refErr = r2, nil
			}
		}
		sc := scanner{src: in}
		start, end, err := sc.validate()
		if (err == nil) != (refErr == nil) {
			t.Fatalf("JSONC: scanner err=%v, hujson err=%v, input %q", err, refErr, in)
		}
		strict := scanner{src: in, strict: true}
		_, _, strictErr := strict.validate()
		refStrict := refErr == nil && ref.IsStandard()
		if (strictErr == nil) != refStrict {
			t.Fatalf("strict: scanner err=%v, hujson standard=%v, input %q", strictErr, refStrict, in)
		}
		if err != nil {
			return
		}
		if start != ref.StartOffset || end != ref.EndOffset {
			t.Fatalf("top level at [%d,%d), hujson [%d,%d)", start, end, ref.StartOffset, ref.EndOffset)
		}
		obj, ok := ref.Value.(*hujson.Object)
		if !ok {
			return
		}
		got, _, err := (&scanner{src: in, trustedBefore: len(in) + 1}).object(start, 0, true)
		if err != nil {
			t.Fatalf("trusted re-scan: %v", err)
		}
		if len(got.members) != len(obj.Members) {
			t.Fatalf("%d members, hujson %d", len(got.members), len(obj.Members))
		}
		for i, m := range obj.Members {
			g := got.members[i]
			if g.nameStart != m.Name.StartOffset || g.nameEnd != m.Name.EndOffset ||
				g.valStart != m.Value.StartOffset || g.valEnd != m.Value.EndOffset {
				t.Fatalf("member %d: got %+v, hujson name [%d,%d) value [%d,%d)", i, g,
					m.Name.StartOffset, m.Name.EndOffset, m.Value.StartOffset, m.Value.EndOffset)
			}
		}
	})
}

// TestNextSpecial checks the word-at-a-time search against the plain
// definition: every byte value at every place of a word and its tail,
// after fillers that flag nothing, including bytes of 0x80 and up
// (UTF-8) and ones just above the control range.
func TestNextSpecial(t *testing.T) {
	t.Parallel()
	naive := func(b []byte, i int) int {
		for ; i < len(b); i++ {
			if b[i] == '"' || b[i] == '\\' || b[i] < 0x20 {
				return i
			}
		}
		return i
	}
	for _, filler := range []byte{'a', ' ', '!', 0x7f, 0x80, 0xc3, 0xff, 0x21, '#', ']'} {
		for n := 0; n <= 19; n++ {
			for at := 0; at < n; at++ {
				for c := 0; c < 256; c++ {
					b := bytes.Repeat([]byte{filler}, n)
					b[at] = byte(c)
					for from := 0; from <= min(at+1, n); from++ {
						if got, want := nextSpecial(b, from), naive(b, from); got != want {
							t.Fatalf("nextSpecial(%q, %d) = %d, want %d", b, from, got, want)
						}
					}
				}
			}
		}
	}
}

// TestIsHex4 checks the table against the definition, for every byte
// value at every place.
func TestIsHex4(t *testing.T) {
	t.Parallel()
	for at := range 4 {
		for c := range 256 {
			b := []byte("0aF9")
			b[at] = byte(c)
			want := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
			if got := isHex4(b); got != want {
				t.Fatalf("isHex4(%q) = %v", b, got)
			}
		}
	}
}
