package cline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func TestTargetPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		a     Adapter
		env   ides.Env
		scope ides.Scope
		want  string
	}{
		{"linux", Adapter{}, ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser,
			"/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"},
		{"linux xdg", Adapter{}, ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/xdg"}}, ides.ScopeUser,
			"/xdg/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"},
		{"macos", Adapter{}, ides.Env{GOOS: "darwin", Home: "/Users/u"}, ides.ScopeUser,
			"/Users/u/Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"},
		{"windows", Adapter{}, ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`}}, ides.ScopeUser,
			`C:\Users\u\AppData\Roaming\Code\User\globalStorage\saoudrizwan.claude-dev\settings\cline_mcp_settings.json`},
		{"roo linux", Adapter{Roo: true}, ides.Env{GOOS: "linux", Home: "/home/u"}, ides.ScopeUser,
			"/home/u/.config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json"},
		{"roo macos", Adapter{Roo: true}, ides.Env{GOOS: "darwin", Home: "/Users/u"}, ides.ScopeUser,
			"/Users/u/Library/Application Support/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json"},
		{"roo windows", Adapter{Roo: true}, ides.Env{GOOS: "windows", Home: `C:\Users\u`}, ides.ScopeUser,
			`C:\Users\u\AppData\Roaming\Code\User\globalStorage\rooveterinaryinc.roo-cline\settings\mcp_settings.json`},
		{"roo project", Adapter{Roo: true}, ides.Env{GOOS: "linux", Home: "/home/u", ProjectRoot: "/src/app"}, ides.ScopeProject, "/src/app/.roo/mcp.json"},
		{"roo windows project", Adapter{Roo: true}, ides.Env{GOOS: "windows", Home: `C:\Users\u`, ProjectRoot: `D:\app`}, ides.ScopeProject, `D:\app\.roo\mcp.json`},
	}
	for _, tt := range tests {
		got, err := tt.a.Target(tt.env, tt.scope)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != tt.want || got.Format != config.JSON || got.Servers[0] != "mcpServers" {
			t.Errorf("%s: target = %+v, want %s, strict JSON, mcpServers", tt.name, got, tt.want)
		}
	}
	if _, err := (Adapter{}).Target(ides.Env{GOOS: "linux", Home: "/h"}, ides.ScopeProject); err == nil {
		t.Error("cline project scope: no error")
	}
}

func TestHosts(t *testing.T) {
	t.Parallel()
	names := func(hs []Host) (out []string) {
		for _, h := range hs {
			out = append(out, h.Name+"="+h.UserDir)
		}
		return out
	}
	win := Hosts(ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `D:\Roaming`}})
	if d := cmp.Diff([]string{`VS Code=D:\Roaming\Code\User`, `VS Code Insiders=D:\Roaming\Code - Insiders\User`, `Cursor=D:\Roaming\Cursor\User`,
		`Windsurf=D:\Roaming\Windsurf\User`, `VSCodium=D:\Roaming\VSCodium\User`}, names(win)); d != "" {
		t.Errorf("windows hosts (-want +got):\n%s", d)
	}
	mac := Hosts(ides.Env{GOOS: "darwin", Home: "/Users/u"})
	if len(mac) != 10 || mac[2].UserDir != "/Users/u/Library/Application Support/Cursor/User" || mac[5].UserDir != "/Users/u/.vscode-server/data/User" {
		t.Errorf("macOS hosts = %v", names(mac))
	}
	// A portable VS Code keeps its User folder in its data folder.
	port := Hosts(ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"VSCODE_PORTABLE": "/opt/code/data"}})
	if port[0].UserDir != "/opt/code/data/user-data/User" || port[2].UserDir != "/home/u/.config/Cursor/User" {
		t.Errorf("portable hosts = %v", names(port))
	}
}

func mkdir(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPlanEveryInstalledHost(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, ProjectRoot: filepath.Join(home, "proj"), Vars: map[string]string{}}
	a := Adapter{}
	req := ides.Request{Scope: ides.ScopeUser, Name: "latchgate", Spec: ides.ServerSpec{Command: "/bin/lg", Args: []string{"serve"}}}

	// Nowhere yet: install says so instead of guessing an editor.
	_, _, err := a.PlanInstall(env, req)
	if err == nil || !strings.Contains(err.Error(), "Cline has not run in VS Code, VS Code Insiders, Cursor, Windsurf or VSCodium here") {
		t.Fatalf("no host: err = %v", err)
	}
	locs, _ := a.Locations(env)
	if len(locs) != 1 || locs[0].Variant != "VS Code" {
		t.Errorf("no host: locations = %+v, want VS Code's file alone", locs)
	}
	edits, _, err := a.PlanUninstall(env, req)
	if err != nil || len(edits) != 1 {
		t.Errorf("no host: uninstall = %d edits, %v", len(edits), err)
	}

	// Cursor and the VS Code server have run Cline; VS Code has run Roo Code only.
	mkdir(t, filepath.Join(home, ".config", "Cursor", "User", "globalStorage", "saoudrizwan.claude-dev"),
		filepath.Join(home, ".vscode-server", "data", "User", "globalStorage", "saoudrizwan.claude-dev"),
		filepath.Join(home, ".config", "Code", "User", "globalStorage", "rooveterinaryinc.roo-cline"))
	edits, notes, err := a.PlanInstall(env, req)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range edits {
		got = append(got, e.Label+": "+e.Display)
	}
	want := []string{
		"Cline in Cursor: ~/.config/Cursor/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
		"Cline in VS Code (remote): ~/.vscode-server/data/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("install edits (-want +got):\n%s", d)
	}
	if len(notes) != 1 || !strings.Contains(notes[0].Text, "Cline runs in Cursor, VS Code (remote)") {
		t.Errorf("notes = %+v", notes)
	}
	if tg, _ := a.Target(env, ides.ScopeUser); !strings.Contains(tg.Path, "/Cursor/") {
		t.Errorf("user target = %s, want Cursor's (the first host with Cline)", tg.Path)
	}
	edits, _, err = a.PlanUninstall(env, req)
	if err != nil || len(edits) != 2 {
		t.Errorf("uninstall = %d edits, %v; want both hosts", len(edits), err)
	}
	if _, _, err := a.PlanInstall(env, ides.Request{Scope: ides.ScopeUser, Approve: true}); err == nil {
		t.Error("--approve: no error")
	}

	// Roo Code: its own folder only, plus the project file.
	roo := Adapter{Roo: true}
	locs, _ = roo.Locations(env)
	var vs []string
	for _, l := range locs {
		vs = append(vs, string(l.Scope)+" "+l.Variant+" "+env.Display(l.Path))
	}
	if d := cmp.Diff([]string{"user VS Code ~/.config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json",
		"project  ~/proj/.roo/mcp.json"}, vs); d != "" {
		t.Errorf("roo locations (-want +got):\n%s", d)
	}
	edits, _, err = roo.PlanInstall(env, ides.Request{Scope: ides.ScopeProject, Name: "latchgate", Spec: req.Spec})
	if err != nil || len(edits) != 1 || edits[0].Path != filepath.Join(home, "proj", ".roo", "mcp.json") {
		t.Errorf("roo project install = %+v, %v", edits, err)
	}
}

func TestEntry(t *testing.T) {
	t.Parallel()
	spec := ides.ServerSpec{Command: "latchgate-mcp", Args: []string{"serve"}, Env: ides.EnvList{{Name: "A", Value: "1"}}, Forward: []string{"XDG_RUNTIME_DIR"}}
	for a, want := range map[Adapter]string{
		{}:          `{"type":"stdio","command":"latchgate-mcp","args":["serve"],"env":{"A":"1"},"timeout":330}`,
		{Roo: true}: `{"type":"stdio","command":"latchgate-mcp","args":["serve"],"env":{"A":"1","XDG_RUNTIME_DIR":"${env:XDG_RUNTIME_DIR}"},"timeout":330}`,
	} {
		v, err := a.Entry(spec)
		if err != nil {
			t.Fatal(err)
		}
		if j, _ := v.MarshalJSON(); string(j) != want {
			t.Errorf("%s Entry = %s\nwant %s", a.ID(), j, want)
		}
	}
}
