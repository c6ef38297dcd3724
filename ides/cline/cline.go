package cline

import (
	"fmt"
	"os"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/vscode"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Cline adapter; Roo selects Roo Code.
type Adapter struct {
	Roo bool
}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Enumerator   = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.StrayFinder  = Adapter{}
	_ ides.KeyOwner     = Adapter{}
)

// Timeout is the tool-call timeout install writes, in seconds: above the
// gate's 300 s approval hold.
const Timeout = 330

// ID implements ides.Adapter.ID.
func (a Adapter) ID() string {
	if a.Roo {
		return "roo-code"
	}
	return "cline"
}

// DisplayName implements ides.Adapter.DisplayName.
func (a Adapter) DisplayName() string {
	if a.Roo {
		return "Roo Code"
	}
	return "Cline"
}

// Scopes implements ides.Adapter.Scopes: Roo Code also reads .roo/mcp.json.
func (a Adapter) Scopes() []ides.Scope {
	if a.Roo {
		return []ides.Scope{ides.ScopeUser, ides.ScopeProject}
	}
	return []ides.Scope{ides.ScopeUser}
}

// ExtensionID is the extension's folder name in an editor's globalStorage.
func (a Adapter) ExtensionID() string {
	if a.Roo {
		return "rooveterinaryinc.roo-cline"
	}
	return "saoudrizwan.claude-dev"
}

func (a Adapter) fileName() string {
	if a.Roo {
		return "mcp_settings.json"
	}
	return "cline_mcp_settings.json"
}

func (a Adapter) schema() string {
	if a.Roo {
		return "roo-code-mcp.schema.json"
	}
	return "cline-mcp-settings.schema.json"
}

// A Host is an editor the extension runs in, and its User directory.
type Host struct {
	Name    string
	UserDir string
}

// hostDirs are the editors' folders in the config directory, and the
// folders of their remote servers in a home directory.
var hostDirs = []struct{ name, dir, server string }{
	{"VS Code", "Code", ".vscode-server"},
	{"VS Code Insiders", "Code - Insiders", ".vscode-server-insiders"},
	{"Cursor", "Cursor", ".cursor-server"},
	{"Windsurf", "Windsurf", ".windsurf-server"},
	{"VSCodium", "VSCodium", ".vscodium-server"},
}

// Hosts returns every editor the extension could run in on env's OS, in
// a fixed order: the desktop editors, then (not on Windows) their remote
// servers.
func Hosts(env ides.Env) []Host {
	var out []Host
	for _, h := range hostDirs {
		dir := ides.Join(env, vscode.ConfigBase(env), h.dir, "User")
		switch h.dir {
		case "Code":
			dir = vscode.Adapter{}.UserDir(env)
		case "Code - Insiders":
			dir = vscode.Adapter{Insiders: true}.UserDir(env)
		}
		out = append(out, Host{Name: h.name, UserDir: dir})
	}
	if env.GOOS != "windows" {
		for _, h := range hostDirs {
			out = append(out, Host{Name: h.name + " (remote)", UserDir: ides.Join(env, env.Home, h.server, "data", "User")})
		}
	}
	return out
}

// StorageDir is the extension's global storage folder in host h.
func (a Adapter) StorageDir(env ides.Env, h Host) string {
	return ides.Join(env, h.UserDir, "globalStorage", a.ExtensionID())
}

func (a Adapter) hostTarget(env ides.Env, h Host) ides.Target {
	// A user file names this machine's binary and socket: private.
	return ides.Target{Path: ides.Join(env, a.StorageDir(env, h), "settings", a.fileName()), Servers: []string{"mcpServers"},
		Format: config.JSON, Scope: ides.ScopeUser, NewMode: 0o600, Schema: a.schema()}
}

// InstalledHosts returns the hosts where the extension has its storage
// folder: it has run there.
func (a Adapter) InstalledHosts(env ides.Env) []Host {
	var out []Host
	for _, h := range Hosts(env) {
		if info, err := os.Stat(a.StorageDir(env, h)); err == nil && info.IsDir() {
			out = append(out, h)
		}
	}
	return out
}

// Target implements ides.Adapter.Target: for user scope, the file in the
// first editor where the extension runs (VS Code's when none is found).
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch {
	case scope == ides.ScopeUser:
		if hs := a.InstalledHosts(env); len(hs) > 0 {
			return a.hostTarget(env, hs[0]), nil
		}
		return a.hostTarget(env, Hosts(env)[0]), nil
	case scope == ides.ScopeProject && a.Roo:
		return ides.Target{Path: ides.Join(env, env.ProjectRoot, ".roo", "mcp.json"), Servers: []string{"mcpServers"},
			Format: config.JSON, Scope: scope, NewMode: 0o644, Schema: a.schema()}, nil
	}
	return ides.Target{}, ides.CheckScope(a, scope)
}

