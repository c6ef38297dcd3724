package claudecode

import (
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func TestOperatorRootPerOS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, goos, home, base string
		wantTarget, wantAgent  string
		wantStart, wantAlias   string
		wantRead               string
	}{
		{"linux", "linux", "/home/me", "/home/me/.config/latchgate-mcp/operator",
			"/home/me/.config/latchgate-mcp/operator/claude/.claude.json", "/home/me/.claude/settings.json",
			`CLAUDE_CONFIG_DIR="$HOME/.config/latchgate-mcp/operator/claude" claude`,
			`alias claude-operator='CLAUDE_CONFIG_DIR="$HOME/.config/latchgate-mcp/operator/claude" claude'`,
			"Read(~/.config/latchgate-mcp/operator/**)"},
		{"base outside home", "linux", "/home/me", "/srv/ops dir",
			"/srv/ops dir/claude/.claude.json", "/home/me/.claude/settings.json",
			`CLAUDE_CONFIG_DIR='/srv/ops dir/claude' claude`,
			`alias claude-operator='CLAUDE_CONFIG_DIR='\''/srv/ops dir/claude'\'' claude'`,
			"Read(//srv/ops dir/**)"},
		{"macos", "darwin", "/Users/me", "/Users/me/.config/latchgate-mcp/operator",
			"/Users/me/.config/latchgate-mcp/operator/claude/.claude.json", "/Users/me/.claude/settings.json",
			`CLAUDE_CONFIG_DIR="$HOME/.config/latchgate-mcp/operator/claude" claude`,
			`alias claude-operator='CLAUDE_CONFIG_DIR="$HOME/.config/latchgate-mcp/operator/claude" claude'`,
			"Read(~/.config/latchgate-mcp/operator/**)"},
		{"windows", "windows", `C:\Users\me`, `C:\Users\me\AppData\Roaming\latchgate-mcp\operator`,
			`C:\Users\me\AppData\Roaming\latchgate-mcp\operator\claude/.claude.json`, `C:\Users\me/.claude/settings.json`,
			`cmd /c "set CLAUDE_CONFIG_DIR=C:\Users\me\AppData\Roaming\latchgate-mcp\operator\claude&& claude"`, "",
			"Read(~/AppData/Roaming/latchgate-mcp/operator/**)"},
		{"windows other drive", "windows", `C:\Users\me`, `D:\ops`,
			`D:\ops\claude/.claude.json`, `C:\Users\me/.claude/settings.json`,
			`cmd /c "set CLAUDE_CONFIG_DIR=D:\ops\claude&& claude"`, "",
			"Read(//d/ops/**)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := ides.Env{GOOS: tt.goos, Home: tt.home, Vars: map[string]string{}}
			r, err := Adapter{}.OperatorRoot(env, ides.OperatorRequest{AgentName: "latchgate", Base: tt.base})
			if err != nil {
				t.Fatal(err)
			}
			if r.Target.Path != tt.wantTarget {
				t.Errorf("target = %s, want %s", r.Target.Path, tt.wantTarget)
			}
			if r.Start != tt.wantStart || r.Alias != tt.wantAlias {
				t.Errorf("start = %s\nalias = %s\nwant %s\n     %s", r.Start, r.Alias, tt.wantStart, tt.wantAlias)
			}
			var read string
			for _, it := range r.AgentItems {
				if it.Path != tt.wantAgent {
					t.Errorf("agent item in %s, want %s", it.Path, tt.wantAgent)
				}
				if s := it.Value.Str(); len(s) > 5 && s[:5] == "Read(" {
					read = s
				}
			}
			if read != tt.wantRead {
				t.Errorf("read rule = %s, want %s", read, tt.wantRead)
			}
			for _, it := range r.RootItems {
				if v, _ := it.Value.Field("serverName"); v.Str() != "latchgate" {
					t.Errorf("root item %v does not deny the agent's server", it.Value)
				}
			}
		})
	}
}
