package yamldoc

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"gopkg.in/yaml.v3"
)

func TestGet(t *testing.T) {
	t.Parallel()
	in := `ints: [1, 0x10, 1_000, -0, 0o17, +5]
floats: [1.5, 1e3, 1.0e+3, .5, .inf, .nan]
bools: [true, False, yes]
nulls: [~, null, Null]
strings: ["1", '2', "a\tb", 2024-01-01]
base: &b
  command: x
  args: [serve]
alias: *b
merged:
  <<: *b
  command: y
twice:
  <<: [{a: 1}, {a: 2, b: 2}]
mcpServers:
  - {name: other}
  - name: latchgate
    command: lg
  - name: latchgate
    command: second
`
	d, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path []string
		want string // JSON, "" for absent
	}{
		{[]string{"ints"}, `[1,16,1000,-0,15,5]`},
		{[]string{"floats"}, `[1.5,1e3,1.0e+3,0.5,".inf",".nan"]`},
		{[]string{"bools"}, `[true,false,"yes"]`},
		{[]string{"nulls"}, `[null,null,null]`},
		{[]string{"strings"}, `["1","2","a\tb","2024-01-01"]`},
		{[]string{"alias"}, `{"command":"x","args":["serve"]}`},
		{[]string{"alias", "args"}, `["serve"]`},
		{[]string{"merged"}, `{"command":"y","args":["serve"]}`},
		{[]string{"twice"}, `{"a":1,"b":2}`},
		{[]string{"mcpServers", lg}, `{"name":"latchgate","command":"lg"}`},
		{[]string{"mcpServers", lg, "command"}, `"lg"`},
		{[]string{"mcpServers", config.Where("name", "none")}, ``},
		{[]string{"ints", "a"}, ``},
		{[]string{"missing"}, ``},
	}
	for _, tt := range tests {
		got, ok := d.Get(tt.path...)
		if tt.want == "" {
			if ok {
				t.Errorf("Get(%s) = %v, want absent", config.DisplayPath(tt.path), got)
			}
			continue
		}
		if !ok {
			t.Errorf("Get(%s) absent", config.DisplayPath(tt.path))
			continue
		}
		if want := config.MustJSON(tt.want); !got.Equal(want) {
			j, _ := got.MarshalJSON()
			t.Errorf("Get(%s) = %s, want %s", config.DisplayPath(tt.path), j, tt.want)
		}
	}
	if v, ok := d.Get(); !ok || v.Len() != 10 {
		t.Errorf("Get() = %v, %v", v.Len(), ok)
	}
	empty, err := Parse([]byte("# nothing\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := empty.Get(); !ok || v.Kind() != config.Object || v.Len() != 0 {
		t.Errorf("empty document: Get() = %v, %v", v, ok)
	}
	if f := d.Format(); f != config.YAML {
		t.Errorf("Format() = %v", f)
	}
}

