package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// listHome is a temporary machine for list: a home, a project, a gate
// socket directory.
type listHome struct {
	env  ides.Env
	home string
	proj string
}

func newListHome(t *testing.T) listHome {
	t.Helper()
	root := t.TempDir()
	h := listHome{home: filepath.Join(root, "home"), proj: filepath.Join(root, "proj")}
	for _, d := range []string{h.home, filepath.Join(h.proj, ".git"), filepath.Join(root, "run")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	h.env = ides.Env{GOOS: "linux", Home: h.home, WorkDir: h.proj, ProjectRoot: h.proj, UID: 1000,
		Vars: map[string]string{"XDG_RUNTIME_DIR": filepath.Join(root, "run"), "PATH": ""}}
	return h
}

func (h listHome) write(t *testing.T, rel, data string) {
	t.Helper()
	p := filepath.Join(h.home, rel)
	if filepath.IsAbs(rel) {
		p = rel
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (h listHome) list(t *testing.T, ides ...string) listReport {
	t.Helper()
	io, _, out, _ := iostreams.Test()
	opts := &listOptions{IO: io, Env: h.env, Name: "latchgate", JSON: true, IDEs: ides, BinaryPath: "/usr/bin/latchgate-mcp",
		Executable: func() (string, error) { return "/usr/bin/latchgate-mcp", nil }}
	if err := runList(context.Background(), opts); err != nil {
		t.Fatalf("list: %v", err)
	}
	var rep listReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("list --json printed invalid JSON: %v\n%s", err, out)
	}
	return rep
}

// row is the part of a listRow a test compares.
type row struct {
	ID, Scope, Variant         string
	Exists, Configured         bool
	Current, Client, Transport string
}

func rows(rep listReport) []row {
	var out []row
	for _, r := range rep.Rows {
		cur := "-"
		if r.Current != nil {
			cur = map[bool]string{true: "yes", false: "stale"}[*r.Current]
		}
		out = append(out, row{r.IDE, r.Scope, r.Variant, r.Exists, r.Configured, cur, r.Client, r.Transport})
	}
	return out
}

func TestListClaudeCode(t *testing.T) {
	h := newListHome(t)
	sock := filepath.Join(h.env.Get("XDG_RUNTIME_DIR"), "latchgate", "gate.sock")
	current := `{"type":"stdio","command":"/usr/bin/latchgate-mcp","args":["serve","--gate-socket","` + sock +
		`","--public-base-url","http://localhost:3000"],"env":{"LATCHGATE_AGENT_ID":"claude-code","RUST_LOG":"warn"}}`
	portable := `{"type":"stdio","command":"latchgate-mcp","args":["serve","--public-base-url","http://localhost:3000"],"env":{"LATCHGATE_AGENT_ID":"claude-code","RUST_LOG":"warn"}}`
	h.write(t, ".claude.json", `{"mcpServers":{"latchgate":`+current+`}}`)
	h.write(t, filepath.Join(h.proj, ".mcp.json"), `{"mcpServers":{"latchgate":`+portable+`}}`)

	tests := []struct {
		name     string
		setup    func()
		wantUser string
		wantProj string
	}{
		{"pending", func() {}, "shadowed", "pending-approval"},
		{"approved by the user", func() { h.write(t, ".claude/settings.json", `{"enabledMcpjsonServers":["latchgate"]}`) }, "shadowed", "active"},
		{"rejected in the project wins", func() {
			h.write(t, filepath.Join(h.proj, ".claude", "settings.local.json"), `{"disabledMcpjsonServers":["latchgate"]}`)
		}, "shadowed", "disabled"},
		{"enable all", func() {
			h.write(t, filepath.Join(h.proj, ".claude", "settings.local.json"), `{"enableAllProjectMcpServers":true}`)
			h.write(t, ".claude/settings.json", `{}`)
		}, "shadowed", "active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			got := rows(h.list(t, "claude-code"))
			want := []row{
				{"claude-code", "user", "", true, true, "yes", tt.wantUser, "socket " + sock},
				{"claude-code", "local", "", true, false, "-", "", ""},
				{"claude-code", "project", "", true, true, "yes", tt.wantProj, "default socket"},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}

	// A local entry wins over both, and /mcp can turn it off.
	h.write(t, ".claude.json", `{"mcpServers":{"latchgate":`+current+`},"projects":{"`+h.proj+`":{"mcpServers":{"latchgate":`+current+`},"disabledMcpServers":["latchgate"]}}}`)
	got := rows(h.list(t, "claude-code"))
	want := []row{
		{"claude-code", "user", "", true, true, "yes", "shadowed", "socket " + sock},
		{"claude-code", "local", "", true, true, "yes", "disabled", "socket " + sock},
		{"claude-code", "project", "", true, true, "yes", "shadowed", "default socket"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("with a local entry (-want +got):\n%s", d)
	}
}

func TestListStaleAndBroken(t *testing.T) {
	h := newListHome(t)
	h.write(t, ".cursor/mcp.json", `{"mcpServers":{"latchgate":{"command":"/old/latchgate-mcp","args":["serve","--gate-url","http://127.0.0.1:9"],"env":{"LATCHGATE_AGENT_ID":"cursor","RUST_LOG":"warn"}}}}`)
	h.write(t, ".config/Code/User/mcp.json", "{\n  \"servers\": {\n    \"latchgate\": 1,\n  }\n")
	rep := h.list(t, "cursor", "vscode")
	var cursor, code listRow
	for _, r := range rep.Rows {
		switch {
		case r.IDE == "cursor" && r.Scope == "user":
			cursor = r
		case r.IDE == "vscode" && r.Scope == "user":
			code = r
		}
	}
	wantDiffs := []string{
		// The gate the entry uses is what a re-install keeps (no flags,
		// no LATCHGATE_* set): not a difference.
		`command: "/old/latchgate-mcp" (install writes "/usr/bin/latchgate-mcp")`,
	}
	if d := cmp.Diff(wantDiffs, cursor.Differences); d != "" || cursor.Current == nil || *cursor.Current {
		t.Errorf("stale cursor entry: current %v, differences (-want +got):\n%s", cursor.Current, d)
	}
	if code.Error == "" || code.Configured || code.Client != "" {
		t.Errorf("unparsable VS Code file: %+v, want an error and nothing configured", code)
	}
	if cursor.SchemaError != "" {
		t.Errorf("cursor file is well-formed, but: %s", cursor.SchemaError)
	}
	if len(rep.Rows) != 4 {
		t.Errorf("got %d rows, want 4 (cursor user+project, vscode user+workspace)", len(rep.Rows))
	}
}

func TestListSchemaCheck(t *testing.T) {
	h := newListHome(t)
	// VS Code ignores a server without a command or url; the schema says so.
	h.write(t, ".config/Code/User/mcp.json", `{"servers": {"latchgate": {"type": "stdio", "args": ["serve"]}}}`)
	rep := h.list(t, "vscode")
	r := rep.Rows[0]
	if !r.Configured || !strings.Contains(r.SchemaError, "does not match vscode-mcp.schema.json") {
		t.Errorf("row = %+v, want a schema error", r)
	}
}
