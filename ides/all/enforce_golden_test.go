package all_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
	"github.com/latchgate-ai/latchgate-mcp/internal/enforce"
	"github.com/latchgate-ai/latchgate-mcp/internal/goldentest"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// TestEnforceGolden runs the enforce cases in testdata/enforce/<id>: the
// files an adapter's policy leaves after enforce, the diff --dry-run
// shows, and the level it reports. Every case then checks that a second
// run changes nothing and that --undo gives back every file byte for byte
// (or removes the ones enforce created).
//
// Sections: request (scope, shell, name, command, args, allow NAME=CMD
// ARGS..., sandbox: available, env K=V), before/PATH and after/PATH (under
// HOME; sys/ is the machine root, where managed files go), diff, level
// (the level, then one line per missing lock check), error. @HOME@ stands
// for the home directory.
func TestEnforceGolden(t *testing.T) {
	for _, a := range all.Adapters() {
		if _, ok := a.(ides.Enforcer); !ok {
			continue
		}
		t.Run(a.ID(), func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("..", "..", "testdata", "enforce", a.ID())
			files, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
			if len(files) < minCases {
				t.Fatalf("found %d enforce cases in %s, want at least %d", len(files), dir, minCases)
			}
			for _, file := range files {
				t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
					t.Parallel()
					runEnforceCase(t, a, file)
				})
			}
		})
	}
}

// enforceGenerated are the sections of an enforce case that -update
// writes, besides the after/ files.
var enforceGenerated = []string{"diff", "level", "error"}

