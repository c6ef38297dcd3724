package geminicli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func TestPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		env         ides.Env
		user, proj  string
		trust       string
		trustKeyFor string
		trustKey    string
	}{
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u", WorkDir: "/src/App"},
			"/home/u/.gemini/settings.json", "/src/App/.gemini/settings.json", "/home/u/.gemini/trustedFolders.json",
			"/src/App/", "/src/App"},
		{"macos", ides.Env{GOOS: "darwin", Home: "/Users/u", WorkDir: "/Users/u/Src/App"},
			"/Users/u/.gemini/settings.json", "/Users/u/Src/App/.gemini/settings.json", "/Users/u/.gemini/trustedFolders.json",
			"/Users/u/Src/App", "/users/u/src/app"},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`, WorkDir: `D:\Src\App`},
			`C:\Users\u\.gemini\settings.json`, `D:\Src\App\.gemini\settings.json`, `C:\Users\u\.gemini\trustedFolders.json`,
			`D:\Src\App`, "d:/src/app"},
		{"GEMINI_CLI_HOME", ides.Env{GOOS: "linux", Home: "/home/u", WorkDir: "/src/app",
			Vars: map[string]string{"GEMINI_CLI_HOME": "/opt/g", "GEMINI_CLI_TRUSTED_FOLDERS_PATH": "/etc/trust.json"}},
			"/opt/g/.gemini/settings.json", "/src/app/.gemini/settings.json", "/etc/trust.json", "/src/app", "/src/app"},
	}
	for _, tt := range tests {
		user, err := Adapter{}.Target(tt.env, ides.ScopeUser)
		if err != nil {
			t.Fatal(err)
		}
		proj, err := Adapter{}.Target(tt.env, ides.ScopeProject)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{user.Path, proj.Path, TrustPath(tt.env), TrustKey(tt.env, tt.trustKeyFor)}
		if d := cmp.Diff([]string{tt.user, tt.proj, tt.trust, tt.trustKey}, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
		if user.NewMode != 0o600 || proj.NewMode != 0o644 {
			t.Errorf("%s: modes %o %o", tt.name, user.NewMode, proj.NewMode)
		}
	}
	// In the home directory Gemini reads no project file: no target, and
	// list does not show one.
	env := ides.Env{GOOS: "linux", Home: "/home/u", WorkDir: "/home/u/"}
	if _, err := (Adapter{}).Target(env, ides.ScopeProject); err == nil || !strings.Contains(err.Error(), "home directory") {
		t.Errorf("project scope in home: %v", err)
	}
	if locs, err := ides.Locations(Adapter{}, env); err != nil || len(locs) != 1 {
		t.Errorf("Locations in home = %d files (%v), want the user file only", len(locs), err)
	}
	if _, err := (Adapter{}).Target(env, ides.ScopeProject); !errors.Is(err, ides.ErrNoFileHere) ||
		!strings.Contains(err.Error(), "Gemini CLI reads no project settings there") {
		t.Errorf("project scope in home: %v", err)
	}
	if _, err := (Adapter{}).Target(env, ides.ScopeLocal); err == nil {
		t.Error("local scope: no error")
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	env := ides.Env{Vars: map[string]string{"A": "a", "EMPTY": ""}}
	tests := []struct {
		in, want string
		missing  []string
	}{
		{"$A/${A}", "a/a", nil},
		{"${EMPTY:-d}", "", nil}, // set, even empty: its value (not like a shell)
		{"${NOPE:-d}x", "dx", nil},
		{"${NOPE:-}x", "x", nil},
		{"$NOPE/${NOPE2}", "$NOPE/${NOPE2}", []string{"NOPE", "NOPE2"}}, // unset: left as written
		{"a$", "a$", nil},
	}
	for _, tt := range tests {
		var missing []string
		if got := Expand(tt.in, env, &missing); got != tt.want || !slices.Equal(missing, tt.missing) {
			t.Errorf("Expand(%q) = %q, missing %v; want %q, %v", tt.in, got, missing, tt.want, tt.missing)
		}
	}
}

func TestLaunchWithholdsSecrets(t *testing.T) {
	t.Parallel()
	env := ides.Env{Vars: map[string]string{
		"PATH": "/bin", "XDG_RUNTIME_DIR": "/run/user/1", "LATCHGATE_TOKEN": "t", "MY_API_KEY": "k",
		"GEMINI_CLI_HOME": "/g", "DATABASE_URL": "x", "NOTE": "https://me:pw@example.com", "AUTHOR": "x",
	}}
	got := Adapter{}.Launch(env)
	want := []string{"GEMINI_CLI_HOME", "PATH", "XDG_RUNTIME_DIR"}
	if d := cmp.Diff(want, got.Inherit); d != "" || got.InheritAll {
		t.Errorf("Inherit (-want +got):\n%s", d)
	}
	if got.Extra["GEMINI_CLI"] != "1" || got.Expand == nil || !got.DefaultSyntax {
		t.Errorf("rules = %+v", got)
	}
}

// write creates a file under dir.
func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFolderTrust(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "src", "app")
	base := ides.Env{GOOS: "linux", Home: home, WorkDir: proj, Vars: map[string]string{
		"GEMINI_CLI_SYSTEM_SETTINGS_PATH": filepath.Join(home, "no-system.json")}}
	trust := filepath.Join(home, ".gemini", "trustedFolders.json")
	tests := []struct {
		name, rules string
		vars        map[string]string
		settings    string
		want        Trust
	}{
		{"no file", "", nil, "", Trust{}},
		{"folder", `{"` + proj + `": "TRUST_FOLDER"}`, nil, "", Trust{Trusted: true}},
		{"parent rule covers it", `{"` + filepath.Join(home, "src") + `/": "TRUST_FOLDER"}`, nil, "", Trust{Trusted: true}},
		{"TRUST_PARENT on a sibling", `{"` + filepath.Join(home, "src", "other") + `": "TRUST_PARENT"}`, nil, "", Trust{Trusted: true}},
		{"longest match wins: no", `{"` + home + `": "TRUST_FOLDER", // c
		  "` + proj + `": "DO_NOT_TRUST"}`, nil, "", Trust{Rejected: true}},
		{"longest match wins: yes", `{"` + home + `": "DO_NOT_TRUST", "` + proj + `": "TRUST_FOLDER"}`, nil, "", Trust{Trusted: true}},
		{"prefix is not a parent", `{"` + proj + `x": "TRUST_FOLDER"}`, nil, "", Trust{}},
		{"env trusts", "", map[string]string{"GEMINI_CLI_TRUST_WORKSPACE": "true"}, "", Trust{Trusted: true, Fixed: true}},
		{"env refuses", `{"` + proj + `": "TRUST_FOLDER"}`, map[string]string{"GEMINI_CLI_TRUST_WORKSPACE": "false"}, "", Trust{Fixed: true}},
		{"folder trust off", "", nil, `{"security": {"folderTrust": {"enabled": false}}}`, Trust{Trusted: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The files the case before wrote, if it wrote them.
			for _, p := range []string{trust, SettingsPath(base)} {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
			}
			if tt.rules != "" {
				write(t, trust, tt.rules)
			}
			if tt.settings != "" {
				write(t, SettingsPath(base), tt.settings)
			}
			env := base
			env.Vars = map[string]string{}
			for k, v := range base.Vars {
				env.Vars[k] = v
			}
			for k, v := range tt.vars {
				env.Vars[k] = v
			}
			got := FolderTrust(env, proj)
			got.Why = ""
			if got != tt.want {
				t.Errorf("FolderTrust = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClientView(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "app")
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: proj, Vars: map[string]string{
		"GEMINI_CLI_SYSTEM_SETTINGS_PATH": filepath.Join(home, "no-system.json")}}
	states := func() []ides.EntryState {
		return []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}, {Scope: ides.ScopeProject, Configured: true}}
	}
	view := func() []string {
		s := states()
		Adapter{}.ClientView(env, "latchgate", s)
		var out []string
		for _, st := range s {
			out = append(out, st.Client)
		}
		return out
	}
	if got := view(); !slices.Equal(got, []string{"pending-approval", "pending-approval"}) {
		t.Errorf("untrusted folder: %v", got)
	}
	write(t, TrustPath(env), `{"`+proj+`": "TRUST_FOLDER"}`)
	if got := view(); !slices.Equal(got, []string{"shadowed", "active"}) {
		t.Errorf("trusted folder: %v", got)
	}
	write(t, SettingsPath(env), `{"mcp": {"excluded": ["latchgate"]}}`)
	if got := view(); !slices.Equal(got, []string{"disabled", "disabled"}) {
		t.Errorf("mcp.excluded: %v", got)
	}
	write(t, SettingsPath(env), `{"mcp": {"allowed": ["other"]}}`)
	if got := view(); !slices.Equal(got, []string{"disabled", "disabled"}) {
		t.Errorf("mcp.allowed: %v", got)
	}
}

func TestEnvWarnings(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: filepath.Join(home, "app"), Vars: map[string]string{}}
	if n := (Adapter{}).EnvWarnings(env); len(n) != 0 {
		t.Errorf("clean machine: %v", n)
	}
	write(t, SettingsPath(env), "\xEF\xBB\xBF{}")
	write(t, ProjectSettingsPath(env, env.WorkDir), "\n")
	n := Adapter{}.EnvWarnings(env)
	if len(n) != 2 || !strings.Contains(n[0].Text, "byte order mark") || !strings.Contains(n[1].Text, "empty") {
		t.Errorf("EnvWarnings = %v", n)
	}
}

func TestPlanInstallNotes(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: filepath.Join(home, "app"), Vars: map[string]string{
		"GEMINI_CLI_SYSTEM_SETTINGS_PATH": filepath.Join(home, "no-system.json")}}
	req := ides.Request{Scope: ides.ScopeUser, Name: "latchgate", Spec: ides.ServerSpec{Command: "lg", Args: []string{"serve"}}}
	edits, notes, err := Adapter{}.PlanInstall(env, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 1 || len(notes) != 1 || !strings.Contains(notes[0].Text, "pass --approve to trust it") {
		t.Errorf("untrusted, no --approve: %d edits, notes %v", len(edits), notes)
	}
	req.Approve = true
	edits, notes, err = Adapter{}.PlanInstall(env, req)
	if err != nil || len(edits) != 3 || len(notes) != 0 {
		t.Errorf("--approve: %d edits, notes %v, %v", len(edits), notes, err)
	}
}

// TestApproveRefusedInHome: a rule for the home directory would trust
// every folder below it.
func TestApproveRefusedInHome(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: home, Vars: map[string]string{
		"GEMINI_CLI_SYSTEM_SETTINGS_PATH": filepath.Join(home, "no-system.json")}}
	req := ides.Request{Scope: ides.ScopeUser, Name: "latchgate", Approve: true, Spec: ides.ServerSpec{Command: "lg"}}
	if _, _, err := (Adapter{}).PlanInstall(env, req); err == nil || !strings.Contains(err.Error(), "every folder below it") {
		t.Errorf("--approve in the home directory: %v", err)
	}
	states := []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}}
	Adapter{}.ClientView(env, "latchgate", states)
	if states[0].Client != "pending-approval" || states[0].Approvable {
		t.Errorf("in the home directory: %+v", states[0])
	}
}
