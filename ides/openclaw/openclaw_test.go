package openclaw

import (
	"os"
	"path/filepath"
	"testing"

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
		{"linux", ides.Env{GOOS: "linux", Home: "/home/u"}, "/home/u/.openclaw/openclaw.json"},
		{"macos", ides.Env{GOOS: "darwin", Home: "/Users/u"}, "/Users/u/.openclaw/openclaw.json"},
		{"windows", ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`}}, `C:\Users\u\.openclaw\openclaw.json`},
		{"config path", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"OPENCLAW_CONFIG_PATH": "~/.openclaw/a.json"}}, "/home/u/.openclaw/a.json"},
		{"relative config path", ides.Env{GOOS: "linux", Home: "/home/u", WorkDir: "/src", Vars: map[string]string{"OPENCLAW_CONFIG_PATH": " cfg/o.json "}}, "/src/cfg/o.json"},
		{"state dir", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"OPENCLAW_STATE_DIR": "/srv/openclaw-a"}}, "/srv/openclaw-a/openclaw.json"},
		{"openclaw home", ides.Env{GOOS: "linux", Home: "/home/u", Vars: map[string]string{"OPENCLAW_HOME": "~/alt"}}, "/home/u/alt/.openclaw/openclaw.json"},
		{"windows state dir", ides.Env{GOOS: "windows", Home: `C:\Users\u`, Vars: map[string]string{"OPENCLAW_STATE_DIR": `D:\oc`}}, `D:\oc\openclaw.json`},
	}
	for _, tt := range tests {
		got, err := Adapter{}.Target(tt.env, ides.ScopeUser)
		if err != nil {
			t.Fatal(err)
		}
		if got.Path != tt.want || got.Format != config.JSONC || got.Servers[0] != "mcp" || got.Servers[1] != "servers" {
			t.Errorf("%s: target = %+v, want %s, JSONC, mcp.servers", tt.name, got, tt.want)
		}
	}
	if _, err := (Adapter{}).Target(ides.Env{GOOS: "linux", Home: "/h"}, ides.ScopeProject); err == nil {
		t.Error("project scope: no error")
	}
}

// TestExistingCandidates: the first existing file among OpenClaw's
// candidates wins, as in resolveConfigPathCandidate.
func TestExistingCandidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []string
		state bool // OPENCLAW_STATE_DIR=<home>/state
		want  string
	}{
		{"none: state dir", nil, false, ".openclaw/openclaw.json"},
		{"legacy state dir only", []string{".clawdbot/"}, false, ".clawdbot/openclaw.json"},
		{"legacy file name", []string{".openclaw/clawdbot.json"}, false, ".openclaw/clawdbot.json"},
		{"legacy dir's file", []string{".clawdbot/clawdbot.json"}, false, ".clawdbot/clawdbot.json"},
		{"current beats legacy", []string{".openclaw/openclaw.json", ".clawdbot/clawdbot.json"}, false, ".openclaw/openclaw.json"},
		{"state dir file first", []string{"state/openclaw.json", ".openclaw/openclaw.json"}, true, "state/openclaw.json"},
		// OpenClaw falls back to the default folders before creating one in the state dir.
		{"state dir empty", []string{".openclaw/openclaw.json"}, true, ".openclaw/openclaw.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(home, f)
				if f[len(f)-1] == '/' {
					if err := os.MkdirAll(p, 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			vars := map[string]string{}
			if tt.state {
				vars["OPENCLAW_STATE_DIR"] = filepath.Join(home, "state")
			}
			env := ides.Env{GOOS: "linux", Home: home, Vars: vars}
			if got, want := ConfigPath(env), filepath.Join(home, tt.want); got != want {
				t.Errorf("ConfigPath = %s, want %s", got, want)
			}
		})
	}
}

func TestEntryAndExpand(t *testing.T) {
	t.Parallel()
	v, err := Adapter{}.Entry(ides.ServerSpec{Command: "/bin/lg", Args: []string{"serve"}, Env: ides.EnvList{{Name: "A", Value: "1"}}, Forward: []string{"XDG_RUNTIME_DIR"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"command":"/bin/lg","args":["serve"],"env":{"A":"1"},"requestTimeoutMs":330000}`
	if j, _ := v.MarshalJSON(); string(j) != want {
		t.Errorf("Entry = %s, want %s", j, want)
	}
	var missing []string
	env := ides.Env{Vars: map[string]string{"TOKEN": "t", "EMPTY": "", "lower": "x"}}
	got := Adapter{}.Launch(env).Expand("${TOKEN} $${TOKEN} ${EMPTY} ${lower} ${NOPE}", env, &missing)
	if want := "t ${TOKEN} ${EMPTY} ${lower} ${NOPE}"; got != want || len(missing) != 2 {
		t.Errorf("expand = %q (missing %v), want %q and EMPTY, NOPE missing", got, missing, want)
	}
}
