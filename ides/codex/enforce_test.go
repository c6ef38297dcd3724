package codex

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

// TestEnforceChecks: a top-level key caught in a table, and the
// requirements' identity against the entry's command.
func TestEnforceChecks(t *testing.T) {
	entry := &ides.StoredEntry{Command: "/usr/local/bin/latchgate-mcp", Args: []string{"serve"}}
	tests := []struct {
		name, config, requirements string
		want                       []string
	}{
		{"key in a table", "[model_providers.fake]\nname = \"fake\"\nweb_search = \"disabled\"\n\n[profiles.x]\nsandbox_mode = \"read-only\"\n", "",
			[]string{"error toml_key: model_providers.fake.web_search in"}},
		{"identity matches", "", "[mcp_servers.latchgate.identity]\ncommand = \"/usr/local/bin/latchgate-mcp\"\n",
			[]string{"info allowlist: admit the entry's command"}},
		{"identity pins another", "", "[mcp_servers.latchgate.identity]\ncommand = \"/opt/lg/latchgate-mcp\"\n",
			[]string{"error allowlist: the requirements pin /opt/lg/latchgate-mcp, the entry runs /usr/local/bin/latchgate-mcp"}},
		{"another server only", "", "[mcp_servers.github.identity]\ncommand = \"gh\"\n",
			[]string{"error allowlist: and not \"latchgate\""}},
		{"none", "model = \"o3\"\n", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			env := ides.Env{GOOS: "linux", Home: home, Vars: map[string]string{}, SysRoot: filepath.Join(home, "sys")}
			for p, data := range map[string]string{UserConfig(env): tt.config, RequirementsPath(env): tt.requirements} {
				if data == "" {
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			notes := Adapter{}.EnforceChecks(env, "latchgate", entry)
			if len(notes) != len(tt.want) {
				t.Fatalf("notes: %+v, want %v", notes, tt.want)
			}
			for i, w := range tt.want {
				head, frag, _ := strings.Cut(w, ": ")
				if got := notes[i].Level + " " + notes[i].ID; got != head || !strings.Contains(notes[i].Text, frag) {
					t.Errorf("note %d: %s: %s\nwant %s: ...%s...", i, got, notes[i].Text, head, frag)
				}
			}
		})
	}
	if got := RequirementsPath(ides.Env{GOOS: "linux"}); got != "/etc/codex/requirements.toml" {
		t.Errorf("requirements path: %s", got)
	}
}
