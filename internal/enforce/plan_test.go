package enforce

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

func add(v config.Value, path ...string) ides.PolicyItem {
	return ides.PolicyItem{Op: ides.PolicyAdd, Path: path, Value: v}
}

func set(v config.Value, path ...string) ides.PolicyItem {
	return ides.PolicyItem{Op: ides.PolicySet, Path: path, Value: v}
}

var str = config.StringValue

// guardItems is a policy like Claude Code's, in a JSON file.
func guardItems(shell string) []ides.PolicyItem {
	items := []ides.PolicyItem{
		add(str("mcp__latchgate"), "permissions", "allow"),
		add(str("WebFetch"), "permissions", "deny"),
		add(str("WebSearch"), "permissions", "deny"),
		set(str("disable"), "permissions", "disableBypassPermissionsMode"),
		add(config.ObjectValue(config.M("serverCommand", config.StringList("/bin/lg", "serve"))), "allowedMcpServers"),
	}
	switch shell {
	case "deny":
		items = append(items, add(str("Bash"), "permissions", "deny"))
	case "sandbox":
		items = append(items, set(config.BoolValue(true), "sandbox", "enabled"),
			ides.PolicyItem{Op: ides.PolicySet, Path: []string{"sandbox", "network", "allowedDomains"}, Value: config.ListValue(), IfAbsent: true})
	}
	return items
}

