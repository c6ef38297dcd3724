package antigravity

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func TestTargetPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  ides.Env
		want string
	}{
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u"}, "/home/u/.gemini/config/mcp_config.json"},
		{"macos", ides.Env{GOOS: "darwin", Home: "/Users/u"}, "/Users/u/.gemini/config/mcp_config.json"},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`}}, `C:\Users\u\.gemini\config\mcp_config.json`},
	}
	for _, tt := range tests {
		got, err := Adapter{}.Target(tt.env, ides.ScopeUser)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != tt.want || got.Format != config.JSON || got.Servers[0] != "mcpServers" {
			t.Errorf("%s: target = %+v, want %s", tt.name, got, tt.want)
		}
	}
	locs, _ := Adapter{}.Locations(ides.Env{GOOS: "windows", Home: `C:\Users\u`})
	if len(locs) != 2 || locs[1].Path != `C:\Users\u\.gemini\antigravity\mcp_config.json` || locs[1].Variant != variantLegacy {
		t.Errorf("windows locations = %+v", locs)
	}
	if _, err := (Adapter{}).Target(ides.Env{GOOS: "linux", Home: "/h"}, ides.ScopeProject); err == nil {
		t.Error("project scope: no error")
	}
}

// TestWhichFile: the legacy file is written only where Antigravity 1's
// folder is and Antigravity 2's is not.
func TestWhichFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		dirs      []string
		wantOld   bool
		wantOther string
	}{
		{"new machine", nil, false, variantLegacy},
		{"gemini cli only", []string{".gemini"}, false, variantLegacy},
		{"antigravity 1", []string{".gemini/antigravity/brain"}, true, variantCurrent},
		{"antigravity 2", []string{".gemini/config/skills"}, false, variantLegacy},
		{"upgraded", []string{".gemini/antigravity", ".gemini/config"}, false, variantLegacy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			for _, d := range tt.dirs {
				if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			env := ides.Env{GOOS: "linux", Home: home}
			tg, _ := Adapter{}.Target(env, ides.ScopeUser)
			want := filepath.Join(home, ".gemini", "config", "mcp_config.json")
			if tt.wantOld {
				want = filepath.Join(home, ".gemini", "antigravity", "mcp_config.json")
			}
			if tg.Path != want {
				t.Errorf("target = %s, want %s", tg.Path, want)
			}
			locs, _ := Adapter{}.Locations(env)
			if locs[0].Path != want || locs[0].Variant != "" || locs[1].Variant != tt.wantOther {
				t.Errorf("locations = %+v", locs)
			}
			states := []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}, {Scope: ides.ScopeUser, Variant: locs[1].Variant, Configured: true}}
			Adapter{}.ClientView(env, "latchgate", states)
			wantStates := []ides.EntryState{{Scope: ides.ScopeUser, Configured: true, Client: "active"},
				{Scope: ides.ScopeUser, Variant: locs[1].Variant, Configured: true, Client: "shadowed",
					Detail: "Antigravity installed here reads " + env.Display(want) + " instead"}}
			if d := cmp.Diff(wantStates, states); d != "" {
				t.Errorf("client view (-want +got):\n%s", d)
			}
		})
	}
}