func runEnforceCase(t *testing.T, a ides.Adapter, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	home := filepath.Join(root, "home")
	subst := func(s string) string { return strings.ReplaceAll(s, "@HOME@", home) }
	unsubst := func(s string) string { return strings.ReplaceAll(s, home, "@HOME@") }
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: filepath.Join(home, "proj"), ProjectRoot: filepath.Join(home, "proj"),
		Vars: map[string]string{"PATH": filepath.Join(root, "nobin")}, UID: 0, SysRoot: filepath.Join(home, "sys")}
	req := ides.EnforceRequest{Scope: ides.ScopeUser, Name: "latchgate", Operator: "latchgate-operator",
		Entry: ides.StoredEntry{Command: "/usr/local/bin/latchgate-mcp", Args: []string{"serve", "--gate-url", "http://127.0.0.1:3000"}}}
	before := map[string]string{}
	wantFiles := map[string]string{}
	var wantDiff, wantLevel, wantErr string
	for _, f := range ar.Files {
		name, raw := goldentest.FileSection(f)
		data := string(raw)
		switch {
		case name == "request":
			for _, line := range strings.Split(subst(data), "\n") {
				k, v, ok := strings.Cut(line, ":")
				if !ok {
					continue
				}
				k, v = strings.TrimSpace(k), strings.TrimSpace(v)
				switch k {
				case "scope":
					req.Scope = ides.Scope(v)
				case "shell":
					req.Shell, req.ShellChosen = ides.ShellPolicy(v), true
				case "name":
					req.Name = v
				case "command":
					req.Entry.Command = v
				case "args":
					req.Entry.Args = strings.Fields(v)
				case "allow":
					n, cmdline, _ := strings.Cut(v, "=")
					f := strings.Fields(cmdline)
					req.Allow = append(req.Allow, ides.AllowedServer{Name: n, Entry: ides.StoredEntry{Command: f[0], Args: f[1:]}})
				case "sandbox":
					bin := filepath.Join(root, "bin")
					for _, tool := range []string{"bwrap", "socat"} {
						writeFile(t, filepath.Join(bin, tool), "#!/bin/sh\nexit 0\n", 0o755)
					}
					env.Vars["PATH"] = bin
				case "env":
					ek, ev, _ := strings.Cut(v, "=")
					env.Vars[ek] = ev
				default:
					t.Fatalf("unknown request key %q", k)
				}
			}
		case strings.HasPrefix(name, "before/"):
			rel := strings.TrimPrefix(name, "before/")
			before[rel] = subst(data)
			writeFile(t, filepath.Join(home, rel), subst(data), 0o644)
		case strings.HasPrefix(name, "after/"):
			wantFiles[strings.TrimPrefix(name, "after/")] = data
		case name == "diff":
			wantDiff = data
		case name == "level":
			wantLevel = data
		case name == "error":
			wantErr = data
		}
	}
	if err := os.MkdirAll(env.WorkDir, 0o755); err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(root, "state", enforce.RecordName)
	run := func(undo bool) (*merge.Plan, ides.EnforcePlan, error) {
		p, err := enforce.NewPlanner(record, func(s string) string { return unsubst(s) })
		if err != nil {
			t.Fatal(err)
		}
		var plan ides.EnforcePlan
		if undo {
			p.Undo("", "")
		} else {
			plan, err = a.(ides.Enforcer).PlanEnforce(env, req)
			if err != nil {
				return nil, plan, err
			}
			p.Enforce(a.ID(), req.Scope, plan.Level, plan.Files, enforce.Request{})
		}
		mp, err := merge.NewPlan(p.Edits()...)
		if err != nil {
			return nil, plan, err
		}
		return mp, plan, nil
	}
	apply := func(mp *merge.Plan) {
		t.Helper()
		if _, err := merge.Apply(context.Background(), mp, merge.ApplyOptions{Backups: &backup.Store{Dir: filepath.Join(root, "state", "backups")}}); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}

	mp, plan, err := run(false)
	if err != nil && *update {
		goldentest.Rewrite(t, file, ar, enforceGenerated, map[string]string{"error": unsubst(err.Error()) + "\n"}, nil)
		return
	}
	if err != nil {
		if got := unsubst(err.Error()) + "\n"; got != wantErr {
			t.Fatalf("error:\n got: %s\nwant: %s", got, wantErr)
		}
		if d := cmp.Diff(before, goldentest.ReadTree(t, home)); d != "" {
			t.Errorf("files changed although the run failed (-before +after):\n%s", d)
		}
		return
	}
	if wantErr != "" && !*update {
		t.Fatalf("want error %q, got none", wantErr)
	}
	var diff strings.Builder
	for _, c := range mp.Pending() {
		if c.Path != record {
			diff.WriteString(unsubst(c.Diff()))
		}
	}
	level := string(plan.Level) + "\n"
	for _, m := range plan.Missing {
		level += m + "\n"
	}
	apply(mp)
	got := goldentest.ReadTree(t, home)
	for rel, data := range got {
		got[rel] = unsubst(data)
	}
	if *update {
		goldentest.Rewrite(t, file, ar, enforceGenerated, map[string]string{"diff": diff.String(), "level": level}, got)
		wantFiles, wantDiff, wantLevel = got, diff.String(), level
	}
	if d := cmp.Diff(wantDiff, diff.String()); d != "" {
		t.Errorf("dry-run diff (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantFiles, got); d != "" {
		t.Errorf("files after enforce (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantLevel, level); d != "" {
		t.Errorf("level (-want +got):\n%s", d)
	}
	for _, f := range plan.Files {
		rel, _ := filepath.Rel(home, f.Path)
		if data, ok := got[filepath.ToSlash(rel)]; ok {
			if _, err := formats.Parse(f.Format, []byte(subst(data))); err != nil {
				t.Errorf("%s is not valid %s after enforce: %v", rel, f.Format, err)
			}
		}
	}

	// A second run changes nothing.
	mtimes := map[string]time.Time{}
	for rel := range got {
		if info, err := os.Stat(filepath.Join(home, rel)); err == nil {
			mtimes[rel] = info.ModTime()
		}
	}
	again, _, err := run(false)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if p := again.Pending(); len(p) != 0 {
		t.Errorf("a second run would change %s:\n%s", p[0].Display, again.Diff())
	}

	// --undo gives every file back as it was.
	undo, _, err := run(true)
	if err != nil {
		t.Fatalf("undo: %v", err)
	}
	apply(undo)
	if d := cmp.Diff(before, goldentest.ReadTree(t, home)); d != "" {
		t.Errorf("after --undo (-before +after):\n%s", d)
	}
}

func writeFile(t *testing.T, p, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}
