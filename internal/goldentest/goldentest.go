package goldentest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/opsetup"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

// Config describes one adapter's golden cases.
//
// Sections of a case archive:
//
//	request          op, scope, name, approve, profile, command, args, forward, env (key: value lines);
//	                 op is install, uninstall, install-operator or uninstall-operator (name is then
//	                 the agent's entry; the operator entry reaches the gate as OperatorConn says,
//	                 and uninstall-operator reads the record from before/)
//	before/PATH      a file under HOME before the run (absent: no section)
//	after/PATH       the file after the run (absent: no section)
//	diff             what --dry-run prints
//	error            the expected error, instead of after/ and diff
//
// In every section @HOME@ stands for the temporary home directory, whose
// "proj" subdirectory is the project. txtar ends every section with a
// newline, so a file without a final newline has "#nonl" after its name.
type Config struct {
	Dir      string       // the archives
	MinCases int          // fail if fewer are found
	Adapter  ides.Adapter // the adapter under test
	// Spec is the server spec of a request that does not name one.
	Spec ides.ServerSpec
	// Schema names the schema a file after the run must match, by its
	// slash-separated path under HOME; "" for files we have none for.
	Schema func(rel string) string
	Update bool // rewrite after/, diff and error sections
}

// Request is a parsed request section.
type Request struct {
	Op      string // install or uninstall
	Req     ides.Request
	EnvVars map[string]string
}

// ParseRequest reads a request section over the defaults of c.
func (c Config) ParseRequest(t *testing.T, text string) Request {
	t.Helper()
	spec := c.Spec
	spec.Args = append([]string(nil), spec.Args...)
	spec.Env = append(ides.EnvList(nil), spec.Env...)
	r := Request{Op: "install", EnvVars: map[string]string{},
		Req: ides.Request{Scope: c.Adapter.Scopes()[0], Name: "latchgate", Spec: spec}}
	for _, line := range strings.Split(text, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "op":
			r.Op = val
		case "scope":
			r.Req.Scope = ides.ParseScope(val)
		case "name":
			r.Req.Name = val
		case "approve":
			r.Req.Approve = val == "true"
		case "profile":
			r.Req.Profile = val
		case "command":
			r.Req.Spec.Command = val
		case "args":
			r.Req.Spec.Args = strings.Fields(val)
		case "forward":
			r.Req.Spec.Forward = strings.Fields(val)
		case "env":
			k, v, _ := strings.Cut(val, "=")
			r.EnvVars[k] = v
		default:
			t.Fatalf("unknown request key %q", key)
		}
	}
	return r
}

// Run runs every case in c.Dir as a subtest.
func Run(t *testing.T, c Config) {
	files, err := filepath.Glob(filepath.Join(c.Dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < c.MinCases {
		t.Fatalf("found %d golden cases in %s, want at least %d", len(files), c.Dir, c.MinCases)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) { c.runCase(t, file) })
	}
}

