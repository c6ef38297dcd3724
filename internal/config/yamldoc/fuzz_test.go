package yamldoc

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/doctest"
	"gopkg.in/yaml.v3"
)

// yamlFormat runs the shared invariants with yaml.v3 as the reference.
var yamlFormat = doctest.Format{
	Parse: func(data []byte) (config.Document, error) {
		d, err := Parse(data)
		if err != nil {
			return nil, err
		}
		return d, nil
	},
	Decode: decodeYAML,
}

// decodeYAML is yaml.v3's own reading of data into plain Go values,
// normalised so that comparisons are stable: all maps keyed by strings
// (a non-string key by its type and text), integers as int64 (uint64
// when too large), NaN as a marker string.
func decodeYAML(data []byte) (any, error) {
	var x any
	if err := yaml.Unmarshal(data, &x); err != nil {
		return nil, err
	}
	return normalize(x), nil
}

func normalize(x any) any {
	switch v := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = normalize(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			key, ok := k.(string)
			if !ok {
				key = fmt.Sprintf("%T(%v)", k, k)
			}
			out[key] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case int:
		return int64(v)
	case float64:
		if math.IsNaN(v) {
			return "<NaN>"
		}
	}
	return x
}

// listEntry is the entry in Continue's list form: the same members with
// its name first.
var listEntry = config.ObjectValue(append([]config.Member{config.M("name", config.StringValue("latchgate"))},
	doctest.Entry.Members()...)...)

// TestUpsertInvariants runs the fuzzer's checks on the seeds and on
// layouts whose spacing a delete cannot give back byte for byte (it must
// then not lose bytes either).
func TestUpsertInvariants(t *testing.T) {
	t.Parallel()
	inputs := append([]string{
		"mcpServers:  []\nmcp_servers:  {}  # none\n",
		"mcpServers:\n  []\nmcp_servers:\n  {}\n",
		"mcp_servers:\n  ~\n",
		"mcp_servers: &m\nmcpServers: &s\n",
		" {}\n",
		"--- {}\n",
	}, fuzzSeeds...)
	for _, in := range inputs {
		doctest.CheckUpsert(t, yamlFormat, []byte(in), listEntry, "mcpServers", config.Where("name", "latchgate"))
		doctest.CheckUpsert(t, yamlFormat, []byte(in), doctest.Entry, "mcp_servers", "latchgate")
	}
}

func FuzzYAMLUpsert(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, list bool) {
		if len(in) > 64<<10 {
			return
		}
		if list {
			doctest.CheckUpsert(t, yamlFormat, in, listEntry, "mcpServers", config.Where("name", "latchgate"))
		} else {
			doctest.CheckUpsert(t, yamlFormat, in, doctest.Entry, "mcp_servers", "latchgate")
		}
	})
}

// FuzzYAMLSets checks AddToSet and RemoveFromSet on any file: the output
// parses with yaml.v3, the string is there after the add (once, however
// often it is added) and gone after the remove, and nothing else changed:
// every edit checks that itself against yaml.v3's decoding, so a planning
// mistake shows here as an error.
func FuzzYAMLSets(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{"trust: []\n", "trust: [a, latchgate, b]\n", "trust:\n- a\n- latchgate\n", "trust: ~\n", "trust:\n  - a # c\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 64<<10 {
			return
		}
		d, err := Parse(in)
		if err != nil {
			return
		}
		before := string(d.Bytes())
		if _, err := d.AddToSet("latchgate", "trust"); err != nil {
			var pe *config.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("add: %v\ninput: %q", err, in)
			}
			if string(d.Bytes()) != before {
				t.Fatalf("a refused add changed the text")
			}
			return
		}
		out := string(d.Bytes())
		if _, err := decodeYAML([]byte(out)); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if changed, err := d.AddToSet("latchgate", "trust"); err != nil || changed {
			t.Fatalf("second add: changed=%v err=%v\n%s", changed, err, out)
		}
		if _, err := d.RemoveFromSet("latchgate", "trust"); err != nil {
			t.Fatalf("remove: %v\n%s", err, out)
		}
		got, ok := d.Get("trust")
		if !ok {
			t.Fatalf("trust gone after remove:\n%s", d.Bytes())
		}
		for _, x := range got.Items() {
			if x.Str() == "latchgate" {
				t.Fatalf("latchgate still there after remove:\n%s", d.Bytes())
			}
		}
	})
}
