package openclaw

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the OpenClaw adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.KeyOwner     = Adapter{}
	_ ides.StrayFinder  = Adapter{}
)

// schema is the embedded schema (package schemas): the mcp part of
// OpenClaw's own.
const schema = "openclaw-config.schema.json"

// schemaPaths: only the mcp section is described.
var schemaPaths = [][]string{{"mcp"}}

// RequestTimeoutMS is the tool-call timeout install writes: above the
// gate's 300 s approval hold.
const RequestTimeoutMS = 330000

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "openclaw" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "OpenClaw" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// home is OpenClaw's home directory: $OPENCLAW_HOME, else the user's.
func home(env ides.Env) string {
	if h := strings.TrimSpace(env.Get("OPENCLAW_HOME")); h != "" && h != "undefined" && h != "null" {
		return userPath(env, env.Home, h)
	}
	return env.Home
}

// userPath resolves p as OpenClaw does: a leading ~ is h, and a relative
// path is relative to the current directory.
func userPath(env ides.Env, h, p string) string {
	p = strings.TrimSpace(p)
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		p = ides.Join(env, h, p[1:])
	}
	if env.GOOS == "windows" || filepath.IsAbs(p) || env.WorkDir == "" {
		return p
	}
	return ides.Join(env, env.WorkDir, p)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// StateDir is OpenClaw's state directory: $OPENCLAW_STATE_DIR, else
// ~/.openclaw, or the legacy ~/.clawdbot where only that exists.
func StateDir(env ides.Env) string {
	if d := strings.TrimSpace(env.Get("OPENCLAW_STATE_DIR")); d != "" {
		return userPath(env, home(env), d)
	}
	cur := ides.Join(env, home(env), ".openclaw")
	if old := ides.Join(env, home(env), ".clawdbot"); !exists(cur) && exists(old) {
		return old
	}
	return cur
}

// ConfigPath is the file OpenClaw reads (resolveConfigPathCandidate).
func ConfigPath(env ides.Env) string {
	if p := strings.TrimSpace(env.Get("OPENCLAW_CONFIG_PATH")); p != "" {
		return userPath(env, home(env), p)
	}
	var dirs []string
	if d := strings.TrimSpace(env.Get("OPENCLAW_STATE_DIR")); d != "" {
		dirs = append(dirs, userPath(env, home(env), d))
	}
	dirs = append(dirs, ides.Join(env, home(env), ".openclaw"), ides.Join(env, home(env), ".clawdbot"))
	for _, d := range dirs {
		for _, name := range []string{"openclaw.json", "clawdbot.json"} {
			if p := ides.Join(env, d, name); exists(p) {
				return p
			}
		}
	}
	return ides.Join(env, StateDir(env), "openclaw.json")
}

// Target implements ides.Adapter.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(a, scope)
	}
	// OpenClaw creates its config private, as it holds credentials.
	return ides.Target{Path: ConfigPath(env), Servers: []string{"mcp", "servers"}, Format: config.JSONC, Scope: scope,
		NewMode: 0o600, Schema: schema, SchemaPaths: schemaPaths}, nil
}

// Entry implements ides.Adapter.Entry: OpenClaw's stdio shape, keys in
// the order "openclaw mcp set" keeps them, and the tool-call timeout.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
		config.M("requestTimeoutMs", config.IntValue(RequestTimeoutMS)),
	), nil
}

// OwnedKeys implements ides.KeyOwner: "workingDirectory" is a spelling of
// cwd that OpenClaw now rejects.
func (Adapter) OwnedKeys() []string { return []string{"workingDirectory"} }

// noInclude refuses a file whose mcp servers come, in part, from
// another file: an entry written here would sit beside the included part
// instead of in it.
func noInclude() merge.Edit {
	return func(doc config.Document) (bool, error) {
		for _, p := range [][]string{{"$include"}, {"mcp", "$include"}, {"mcp", "servers", "$include"}} {
			if _, ok := doc.Get(p...); ok {
				return false, fmt.Errorf("%s is split with %q: add the server with \"openclaw mcp set\", or edit the included file",
					config.DisplayPath(p[:len(p)-1]), "$include")
			}
		}
		return false, nil
	}
}

// PlanInstall implements ides.Planner: the entry, unless the file
// includes its mcp section from elsewhere.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	if req.Approve {
		return nil, nil, ides.Usagef("--approve does not apply to %s: it asks nothing before starting a server", a.DisplayName())
	}
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, noInclude(), ides.EntryEdit(a, t, req))}, nil, nil
}

// PlanUninstall implements ides.Planner.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}, nil, nil
}

// varRef is OpenClaw's config substitution: upper-case names only, and
// $${NAME} for a literal.
var varRef = regexp.MustCompile(`\$?\$\{([A-Z_][A-Z0-9_]*)\}`)

// expand expands ${NAME} as OpenClaw does in every config string: an
// unset or empty variable stays as written (OpenClaw warns), $${NAME} is
// the literal ${NAME}.
func expand(s string, env ides.Env, missing *[]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "$$") {
			return m[1:]
		}
		name := varRef.FindStringSubmatch(m)[1]
		if v := env.Vars[name]; v != "" {
			return v
		}
		*missing = append(*missing, name)
		return m
	})
}

// Launch implements ides.Launcher: the MCP SDK's default variables plus
// the entry's env, ${NAME} expanded.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	r := ides.DefaultLaunch()
	r.Rule = "only the MCP SDK's inherited variables and the entry's env (as OpenClaw passes them)"
	r.Expand = expand
	r.VarSyntax = "${NAME}"
	return r
}

// ClientView implements ides.ClientViewer: "enabled": false keeps an
// entry saved but unused.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	ides.DisabledView(a, env, name, states, ides.EnabledSwitch("enabled"))
}

// Strays implements ides.StrayFinder: the mcporter registry, which the
// Rust installer wrote and OpenClaw's own servers list never includes.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	why := "the mcporter registry, which OpenClaw's mcp.servers (openclaw mcp list) does not include"
	return []ides.Stray{
		{Path: ides.Join(env, StateDir(env), "workspace", "config", "mcporter.json"), Format: config.JSONC, Servers: []string{"mcpServers"}, Why: why},
		{Path: ides.Join(env, env.Home, ".mcporter", "mcporter.json"), Format: config.JSONC, Servers: []string{"mcpServers"}, Why: why},
		{Path: t.Path, Format: t.Format, Servers: []string{"mcpServers"}, Why: `a top-level "mcpServers", which OpenClaw ignores: it reads "mcp.servers"`},
	}
}

// Footprint implements ides.Detectable.Footprint.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{StateDir(env), ConfigPath(env)}, Commands: []string{"openclaw"}}
}
