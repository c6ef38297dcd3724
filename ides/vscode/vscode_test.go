package vscode

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func TestTargetPaths(t *testing.T) {
	tests := []struct {
		name     string
		insiders bool
		env      ides.Env
		scope    ides.Scope
		want     string
	}{
		{"linux default", false, ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser, "/home/u/.config/Code/User/mcp.json"},
		{"linux xdg", false, ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/xdg"}}, ides.ScopeUser, "/xdg/Code/User/mcp.json"},
		{"linux relative xdg ignored", false, ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "rel"}}, ides.ScopeUser, "/home/u/.config/Code/User/mcp.json"},
		{"linux insiders", true, ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser, "/home/u/.config/Code - Insiders/User/mcp.json"},
		{"macos", false, ides.Env{GOOS: "darwin", Home: "/Users/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/ignored"}}, ides.ScopeUser, "/Users/u/Library/Application Support/Code/User/mcp.json"},
		{"macos insiders", true, ides.Env{GOOS: "darwin", Home: "/Users/u"}, ides.ScopeUser, "/Users/u/Library/Application Support/Code - Insiders/User/mcp.json"},
		{"windows appdata", false, ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `D:\Roaming`}}, ides.ScopeUser, `D:\Roaming\Code\User\mcp.json`},
		{"windows no appdata", false, ides.Env{GOOS: "windows", Home: `C:\Users\u`}, ides.ScopeUser, `C:\Users\u\AppData\Roaming\Code\User\mcp.json`},
		{"windows insiders", true, ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`}}, ides.ScopeUser, `C:\Users\u\AppData\Roaming\Code - Insiders\User\mcp.json`},
		{"portable", false, ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"VSCODE_PORTABLE": "/opt/code/data"}}, ides.ScopeUser, "/opt/code/data/user-data/User/mcp.json"},
		{"workspace linux", false, ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app"}, ides.ScopeProject, "/src/app/.vscode/mcp.json"},
		{"workspace windows", false, ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `C:\src\app`}, ides.ScopeProject, `C:\src\app\.vscode\mcp.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Adapter{Insiders: tt.insiders}.Target(tt.env, tt.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want {
				t.Errorf("path = %q, want %q", got.Path, tt.want)
			}
			if got.Format != config.JSONC {
				t.Error("VS Code files are JSONC, but the target is strict")
			}
			if d := cmp.Diff([]string{"servers"}, got.Servers); d != "" {
				t.Errorf("servers path (-want +got):\n%s", d)
			}
		})
	}
}

func TestLocationID(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`"-5a8f1c2e"`, "-5a8f1c2e"},
		{`"file:///home/u/.config/Code/User/profiles/abc"`, "abc"},
		{`{"$mid":1,"path":"/home/u/.config/Code/User/profiles/def/","scheme":"file"}`, "def"},
		{`{"path":"/c:/Users/u/AppData/Roaming/Code/User/profiles/w1"}`, "w1"},
		{`".."`, ""},
		{`42`, ""},
		{`""`, ""},
	}
	for _, tt := range tests {
		if got := locationID(json.RawMessage(tt.raw)); got != tt.want {
			t.Errorf("locationID(%s) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func writeStorage(t *testing.T, env ides.Env, a Adapter, data string) {
	t.Helper()
	p := a.StoragePath(env)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestProfiles(t *testing.T) {
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: filepath.Join(home, "proj")}
	a := Adapter{}
	if ps, err := a.Profiles(env); err != nil || ps != nil {
		t.Fatalf("no storage.json: Profiles = %v, %v; want none, no error", ps, err)
	}
	writeStorage(t, env, a, `{"userDataProfiles":[{"location":"p1","name":"Work"},{"location":"p2"},{"name":"NoLocation"},{"location":"p3","name":"work"}]}`)
	ps, err := a.Profiles(env)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Profile{{Name: "Work", ID: "p1"}, {Name: "work", ID: "p3"}}, ps); d != "" {
		t.Errorf("profiles (-want +got):\n%s", d)
	}
	// An exact name wins over a case-insensitive one.
	for name, id := range map[string]string{"Work": "p1", "work": "p3", "WORK": "p1"} {
		tg, err := a.ProfileTarget(env, name)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(a.UserDir(env), "profiles", id, "mcp.json"); tg.Path != want {
			t.Errorf("profile %q: path %s, want %s", name, tg.Path, want)
		}
	}
	locs, err := a.Locations(env)
	if err != nil {
		t.Fatal(err)
	}
	var variants []string
	for _, l := range locs {
		variants = append(variants, l.Variant+"|"+string(l.Scope))
	}
	if d := cmp.Diff([]string{"|user", "profile Work|user", "profile work|user", "|project"}, variants); d != "" {
		t.Errorf("locations (-want +got):\n%s", d)
	}

	writeStorage(t, env, a, `{"userDataProfiles": {}}`)
	if _, err := a.ProfileTarget(env, "Work"); err == nil || !strings.Contains(err.Error(), "read the profile list in ~/.config/Code/User/globalStorage/storage.json") {
		t.Errorf("broken storage.json: err = %v", err)
	}
	locs, err = a.Locations(env)
	if err == nil || len(locs) != 2 {
		t.Errorf("broken storage.json: Locations = %d locations, err %v; want the 2 plain ones and an error", len(locs), err)
	}
}

func TestEntryForward(t *testing.T) {
	got, err := Adapter{}.Entry(ides.ServerSpec{Command: "latchgate-mcp", Env: ides.EnvList{{Name: "A", Value: "1"}}, Forward: []string{"XDG_RUNTIME_DIR"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"stdio","command":"latchgate-mcp","args":[],"env":{"A":"1","XDG_RUNTIME_DIR":"${env:XDG_RUNTIME_DIR}"}}`
	if j, _ := got.MarshalJSON(); string(j) != want {
		t.Errorf("Entry = %s\nwant    %s", j, want)
	}
}
