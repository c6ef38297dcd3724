package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

// TestListJSONSchema runs "list --json" on a machine where every field of
// the report has something to say, and checks the output against
// schemas/list-report.schema.json: the schema describes what list really
// prints, and every field it describes is exercised here.
func TestListJSONSchema(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	home, proj := filepath.Join(root, "home"), filepath.Join(root, "proj")
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: proj, ProjectRoot: proj, UID: 1000,
		Vars: map[string]string{"XDG_RUNTIME_DIR": filepath.Join(root, "run"), "PATH": ""}}
	write := func(path, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stale := `{"type":"stdio","command":"/old/latchgate-mcp","args":["serve","--gate-url","http://127.0.0.1:9"],"env":{"LATCHGATE_AGENT_ID":"x","RUST_LOG":"warn"}}`
	// User entry shadowed by a local one that /mcp turned off; a project
	// entry shadowed too.
	write(filepath.Join(home, ".claude.json"), `{"mcpServers":{"latchgate":`+stale+`},"projects":{"`+proj+`":{"mcpServers":{"latchgate":`+stale+`},"disabledMcpServers":["latchgate"]}}}`)
	write(filepath.Join(proj, ".mcp.json"), `{"mcpServers":{"latchgate":{"command":"latchgate-mcp","args":["serve"]}}}`)
	// A remote entry: no command.
	write(filepath.Join(home, ".cursor", "mcp.json"), `{"mcpServers":{"latchgate":{"url":"https://gate.example/mcp"}}}`)
	// An entry that is not an object (against the schema too), and a
	// profile's own file.
	code := filepath.Join(home, ".config", "Code", "User")
	write(filepath.Join(code, "mcp.json"), `{"servers":{"latchgate":1}}`)
	write(filepath.Join(code, "globalStorage", "storage.json"), `{"userDataProfiles":[{"name":"Work","location":"w1"}]}`)
	write(filepath.Join(code, "profiles", "w1", "mcp.json"), `{"servers":{"latchgate":`+stale+`}}`)
	// A file that does not parse, and a profile list that does not either.
	insiders := filepath.Join(home, ".config", "Code - Insiders", "User")
	write(filepath.Join(insiders, "mcp.json"), "{\n  \"servers\": {,\n}\n")
	write(filepath.Join(insiders, "globalStorage", "storage.json"), "{")

	io, _, out, stderr := iostreams.Test()
	f := NewFactory(io)
	f.Env = func() (ides.Env, error) { return env, nil }
	f.Executable = func() (string, error) { return "/usr/bin/latchgate-mcp", nil }
	if code := run(context.Background(), f, []string{"list", "--json", "--gate-url", "http://127.0.0.1:9", "--binary-path", "/usr/bin/latchgate-mcp"}); code != exitOK {
		t.Fatalf("list --json: exit %d\n%s", code, stderr)
	}
	if err := schemas.Validate(schemas.ListReport, out.Bytes()); err != nil {
		t.Fatalf("list --json does not match its schema: %v\n%s", err, out)
	}

	var rep map[string]any
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["version"] != Version() {
		t.Errorf("version = %v, want %s", rep["version"], Version())
	}

	// Every field the schema describes appears in the report.
	raw, err := schemas.Raw(schemas.ListReport)
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties map[string]any `json:"properties"`
		Defs       struct {
			File struct {
				Properties map[string]any `json:"properties"`
			} `json:"file"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, row := range rep["files"].([]any) {
		for k := range row.(map[string]any) {
			seen[k] = true
		}
	}
	var missing []string
	for k := range schema.Defs.File.Properties {
		if !seen[k] {
			missing = append(missing, "files[]."+k)
		}
	}
	for k := range schema.Properties {
		if _, ok := rep[k]; !ok {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("fields of the schema this test does not exercise: %v\n%s", missing, out)
	}

	// The schema is not a rubber stamp: these departures are refused.
	mutations := map[string]func(map[string]any){
		"no version":            func(r map[string]any) { delete(r, "version") },
		"unknown field":         func(r map[string]any) { r["extra"] = true },
		"unknown client state":  func(r map[string]any) { firstConfigured(r)["client"] = "maybe" },
		"client without entry":  func(r map[string]any) { c := firstConfigured(r); c["configured"] = false },
		"entry without client":  func(r map[string]any) { delete(firstConfigured(r), "client") },
		"empty differences":     func(r map[string]any) { firstConfigured(r)["differences"] = []any{} },
		"unknown field in file": func(r map[string]any) { firstConfigured(r)["extra"] = 1 },
	}
	for name, mutate := range mutations {
		var r map[string]any
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		mutate(r)
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.Validate(schemas.ListReport, data); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}

	// And the typed report still decodes it (the schema and the struct
	// name the same fields).
	var typed listReport
	if err := json.Unmarshal(out.Bytes(), &typed); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal(out.Bytes(), &a)
	_ = json.Unmarshal(again, &b)
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("report does not round-trip through listReport (-printed +re-encoded):\n%s", d)
	}
}

// firstConfigured returns the first file row with an entry in it.
func firstConfigured(rep map[string]any) map[string]any {
	for _, row := range rep["files"].([]any) {
		if r := row.(map[string]any); r["configured"] == true && r["differences"] != nil {
			return r
		}
	}
	panic("no configured row with differences")
}
