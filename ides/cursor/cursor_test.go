package cursor

import (
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func TestTargetPaths(t *testing.T) {
	tests := []struct {
		name  string
		env   ides.Env
		scope ides.Scope
		want  string
	}{
		{"linux user", ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser, "/home/u/.cursor/mcp.json"},
		{"macos user", ides.Env{GOOS: "darwin", Home: "/Users/u"}, ides.ScopeUser, "/Users/u/.cursor/mcp.json"},
		{"windows user", ides.Env{GOOS: "windows", Home: `C:\Users\u`}, ides.ScopeUser, `C:\Users\u\.cursor\mcp.json`},
		{"project", ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app"}, ides.ScopeProject, "/src/app/.cursor/mcp.json"},
		{"windows project", ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `D:\src\app`}, ides.ScopeProject, `D:\src\app\.cursor\mcp.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Adapter{}.Target(tt.env, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want || got.Format != config.JSON || got.Servers[0] != "mcpServers" {
				t.Errorf("target = %+v, want path %s, strict, mcpServers", got, tt.want)
			}
		})
	}
	if _, err := (Adapter{}).Target(ides.Env{}, ides.ScopeLocal); err == nil {
		t.Error("local scope: no error")
	}
}
