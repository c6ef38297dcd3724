package merge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func setEntry(path string) FileEdit {
	return FileEdit{Path: path, Display: filepath.Base(path), Format: config.JSON, NewMode: 0o600,
		Edits: []Edit{func(d config.Document) (bool, error) {
			return d.Set(config.StringValue("ours"), "mcpServers", "latchgate")
		}}}
}

// rewriteInPlace is an IDE saving the file in place with the same
// number of bytes, in the same tick of a coarse clock as the read before
// it (its time is set back to mod).
func rewriteInPlace(t *testing.T, path, text string, mod time.Time) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}

// TestApplySeesAWriteTheStatCannot: the file was written just before it
// was read, and an IDE writes it again with the same size and the same
// time (a coarse clock) before we write. Apply must not take the stat's
// word for it: it compares the bytes, plans again, and keeps the IDE's
// change.
func TestApplySeesAWriteTheStatCannot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte(`{"theme": "dark"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(setEntry(path))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	rewriteInPlace(t, path, `{"theme": "lite"}`, info.ModTime())
	res, err := Apply(context.Background(), plan, ApplyOptions{Backups: &backup.Store{Dir: filepath.Join(dir, "backups")}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !strings.Contains(string(got), `"lite"`) || !strings.Contains(string(got), `"ours"`) {
		t.Errorf("the IDE's change or ours is lost:\n%s", got)
	}
	if len(res) != 1 || !res[0].Replan {
		t.Errorf("not planned again: %+v", res)
	}
	if b, err := res[0].Backup.Data(); err != nil || string(b) != `{"theme": "lite"}` {
		t.Errorf("the backup holds %q (%v), want what the write replaced", b, err)
	}
}

// TestPlanSharesTheRunsRead: a file ReadDoc has read is planned from the
// same bytes without reading it again, on a copy of the shared document;
// after the write, ReadDoc hands out the document written.
func TestPlanSharesTheRunsRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("{\n  \"theme\": \"dark\"\n}"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	shared, _, err := ReadDoc(path, config.JSON, "state.json")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(setEntry(path))
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Changes[0]
	if e := cached(path, config.JSON); e == nil || &e.data[0] != &c.Before[0] {
		t.Error("the plan read the file again")
	}
	if _, ok := shared.Get("mcpServers"); ok {
		t.Error("the plan edited the document other readers share")
	}
	if _, err := Apply(context.Background(), plan, ApplyOptions{Backups: &backup.Store{Dir: filepath.Join(dir, "backups")}}); err != nil {
		t.Fatal(err)
	}
	after, _, err := ReadDoc(path, config.JSON, "state.json")
	if err != nil {
		t.Fatal(err)
	}
	if after != c.doc {
		t.Error("ReadDoc after the write did not hand out the document written")
	}
	if v, ok := after.Get("mcpServers", "latchgate"); !ok || v.Interface() != "ours" {
		t.Errorf("the written document lacks the entry: %v", v.Interface())
	}
	// Written again by someone else: read afresh.
	if err := os.WriteFile(path, []byte(`{"theme": "light", "mcpServers": {"other": "theirs", "latchgate": "theirs too"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	again, _, _ := ReadDoc(path, config.JSON, "state.json")
	if v, _ := again.Get("theme"); v.Interface() != "light" {
		t.Errorf("ReadDoc after another program's write: theme %v", v.Interface())
	}
}
