package claudecode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

var update = flag.Bool("update", false, "rewrite the after/ and diff sections of the golden files")

// goldenDir holds one txtar archive per case. Sections:
//
//	request          op, scope, name, approve, command, args, env (key: value lines)
//	before/PATH      a file under HOME before the run (absent: no section)
//	after/PATH       the file after the run (absent: no section)
//	diff             what --dry-run prints
//	error            the expected error, instead of after/ and diff
//
// In every section @HOME@ stands for the temporary home directory. txtar
// ends every section with a newline, so a file without a final newline
// has "#nonl" after its name.
const goldenDir = "../../testdata/golden/claudecode"

type request struct {
	op      string
	req     ides.Request
	envVars map[string]string
}

func parseRequest(t *testing.T, text string) request {
	t.Helper()
	r := request{op: "install", envVars: map[string]string{},
		req: ides.Request{Scope: ides.ScopeUser, Name: "latchgate", Spec: ides.ServerSpec{
			Command: "/usr/local/bin/latchgate-mcp",
			Args:    []string{"serve", "--gate-socket", "/run/user/1000/latchgate/gate.sock", "--public-base-url", "http://localhost:3000"},
			Env:     ides.EnvList{{Name: "LATCHGATE_AGENT_ID", Value: "claude-code"}, {Name: "RUST_LOG", Value: "warn"}},
		}}}
	for _, line := range strings.Split(text, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "op":
			r.op = val
		case "scope":
			r.req.Scope = ides.Scope(val)
		case "name":
			r.req.Name = val
		case "approve":
			r.req.Approve = val == "true"
		case "command":
			r.req.Spec.Command = val
		case "args":
			r.req.Spec.Args = strings.Fields(val)
		case "env":
			k, v, _ := strings.Cut(val, "=")
			r.envVars[k] = v
		default:
			t.Fatalf("unknown request key %q", key)
		}
	}
	return r
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("found %d golden cases, want at least 25", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) { runGolden(t, file) })
	}
}