type fixture struct {
	t      *testing.T
	dir    string
	record string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	return &fixture{t: t, dir: dir, record: filepath.Join(dir, "state", RecordName)}
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

func (f *fixture) write(name, data string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Dir(f.path(name)), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(f.path(name), []byte(data), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// read returns the file's text and whether it exists.
func (f *fixture) read(name string) (string, bool) {
	f.t.Helper()
	data, err := os.ReadFile(f.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return string(data), true
}

// run plans with plan and applies it, returning the results.
func (f *fixture) run(plan func(p *Planner)) []FileResult {
	f.t.Helper()
	p, err := NewPlanner(f.record, func(s string) string { return strings.TrimPrefix(s, f.dir+"/") })
	if err != nil {
		f.t.Fatal(err)
	}
	plan(p)
	mp, err := merge.NewPlan(p.Edits()...)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := merge.Apply(context.Background(), mp, merge.ApplyOptions{Backups: &backup.Store{Dir: f.path("state/backups")}}); err != nil {
		f.t.Fatal(err)
	}
	return p.Results()
}

func (f *fixture) enforce(file string, format config.Format, items []ides.PolicyItem) []FileResult {
	return f.run(func(p *Planner) {
		p.Enforce("client", ides.ScopeUser, ides.LevelGuard, []ides.PolicyFile{{Path: f.path(file), Format: format, NewMode: 0o600, Items: items}}, Request{})
	})
}

func (f *fixture) undo() []FileResult {
	return f.run(func(p *Planner) { p.Undo("", "") })
}

// TestUndoIsByteIdentical: enforce then --undo gives back the exact
// bytes, whatever the file held (nothing, other settings, part of the
// policy already), and a file enforce created is removed again.
func TestUndoIsByteIdentical(t *testing.T) {
	tests := []struct {
		name, before string
		absent       bool
		format       config.Format
	}{
		{name: "absent", absent: true, format: config.JSON},
		{name: "empty object", before: "{}\n", format: config.JSON},
		{name: "other settings", before: "{\n  \"model\": \"opus\",\n  \"env\": {\n    \"A\": \"1\"\n  }\n}\n", format: config.JSON},
		{name: "no final newline", before: "{\n  \"model\": \"opus\"\n}", format: config.JSON},
		{name: "permissions already", before: "{\n  \"permissions\": {\n    \"allow\": [\n      \"Bash(npm test:*)\"\n    ],\n    \"deny\": []\n  }\n}\n", format: config.JSON},
		{name: "four spaces, CRLF", before: "{\r\n    \"permissions\": {\r\n        \"deny\": [\r\n            \"Read(.env)\"\r\n        ]\r\n    }\r\n}\r\n", format: config.JSON},
		{name: "comments", before: "{\n  // mine\n  \"theme\": \"dark\" /* keep */\n}\n", format: config.JSONC},
	}
	for _, tt := range tests {
		for _, shell := range []string{"deny", "sandbox"} {
			t.Run(tt.name+"/"+shell, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t)
				if !tt.absent {
					f.write("settings.json", tt.before)
				}
				res := f.enforce("settings.json", tt.format, guardItems(shell))
				if len(res) != 1 || len(res[0].Added) == 0 {
					t.Fatalf("nothing added: %+v", res)
				}
				after, _ := f.read("settings.json")
				// A second run changes nothing and keeps the record.
				res = f.enforce("settings.json", tt.format, guardItems(shell))
				if len(res[0].Added) != 0 {
					t.Errorf("second run added %v", res[0].Added)
				}
				if again, _ := f.read("settings.json"); again != after {
					t.Errorf("second run changed the file:\n%s", again)
				}
				f.undo()
				got, exists := f.read("settings.json")
				if tt.absent {
					if exists {
						t.Errorf("the file enforce created is still there:\n%s", got)
					}
				} else if d := cmp.Diff(tt.before, got); d != "" {
					t.Errorf("after --undo (-before +got):\n%s\nenforced:\n%s", d, after)
				}
				if rec, ok := f.read("state/" + RecordName); ok && strings.TrimSpace(rec) != "{}" {
					t.Errorf("the record is not empty after --undo:\n%s", rec)
				}
			})
		}
	}
}

// TestUndoTOML: the same for a TOML file, where keys go before the first
// table and tables are created.
func TestUndoTOML(t *testing.T) {
	items := []ides.PolicyItem{
		set(str("workspace-write"), "sandbox_mode"),
		set(str("disabled"), "web_search"),
		set(config.BoolValue(false), "sandbox_workspace_write", "network_access"),
		set(str("approve"), "mcp_servers", "latchgate", "default_tools_approval_mode"),
	}
	for _, before := range []string{
		"",
		"model = \"o3\"\n\n[mcp_servers.latchgate]\ncommand = \"/bin/lg\"\nargs = [\"serve\"]\n",
		"# mine\n[mcp_servers.latchgate]\ncommand = \"/bin/lg\"\n\n[mcp_servers.latchgate.env]\nA = \"1\"\n\n[projects.\"/p\"]\ntrust_level = \"trusted\"\n",
	} {
		f := newFixture(t)
		if before != "" {
			f.write("config.toml", before) // "": no file (an empty one is read again until it settles)
		}
		f.enforce("config.toml", config.TOML, items)
		after, _ := f.read("config.toml")
		doc, err := parseTOML([]byte(after))
		if err != nil {
			t.Fatalf("enforced file does not parse: %v\n%s", err, after)
		}
		// The TOML trap: a top-level key must not land in a table.
		if v, ok := doc.Get("sandbox_mode"); !ok || v.Str() != "workspace-write" {
			t.Errorf("sandbox_mode is not a top-level key:\n%s", after)
		}
		f.undo()
		if got, exists := f.read("config.toml"); got != before || exists != (before != "") {
			t.Errorf("after --undo (exists %v):\n%q\nwant:\n%q\nenforced:\n%s", exists, got, before, after)
		}
	}
}

// TestUserItemsStay: what the user had is never recorded and never taken
// back; a value of theirs that enforce replaces comes back on --undo; an
// item of ours they changed is left alone and reported.
func TestUserItemsStay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before := "{\n  \"permissions\": {\n    \"deny\": [\n      \"WebFetch\"\n    ],\n    \"disableBypassPermissionsMode\": \"allow\"\n  }\n}\n"
	f.write("settings.json", before)
	res := f.enforce("settings.json", config.JSON, guardItems("deny"))
	if len(res[0].Present) != 1 || res[0].Present[0].Value.Str() != "WebFetch" {
		t.Errorf("present: %v", res[0].Present)
	}
	if len(res[0].Replaced) != 1 || res[0].Replaced[0].Prior.Str() != "allow" {
		t.Errorf("replaced: %+v", res[0].Replaced)
	}
	f.undo()
	if got, _ := f.read("settings.json"); got != before {
		t.Errorf("after --undo:\n%s\nwant:\n%s", got, before)
	}

	// Enforce again, then the user turns bypass back on and removes Bash.
	f.enforce("settings.json", config.JSON, guardItems("deny"))
	got, _ := f.read("settings.json")
	got = strings.Replace(got, `"disableBypassPermissionsMode": "disable"`, `"disableBypassPermissionsMode": "mine"`, 1)
	got = strings.Replace(got, ",\n      \"Bash\"", "", 1)
	// Padded: a file shorter than this process saw it is read again
	// until it settles (safeio), which would only slow the test.
	f.write("settings.json", got+strings.Repeat(" ", 32))
	res = f.undo()
	var left []string
	for _, l := range res[0].Left {
		left = append(left, l.Item.String()+": "+l.Why)
	}
	want := []string{
		`"Bash" in permissions.deny: no longer there`,
		`permissions.disableBypassPermissionsMode = "disable": changed since enforce wrote it; left as it is`,
	}
	if d := cmp.Diff(want, left); d != "" {
		t.Errorf("left (-want +got):\n%s", d)
	}
	final, _ := f.read("settings.json")
	if !strings.Contains(final, `"mine"`) || !strings.Contains(final, `"WebFetch"`) || strings.Contains(final, "WebSearch") {
		t.Errorf("after --undo:\n%s", final)
	}
}

// TestConverge: a run asking for less takes back what it no longer asks
// for (deny Bash, then the sandbox instead), and --undo then takes back
// the rest.
func TestConverge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before := "{\n  \"model\": \"opus\"\n}\n"
	f.write("settings.json", before)
	f.enforce("settings.json", config.JSON, guardItems("deny"))
	res := f.enforce("settings.json", config.JSON, guardItems("sandbox"))
	if len(res[0].Retracted) != 1 || res[0].Retracted[0].Value.Str() != "Bash" {
		t.Errorf("retracted: %v", res[0].Retracted)
	}
	got, _ := f.read("settings.json")
	if strings.Contains(got, "Bash") || !strings.Contains(got, `"allowedDomains": []`) {
		t.Errorf("after switching to the sandbox:\n%s", got)
	}
	f.undo()
	if got, _ := f.read("settings.json"); got != before {
		t.Errorf("after --undo:\n%s", got)
	}
}

