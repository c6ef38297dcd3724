package claudedesktop

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// fakeDirs describes the folders of a machine the test does not run on.
type fakeDirs map[string][]string

func (f *fakeDirs) Dirs(dir string) ([]string, error) {
	if names, ok := (*f)[dir]; ok {
		return names, nil
	}
	return nil, fs.ErrNotExist
}

const winHome = `C:\Users\u`

var winVars = map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\u\AppData\Local`}

func TestTargetPaths(t *testing.T) {
	t.Parallel()
	msix := &fakeDirs{`C:\Users\u\AppData\Local\Packages`: {"Microsoft.Todos_8wekyb3d8bbwe", "Claude_pzs8sxrjxfjjc"}}
	// Another Claude_* folder sorts first, but Anthropic's package wins.
	twoPkgs := &fakeDirs{`C:\Users\u\AppData\Local\Packages`: {"Claude_0old", "Claude_pzs8sxrjxfjjc"}}
	otherPkg := &fakeDirs{`D:\Local\Packages`: {"claude_abc"}}
	noPkg := &fakeDirs{`C:\Users\u\AppData\Local\Packages`: {"Microsoft.Todos_8wekyb3d8bbwe"}}
	tests := []struct {
		name string
		a    Adapter
		env  ides.Env
		want string
	}{
		{"linux", Adapter{}, ides.Env{GOOS: "linux", Home: "/home/u"}, "/home/u/.config/Claude/claude_desktop_config.json"},
		{"linux xdg", Adapter{}, ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/xdg"}}, "/xdg/Claude/claude_desktop_config.json"},
		{"linux relative xdg ignored", Adapter{}, ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"XDG_CONFIG_HOME": "x"}}, "/home/u/.config/Claude/claude_desktop_config.json"},
		{"macos", Adapter{}, ides.Env{GOOS: "darwin", Home: "/Users/u", Vars: map[string]string{"XDG_CONFIG_HOME": "/ignored"}}, "/Users/u/Library/Application Support/Claude/claude_desktop_config.json"},
		{"windows classic", Adapter{dirs: noPkg}, ides.Env{GOOS: "windows", Home: winHome, Vars: winVars}, `C:\Users\u\AppData\Roaming\Claude\claude_desktop_config.json`},
		{"windows classic, no APPDATA", Adapter{dirs: &fakeDirs{}}, ides.Env{GOOS: "windows", Home: winHome}, `C:\Users\u\AppData\Roaming\Claude\claude_desktop_config.json`},
		{"windows msix", Adapter{dirs: msix}, ides.Env{GOOS: "windows", Home: winHome, Vars: winVars},
			`C:\Users\u\AppData\Local\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude\claude_desktop_config.json`},
		{"windows msix, no LOCALAPPDATA", Adapter{dirs: msix}, ides.Env{GOOS: "windows", Home: winHome},
			`C:\Users\u\AppData\Local\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude\claude_desktop_config.json`},
		{"windows two packages", Adapter{dirs: twoPkgs}, ides.Env{GOOS: "windows", Home: winHome, Vars: winVars},
			`C:\Users\u\AppData\Local\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude\claude_desktop_config.json`},
		{"windows other package id", Adapter{dirs: otherPkg}, ides.Env{GOOS: "windows", Home: winHome, Vars: map[string]string{"LOCALAPPDATA": `D:\Local`}},
			`D:\Local\Packages\claude_abc\LocalCache\Roaming\Claude\claude_desktop_config.json`},
		// Packages are a Windows thing: a folder of that name elsewhere is not looked at.
		{"linux ignores packages", Adapter{dirs: msix}, ides.Env{GOOS: "linux", Home: "/home/u"}, "/home/u/.config/Claude/claude_desktop_config.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Target(tt.env, ides.ScopeUser)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want || got.Format != config.JSON || got.NewMode != 0o600 {
				t.Errorf("target = %s (%s, %o), want %s, strict JSON, 0600", got.Path, got.Format, got.NewMode, tt.want)
			}
			if d := cmp.Diff([]string{"mcpServers"}, got.Servers); d != "" {
				t.Errorf("servers (-want +got):\n%s", d)
			}
		})
	}
	for _, s := range []ides.Scope{ides.ScopeProject, ides.ScopeLocal} {
		if _, err := (Adapter{}).Target(ides.Env{GOOS: "linux", Home: "/h"}, s); err == nil {
			t.Errorf("%s scope: no error", s)
		}
	}
}

func TestLocationsAndClientView(t *testing.T) {
	t.Parallel()
	env := ides.Env{GOOS: "windows", Home: winHome, Vars: winVars}
	a := Adapter{dirs: &fakeDirs{`C:\Users\u\AppData\Local\Packages`: {"Claude_0old", "Claude_pzs8sxrjxfjjc"}}}
	locs, err := a.Locations(env)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range locs {
		got = append(got, l.Variant+"|"+l.Path)
	}
	want := []string{
		`|C:\Users\u\AppData\Local\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude\claude_desktop_config.json`,
		`MSIX package Claude_0old|C:\Users\u\AppData\Local\Packages\Claude_0old\LocalCache\Roaming\Claude\claude_desktop_config.json`,
		`classic install|C:\Users\u\AppData\Roaming\Claude\claude_desktop_config.json`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("locations (-want +got):\n%s", d)
	}

	states := []ides.EntryState{{Scope: ides.ScopeUser, Configured: true}, {Scope: ides.ScopeUser, Variant: variantPackage + "Claude_0old"},
		{Scope: ides.ScopeUser, Variant: variantClassic, Configured: true}}
	a.ClientView(env, "latchgate", states)
	if states[0].Client != "active" || states[1].Client != "" || states[2].Client != "shadowed" ||
		states[2].Detail != "Claude Desktop installed here reads ~/AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json instead" {
		t.Errorf("client view = %+v", states)
	}

	// Without a package, the classic file is the one: no variants.
	locs, _ = Adapter{dirs: &fakeDirs{}}.Locations(env)
	if len(locs) != 1 || locs[0].Variant != "" || locs[0].Path != `C:\Users\u\AppData\Roaming\Claude\claude_desktop_config.json` {
		t.Errorf("classic only: locations = %+v", locs)
	}
}

func TestOSDirs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, d := range []string{"Claude_pzs8sxrjxfjjc", "Other_1"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "Claude_file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := osDirs{}.Dirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"Claude_pzs8sxrjxfjjc", "Other_1"}, got); d != "" {
		t.Errorf("dirs (-want +got):\n%s", d)
	}
	if _, err := (osDirs{}).Dirs(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dir: err = %v", err)
	}
}

func TestEntryAndLaunch(t *testing.T) {
	t.Parallel()
	got, err := Adapter{}.Entry(ides.ServerSpec{Command: "/bin/lg", Args: []string{"serve"}, Env: ides.EnvList{{Name: "A", Value: "1"}},
		Forward: []string{"XDG_RUNTIME_DIR"}})
	if err != nil {
		t.Fatal(err)
	}
	// No cwd (Claude Desktop resolves "." against "/"), no forwarding syntax.
	want := `{"command":"/bin/lg","args":["serve"],"env":{"A":"1"}}`
	if j, _ := got.MarshalJSON(); string(j) != want {
		t.Errorf("Entry = %s, want %s", j, want)
	}
	if r := (Adapter{}).Launch(ides.Env{GOOS: "darwin"}); r.Dir != "/" || r.InheritAll || r.Expand != nil {
		t.Errorf("macOS launch = %+v, want dir /, SDK variables, no expansion", r)
	}
	if r := (Adapter{}).Launch(ides.Env{GOOS: "windows"}); r.Dir != "" {
		t.Errorf("windows launch dir = %q, want unknown", r.Dir)
	}
}
