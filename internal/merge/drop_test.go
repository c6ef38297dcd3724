package merge

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// TestDropRemovesTheFile: a FileEdit whose Drop says so removes the file,
// with a diff to /dev/null and a backup that puts it back; when Drop says
// no, the file is written as usual.
func TestDropRemovesTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "settings.json")
	orig := "{\n  \"a\": 1\n}\n"
	if err := os.WriteFile(p, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := func(after []byte) bool { return strings.TrimSpace(string(after)) == "{}" }
	fe := FileEdit{Path: p, Display: "settings.json", Format: config.JSON, Drop: empty,
		Edits: []Edit{func(doc config.Document) (bool, error) { return doc.Delete("a") }}}
	plan, err := NewPlan(fe)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Pending()) != 1 || !plan.Changes[0].Removes() {
		t.Fatalf("the plan does not remove the file: %+v", plan.Changes[0])
	}
	if d := plan.Diff(); !strings.Contains(d, "+++ /dev/null") || !strings.Contains(d, "-  \"a\": 1") {
		t.Errorf("diff of a removal:\n%s", d)
	}
	store := &backup.Store{Dir: filepath.Join(dir, "backups")}
	res, err := Apply(context.Background(), plan, ApplyOptions{Backups: store, LockDir: filepath.Join(dir, "locks")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the file is still there: %v", err)
	}
	if len(res) != 1 || res[0].Backup == nil {
		t.Fatalf("no backup of the removed file: %+v", res)
	}
	if err := backup.Put(*res[0].Backup); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != orig {
		t.Errorf("restored from the backup: %q, want %q", data, orig)
	}

	// Something left after the edits: written, not removed.
	keep := fe
	keep.Edits = []Edit{func(doc config.Document) (bool, error) { return doc.Set(config.IntValue(2), "a") }}
	plan, err = NewPlan(keep)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Changes[0].Removes() {
		t.Fatal("a file with contents left is to be removed")
	}
}

// TestRollbackRestoresARemovedFile: when a later file fails, a file this
// run removed comes back.
func TestRollbackRestoresARemovedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	orig := "{}\n"
	if err := os.WriteFile(p, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	drop := FileEdit{Path: p, Display: "a.json", Format: config.JSON, Drop: func([]byte) bool { return true },
		Edits: []Edit{func(config.Document) (bool, error) { return false, nil }}}
	sub := filepath.Join(dir, "sub")
	bad := FileEdit{Path: filepath.Join(sub, "b.json"), Display: "b.json", Format: config.JSON,
		Edits: []Edit{func(doc config.Document) (bool, error) { return doc.Set(config.IntValue(1), "x") }}}
	plan, err := NewPlan(drop, bad)
	if err != nil {
		t.Fatal(err)
	}
	// Once planned, the second file's directory becomes a file: its
	// write fails.
	if err := os.WriteFile(sub, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Apply(context.Background(), plan, ApplyOptions{Backups: &backup.Store{Dir: filepath.Join(dir, "backups")}})
	if err == nil {
		t.Fatal("the second write did not fail")
	}
	if data, rerr := os.ReadFile(p); rerr != nil || string(data) != orig {
		t.Errorf("the removed file was not put back: %q, %v (apply: %v)", data, rerr, err)
	}
}