// TestParseErrors checks that a malformed file is refused with the line
// and column of the problem, as a *config.SyntaxError.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		line, col int
		msg       string
	}{
		{"tab indentation", "a:\n  b: 1\n\tc: 2\n", 3, 1, "found a tab character that violates indentation"},
		{"tab before a key", "a:\n\tb: 2\n", 2, 1, "found character that cannot start any token"},
		{"key indented too little", "a:\n  b: 1\n c: 2\n", 3, 2, "did not find expected key"},
		{"key indented too much", "a: 1\n  b: 2\n", 2, 4, "mapping values are not allowed in this context"},
		{"two values on a line", "a: b: c\n", 1, 5, "mapping values are not allowed in this context"},
		{"unclosed double quote", "x: 1\na: \"unclosed\nb: 2\n", 2, 4, "found unexpected end of stream"},
		{"unclosed single quote", "a: 'it\nb: 2\n", 1, 4, "found unexpected end of stream"},
		{"unclosed flow sequence", "a: [1, 2\nb: 3\n", 2, 1, "did not find expected ',' or ']'"},
		{"unclosed flow mapping", "x: 1\ny: 2\na: {b: 1\n", 3, 1, "did not find expected ',' or '}'"},
		{"list after a mapping", "a: 1\n- b\n", 2, 1, "did not find expected key"},
		{"duplicate key", "a: 1\nb: 2\n  # c\n'a': 3\n", 4, 1, `mapping key "a" already defined at line 1`},
		{"unknown alias", "a: 1\nb: *nope\n", 2, 4, "unknown anchor 'nope' referenced"},
		{"reserved indicator", "a: 1\nb: @x\n", 2, 4, "found character that cannot start any token"},
		{"wrong type for a tag", "a: 1\nb: !!int abc\n", 2, 4, "cannot decode !!str `abc` as a !!int"},
		{"second document", "a: 1\n---\nb: 2\n", 2, 1, "a second YAML document starts here; the file must hold one document"},
		{"invalid UTF-8", "a: 1\nb: \xff\n", 2, 4, "the file is not valid UTF-8"},
		{"carriage return alone", "a: 1\rb: 2\n", 1, 5, `a carriage return without a line feed; use \n or \r\n line ends`},
		{"control character", "a: \x01\n", 1, 4, "character U+0001 is not allowed in YAML"},
		{"UTF-16", "\xff\xfea\x00", 1, 1, "the file is UTF-16; save it as UTF-8"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		var se *config.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a *config.SyntaxError", tt.name, err)
			continue
		}
		want := config.SyntaxError{Line: tt.line, Column: tt.col, Msg: tt.msg}
		if diff := cmp.Diff(want, *se); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestTopLevel checks what the top level may be.
func TestTopLevel(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"- a\n- b\n", "just text\n", "~\n", "--- 42\n"} {
		_, err := Parse([]byte(in))
		var pe *config.PathError
		if !errors.As(err, &pe) || len(pe.Path) != 0 {
			t.Errorf("%q: error %v, want a *config.PathError for the top level", in, err)
		}
	}
	for _, in := range []string{"", "   \n\n", "# c\n", "---\n", "--- # c\n...\n", "{}\n"} {
		d, err := Parse([]byte(in))
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if v, ok := d.Get(); !ok || v.Kind() != config.Object || v.Len() != 0 {
			t.Errorf("%q: not an empty mapping", in)
		}
		if string(d.Bytes()) != in {
			t.Errorf("%q: Bytes() = %q", in, d.Bytes())
		}
	}
}

// TestRefusals checks edits that would change more than the entry are
// refused with a *config.PathError, and change nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		edit edit
		want string
	}{
		{
			name: "parent is an alias",
			in:   "base: &s {a: 1}\nmcp_servers: *s\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers is an alias (*s); change it by hand",
		},
		{
			name: "parent is used by an alias",
			in:   "mcp_servers: &s\n  a: 1\nprofiles:\n  p: *s\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers is anchored (&s) and used elsewhere, which a change here would change too; change it by hand",
		},
		{
			name: "entry defines an anchor used elsewhere",
			in:   "mcp_servers:\n  latchgate: &lg {command: x}\n  copy: *lg\n",
			edit: del("mcp_servers", "latchgate"),
			want: "mcp_servers.latchgate defines the anchor &lg, which is used elsewhere; change it by hand",
		},
		{
			name: "entry comes from a merge key",
			in:   "base: &b {latchgate: {command: x}}\nmcp_servers:\n  <<: *b\n",
			edit: del("mcp_servers", "latchgate"),
			want: "mcp_servers.latchgate comes from a merge key (<<); change it where it is defined",
		},
		{
			name: "parent comes from a merge key",
			in:   "base: &b {mcp_servers: {a: 1}}\n<<: *b\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers comes from a merge key (<<); change it where it is defined",
		},
		{
			name: "parent is a list",
			in:   "mcp_servers: [a]\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers is a list, not a mapping",
		},
		{
			name: "parent is a mapping where a list is needed",
			in:   "mcpServers: {a: 1}\n",
			edit: set(item, "mcpServers", lg),
			want: "mcpServers is a mapping, not a list",
		},
		{
			name: "parent is null with a tag",
			in:   "mcp_servers: !!null\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers is null with a tag; change it by hand",
		},
		{
			name: "add to something that is not a list",
			in:   "trust: x\n",
			edit: add("latchgate", "trust"),
			want: "trust is a string, not a list",
		},
	}
	for _, tt := range tests {
		d, err := Parse([]byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		changed, err := tt.edit(d)
		var pe *config.PathError
		if !errors.As(err, &pe) || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
		if changed || string(d.Bytes()) != tt.in {
			t.Errorf("%s: refused edit changed the text:\n%s", tt.name, d.Bytes())
		}
	}
}

