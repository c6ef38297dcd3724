package jsondoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/doctest"
	"github.com/tailscale/hujson"
)

const entry = `{"command":"lg","args":["serve"]}`

// TestEditsJSONC covers what JSONC files (VS Code's mcp.json) bring:
// comments that belong to neighbours, trailing commas, comments inside an
// otherwise empty object.
func TestEditsJSONC(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		edit   func(*Document) (bool, error)
		want   string
		strict bool
	}{
		{
			name: "comment after last member stays on its line",
			in:   "{\n  \"servers\": {\n    \"a\": {} // keep me\n  }\n}\n",
			edit: set("servers", "lg"),
			want: "{\n  \"servers\": {\n    \"a\": {}, // keep me\n    \"lg\": {\n      \"command\": \"lg\",\n      \"args\": [\n        \"serve\"\n      ]\n    }\n  }\n}\n",
		},
		{
			name: "trailing comma style is kept",
			in:   "{\n  \"servers\": {\n    \"a\": {},\n  },\n}\n",
			edit: set("servers", "lg"),
			want: "{\n  \"servers\": {\n    \"a\": {},\n    \"lg\": {\n      \"command\": \"lg\",\n      \"args\": [\n        \"serve\"\n      ]\n    },\n  },\n}\n",
		},
		{
			name: "comments in an empty object stay",
			in:   "{\n  \"servers\": {\n    // \"old\": {}\n  }\n}\n",
			edit: set("servers", "lg"),
			want: "{\n  \"servers\": {\n    // \"old\": {}\n    \"lg\": {\n      \"command\": \"lg\",\n      \"args\": [\n        \"serve\"\n      ]\n    }\n  }\n}\n",
		},
		{
			name: "remove keeps the comment above the next member",
			in:   "{\n  \"servers\": {\n    \"lg\": {},\n    // about b\n    \"b\": 1\n  }\n}\n",
			edit: del("servers", "lg"),
			want: "{\n  \"servers\": {\n    // about b\n    \"b\": 1\n  }\n}\n",
		},
		{
			name: "remove last member keeps a comment after the comma before it",
			in:   "{\n  \"servers\": {\n    \"a\": 1, // note\n    \"lg\": {}\n  }\n}\n",
			edit: del("servers", "lg"),
			want: "{\n  \"servers\": {\n    \"a\": 1 // note\n  }\n}\n",
		},
		{
			name: "remove last member with trailing comma",
			in:   "{\n  \"servers\": {\n    \"a\": 1,\n    \"lg\": {},\n  },\n}\n",
			edit: del("servers", "lg"),
			want: "{\n  \"servers\": {\n    \"a\": 1,\n  },\n}\n",
		},
		{
			name: "remove only member keeps commented-out servers",
			in:   "{\n  \"servers\": {\n    // \"old\": {},\n    \"lg\": {}\n  }\n}\n",
			edit: del("servers", "lg"),
			want: "{\n  \"servers\": {\n    // \"old\": {},\n  }\n}\n",
		},
		{
			name: "replace keeps the member's comments around it",
			in:   "{\n  /* ours */ \"lg\": {\"command\": \"old\"}, // trailing\n  \"b\": 2\n}\n",
			edit: func(d *Document) (bool, error) { return d.SetRaw(json.RawMessage(entry), "lg") },
			want: "{\n  /* ours */ \"lg\": {\"command\": \"lg\", \"args\": [\"serve\"]}, // trailing\n  \"b\": 2\n}\n",
		},
		{
			name: "array append multi-line",
			in:   "{\n  \"a\": [\n    \"x\"\n  ]\n}",
			edit: func(d *Document) (bool, error) { return d.AddToSet("lg", "a") },
			want: "{\n  \"a\": [\n    \"x\",\n    \"lg\"\n  ]\n}",
		},
		{
			name: "array append inline",
			in:   `{"a": ["x", "y"]}`,
			edit: func(d *Document) (bool, error) { return d.AddToSet("lg", "a") },
			want: `{"a": ["x", "y", "lg"]}`,
		},
		{
			name: "array remove middle",
			in:   "{\"a\": [\n  \"x\",\n  \"lg\",\n  \"y\"\n]}",
			edit: func(d *Document) (bool, error) { return d.RemoveFromSet("lg", "a") },
			want: "{\"a\": [\n  \"x\",\n  \"y\"\n]}",
		},
		{
			name: "array remove duplicates",
			in:   `{"a": ["lg", "x", "lg"]}`,
			edit: func(d *Document) (bool, error) { return d.RemoveFromSet("lg", "a") },
			want: `{"a": ["x"]}`,
		},
		{
			name:   "key with slash and tilde",
			in:     "{\n  \"projects\": {}\n}\n",
			edit:   set("projects", "/home/me/~a", "mcpServers", "lg"),
			strict: true,
			want:   "{\n  \"projects\": {\n    \"/home/me/~a\": {\n      \"mcpServers\": {\n        \"lg\": {\n          \"command\": \"lg\",\n          \"args\": [\n            \"serve\"\n          ]\n        }\n      }\n    }\n  }\n}\n",
		},
		{
			name:   "duplicate names: the last one (the one parsers keep) is edited",
			in:     "{\"lg\": 1, \"lg\": 2}",
			edit:   func(d *Document) (bool, error) { return d.SetRaw(json.RawMessage("3"), "lg") },
			strict: true,
			want:   "{\"lg\": 1, \"lg\": 3}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.in), tt.strict)
			if err != nil {
				t.Fatal(err)
			}
			changed, err := tt.edit(d)
			if err != nil {
				t.Fatal(err)
			}
			if !changed {
				t.Fatal("edit reported no change")
			}
			if diff := cmp.Diff(tt.want, string(d.Bytes())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			again, err := tt.edit(d)
			if err != nil {
				t.Fatal(err)
			}
			if again && !strings.Contains(tt.name, "duplicate") {
				t.Errorf("second identical edit changed the text again:\n%s", d.Bytes())
			}
		})
	}
}

