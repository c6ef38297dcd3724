package zed

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
		name  string
		env   ides.Env
		scope ides.Scope
		want  string
	}{
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser, "/home/u/.config/zed/settings.json"},
		{"linux xdg", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/xdg"}}, ides.ScopeUser, "/xdg/zed/settings.json"},
		{"linux relative xdg ignored", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "rel"}}, ides.ScopeUser, "/home/u/.config/zed/settings.json"},
		{"linux flatpak", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/xdg",
			"FLATPAK_XDG_CONFIG_HOME": "/home/u/.var/app/dev.zed.Zed/config"}}, ides.ScopeUser, "/home/u/.var/app/dev.zed.Zed/config/zed/settings.json"},
		// macOS: ~/.config/zed, whatever XDG says (Zed's own rule).
		{"macos", ides.Env{GOOS: "darwin", Home: "/Users/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/xdg"}}, ides.ScopeUser, "/Users/u/.config/zed/settings.json"},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `D:\Roaming`}}, ides.ScopeUser, `D:\Roaming\Zed\settings.json`},
		{"windows no APPDATA", ides.Env{GOOS: "windows", Home: `C:\Users\u`}, ides.ScopeUser, `C:\Users\u\AppData\Roaming\Zed\settings.json`},
		{"project", ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app"}, ides.ScopeProject, "/src/app/.zed/settings.json"},
		{"windows project", ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `C:\src\app`}, ides.ScopeProject, `C:\src\app\.zed\settings.json`},
	}
	for _, tt := range tests {
		got, err := Adapter{}.Target(tt.env, tt.scope)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != tt.want || got.Format != config.JSONC || got.Servers[0] != "context_servers" {
			t.Errorf("%s: target = %+v, want %s, JSONC, context_servers", tt.name, got, tt.want)
		}
	}
	if _, err := (Adapter{}).Target(ides.Env{GOOS: "linux", Home: "/h"}, ides.ScopeLocal); err == nil {
		t.Error("local scope: no error")
	}
}

// zedStdioKeys are the keys of Zed's stdio context server
// (ContextServerSettingsContent::Stdio and the flattened
// ContextServerCommand): an entry with any other key is not Zed's.
var zedStdioKeys = map[string]bool{"enabled": true, "remote": true, "command": true, "args": true, "env": true, "timeout": true}

func TestEntry(t *testing.T) {
	t.Parallel()
	v, err := Adapter{}.Entry(ides.ServerSpec{Command: "/bin/lg", Args: []string{"serve"}, Env: ides.EnvList{{Name: "A", Value: "1"}},
		Forward: []string{"XDG_RUNTIME_DIR"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"command":"/bin/lg","args":["serve"],"env":{"A":"1"},"timeout":330}`
	if j, _ := v.MarshalJSON(); string(j) != want {
		t.Errorf("Entry = %s, want %s", j, want)
	}
	for _, m := range v.Members() {
		if !zedStdioKeys[m.Key] {
			t.Errorf("Entry writes %q, which Zed's stdio server does not have", m.Key)
		}
	}
}

func TestReadEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, entry string
		want        ides.StoredEntry
		wantErr     bool
	}{
		{"current", `{"command": "/bin/lg", "args": ["serve"], "env": {"A": "1"}, "timeout": 330}`,
			ides.StoredEntry{Command: "/bin/lg", Args: []string{"serve"}, Env: ides.EnvList{{Name: "A", Value: "1"}}}, false},
		{"source custom", `{"source": "custom", "command": "/bin/lg", "args": []}`, ides.StoredEntry{Command: "/bin/lg"}, false},
		{"command object", `{"command": {"path": "/bin/lg", "args": ["serve", "--gate-url", "http://x"], "env": {"B": "2"}}, "settings": {}}`,
			ides.StoredEntry{Command: "/bin/lg", Args: []string{"serve", "--gate-url", "http://x"}, Env: ides.EnvList{{Name: "B", Value: "2"}}}, false},
		{"remote", `{"url": "https://mcp.example/mcp", "headers": {}}`, ides.StoredEntry{URL: "https://mcp.example/mcp"}, false},
		{"command object, bad path", `{"command": {"path": 1}}`, ides.StoredEntry{}, true},
		{"not an object", `"lg"`, ides.StoredEntry{}, true},
	}
	for _, tt := range tests {
		got, err := Adapter{}.ReadEntry(config.MustJSON(tt.entry))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if d := cmp.Diff(tt.want, got); !tt.wantErr && d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestClientViewTrust(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "proj")
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: proj, Vars: map[string]string{}}
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	user := filepath.Join(home, ".config", "zed", "settings.json")
	write(user, `{
  // mine
  "theme": "One Dark",
  "context_servers": {"latchgate": {"command": "lg", "enabled": false,},},
}`)
	write(filepath.Join(proj, ".zed", "settings.json"), `{"context_servers": {"latchgate": {"command": "lg"}}}`)
	states := []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}, {Scope: ides.ScopeProject, Configured: true}}
	Adapter{}.ClientView(env, "latchgate", states)
	want := []ides.EntryState{
		{Scope: ides.ScopeUser, Configured: true, Client: "disabled", Detail: `turned off ("enabled": false)`},
		{Scope: ides.ScopeProject, Configured: true, Client: "active", Detail: "Zed starts it once you trust this project (its restricted-mode prompt)"},
	}
	if d := cmp.Diff(want, states); d != "" {
		t.Errorf("untrusted (-want +got):\n%s", d)
	}

	write(user, `{"session": {"trust_all_worktrees": true}, "context_servers": {"latchgate": {"command": "lg"}}}`)
	states = []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}, {Scope: ides.ScopeProject, Configured: true}}
	Adapter{}.ClientView(env, "latchgate", states)
	want = []ides.EntryState{
		{Scope: ides.ScopeUser, Configured: true, Client: "active", Detail: "the project's entry of the same name is used in this project"},
		{Scope: ides.ScopeProject, Configured: true, Client: "active"},
	}
	if d := cmp.Diff(want, states); d != "" {
		t.Errorf("trust_all_worktrees (-want +got):\n%s", d)
	}
}

func TestStrays(t *testing.T) {
	t.Parallel()
	env := ides.Env{GOOS: "darwin", Home: "/Users/u"}
	tg, _ := Adapter{}.Target(env, ides.ScopeUser)
	var got []string
	for _, s := range (Adapter{}).Strays(env, tg) {
		got = append(got, s.Path+" "+s.Servers[0])
	}
	want := []string{"/Users/u/.config/zed/settings.json mcpServers", "/Users/u/Library/Application Support/Zed/settings.json context_servers"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("macOS strays (-want +got):\n%s", d)
	}
	if n := len(Adapter{}.Strays(ides.Env{GOOS: "linux", Home: "/h"}, tg)); n != 1 {
		t.Errorf("linux: %d strays, want 1 (no data-folder stray)", n)
	}
}