func (c Config) runCase(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	home := filepath.Join(root, "home")
	subst := func(s string) string { return strings.ReplaceAll(s, "@HOME@", home) }
	unsubst := func(s string) string { return strings.ReplaceAll(s, home, "@HOME@") }

	var req Request
	before := map[string][]byte{}
	for _, f := range ar.Files {
		switch {
		case f.Name == "request":
			req = c.ParseRequest(t, subst(string(f.Data)))
		case strings.HasPrefix(f.Name, "before/"):
			rel, data := FileSection(f)
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
	if req.Op == "" {
		req = c.ParseRequest(t, "")
	}
	if err := os.MkdirAll(filepath.Join(home, "proj"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: filepath.Join(home, "proj"),
		ProjectRoot: filepath.Join(home, "proj"), Vars: req.EnvVars, UID: 1000}

	plan, planErr := c.plan(env, req)
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
			rel, data := FileSection(f)
			want[strings.TrimPrefix(rel, "after/")] = string(data)
		}
	}

	if planErr != nil {
		if c.Update {
			Rewrite(t, file, ar, generated, map[string]string{"error": gotErr}, nil)
			return
		}
		if gotErr != wantErr {
			t.Fatalf("error:\n got: %s\nwant: %s", gotErr, wantErr)
		}
		assertUntouched(t, home, before)
		return
	}
	if wantErr != "" && !c.Update {
		t.Fatalf("want error %q, got none", wantErr)
	}
	diff := unsubst(plan.Diff())
	// The format of each file the plan edits: a file beside the targets
	// (an approval or trust file) is checked as what it was edited as.
	formats := map[string]config.Format{}
	for _, ch := range plan.Changes {
		if rel, err := filepath.Rel(home, ch.Path); err == nil {
			formats[filepath.ToSlash(rel)] = ch.Format
		}
	}

	// Apply for real, then read back every file we know of.
	ctx := context.Background()
	opts := merge.ApplyOptions{Backups: &backup.Store{Dir: filepath.Join(root, "state", "backups")}, LockDir: filepath.Join(root, "state", "locks")}
	if _, err := merge.Apply(ctx, plan, opts); err != nil {
		t.Fatalf("apply: %v", err)
	}
	got := ReadTree(t, home)
	for rel, data := range got {
		got[rel] = unsubst(data)
	}

	if c.Update {
		Rewrite(t, file, ar, generated, map[string]string{"diff": diff}, got)
		return
	}
	if d := cmp.Diff(wantDiff, diff); d != "" {
		t.Errorf("dry-run diff (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files after the run (-want +got):\n%s", d)
	}
	// The files the adapter says its client reads, with their formats:
	// an adapter with several files per scope lists them here.
	known := map[string]ides.Location{}
	if locs, err := ides.Locations(c.Adapter, env); err == nil {
		for _, l := range locs {
			if rel, err := filepath.Rel(home, l.Path); err == nil {
				known[filepath.ToSlash(rel)] = l
			}
		}
	}
	for rel, data := range got {
		// A .git directory only marks the project root.
		if !strings.Contains("/"+rel, "/.git/") {
			c.checkFile(t, rel, data, formats[rel], known)
		}
	}

	// A second identical run is a no-op: nothing pending, no file written.
	mtimes := statTree(t, home)
	time.Sleep(10 * time.Millisecond) // let a rewrite show in the mtime
	again, err := c.plan(env, req)
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

// checkFile checks a file after the run: strict-JSON files stay plain
// JSON, and files with a schema match it. edited is the format the plan
// edited the file as, "" for a file it did not touch; known holds the
// files the adapter lists (ides.Locations), with their format and schema.
func (c Config) checkFile(t *testing.T, rel, data string, edited config.Format, known map[string]ides.Location) {
	t.Helper()
	format, schema := c.formatOf(rel)
	if l, ok := known[rel]; ok {
		format, schema = l.Format, l.Schema
	} else if edited != "" && schema == "" {
		format = edited
	}
	if c.Schema != nil {
		schema = c.Schema(rel)
	}
	doc, err := formats.Parse(format, []byte(data))
	if err != nil {
		t.Errorf("%s is not valid %s after the run: %v\n%s", rel, format, err, data)
		return
	}
	if format == config.JSON && !json.Valid(bytes.TrimPrefix([]byte(data), []byte("\xEF\xBB\xBF"))) {
		t.Errorf("%s is not plain JSON after the run:\n%s", rel, data)
	}
	if schema == "" {
		return
	}
	root, _ := doc.Get()
	if err := schemas.ValidateValue(schema, root.Interface()); err != nil {
		t.Errorf("%s after the run: %v\n%s", rel, err, data)
	}
}

// formatOf returns the format and schema of the adapter's file rel (by
// its name and scope directory); strict JSON and no schema for files no
// target names (settings the adapter edits beside its targets).
func (c Config) formatOf(rel string) (config.Format, string) {
	env := ides.Env{GOOS: "linux", Home: "/h", ProjectRoot: "/h/proj", WorkDir: "/h/proj", Vars: map[string]string{}}
	for _, s := range c.Adapter.Scopes() {
		t, err := c.Adapter.Target(env, s)
		if err == nil && strings.HasSuffix(filepath.ToSlash(t.Path), "/"+rel) {
			return t.Format, t.Schema
		}
	}
	for _, s := range c.Adapter.Scopes() {
		t, err := c.Adapter.Target(env, s)
		if err == nil && filepath.Base(t.Path) == filepath.Base(rel) {
			return t.Format, t.Schema
		}
	}
	return config.JSON, ""
}

func (c Config) plan(env ides.Env, r Request) (*merge.Plan, error) {
	var edits []merge.FileEdit
	var err error
	switch r.Op {
	case "install":
		edits, _, err = ides.PlanInstall(c.Adapter, env, r.Req)
	case "uninstall":
		edits, _, err = ides.PlanUninstall(c.Adapter, env, r.Req)
	case "install-operator", "uninstall-operator":
		edits, err = c.planOperator(env, r)
	default:
		return nil, fmt.Errorf("unknown op %q", r.Op)
	}
	if err != nil {
		return nil, err
	}
	return merge.NewPlan(edits...)
}

// OperatorConn is how the operator entry of an install-operator case
// reaches the gate; its key and token files are in the credential
// directory below the case's HOME.
func OperatorConn(env ides.Env) opsetup.Conn {
	dir := opsetup.CredentialDir(env, opsetup.BaseDir(env))
	return opsetup.Conn{AdminSocket: "/run/user/1000/latchgate/gate-admin.sock", PublicBaseURL: "http://localhost:3000",
		KeyPath: filepath.Join(dir, opsetup.KeyFile), TokenPath: filepath.Join(dir, opsetup.TokenFile)}
}

// planOperator plans an install-operator or uninstall-operator case.
func (c Config) planOperator(env ides.Env, r Request) ([]merge.FileEdit, error) {
	base := opsetup.BaseDir(env)
	req := opsetup.Request{AgentName: r.Req.Name, Profile: r.Req.Profile, Base: base, Command: c.Spec.Command, Conn: OperatorConn(env)}
	adapters := []ides.Adapter{c.Adapter}
	if r.Op == "install-operator" {
		in, err := opsetup.PlanInstall(env, adapters, req)
		if err != nil {
			return nil, err
		}
		return in.Edits, nil
	}
	rec, err := opsetup.ReadRecord(opsetup.RecordPath(env, base))
	if err != nil {
		return nil, err
	}
	un, err := opsetup.PlanUninstall(env, adapters, req, rec)
	if err != nil {
		return nil, err
	}
	return un.Edits, nil
}

// FileSection returns a file section's name and contents, with the
// "#nonl" convention undone.
func FileSection(f txtar.File) (string, []byte) {
	if name, ok := strings.CutSuffix(f.Name, "#nonl"); ok {
		return name, bytes.TrimSuffix(f.Data, []byte("\n"))
	}
	return f.Name, f.Data
}

// ReadTree returns every file under home by its slash path.
func ReadTree(t *testing.T, home string) map[string]string {
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
	got := ReadTree(t, home)
	for rel, data := range before {
		if got[rel] != string(data) {
			t.Errorf("%s changed although the run failed", rel)
		}
	}
}

// generated are the sections of a golden case that -update writes.
var generated = []string{"diff", "error"}

// Rewrite replaces the generated sections of the archive at file (-update):
// the sections named in generated, from gen (one gen lacks is dropped),
// and the after/ files, from files (nil: none).
func Rewrite(t *testing.T, file string, ar *txtar.Archive, generated []string, gen, files map[string]string) {
	t.Helper()
	var out []txtar.File
	for _, f := range ar.Files {
		if slices.Contains(generated, f.Name) || strings.HasPrefix(f.Name, "after/") {
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
	for _, name := range generated {
		if v, ok := gen[name]; ok {
			out = append(out, txtar.File{Name: name, Data: []byte(v)})
		}
	}
	ar.Files = out
	if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
		t.Fatal(err)
	}
}