// TestSetWrongName checks that a list item whose name contradicts the
// path is refused.
func TestSetWrongName(t *testing.T) {
	t.Parallel()
	d, err := Parse([]byte("mcpServers: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := config.MustJSON(`{"name":"other","command":"x"}`)
	if _, err := d.Set(v, "mcpServers", lg); err == nil || !strings.Contains(err.Error(), `the item's name is "other", not "latchgate"`) {
		t.Errorf("error %v", err)
	}
	if _, err := d.Set(config.StringValue("x"), "mcpServers", lg); err == nil {
		t.Error("a string accepted as a list item chosen by name")
	}
	if _, err := d.Set(config.StringValue("\xff"), "a"); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
	// The same refusals deep inside a value, and a key too long to be an
	// implicit YAML key; the text stays as it was.
	before := string(d.Bytes())
	for _, tt := range []struct {
		v    config.Value
		want string
	}{
		{config.ObjectValue(config.M("env", config.StringList("ok", "\xff"))), "a string in the new value is not valid UTF-8"},
		{config.ObjectValue(config.M("env", config.ObjectValue(config.M("k\xff", config.IntValue(1))))), "a key in the new value is not valid UTF-8"},
		{config.ObjectValue(config.M(strings.Repeat("k", maxKeyLen+1), config.IntValue(1))), "longer than 1000 bytes"},
	} {
		if _, err := d.Set(tt.v, "b"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
	if string(d.Bytes()) != before {
		t.Errorf("a refused set changed the text:\n%s", d.Bytes())
	}
}

// TestStringText checks that every string we write reads back as the
// same string, in block and in flow context, and that strings a YAML 1.1
// reader (PyYAML, which Hermes uses) would take for another type are
// quoted.
func TestStringText(t *testing.T) {
	t.Parallel()
	plain := []string{"latchgate", "latchgate-mcp", "--gate-url", "http://127.0.0.1:3000/#x", "/usr/local/bin/x",
		"a'b\"c<&>\\ é", "-y", "${{ secrets.X }}", "./bin", "x:y", "a b", "日本"}
	quoted := []string{"", " lead", "trail ", "yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~",
		"1e3", "1", "-1", "+1", ".5", "0o17", "0x1F", "1_000", "1:30", "2024-01-01", ".inf", "-.Inf", ".NaN", "<<", "=",
		"a: b", "a #b", "#x", "*a", "&a", "!a", "|", ">", "@scope/pkg", "%x", "`x", "'x", "\"x", "- a", "-", "?", ":",
		"---", "...", "[a]", "{a}", ",a", "a:", "a\nb", "a\tb", "\x01", "\u2028", "\u0085", "\ufeff", "\x7f"}
	for _, s := range plain {
		if got := stringText(s, false); got != s {
			t.Errorf("block %q written %s, want plain", s, got)
		}
	}
	for _, s := range quoted {
		if got := stringText(s, false); !strings.HasPrefix(got, `"`) {
			t.Errorf("block %q written %s, want quoted", s, got)
		}
	}
	for _, s := range append(plain, quoted...) {
		for _, flow := range []bool{false, true} {
			text := stringText(s, flow)
			src := "k: " + text
			if flow {
				src = "k: [" + text + ", x]"
			}
			var got map[string]any
			if err := yaml.Unmarshal([]byte(src), &got); err != nil {
				t.Errorf("%q (flow %v) written %s: %v", s, flow, text, err)
				continue
			}
			v := got["k"]
			if flow {
				v = v.([]any)[0]
			}
			if v != s {
				t.Errorf("%q (flow %v) written %s reads back as %#v", s, flow, text, v)
			}
		}
	}
	for _, s := range []string{"a,b", "a]", "{x", "http://x"} {
		if got := stringText(s, true); !strings.HasPrefix(got, `"`) {
			t.Errorf("flow %q written %s, want quoted", s, got)
		}
	}
}

func TestNumberText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"330": "330", "-1.5": "-1.5", "1e3": "1.0e+3", "1E-7": "1.0e-7", "2.5e+10": "2.5e+10"} {
		if got := numberText(in); got != want {
			t.Errorf("numberText(%s) = %s, want %s", in, got, want)
		}
	}
}
