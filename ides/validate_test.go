package ides

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

func TestValidateEntry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tg := Target{Path: filepath.Join(dir, "mcp.json"), Servers: []string{"mcpServers"}, Format: config.JSON, Schema: "cursor-mcp.schema.json"}
	plan := func(entry string) error {
		fe := merge.FileEdit{Path: tg.Path, Display: "mcp.json", Format: tg.Format,
			Edits: []merge.Edit{SetEntry(tg, "lg", config.MustJSON(entry)), ValidateEntry(tg, "lg")}}
		_, err := merge.NewPlan(fe)
		return err
	}
	if err := plan(`{"command":"/bin/lg","args":["serve"]}`); err != nil {
		t.Errorf("valid entry: %v", err)
	}
	err := plan(`{"command":["/bin/lg"]}`)
	if err == nil || !strings.Contains(err.Error(), `the "lg" entry would not be valid, so nothing was written`) {
		t.Errorf("invalid entry: %v", err)
	}
}

func TestInvalidAfter(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(p, []byte(`{"mcpServers":{"bad":{"args":["x"]}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tg := Target{Path: p, Servers: []string{"mcpServers"}, Format: config.JSON}
	fe := merge.FileEdit{Path: p, Display: "mcp.json", Format: config.JSON,
		Edits: []merge.Edit{SetEntry(tg, "lg", config.MustJSON(`{"command":"/bin/lg"}`))}}
	n := InvalidAfter(fe, "cursor-mcp.schema.json", "is refused")
	if len(n) != 1 || n[0].Level != "warn" || !strings.HasPrefix(n[0].Text, "mcp.json is refused: ") {
		t.Errorf("notes = %+v", n)
	}
	if n := InvalidAfter(fe, "", "is refused"); n != nil {
		t.Errorf("no schema: %+v", n)
	}
}
