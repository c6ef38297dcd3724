package vscode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// Adapter is the VS Code adapter; Insiders selects VS Code Insiders,
// which keeps its files apart ("Code - Insiders").
type Adapter struct {
	Insiders bool
}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Enumerator   = Adapter{}
	_ ides.ScopeNamer   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.Profiler     = Adapter{}
	_ ides.StrayFinder  = Adapter{}
	_ ides.ClientViewer = Adapter{}
)

// schema is the embedded schema (package schemas) of VS Code's mcp.json.
const schema = "vscode-mcp.schema.json"

// ID implements ides.Adapter.ID.
func (a Adapter) ID() string {
	if a.Insiders {
		return "vscode-insiders"
	}
	return "vscode"
}

// DisplayName implements ides.Adapter.DisplayName.
func (a Adapter) DisplayName() string {
	if a.Insiders {
		return "VS Code Insiders"
	}
	return "VS Code"
}

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// ScopeName implements ides.ScopeNamer.ScopeName: VS Code calls the
// project scope "workspace".
func (Adapter) ScopeName(s ides.Scope) string {
	if s == ides.ScopeProject {
		return string(ides.ScopeWorkspace)
	}
	return string(s)
}

// product is the directory name VS Code uses under the config directory.
func (a Adapter) product() string {
	if a.Insiders {
		return "Code - Insiders"
	}
	return "Code"
}

// ConfigBase is the OS's per-user config directory as VS Code computes
// it (Electron's appData): %APPDATA% on Windows, ~/Library/Application
// Support on macOS, $XDG_CONFIG_HOME or ~/.config elsewhere.
func ConfigBase(env ides.Env) string {
	switch env.GOOS {
	case "windows":
		if d := env.Get("APPDATA"); d != "" {
			return d
		}
		return ides.Join(env, env.Home, "AppData", "Roaming")
	case "darwin":
		return ides.Join(env, env.Home, "Library", "Application Support")
	}
	// The XDG spec says a relative value is invalid and to be ignored.
	if d := env.Get("XDG_CONFIG_HOME"); path.IsAbs(d) {
		return d
	}
	return ides.Join(env, env.Home, ".config")
}

// AppDir is the product's directory, e.g. ~/.config/Code.
func (a Adapter) AppDir(env ides.Env) string {
	return ides.Join(env, ConfigBase(env), a.product())
}

// UserDir is the default profile's User directory. A portable install
// ($VSCODE_PORTABLE) keeps it in its data folder instead.
func (a Adapter) UserDir(env ides.Env) string {
	if p := env.Get("VSCODE_PORTABLE"); p != "" {
		return ides.Join(env, p, "user-data", "User")
	}
	return ides.Join(env, a.AppDir(env), "User")
}

// Target implements ides.Adapter.Target for the default profile.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		// Settings Sync may copy this file to other machines, but on this
		// one it names our binary and socket: keep it private.
		return ides.Target{Path: ides.Join(env, a.UserDir(env), "mcp.json"), Servers: []string{"servers"},
			Format: config.JSONC, Scope: scope, NewMode: 0o600, Schema: schema}, nil
	case ides.ScopeProject:
		return ides.Target{Path: ides.Join(env, env.ProjectRoot, ".vscode", "mcp.json"), Servers: []string{"servers"},
			Format: config.JSONC, Scope: scope, NewMode: 0o644, Schema: schema}, nil
	}
	return ides.Target{}, ides.CheckScope(a, scope)
}

// A Profile is one named VS Code profile.
type Profile struct {
	Name string // as shown in VS Code
	ID   string // its folder under User/profiles
}

// defaultProfile is the name VS Code shows for the default profile.
const defaultProfile = "Default"

// StoragePath is the file that lists the profiles.
func (a Adapter) StoragePath(env ides.Env) string {
	return ides.Join(env, a.UserDir(env), "globalStorage", "storage.json")
}

// Profiles reads the named profiles from VS Code's storage. No storage
// file means no named profiles.
func (a Adapter) Profiles(env ides.Env) ([]Profile, error) {
	p := a.StoragePath(env)
	// A FIFO or /dev/zero in its place must not hang or fill memory.
	data, err := safeio.ReadFile(p, safeio.MaxConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", env.Display(p), err)
	}
	var storage struct {
		Profiles []struct {
			Name     string          `json:"name"`
			Location json.RawMessage `json:"location"`
		} `json:"userDataProfiles"`
	}
	if err := json.Unmarshal(data, &storage); err != nil {
		return nil, fmt.Errorf("read the profile list in %s: %w", env.Display(p), err)
	}
	var out []Profile
	for _, sp := range storage.Profiles {
		id := locationID(sp.Location)
		if sp.Name == "" || id == "" {
			continue // VS Code skips these too
		}
		out = append(out, Profile{Name: sp.Name, ID: id})
	}
	return out, nil
}