// TestUserDomainsKept: an IfAbsent item leaves the user's value.
func TestUserDomainsKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	before := "{\n  \"sandbox\": {\n    \"network\": {\n      \"allowedDomains\": [\"github.com\"]\n    }\n  }\n}\n"
	f.write("settings.json", before)
	f.enforce("settings.json", config.JSON, guardItems("sandbox"))
	got, _ := f.read("settings.json")
	if !strings.Contains(got, `"github.com"`) {
		t.Errorf("the user's domains are gone:\n%s", got)
	}
	f.undo()
	if got, _ := f.read("settings.json"); got != before {
		t.Errorf("after --undo:\n%s", got)
	}
}

// TestRecordSurvivesOtherClients: two clients in one record, undone one
// at a time.
func TestRecordSurvivesOtherClients(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.run(func(p *Planner) {
		p.Enforce("a", ides.ScopeUser, ides.LevelGuard, []ides.PolicyFile{{Path: f.path("a.json"), Format: config.JSON, Items: guardItems("deny")}}, Request{})
		p.Enforce("b", ides.ScopeUser, ides.LevelGuard, []ides.PolicyFile{{Path: f.path("b.toml"), Format: config.TOML,
			Items: []ides.PolicyItem{set(str("disabled"), "web_search")}}}, Request{})
	})
	rs, err := ReadRecords(f.record, "record")
	if err != nil || len(rs) != 2 {
		t.Fatalf("records: %+v, %v", rs, err)
	}
	if rs.Level("a", ides.ScopeUser) != ides.LevelGuard || rs.Level("c", ides.ScopeUser) != ides.LevelNone {
		t.Errorf("levels: %+v", rs)
	}
	f.run(func(p *Planner) { p.Undo("b", "") })
	if _, ok := f.read("b.toml"); ok {
		t.Error("b.toml, created by enforce, is still there")
	}
	if _, ok := f.read("a.json"); !ok {
		t.Error("a.json was removed by b's undo")
	}
	rs, _ = ReadRecords(f.record, "record")
	if len(rs) != 1 || rs[0].Client != "a" {
		t.Errorf("records after b's undo: %+v", rs)
	}
}

func parseTOML(data []byte) (config.Document, error) { return formats.Parse(config.TOML, data) }
