package clinecli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

func TestTargetPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  ides.Env
		want string
	}{
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u"}, "/home/u/.cline/data/settings/cline_mcp_settings.json"},
		{"macos", ides.Env{GOOS: "darwin", Home: "/Users/u"}, "/Users/u/.cline/data/settings/cline_mcp_settings.json"},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`}, `C:\Users\u\.cline\data\settings\cline_mcp_settings.json`},
		{"CLINE_DIR", ides.Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"CLINE_DIR": "/c"}}, "/c/data/settings/cline_mcp_settings.json"},
		{"CLINE_DATA_DIR over CLINE_DIR", ides.Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"CLINE_DIR": "/c", "CLINE_DATA_DIR": "/d"}}, "/d/settings/cline_mcp_settings.json"},
		{"CLINE_MCP_SETTINGS_PATH over all", ides.Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"CLINE_DATA_DIR": "/d", "CLINE_MCP_SETTINGS_PATH": "/m.json"}}, "/m.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Adapter{}.Target(tt.env, ides.ScopeUser)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want || got.Format != config.JSON || got.Servers[0] != "mcpServers" {
				t.Errorf("target = %+v, want %s, strict JSON, mcpServers", got, tt.want)
			}
		})
	}
}

func TestReadEntry(t *testing.T) {
	t.Parallel()
	want := ides.StoredEntry{Command: "/b/lg", Args: []string{"serve"}, Env: ides.EnvList{{Name: "A", Value: "1"}}}
	for _, in := range []string{
		`{"transport":{"type":"stdio","command":"/b/lg","args":["serve"],"env":{"A":"1"}},"timeout":330}`,
		`{"type":"stdio","command":"/b/lg","args":["serve"],"env":{"A":"1"}}`,
	} {
		got, err := Adapter{}.ReadEntry(config.MustJSON(in))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", in, d)
		}
	}
}

// TestSchema: what makes Cline reject the whole file fails the schema.
func TestSchema(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		`{"mcpServers":{"a":{"transport":{"type":"stdio","command":"x"},"timeout":330}}}`: true,
		`{"mcpServers":{"a":{"command":"x","autoApprove":[]}}}`:                           true,
		`{"mcpServers":{"a":{"type":"streamableHttp","url":"http://x"}}}`:                 true,
		`{"mcpServers":{"a":{"args":["x"]}}}`:                                             false,
		`{"mcpServers":{"a":{"transport":{"type":"stdio"}}}}`:                             false,
		`{"mcpServers":{"a":{"command":"x","timeout":5000}}}`:                             false,
		`{"mcpServers":{},"servers":{}}`:                                                  false,
	} {
		if err := schemas.ValidateValue(schema, config.MustJSON(in).Interface()); (err == nil) != ok {
			t.Errorf("%s: err = %v, want ok %v", in, err, ok)
		}
	}
}

// TestInstallWarnsAboutSiblings: a sibling Cline rejects leaves the whole
// file unloaded; install adds the entry and says so.
func TestInstallWarnsAboutSiblings(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, Vars: map[string]string{}}
	p, _ := SettingsPath(env)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(`{"mcpServers": {"broken": {"args": ["x"]}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	req := ides.Request{Scope: ides.ScopeUser, Name: "latchgate", Spec: ides.ServerSpec{Command: "/b/latchgate-mcp", Args: []string{"serve"}}}
	edits, notes, err := ides.PlanInstall(Adapter{}, env, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0].Level != "warn" || !strings.Contains(notes[0].Text, "load no server at all") {
		t.Fatalf("notes = %+v", notes)
	}
	plan, err := merge.NewPlan(edits...)
	if err != nil || len(plan.Pending()) != 1 {
		t.Fatalf("plan: %v", err)
	}
	// A clean file gives no warning.
	if err := os.WriteFile(p, []byte(`{"mcpServers": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, notes, _ := ides.PlanInstall(Adapter{}, env, req); len(notes) != 0 {
		t.Errorf("clean file: %+v", notes)
	}
}