// locationID returns the profile folder name from a stored location:
// VS Code stores the bare id, but older versions stored a URI, as a
// string or as a serialised URI object.
func locationID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var u struct {
			Path string `json:"path"`
		}
		if json.Unmarshal(raw, &u) != nil {
			return ""
		}
		s = u.Path
	}
	s = strings.TrimRight(strings.ReplaceAll(s, `\`, "/"), "/")
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	if s == "." || s == ".." {
		return ""
	}
	return s
}

// ProfileTarget returns the user-scope target of the profile called
// name: the default profile's file for "" or "Default".
func (a Adapter) ProfileTarget(env ides.Env, name string) (ides.Target, error) {
	t, err := a.Target(env, ides.ScopeUser)
	if err != nil || name == "" || strings.EqualFold(name, defaultProfile) {
		return t, err
	}
	profiles, err := a.Profiles(env)
	if err != nil {
		return ides.Target{}, err
	}
	var found *Profile
	for i, p := range profiles {
		if p.Name == name {
			found = &profiles[i]
			break
		}
		if strings.EqualFold(p.Name, name) && found == nil {
			found = &profiles[i]
		}
	}
	if found == nil {
		names := []string{defaultProfile}
		for _, p := range profiles {
			names = append(names, p.Name)
		}
		sort.Strings(names[1:])
		return ides.Target{}, ides.Usagef("%s has no profile %q (profiles: %s)", a.DisplayName(), name, strings.Join(names, ", "))
	}
	t.Path = ides.Join(env, a.UserDir(env), "profiles", found.ID, "mcp.json")
	return t, nil
}

func (a Adapter) target(env ides.Env, req ides.Request) (ides.Target, error) {
	if req.Profile != "" {
		if req.Scope != ides.ScopeUser {
			return ides.Target{}, ides.Usagef("--vscode-profile applies to user scope only: the workspace file is shared by every profile")
		}
		return a.ProfileTarget(env, req.Profile)
	}
	return a.Target(env, req.Scope)
}

// Entry implements ides.Adapter.Entry: a stdio entry.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	env := append(ides.EnvList{}, spec.Env...)
	for _, name := range spec.Forward {
		env = append(env, ides.EnvVar{Name: name, Value: ides.Forward(name)})
	}
	return config.ObjectValue(
		config.M("type", config.StringValue("stdio")),
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", env.Value()),
	), nil
}

// Launch implements ides.Launcher: VS Code, built on the MCP SDK, passes
// the SDK's few variables and expands ${env:NAME}, ${userHome} and
// ${workspaceFolder}.
func (Adapter) Launch(ides.Env) ides.LaunchRules { return ides.EditorLaunch() }

// HasProfiles implements ides.Profiler.
func (Adapter) HasProfiles() bool { return true }

// Strays implements ides.StrayFinder: "mcpServers" is Claude Code's and
// Cursor's key, which VS Code ignores.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"mcpServers"},
		Why: `"mcpServers", which VS Code ignores: it reads "servers"`}}
}

// ClientView implements ides.ClientViewer: every entry is active; a user
// entry in its profile (the default one for the plain user file).
func (Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		s.Client = "active"
		switch {
		case strings.HasPrefix(s.Variant, "profile "):
			s.Detail = "when the " + strings.TrimPrefix(s.Variant, "profile ") + " profile is in use"
		case s.Scope == ides.ScopeUser:
			s.Detail = "in the default profile"
		}
	}
}

// PlanInstall implements ides.Planner.PlanInstall.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.target(env, req)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, ides.EntryEdit(a, t, req), warnMcpServers(env, t, req.Name))}, nil, nil
}

// PlanUninstall implements ides.Planner.PlanUninstall.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.target(env, req)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}, nil, nil
}

// warnMcpServers notes an entry of ours under "mcpServers", the Claude
// Code key that VS Code silently ignores. It is left alone: the file may
// be shared with a tool that reads it.
func warnMcpServers(env ides.Env, t ides.Target, name string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		if _, ok := doc.Get("mcpServers", name); ok {
			doc.Note("%s also has %q under \"mcpServers\", which VS Code ignores (it reads \"servers\"); that copy was left alone",
				env.Display(t.Path), name)
		}
		return false, nil
	}
}

// Footprint implements ides.Detectable.Footprint.
func (a Adapter) Footprint(env ides.Env) ides.Footprint {
	cmd := "code"
	if a.Insiders {
		cmd = "code-insiders"
	}
	return ides.Footprint{Paths: []string{a.AppDir(env)}, Commands: []string{cmd}}
}

// Locations implements ides.Enumerator.Locations: the default profile,
// every named profile, then the workspace.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) {
	user, _ := a.Target(env, ides.ScopeUser)
	ws, _ := a.Target(env, ides.ScopeProject)
	out := []ides.Location{{Target: user}}
	profiles, err := a.Profiles(env)
	for _, p := range profiles {
		t := user
		t.Path = ides.Join(env, a.UserDir(env), "profiles", p.ID, "mcp.json")
		out = append(out, ides.Location{Target: t, Variant: "profile " + p.Name})
	}
	return append(out, ides.Location{Target: ws}), err
}
