package merge

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
)

// TestApplyWritesPatch: an edit a document can state as a patch of the
// bytes read is written from Before's spans around the new text, with no
// buffer of the whole new file, and the file is what the whole new bytes
// are (a BOM and CRLF line ends kept); the report after reading the file
// again in this run (the read cache) sees the entry, and a second plan
// is a no-op.
func TestApplyWritesPatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	before := []byte("\xEF\xBB\xBF{\r\n  \"a\": [1, 2],\r\n  \"mcpServers\": {\r\n    \"other\": {\"command\": \"x\"}\r\n  },\r\n  \"z\": true\r\n}\r\n")
	if err := os.WriteFile(p, before, 0o600); err != nil {
		t.Fatal(err)
	}
	entry := config.MustJSON(`{"command":"latchgate-mcp","args":["serve"]}`)
	fe := FileEdit{Path: p, Display: "settings.json", Format: config.JSON, Edits: []Edit{
		func(d config.Document) (bool, error) { return d.Set(entry, "mcpServers", "latchgate") }}}
	plan, err := NewPlan(fe)
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Changes[0]
	if !c.patched || c.after != nil {
		t.Fatalf("the change is not a pending patch (patched %v, after built %v)", c.patched, c.after != nil)
	}
	if !c.Changed() {
		t.Fatal("a patch that adds an entry reads as no change")
	}
	if _, err := Apply(context.Background(), plan, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// The whole new bytes, from a document that builds them.
	whole, err := formats.Parse(config.JSON, before)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := whole.Set(entry, "mcpServers", "latchgate"); err != nil {
		t.Fatal(err)
	}
	if want := whole.Bytes(); !bytes.Equal(got, want) || !bytes.Equal(c.After(), want) {
		t.Fatalf("written:\n%q\nAfter:\n%q\nthe whole new bytes:\n%q", got, c.After(), want)
	}
	if !bytes.HasPrefix(got, []byte("\xEF\xBB\xBF{\r\n")) || !bytes.Contains(got, []byte("\"latchgate\": {\r\n")) {
		t.Fatalf("BOM or CRLF lost:\n%q", got)
	}
	doc, _, err := ReadDoc(p, config.JSON, "settings.json")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := doc.Get("mcpServers", "latchgate"); !ok || !v.Equal(entry) {
		t.Fatalf("read back after the write: %v, %v", v, ok)
	}
	again, err := NewPlan(fe)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Pending()) != 0 {
		t.Fatalf("a second plan changes the file again:\n%s", again.Diff())
	}
}
