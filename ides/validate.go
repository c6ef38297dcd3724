package ides

import (
	"fmt"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

// Some clients reject a whole file for one entry of the wrong shape
// (OpenCode stops, Cline CLI loads no server from it). For them install
// checks what it writes against the target's schema before anything is
// written, and says when the rest of the file would still be refused.

// ValidateEntry is an edit to run after the entry edit on t's file: the
// entry under name, alone in an otherwise empty file, must match
// t.Schema, or the plan fails. It changes nothing.
func ValidateEntry(t Target, name string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		entry, ok := doc.Get(t.EntryPath(name)...)
		if t.Schema == "" || !ok {
			return false, nil
		}
		var v any = map[string]any{name: entry.Interface()}
		for i := len(t.Servers) - 1; i >= 0; i-- {
			v = map[string]any{t.Servers[i]: v}
		}
		if err := schemas.ValidateValue(t.Schema, v); err != nil {
			return false, fmt.Errorf("the %q entry would not be valid, so nothing was written: %w", name, err)
		}
		return false, nil
	}
}

// InvalidAfter plans fe and checks the whole resulting file against
// schema: a warning saying what the client does with a file that does not
// match (consequence, e.g. "OpenCode refuses to start"), or none. A file
// that cannot be planned gives none: the plan itself reports it.
func InvalidAfter(fe merge.FileEdit, schema, consequence string) []Note {
	if schema == "" {
		return nil
	}
	ch, err := merge.PlanFile(fe)
	if err != nil || ch.After() == nil {
		return nil
	}
	doc, err := formats.Parse(fe.Format, ch.After())
	if err != nil {
		return nil
	}
	root, _ := doc.Get()
	if err := schemas.ValidateValue(schema, root.Interface()); err != nil {
		return []Note{{Level: "warn", ID: "schema", Text: fmt.Sprintf("%s %s: %v", fe.Display, consequence, err),
			Hint: "fix the entries named there; install does not touch other servers"}}
	}
	return nil
}