// Locations implements ides.Enumerator: the file of every editor where the
// extension runs (VS Code's when there is none, to say so), then Roo
// Code's project file.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) {
	hs := a.InstalledHosts(env)
	if len(hs) == 0 {
		hs = Hosts(env)[:1]
	}
	var out []ides.Location
	for _, h := range hs {
		out = append(out, ides.Location{Target: a.hostTarget(env, h), Variant: h.Name})
	}
	if a.Roo {
		t, _ := a.Target(env, ides.ScopeProject)
		out = append(out, ides.Location{Target: t})
	}
	return out, nil
}

// Entry implements ides.Adapter.Entry: a stdio entry with the tool-call
// timeout in seconds. Roo Code expands ${env:NAME}, so it gets the
// forwarded variables; Cline expands nothing.
func (a Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	env := append(ides.EnvList{}, spec.Env...)
	if a.Roo {
		for _, name := range spec.Forward {
			env = append(env, ides.EnvVar{Name: name, Value: ides.Forward(name)})
		}
	}
	return config.ObjectValue(
		config.M("type", config.StringValue("stdio")),
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", env.Value()),
		config.M("timeout", config.IntValue(Timeout)),
	), nil
}

// OwnedKeys implements ides.KeyOwner: Cline's legacy "transportType"
// says how the server starts, so a stale one must not survive.
func (Adapter) OwnedKeys() []string { return []string{"transportType"} }

// PlanInstall implements ides.Planner: the entry goes into the file of
// every editor where the extension runs.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	if req.Approve {
		return nil, nil, ides.Usagef("--approve does not apply to %s: it asks nothing before starting a server", a.DisplayName())
	}
	if req.Scope != ides.ScopeUser {
		t, err := a.Target(env, req.Scope)
		if err != nil {
			return nil, nil, err
		}
		return []merge.FileEdit{t.FileEdit(env, ides.EntryEdit(a, t, req))}, nil, nil
	}
	hs := a.InstalledHosts(env)
	if len(hs) == 0 {
		return nil, nil, a.notInstalled(env)
	}
	var edits []merge.FileEdit
	var notes []ides.Note
	for _, h := range hs {
		t := a.hostTarget(env, h)
		fe := t.FileEdit(env, ides.EntryEdit(a, t, req))
		fe.Label = fmt.Sprintf("%s in %s", a.DisplayName(), h.Name)
		edits = append(edits, fe)
	}
	if len(hs) > 1 {
		names := make([]string, len(hs))
		for i, h := range hs {
			names[i] = h.Name
		}
		notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf("%s runs in %s: each has its own settings file, and each gets the entry",
			a.DisplayName(), strings.Join(names, ", "))})
	}
	return edits, notes, nil
}

// notInstalled is the error for a machine where the extension has never
// run: there is no file it would read.
func (a Adapter) notInstalled(env ides.Env) error {
	var names []string
	for _, h := range hostDirs {
		names = append(names, h.name)
	}
	return fmt.Errorf("find %s's settings: %s has not run in %s or %s here (no %s folder in their globalStorage); open %s once in your editor, then install again",
		a.DisplayName(), a.DisplayName(), strings.Join(names[:len(names)-1], ", "), names[len(names)-1], a.ExtensionID(), a.DisplayName())
}

// PlanUninstall implements ides.Planner: the entry leaves every file of
// the scope.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	if err := ides.CheckScope(a, req.Scope); err != nil {
		return nil, nil, err
	}
	locs, _ := a.Locations(env)
	var edits []merge.FileEdit
	for _, loc := range locs {
		if loc.Scope == req.Scope {
			edits = append(edits, loc.FileEdit(env, ides.DeleteEntry(loc.Target, req.Name)))
		}
	}
	return edits, nil, nil
}

// Launch implements ides.Launcher: the MCP SDK's default variables plus
// the entry's env; Roo Code expands ${env:NAME} and the editor variables.
func (a Adapter) Launch(ides.Env) ides.LaunchRules {
	if a.Roo {
		r := ides.EditorLaunch()
		r.VarSyntax = "${env:NAME}"
		return r
	}
	return ides.DefaultLaunch()
}

// ClientView implements ides.ClientViewer: "disabled": true switches an
// entry off; Roo Code's project entry wins over its global ones.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	ides.DisabledView(a, env, name, states, ides.DisabledSwitch("disabled"))
}

// Strays implements ides.StrayFinder: "servers", VS Code's key, which
// neither extension reads.
func (a Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"servers"},
		Why: `"servers", which ` + a.DisplayName() + ` ignores: it reads "mcpServers"`}}
}

// Footprint implements ides.Detectable.Footprint: the extension's storage
// folder in any editor.
func (a Adapter) Footprint(env ides.Env) ides.Footprint {
	var paths []string
	for _, h := range Hosts(env) {
		paths = append(paths, a.StorageDir(env, h))
	}
	return ides.Footprint{Paths: paths}
}
