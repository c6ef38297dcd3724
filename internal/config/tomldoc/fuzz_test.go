package tomldoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	toml "github.com/pelletier/go-toml/v2"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/doctest"
)

// codexConfig is a realistic ~/.codex/config.toml: top-level settings,
// servers as tables with sub-tables and inline env, trust entries with
// quoted keys, profiles and providers, comments throughout.
const codexConfig = `# Codex configuration
model = "gpt-5-codex"
model_reasoning_effort = "high"
approval_policy = "on-request"
sandbox_mode = "workspace-write"

[sandbox_workspace_write]
network_access = false

# MCP servers
[mcp_servers.github]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-github"]
env = { GITHUB_PERSONAL_ACCESS_TOKEN = "ghp_example" }

[mcp_servers.context7]
command = "npx"
args = [
  "-y",
  "@upstash/context7-mcp", # pinned below
]
startup_timeout_sec = 20
tool_timeout_sec = 120.0

[mcp_servers.context7.env]
CONTEXT7_API_KEY = 'ctx7-literal'

[projects."/home/me/src/app"]
trust_level = "trusted"

[projects.'/home/me/my proj']
trust_level = "untrusted"

[profiles.fast]
model = "gpt-5-mini"
model_reasoning_effort = "low"

[model_providers.ollama]
name = "Ollama"
base_url = "http://localhost:11434/v1"

[tui]
notifications = true
`

// fuzzSeeds are the layouts the table tests cover, plus shapes that have
// broken TOML editors: dotted keys at every level, inline tables, arrays
// of tables, CRLF, no final newline, a BOM.
var fuzzSeeds = []string{
	"",
	"\n\n",
	codexConfig,
	"model = \"o3\"",
	"[mcp_servers.latchgate]\ncommand = \"old\"\n",
	"[mcp_servers]\n\n[mcp_servers.other]\ncommand = \"x\"\n",
	"mcp_servers.other.command = \"x\"\nmcp_servers.other.args = []\n",
	"[mcp_servers]\nother.command = \"x\"\n",
	"[mcp_servers]\nother = { command = \"x\", args = [] }\n",
	"mcp_servers = {}\n",
	"mcp_servers = { latchgate = { command = \"x\" } }\n",
	"mcp_servers = 3\n",
	"[[mcp_servers]]\nname = \"x\"\n",
	"[projects]\n\"/home/u/p\" = { trust_level = \"untrusted\" }\n",
	"projects.\"/home/u/p\".trust_level = \"untrusted\"\n",
	"[projects.\"/home/u/p\"]\n",
	"[a]\r\nb = 1\r\n\r\n[mcp_servers.x]\r\ncommand = \"y\"\r\n",
	"\xEF\xBB\xBFmodel = \"o3\"\n",
	"# only a comment",
	"[mcp_servers.latchgate.env]\nA = \"b\"\n",
	"x = [ # c\n]\n[mcp_servers.latchgate]\nargs = [\n  \"a\", # one\n]\n",
	"[x.y.z]\n[x]\n",
	"a = \"\"\"\n# x\n[b]\n\"\"\"\n[mcp_servers.x]\n",
	"[[a]]\n[a.b]\nc = 1\n[[a]]\n[a.b]\n",
	"x = { a = 1,\n  b = [2], # c\n}\n",
	"d = 1979-05-27T07:32:00-08:00\nt = 07:32:00\nf = [inf, -nan, 1e3, 0x_1]\n",
	"[a.b.c]\nd.e = 1\n[a.b.c.d.f]\n",
	"[projects]\n'/home/u/p' = {}\n",
	"projects = { '/home/u/p' = { trust_level = 'untrusted' } }\n",
	"mcp_servers = { latchgate.command = \"x\", latchgate.env.A = \"b\" }\n",
	"[mcp_servers.latchgate]\nenv = { A = \"b\" }\n[mcp_servers.latchgate.tools.x]\napproval_mode = \"approve\"\n",
}

