package jsondoc

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// tablesDoc is a ~/.claude.json in small: enough projects for an index,
// objects at every kept depth before and after the places edited.
func tablesDoc(t *testing.T) *Document {
	t.Helper()
	var b strings.Builder
	b.WriteString("{\n  \"numStartups\": 3,\n  \"tips\": {\"a\": 1, \"b\": {\"c\": 2}},\n  \"projects\": {\n")
	for i := range 20 {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "    \"/p/%02d\": {\n      \"allowedTools\": [\"Edit\"],\n      \"mcpServers\": {\"s%d\": {\"command\": \"x\"}},\n      \"lastCost\": %d\n    }", i, i, i)
	}
	b.WriteString("\n  },\n  \"userID\": \"u\"\n}")
	d, err := Parse([]byte(b.String()), true)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestTablesFollowEdits: after each edit, every member table the document
// carries over is the one a fresh parse of its text finds, and lookups
// agree with the fresh parse.
func TestTablesFollowEdits(t *testing.T) {
	t.Parallel()
	entry := config.MustJSON(`{"command":"latchgate-mcp","args":["serve"]}`)
	edits := []struct {
		name string
		edit func(d *Document) (bool, error)
	}{
		{"new top-level member", func(d *Document) (bool, error) { return d.Set(entry, "mcpServers", "latchgate") }},
		{"into a kept project", func(d *Document) (bool, error) { return d.Set(entry, "projects", "/p/05", "mcpServers", "latchgate") }},
		{"new project", func(d *Document) (bool, error) { return d.Set(entry, "projects", "/p/99", "mcpServers", "latchgate") }},
		{"replace a value in place", func(d *Document) (bool, error) {
			return d.Set(config.MustJSON(`{"command":"other"}`), "projects", "/p/07", "mcpServers", "s7")
		}},
		{"replace a kept object whole", func(d *Document) (bool, error) {
			return d.Set(config.MustJSON(`{"lastCost":1}`), "projects", "/p/03")
		}},
		{"replace a kept object by a string", func(d *Document) (bool, error) {
			return d.Set(config.StringValue("gone"), "projects", "/p/04")
		}},
		{"add to a list", func(d *Document) (bool, error) { return d.AddToSet("Bash", "projects", "/p/10", "allowedTools") }},
		{"remove from a list", func(d *Document) (bool, error) { return d.RemoveFromSet("Edit", "projects", "/p/11", "allowedTools") }},
		{"delete a project", func(d *Document) (bool, error) { return d.Delete("projects", "/p/12") }},
		{"delete the last project", func(d *Document) (bool, error) { return d.Delete("projects", "/p/99") }},
		{"delete a top-level member", func(d *Document) (bool, error) { return d.Delete("tips") }},
		{"delete the first top-level member", func(d *Document) (bool, error) { return d.Delete("numStartups") }},
	}
	d := tablesDoc(t)
	orig := d.Clone().(*Document)
	origText := string(orig.text())
	for _, e := range edits {
		changed, err := e.edit(d)
		if err != nil || !changed {
			t.Fatalf("%s: changed %v, %v", e.name, changed, err)
		}
		fresh, err := Parse(d.text(), true)
		if err != nil {
			t.Fatalf("%s: the text does not parse: %v", e.name, err)
		}
		if len(d.tables) == 0 {
			t.Errorf("%s: no tables carried over", e.name)
		}
		for start, got := range d.tables {
			want, ok := fresh.tables[start]
			if !ok {
				t.Errorf("%s: a table at %d, where a fresh parse has no object", e.name, start)
				continue
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(objectInfo{}, memberInfo{})); diff != "" {
				t.Errorf("%s: table at %d (-fresh +carried):\n%s", e.name, start, diff)
			}
		}
		for _, path := range [][]string{{"projects", "/p/00"}, {"projects", "/p/05", "mcpServers"}, {"projects", "/p/19"},
			{"projects", "/p/03"}, {"mcpServers"}, {"userID"}, {"tips", "b"}} {
			got, gok := d.GetRaw(path...)
			want, wok := fresh.GetRaw(path...)
			if gok != wok || !json.Valid(got) && gok || string(got) != string(want) {
				t.Errorf("%s: Get %q = %s, %v; a fresh parse: %s, %v", e.name, path, got, gok, want, wok)
			}
		}
		gk, _ := d.Keys("projects")
		wk, _ := fresh.Keys("projects")
		if diff := cmp.Diff(wk, gk); diff != "" {
			t.Errorf("%s: Keys(projects) (-fresh +carried):\n%s", e.name, diff)
		}
	}
	if string(orig.text()) != origText {
		t.Error("editing the document changed a clone taken before")
	}
	if v, ok := orig.GetRaw("projects", "/p/05", "mcpServers"); !ok || strings.Contains(string(v), "latchgate") {
		t.Errorf("the clone sees the edit: %s", v)
	}
}