func set(path ...string) func(*Document) (bool, error) {
	return func(d *Document) (bool, error) { return d.SetRaw(json.RawMessage(entry), path...) }
}

func del(path ...string) func(*Document) (bool, error) {
	return func(d *Document) (bool, error) { return d.Delete(path...) }
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		strict bool
		want   string
	}{
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", false, "line 3, column 7: invalid character '2' after object name"},
		{"{\"a\": 1,}", true, "line 1, column 9: trailing commas are not allowed"},
		{"{\n  // c\n}", true, "line 2, column 3: comments are not allowed in this file"},
		{"{\"a\": 1", false, "line 1, column 8: unexpected end of file in object"},
		{"\"str\"", false, "the top level is a string, not an object"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in), tt.strict)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestPathErrors(t *testing.T) {
	d, err := Parse([]byte(`{"projects": {"/p": []}, "servers": "x"}`), true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.SetRaw(json.RawMessage(entry), "projects", "/p", "mcpServers", "lg")
	var pe *config.PathError
	if !errors.As(err, &pe) || err.Error() != `projects["/p"] is an array, not an object` {
		t.Errorf("got %v", err)
	}
	_, err = d.Delete("servers", "lg")
	if err == nil || err.Error() != "servers is a string, not an object" {
		t.Errorf("got %v", err)
	}
	if _, err := d.AddToSet("x", "servers"); err == nil {
		t.Error("AddToSet on a string: no error")
	}
}

// FuzzUpsert checks the merge invariants on any input that parses: the
// output parses (strictly, for strict files), our entry reads back, the
// bytes before the object holding our entry are unchanged, a second
// upsert changes nothing, and removing it again leaves every other member.
func FuzzUpsert(f *testing.F) {
	seeds := []string{
		"{}", "", "{\n  \"mcpServers\": {}\n}", "{\"mcpServers\": {\"a\": 1}}",
		"{\r\n\t\"mcpServers\": {\r\n\t\t\"a\": {}\r\n\t}\r\n}\r\n",
		"{\n  // c\n  \"mcpServers\": {\n    \"a\": 1, // n\n  },\n}",
		"\xEF\xBB\xBF{\"x\": [1, 2, {\"y\": null}], \"mcpServers\": {\"latchgate\": {\"command\": \"old\"}}}",
		"{\"mcpServers\": {\"latchgate\": 1, \"b\": 2 /* c */}}",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	value := json.RawMessage(`{"type":"stdio","command":"latchgate-mcp","args":["serve","--x"],"env":{"A":"<&>"}}`)
	f.Fuzz(func(t *testing.T, in []byte, strict bool) {
		d, err := Parse(in, strict)
		if err != nil {
			return
		}
		otherMembers := membersExcept(t, d.Bytes(), "mcpServers", "latchgate")
		// Where the servers object starts and how much follows it: those
		// bytes must come out unchanged.
		prefixEnd, suffixLen := -1, -1
		if v, n, err := d.lookup([]string{"mcpServers"}); err == nil && n == 1 {
			prefixEnd, suffixLen = v.start, len(d.text())-v.end
		}
		before := d.Bytes()
		if _, err := d.SetRaw(value, "mcpServers", "latchgate"); err != nil {
			var pe *config.PathError
			if errors.As(err, &pe) {
				return // mcpServers is not an object: refused, fine
			}
			t.Fatalf("set: %v", err)
		}
		out := d.Bytes()
		root, err := hujson.Parse(bytes.TrimPrefix(out, utf8BOM))
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if strict && !root.IsStandard() {
			t.Fatalf("strict output is not plain JSON:\n%s", out)
		}
		got, ok := d.GetRaw("mcpServers", "latchgate")
		if !ok || !jsonEqual(got, value) {
			t.Fatalf("entry reads back as %s", got)
		}
		if prefixEnd >= 0 {
			pre := prefixEnd
			if bytes.HasPrefix(before, utf8BOM) {
				pre += len(utf8BOM)
			}
			if !bytes.Equal(before[:pre], out[:pre]) {
				t.Fatalf("bytes before mcpServers changed:\n%q\n%q", before[:pre], out[:pre])
			}
			if !bytes.Equal(before[len(before)-suffixLen:], out[len(out)-suffixLen:]) {
				t.Fatalf("bytes after mcpServers changed:\n%q\n%q", before, out)
			}
		}
		if changed, err := d.SetRaw(value, "mcpServers", "latchgate"); err != nil || changed {
			t.Fatalf("second upsert: changed=%v err=%v", changed, err)
		}
		if !bytes.Equal(d.Bytes(), out) {
			t.Fatal("second upsert changed the bytes")
		}
		if _, err := d.Delete("mcpServers", "latchgate"); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if diff := cmp.Diff(otherMembers, membersExcept(t, d.Bytes(), "mcpServers", "latchgate")); diff != "" {
			t.Fatalf("other members changed (-before +after):\n%s", diff)
		}
	})
}

// membersExcept returns the standardized document with path removed, for
// comparing everything but our entry.
func membersExcept(t *testing.T, data []byte, path ...string) any {
	t.Helper()
	v, err := hujson.Parse(bytes.TrimPrefix(data, utf8BOM))
	if err != nil {
		t.Fatal(err)
	}
	v.Standardize()
	var doc any
	if err := json.Unmarshal(v.Pack(), &doc); err != nil {
		t.Fatal(err)
	}
	// An install followed by an uninstall may leave an empty server list
	// where there was none: treat the two alike.
	root, ok := doc.(map[string]any)
	if !ok || len(path) != 2 {
		return doc
	}
	if servers, ok := root[path[0]].(map[string]any); ok {
		delete(servers, path[1])
		if len(servers) == 0 {
			delete(root, path[0])
		}
	}
	return doc
}

// TestGetDoesNotModify guards against hujson's in-place Standardize: a
// comment inside the entry must survive reading and setting it.
func TestGetDoesNotModify(t *testing.T) {
	in := []byte("{\"servers\": {\"lg\": { // c\n  \"command\": \"x\"}}}")
	orig := bytes.Clone(in)
	d, err := Parse(in, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.GetRaw("servers", "lg"); !ok {
		t.Fatal("entry not found")
	}
	if changed, err := d.SetRaw(json.RawMessage(`{"command":"x"}`), "servers", "lg"); err != nil || changed {
		t.Fatalf("Set of an equal entry: changed=%v err=%v", changed, err)
	}
	if !bytes.Equal(in, orig) || !bytes.Equal(d.Bytes(), orig) {
		t.Fatalf("the buffer changed:\n%q\n%q", in, d.Bytes())
	}
}

// FuzzJSONUpsert runs the invariants every format shares
// (doctest.CheckUpsert) on JSON and JSONC input.
func FuzzJSONUpsert(f *testing.F) {
	for _, s := range []string{
		"{}", "", "{\n  \"mcpServers\": {}\n}", "{\"mcpServers\": {\"a\": 1}}",
		"{\n  // c\n  \"mcpServers\": {\n    \"a\": 1, // n\n  },\n}",
		"{\"mcpServers\": {\"latchgate\": 1, \"latchgate\": 2}}",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, strict bool) {
		format := doctest.Format{
			Parse: func(data []byte) (config.Document, error) { return Parse(data, strict) },
			Decode: func(data []byte) (any, error) {
				data = bytes.TrimPrefix(data, utf8BOM)
				v, err := hujson.Parse(data)
				if err != nil && strings.Contains(err.Error(), "parsing comment: unexpected EOF") {
					// The deliberate difference FuzzScannerMatchesHujson
					// names: a final // comment needs no newline.
					v, err = hujson.Parse(append(bytes.Clone(data), '\n'))
				}
				if err != nil {
					return nil, err
				}
				if strict && !v.IsStandard() {
					return nil, errors.New("not plain JSON")
				}
				v.Standardize()
				var out any
				err = json.Unmarshal(v.Pack(), &out)
				return out, err
			},
		}
		doctest.CheckUpsert(t, format, in, doctest.Entry, "mcpServers", "latchgate")
	})
}

// TestDeleteRemovesEveryDuplicate: with two members of our name, removing
// only the last would make the older one the active entry.
func TestDeleteRemovesEveryDuplicate(t *testing.T) {
	d, err := Parse([]byte("{\"s\": {\"lg\": 1, \"a\": 2, \"lg\": 3}}"), true)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := d.Delete("s", "lg")
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if got, want := string(d.Bytes()), "{\"s\": {\"a\": 2}}"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestJSONComments: the dialect of clients that strip comments and call
// JSON.parse keeps comments, refuses trailing commas at their position
// (in objects and arrays, nested too), and an edit on a commented file
// adds no trailing comma.
func TestJSONComments(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"{\n  \"a\": 1,\n}", "line 3, column 1: trailing commas are not allowed in this file (comments are, but its client stops at a trailing comma)"},
		{"{\"a\": [1, 2,]}", "line 1, column 13: trailing commas are not allowed"},
		{"// c\n{\"a\": {\"b\": 1, /* x */}}", "line 2, column 23: trailing commas are not allowed"},
	} {
		_, err := ParseFormat([]byte(tt.in), config.JSONComments)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseFormat(%q) = %v, want error containing %q", tt.in, err, tt.want)
		}
		if _, err := ParseFormat([]byte(tt.in), config.JSONC); err != nil {
			t.Errorf("JSONC refused %q: %v", tt.in, err)
		}
	}
	d, err := ParseFormat([]byte("{\n  // servers\n  \"mcpServers\": {\n    \"x\": {} // one\n  }\n}\n"), config.JSONComments)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format() != config.JSONComments {
		t.Errorf("Format() = %s", d.Format())
	}
	if _, err := d.SetRaw(json.RawMessage(`{"command":"lg"}`), "mcpServers", "lg"); err != nil {
		t.Fatal(err)
	}
	want := "{\n  // servers\n  \"mcpServers\": {\n    \"x\": {}, // one\n    \"lg\": {\n      \"command\": \"lg\"\n    }\n  }\n}\n"
	if diff := cmp.Diff(want, string(d.Bytes())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseFormat(d.Bytes(), config.JSONComments); err != nil {
		t.Errorf("the edited file does not parse: %v", err)
	}
	if _, err := ParseFormat([]byte("{}"), config.TOML); err == nil {
		t.Error("ParseFormat(TOML): no error")
	}
}

// FuzzJSONComments checks the comments-but-no-trailing-commas dialect
// against the other two: whatever it accepts JSONC accepts; on input
// without comments it accepts exactly what strict JSON accepts; and an
// upsert into a file it accepts gives a file it still accepts.
func FuzzJSONComments(f *testing.F) {
	for _, s := range []string{"{}", "{\"a\": [1, 2],}", "// c\n{\"a\": {\"b\": 1 /* x */}}", "{\"a\": [1,]}", "{\"mcpServers\": {\"x\": 1}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Count(in, []byte("[")) > 1000 || bytes.Count(in, []byte("{")) > 1000 {
			return
		}
		d, err := ParseFormat(in, config.JSONComments)
		_, cErr := Parse(in, false)
		if err == nil && cErr != nil {
			t.Fatalf("json-comments accepts what JSONC refuses (%v): %q", cErr, in)
		}
		if !bytes.Contains(in, []byte("/")) {
			_, sErr := Parse(in, true)
			if (err == nil) != (sErr == nil) {
				t.Fatalf("without comments: json-comments err=%v, strict err=%v, input %q", err, sErr, in)
			}
		}
		if err != nil {
			return
		}
		if _, err := d.SetRaw(json.RawMessage(`{"command":"lg","args":["a"]}`), "mcpServers", "latchgate"); err != nil {
			return // a path that is not an object: refused, fine
		}
		if _, err := ParseFormat(d.Bytes(), config.JSONComments); err != nil {
			t.Fatalf("the edited file is no longer json-comments: %v\n%s", err, d.Bytes())
		}
	})
}