// decodeTOML is the reference parser: go-toml/v2's Unmarshal. A BOM is
// stripped first, as Parse does (go-toml refuses it; editors on Windows
// write it, and the file keeps it).
func decodeTOML(data []byte) (any, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var v any
	if err := toml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return normalize(v), nil
}

// normalize makes go-toml's data compare stably: numbers as their decimal
// text (NaN is not equal to itself; 1 and 1.0 decode to different types),
// dates and times as text.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case time.Time, toml.LocalDate, toml.LocalTime, toml.LocalDateTime:
		return dateMark{}
	}
	return v
}

// dateMark stands for a date or time, which Get reads as its text.
type dateMark struct{}

// sameData reports where Get's view of a document differs from go-toml's.
func sameData(ours config.Value, theirs any, at string) error {
	switch x := theirs.(type) {
	case map[string]any:
		if ours.Kind() != config.Object || ours.Len() != len(x) {
			return fmt.Errorf("%s: ours %s, theirs a table of %d", at, ours.Kind(), len(x))
		}
		for _, m := range ours.Members() {
			e, ok := x[m.Key]
			if !ok {
				return fmt.Errorf("%s: ours has %q, theirs not", at, m.Key)
			}
			if err := sameData(m.Value, e, at+"."+m.Key); err != nil {
				return err
			}
		}
	case []any:
		if ours.Kind() != config.List || ours.Len() != len(x) {
			return fmt.Errorf("%s: ours %s, theirs a list of %d", at, ours.Kind(), len(x))
		}
		for i, e := range x {
			if err := sameData(ours.Items()[i], e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case json.Number:
		if ours.Kind() != config.Number {
			return fmt.Errorf("%s: ours %s, theirs %s", at, ours.Kind(), x)
		}
		if want, _ := config.NumberValue(string(x)); !ours.Equal(want) {
			// Compare as float64, the precision theirs has.
			f, err := strconv.ParseFloat(ours.Str(), 64)
			if err != nil || strconv.FormatFloat(f, 'g', -1, 64) != string(x) {
				return fmt.Errorf("%s: ours %s, theirs %s", at, ours.Str(), x)
			}
		}
	case dateMark:
		if ours.Kind() != config.String {
			return fmt.Errorf("%s: ours %s, theirs a date", at, ours.Kind())
		}
	case string:
		if ours.Kind() != config.String || ours.Str() != x {
			return fmt.Errorf("%s: ours %s %q, theirs %q", at, ours.Kind(), ours.Str(), x)
		}
	case bool:
		if ours.Kind() != config.Bool || ours.Bool() != x {
			return fmt.Errorf("%s: ours %s, theirs %v", at, ours.Kind(), x)
		}
	default:
		return fmt.Errorf("%s: theirs %T", at, theirs)
	}
	return nil
}

var tomlFormat = doctest.Format{
	Parse:  func(data []byte) (config.Document, error) { return Parse(data) },
	Decode: decodeTOML,
}

// FuzzTOMLUpsert runs the shared invariants (doctest.CheckUpsert) for
// Codex's two paths, our server entry and a project's trust level, and
// checks that Parse accepts exactly what go-toml accepts and reads the
// same data.
func FuzzTOMLUpsert(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		theirs, terr := decodeTOML(in)
		// parse alone (without the decoder's second opinion that Parse
		// asks for small files) must agree with go-toml.
		if _, perr := parse(bytes.TrimPrefix(in, utf8BOM), nil); (perr == nil) != (terr == nil) {
			t.Fatalf("parse says %v, go-toml says %v\ninput: %q", perr, terr, in)
		}
		d, err := Parse(in)
		var se *config.SyntaxError
		switch {
		case err != nil && !errors.As(err, &se):
			t.Fatalf("refused without a position: %v", err)
		case err != nil && terr == nil:
			t.Fatalf("refused what go-toml accepts: %v\ninput: %q", err, in)
		case err == nil:
			ours, ok := d.Get()
			if !ok {
				t.Fatalf("Get() found nothing")
			}
			if terr == nil {
				if err := sameData(ours, theirs, "top"); err != nil {
					t.Fatalf("reads differently from go-toml: %v\ninput: %q", err, in)
				}
			}
		}
		doctest.CheckUpsert(t, tomlFormat, in, doctest.Entry, "mcp_servers", "latchgate")
		doctest.CheckUpsert(t, tomlFormat, in, config.StringValue("trusted"), "projects", "/home/u/p", "trust_level")
	})
}

