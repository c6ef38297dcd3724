// Package doctest holds the invariants every format's Document must keep,
// so that the JSON, TOML and YAML editors are fuzzed against the same
// promises: the output parses with the format's reference parser, the entry
// reads back, a second upsert changes nothing, and removing the entry again
// leaves every other piece of data as it was.
package doctest

import (
	"bytes"
	"errors"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Format describes one format for the invariant checks.
type Format struct {
	// Parse opens data with the format's Document.
	Parse func(data []byte) (config.Document, error)
	// Decode parses data with the format's reference parser (not ours)
	// into plain Go data: map[string]any, []any and scalars. It must fail
	// on anything the real clients would refuse.
	Decode func(data []byte) (any, error)
}

// Entry is a typical server entry, with characters that need quoting in
// every format.
var Entry = config.ObjectValue(
	config.M("command", config.StringValue("latchgate-mcp")),
	config.M("args", config.StringList("serve", "--gate-url", "http://127.0.0.1:3000/#x")),
	config.M("env", config.ObjectValue(
		config.M("LATCHGATE_AGENT_ID", config.StringValue("a'b\"c<&>\\ é")),
	)),
	config.M("timeout", config.IntValue(330)),
)

// CheckUpsert runs the invariants for one input: if in parses, setting
// value at path (parent path plus the entry's name) must give output that
// the reference parser reads, the entry must read back equal, a second set
// must be a no-op, and a delete must leave every other datum as it was
// (and, when the entry was not there before, the exact original bytes or
// those bytes plus an empty parent the set created).
//
// It returns quietly when in does not parse, or when the path is refused
// with a *config.PathError (a parent that is not a table or object).
func CheckUpsert(t *testing.T, f Format, in []byte, value config.Value, path ...string) {
	t.Helper()
	d, err := f.Parse(in)
	if err != nil {
		var se *config.SyntaxError
		if !errors.As(err, &se) {
			// Any refusal must still say where: only semantic refusals
			// (top level not a table) may come without a position.
			var pe *config.PathError
			if !errors.As(err, &pe) {
				t.Logf("parse refused without position: %v", err)
			}
		}
		return
	}
	before := bytes.Clone(d.Bytes())
	beforeData, err := f.Decode(before)
	if err != nil {
		// Our parser accepted what the reference parser refuses: only a
		// finding when the input was not empty (both treat empty alike).
		if len(bytes.TrimSpace(in)) > 0 {
			t.Fatalf("our parser accepted input the reference parser refuses (%v):\n%q", err, in)
		}
	}
	_, hadEntry := d.Get(path...)
	changed, err := d.Set(value, path...)
	if err != nil {
		var pe *config.PathError
		if errors.As(err, &pe) {
			if !bytes.Equal(d.Bytes(), before) {
				t.Fatalf("a refused set changed the bytes:\n%q\n%q", before, d.Bytes())
			}
			return
		}
		t.Fatalf("set: %v\ninput: %q", err, in)
	}
	patch, patched := patchOf(d)
	// Read back before anything builds the bytes: a document that keeps
	// its edit pending (jsondoc) answers from the edited span.
	pendingEntry, pendingOK := d.Get(path...)
	pendingRoot, _ := d.Get()
	out := bytes.Clone(d.Bytes())
	checkPatch(t, "set", in, out, patch, patched)
	if _, err := f.Decode(out); err != nil {
		t.Fatalf("output does not parse with the reference parser: %v\ninput: %q\noutput:\n%s", err, in, out)
	}
	if !changed && !bytes.Equal(out, before) {
		t.Fatalf("set reported no change but changed the bytes")
	}
	d2, err := f.Parse(out)
	if err != nil {
		t.Fatalf("output does not parse with our parser: %v\noutput:\n%s", err, out)
	}
	got, ok := d2.Get(path...)
	if !ok || !got.Equal(value) {
		gj, _ := got.MarshalJSON()
		t.Fatalf("entry reads back as %s (found=%v)\noutput:\n%s", gj, ok, out)
	}
	if !pendingOK || !pendingEntry.Equal(value) {
		gj, _ := pendingEntry.MarshalJSON()
		t.Fatalf("entry reads back from the edited document as %s (found=%v)\noutput:\n%s", gj, pendingOK, out)
	}
	if root2, _ := d2.Get(); !pendingRoot.Equal(root2) {
		t.Fatalf("the edited document reads otherwise than its output parsed again\noutput:\n%s", out)
	}
	if changed, err := d2.Set(value, path...); err != nil || changed {
		t.Fatalf("second set: changed=%v err=%v\noutput:\n%s", changed, err, out)
	}
	if !bytes.Equal(d2.Bytes(), out) {
		t.Fatalf("second set changed the bytes")
	}
	if _, err := d2.Delete(path...); err != nil {
		t.Fatalf("delete: %v\noutput:\n%s", err, out)
	}
	patch, patched = patchOf(d2)
	after := d2.Bytes()
	checkPatch(t, "delete", out, after, patch, patched)
	afterData, err := f.Decode(after)
	if err != nil {
		t.Fatalf("output of delete does not parse with the reference parser: %v\n%s", err, after)
	}
	if _, ok := d2.Get(path...); ok {
		t.Fatalf("entry still there after delete:\n%s", after)
	}
	if beforeData != nil {
		want, got := Without(beforeData, path), Without(afterData, path)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("other data changed (-before +after):\n%s\ninput: %q\nafter: %q", diff, in, after)
		}
	}
	if !hadEntry && len(bytes.TrimSpace(in)) > 0 && bytes.Equal(before, in) {
		// Removing what we just added gives back the file, or the file
		// with the (now empty) parents the set created.
		// The blanks inside an emptied "{ }" are not kept: the parent
		// collapses to "{}".
		trimmed := emptyBraces.ReplaceAll(before, []byte("{}"))
		if !bytes.Equal(after, before) && len(after) < len(trimmed) {
			t.Fatalf("delete after a fresh set lost bytes:\nbefore: %q\nafter:  %q", before, after)
		}
	}
}

