package merge

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// TestNewPlanCombinesEditsOfOneFile: two FileEdits of the same file
// (two clients recording approvals in one state file) become one change
// built on each other, not two changes from the same bytes where the
// second would undo the first.
func TestNewPlanCombinesEditsOfOneFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "record.json")
	if err := os.WriteFile(p, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	add := func(s string) FileEdit {
		return FileEdit{Path: p, Display: "record.json", Format: config.JSON, Edits: []Edit{
			func(doc config.Document) (bool, error) { return doc.AddToSet(s, "items") }}}
	}
	other := filepath.Join(filepath.Dir(p), "other.json")
	plan, err := NewPlan(add("a"), FileEdit{Path: other, Format: config.JSON, Edits: []Edit{
		func(doc config.Document) (bool, error) { return doc.Set(config.StringValue("x"), "k") }}}, add("b"))
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Changes) != 2 || plan.Changes[0].Path != p || plan.Changes[1].Path != other {
		t.Fatalf("changes: %+v", plan.Changes)
	}
	if got, want := string(plan.Changes[0].After()), "{\n  \"items\": [\n    \"a\",\n    \"b\"\n  ]\n}\n"; got != want {
		t.Errorf("combined result:\n%s\nwant:\n%s", got, want)
	}
	bad := add("c")
	bad.Format = config.JSONC
	if _, err := NewPlan(add("a"), bad); err == nil {
		t.Error("one file edited as two formats: no error")
	}
}