// paths lists the path of every member of every table in v, parents
// before children.
func paths(v config.Value, prefix []string, out [][]string) [][]string {
	for _, m := range v.Members() {
		p := append(prefix[:len(prefix):len(prefix)], m.Key)
		out = append(out, p)
		out = paths(m.Value, p, out)
	}
	return out
}

// setIn returns data (go-toml's, normalized) with v at path, parents
// created as needed.
func setIn(data any, path []string, v any) any {
	m, _ := data.(map[string]any)
	out := make(map[string]any, len(m)+1)
	for k, e := range m {
		out[k] = e
	}
	if len(path) == 1 {
		out[path[0]] = v
	} else {
		out[path[0]] = setIn(out[path[0]], path[1:], v)
	}
	return out
}

// FuzzTOMLEdits edits any path of any document, not only ours: it picks
// a member by sel and sets it (to a string, to an entry table, to an
// empty table), deletes it, or adds to or removes from it as a list.
// Whatever the form the member is written in, the result must decode
// with go-toml to the data before with exactly that change, and a refused
// edit must leave the bytes alone.
func FuzzTOMLEdits(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint16(i*7))
	}
	f.Fuzz(func(t *testing.T, in []byte, sel uint16) {
		d, err := Parse(in)
		if err != nil {
			return
		}
		before, err := decodeTOML(in)
		if err != nil {
			return
		}
		all, _ := d.Get()
		ps := paths(all, nil, nil)
		path := []string{"new", "key"}
		if len(ps) > 0 && sel%5 != 0 {
			path = ps[int(sel)%len(ps)]
		}
		if sel%11 == 0 {
			path = append(path, "deeper")
		}
		orig := bytes.Clone(d.Bytes())
		var want any
		var changed bool
		switch op := (sel / 5) % 6; op {
		case 0:
			want = doctest.Without(before, path)
			changed, err = d.Delete(path...)
		case 1, 2, 3:
			v := []config.Value{config.StringValue("x\"'\n"), doctest.Entry, config.ObjectValue()}[op-1]
			want = setIn(before, path, normalize(toAny(v)))
			changed, err = d.Set(v, path...)
		case 4:
			changed, err = d.AddToSet("lg", path...)
		case 5:
			changed, err = d.RemoveFromSet("lg", path...)
		}
		if err != nil {
			var pe *config.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("edit %q: %v\ninput: %q", path, err, in)
			}
			if !bytes.Equal(d.Bytes(), orig) {
				t.Fatalf("a refused edit changed the bytes")
			}
			return
		}
		out := d.Bytes()
		if !changed && !bytes.Equal(out, orig) {
			t.Fatalf("no change reported, bytes changed")
		}
		after, err := decodeTOML(out)
		if err != nil {
			t.Fatalf("go-toml refuses the output: %v\ninput: %q\noutput: %q", err, in, out)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("we refuse our output: %v\noutput: %q", err, out)
		}
		if want != nil {
			if op := (sel / 5) % 6; op == 0 {
				after = doctest.Without(after, path)
			}
			if diff := cmp.Diff(want, after); diff != "" {
				t.Fatalf("edit %q changed other data (-want +got):\n%s\ninput: %q\noutput: %q", path, diff, in, out)
			}
		}
	})
}

// toAny is v as go-toml would decode it: numbers as int64.
func toAny(v config.Value) any {
	switch v.Kind() {
	case config.Number:
		n, _ := v.Int()
		return n
	case config.List:
		out := make([]any, v.Len())
		for i, x := range v.Items() {
			out[i] = toAny(x)
		}
		return out
	case config.Object:
		out := make(map[string]any, v.Len())
		for _, m := range v.Members() {
			out[m.Key] = toAny(m.Value)
		}
		return out
	}
	return v.Interface()
}