// emptyBraces matches an empty object (or inline table) written with
// blanks or line breaks inside.
var emptyBraces = regexp.MustCompile(`\{[ \t\r\n]+\}`)

// patchOf returns d's patch, if d is a config.Patcher that can state it.
func patchOf(d config.Document) ([]config.Splice, bool) {
	if p, ok := d.(config.Patcher); ok {
		return p.Patch()
	}
	return nil, false
}

// checkPatch checks that a document's patch, taken before anything
// asked for its bytes, turns the parser's input into the bytes it gives:
// a file written from the patch is the file written from the bytes.
func checkPatch(t *testing.T, op string, in, out []byte, patch []config.Splice, ok bool) {
	t.Helper()
	if !ok {
		return
	}
	prev := 0
	for _, e := range patch {
		if e.Start < prev || e.End < e.Start || e.End > len(in) {
			t.Fatalf("%s: patch spans out of order or range: %+v (input %d bytes)", op, patch, len(in))
		}
		prev = e.End
	}
	if got := bytes.Join(config.SplicedPieces(in, patch), nil); !bytes.Equal(got, out) {
		t.Fatalf("%s: the patch gives other bytes than Bytes:\npatch: %q\nbytes: %q", op, got, out)
	}
}

// Without returns data with the member at path removed, and with parents
// that are left empty removed too, so that "install then uninstall" and
// "never installed" compare equal. A [config.Where] segment removes the
// list items that match.
func Without(data any, path []string) any {
	if len(path) == 0 {
		return nil
	}
	switch x := data.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = v
		}
		child, ok := out[path[0]]
		if !ok {
			return out
		}
		if len(path) == 1 {
			delete(out, path[0])
			return out
		}
		sub := Without(child, path[1:])
		if isEmpty(sub) {
			delete(out, path[0])
		} else {
			out[path[0]] = sub
		}
		return out
	case []any:
		field, value, ok := config.ParseWhere(path[0])
		if !ok {
			return x
		}
		var out []any
		for _, item := range x {
			if m, ok := item.(map[string]any); ok && m[field] == value {
				if len(path) == 1 {
					continue
				}
				item = Without(m, path[1:])
			}
			out = append(out, item)
		}
		if out == nil {
			out = []any{}
		}
		return out
	}
	return data
}

// isEmpty reports whether x is an empty object or list, or null: a YAML
// parent written "mcp_servers:" with nothing under it is null, and after an
// install and uninstall it is "{}"; both hold no servers.
func isEmpty(x any) bool {
	switch v := x.(type) {
	case nil:
		return true
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}
