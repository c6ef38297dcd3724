package windsurf

import (
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
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/ignored"}}, "/home/u/.codeium/windsurf/mcp_config.json"},
		{"macos", ides.Env{GOOS: "darwin", Home: "/Users/u"}, "/Users/u/.codeium/windsurf/mcp_config.json"},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`}}, `C:\Users\u\.codeium\windsurf\mcp_config.json`},
	}
	for _, tt := range tests {
		got, err := Adapter{}.Target(tt.env, ides.ScopeUser)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != tt.want || got.Format != config.JSON || got.Servers[0] != "mcpServers" {
			t.Errorf("%s: target = %+v, want %s, strict JSON, mcpServers", tt.name, got, tt.want)
		}
	}
	if _, err := (Adapter{}).Target(ides.Env{GOOS: "linux", Home: "/h"}, ides.ScopeProject); err == nil {
		t.Error("project scope: no error")
	}
	fp := Adapter{}.Footprint(ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `D:\Roaming`}})
	if d := cmp.Diff([]string{`C:\Users\u\.codeium\windsurf`, `D:\Roaming\Windsurf`}, fp.Paths); d != "" {
		t.Errorf("windows footprint (-want +got):\n%s", d)
	}
}

func TestEntryAndExpand(t *testing.T) {
	t.Parallel()
	v, err := Adapter{}.Entry(ides.ServerSpec{Command: "latchgate-mcp", Args: []string{"serve"}, Forward: []string{"XDG_RUNTIME_DIR"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"command":"latchgate-mcp","args":["serve"],"env":{"XDG_RUNTIME_DIR":"${env:XDG_RUNTIME_DIR}"}}`
	if j, _ := v.MarshalJSON(); string(j) != want {
		t.Errorf("Entry = %s, want %s", j, want)
	}
	var missing []string
	env := ides.Env{Home: "/h", Vars: map[string]string{"XDG_RUNTIME_DIR": "/run/user/1"}}
	// ${userHome} is VS Code's, not Windsurf's: left as written.
	got := Adapter{}.Launch(env).Expand("${env:XDG_RUNTIME_DIR}/x ${env:NOPE} ${userHome}", env, &missing)
	if got != "/run/user/1/x  ${userHome}" || len(missing) != 1 || missing[0] != "NOPE" {
		t.Errorf("expand = %q, missing %v", got, missing)
	}
}