func runGolden(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	home := filepath.Join(root, "home")
	subst := func(s string) string { return strings.ReplaceAll(s, "@HOME@", home) }
	unsubst := func(s string) string { return strings.ReplaceAll(s, home, "@HOME@") }

	var req request
	before := map[string][]byte{}
	for _, f := range ar.Files {
		switch {
		case f.Name == "request":
			req = parseRequest(t, subst(string(f.Data)))
		case strings.HasPrefix(f.Name, "before/"):
			rel, data := fileSection(f)
			rel = strings.TrimPrefix(rel, "before/")
			data = []byte(subst(string(data)))
			before[rel] = data
			p := filepath.Join(home, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Join(home, "proj"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: filepath.Join(home, "proj"),
		ProjectRoot: filepath.Join(home, "proj"), Vars: req.envVars, UID: 1000}

	plan, planErr := planRequest(env, req)
	var gotErr string
	if planErr != nil {
		gotErr = unsubst(planErr.Error()) + "\n"
	}
	want := map[string]string{}
	var wantErr, wantDiff string
	for _, f := range ar.Files {
		switch {
		case f.Name == "error":
			wantErr = string(f.Data)
		case f.Name == "diff":
			wantDiff = string(f.Data)
		case strings.HasPrefix(f.Name, "after/"):
			rel, data := fileSection(f)
			want[strings.TrimPrefix(rel, "after/")] = string(data)
		}
	}

	if planErr != nil {
		if *update {
			rewrite(t, file, ar, map[string]string{"error": gotErr}, nil)
			return
		}
		if gotErr != wantErr {
			t.Fatalf("error:\n got: %s\nwant: %s", gotErr, wantErr)
		}
		assertUntouched(t, home, before)
		return
	}
	if wantErr != "" && !*update {
		t.Fatalf("want error %q, got none", wantErr)
	}
	diff := unsubst(plan.Diff())

	// Apply for real, then read back every file we know of.
	ctx := context.Background()
	opts := merge.ApplyOptions{Backups: &backup.Store{Dir: filepath.Join(root, "state", "backups")}, LockDir: filepath.Join(root, "state", "locks")}
	if _, err := merge.Apply(ctx, plan, opts); err != nil {
		t.Fatalf("apply: %v", err)
	}
	got := readTree(t, home)
	for rel, data := range got {
		got[rel] = unsubst(data)
	}

	if *update {
		rewrite(t, file, ar, map[string]string{"diff": diff}, got)
		return
	}
	if d := cmp.Diff(wantDiff, diff); d != "" {
		t.Errorf("dry-run diff (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files after the run (-want +got):\n%s", d)
	}
	for rel, data := range got {
		if strings.HasSuffix(rel, ".json") && !json.Valid(bytes.TrimPrefix([]byte(data), []byte("\xEF\xBB\xBF"))) {
			t.Errorf("%s is not plain JSON after the run:\n%s", rel, data)
		}
	}

	// A second identical run is a no-op: nothing pending, no file written.
	mtimes := statTree(t, home)
	time.Sleep(10 * time.Millisecond) // let a rewrite show in the mtime
	again, err := planRequest(env, req)
	if err != nil {
		t.Fatalf("second plan: %v", err)
	}
	if p := again.Pending(); len(p) != 0 {
		t.Errorf("second run would change %s:\n%s", p[0].Display, again.Diff())
	}
	if _, err := merge.Apply(ctx, again, opts); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if d := cmp.Diff(mtimes, statTree(t, home)); d != "" {
		t.Errorf("second run touched files (-before +after):\n%s", d)
	}
}

// fileSection returns a file section's name and contents, with the
// "#nonl" convention undone.
func fileSection(f txtar.File) (string, []byte) {
	if name, ok := strings.CutSuffix(f.Name, "#nonl"); ok {
		return name, bytes.TrimSuffix(f.Data, []byte("\n"))
	}
	return f.Name, f.Data
}

func planRequest(env ides.Env, r request) (*merge.Plan, error) {
	var edits []merge.FileEdit
	var err error
	switch r.op {
	case "install":
		edits, _, err = ides.PlanInstall(claudecode.Adapter{}, env, r.req)
	case "uninstall":
		edits, _, err = ides.PlanUninstall(claudecode.Adapter{}, env, r.req)
	}
	if err != nil {
		return nil, err
	}
	return merge.NewPlan(edits...)
}

func readTree(t *testing.T, home string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(home, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(home, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func statTree(t *testing.T, home string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	_ = filepath.Walk(home, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out[p] = info.ModTime()
		}
		return err
	})
	return out
}

func assertUntouched(t *testing.T, home string, before map[string][]byte) {
	t.Helper()
	got := readTree(t, home)
	for rel, data := range before {
		if got[rel] != string(data) {
			t.Errorf("%s changed although the run failed", rel)
		}
	}
}

// rewrite replaces the generated sections of the archive: sections named
// in gen, and after/ files from files (nil: drop after/ sections).
func rewrite(t *testing.T, file string, ar *txtar.Archive, gen map[string]string, files map[string]string) {
	t.Helper()
	var out []txtar.File
	for _, f := range ar.Files {
		if f.Name == "diff" || f.Name == "error" || strings.HasPrefix(f.Name, "after/") {
			continue
		}
		out = append(out, f)
	}
	var rels []string
	for rel := range files {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	for _, rel := range rels {
		name, data := "after/"+rel, files[rel]
		if data != "" && !strings.HasSuffix(data, "\n") {
			name, data = name+"#nonl", data+"\n"
		}
		out = append(out, txtar.File{Name: name, Data: []byte(data)})
	}
	for _, name := range []string{"diff", "error"} {
		if v, ok := gen[name]; ok {
			out = append(out, txtar.File{Name: name, Data: []byte(v)})
		}
	}
	ar.Files = out
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
