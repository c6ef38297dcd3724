package claudedesktop

import (
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Adapter is the Claude Desktop adapter.
type Adapter struct {
	// dirs lists directories; nil is the real file system. Tests describe
	// a Windows machine's package folders with a fake.
	dirs dirLister
}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Enumerator   = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.StrayFinder  = Adapter{}
)

// dirLister lists the names of a directory's entries that are directories.
type dirLister interface {
	Dirs(dir string) ([]string, error)
}

type osDirs struct{}

func (osDirs) Dirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if e.IsDir() || e.Type()&fs.ModeSymlink != 0 {
			out = append(out, e.Name())
		}
	}
	return out, err
}

func (a Adapter) lister() dirLister {
	if a.dirs == nil {
		return osDirs{}
	}
	return a.dirs
}

// schema is the embedded schema (package schemas) of the config file.
const schema = "claude-desktop-config.schema.json"

// FileName is the file Claude Desktop reads servers from.
const FileName = "claude_desktop_config.json"

// PublisherPackage is the MSIX package folder of Claude Desktop as
// published by Anthropic.
const PublisherPackage = "Claude_pzs8sxrjxfjjc"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "claude-desktop" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Claude Desktop" }

// Scopes implements ides.Adapter.Scopes: Claude Desktop has one file.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser} }

// appData is Electron's appData: %APPDATA% on Windows, ~/Library/
// Application Support on macOS, $XDG_CONFIG_HOME or ~/.config elsewhere.
func appData(env ides.Env) string {
	switch env.GOOS {
	case "windows":
		if d := env.Get("APPDATA"); d != "" {
			return d
		}
		return ides.Join(env, env.Home, "AppData", "Roaming")
	case "darwin":
		return ides.Join(env, env.Home, "Library", "Application Support")
	}
	if d := env.Get("XDG_CONFIG_HOME"); path.IsAbs(d) {
		return d
	}
	return ides.Join(env, env.Home, ".config")
}

// PackagesDir is where Windows keeps MSIX packages' per-user data.
func PackagesDir(env ides.Env) string {
	local := env.Get("LOCALAPPDATA")
	if local == "" {
		local = ides.Join(env, env.Home, "AppData", "Local")
	}
	return ides.Join(env, local, "Packages")
}

// ClassicPath is the file of a classic install, and of macOS and Linux.
func ClassicPath(env ides.Env) string {
	return ides.Join(env, appData(env), "Claude", FileName)
}

// msixPath is the file inside the MSIX package folder pkg.
func msixPath(env ides.Env, pkg string) string {
	return ides.Join(env, PackagesDir(env), pkg, "LocalCache", "Roaming", "Claude", FileName)
}

// Packages returns the Claude_* MSIX package folders on a Windows
// machine, Anthropic's own first, then by name; none elsewhere.
func (a Adapter) Packages(env ides.Env) []string {
	if env.GOOS != "windows" {
		return nil
	}
	names, _ := a.lister().Dirs(PackagesDir(env))
	var out []string
	for _, n := range names {
		if strings.HasPrefix(strings.ToLower(n), "claude_") {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i] == PublisherPackage) != (out[j] == PublisherPackage) {
			return out[i] == PublisherPackage
		}
		return out[i] < out[j]
	})
	return out
}

// Path is the file the installed app reads: the MSIX package's on a
// Windows machine with the package, else the classic one.
func (a Adapter) Path(env ides.Env) string {
	if pkgs := a.Packages(env); len(pkgs) > 0 {
		return msixPath(env, pkgs[0])
	}
	return ClassicPath(env)
}

func target(env ides.Env, p string) ides.Target {
	// The file names this machine's binary and socket, and the app's
	// preferences: keep it private.
	return ides.Target{Path: p, Servers: []string{"mcpServers"}, Format: config.JSON, Scope: ides.ScopeUser,
		NewMode: 0o600, Schema: schema}
}

// Target implements ides.Adapter.Target.
func (a Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	if scope != ides.ScopeUser {
		return ides.Target{}, ides.CheckScope(a, scope)
	}
	return target(env, a.Path(env)), nil
}

// Variants of the files the app does not read, for list and doctor.
const (
	variantClassic = "classic install"
	variantPackage = "MSIX package "
)

// Locations implements ides.Enumerator: the file the app reads, then, on
// Windows, the other package folders' files and the classic file beside
// an MSIX install, which the app does not read.
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) {
	pkgs := a.Packages(env)
	if len(pkgs) == 0 {
		return []ides.Location{{Target: target(env, ClassicPath(env))}}, nil
	}
	out := []ides.Location{{Target: target(env, msixPath(env, pkgs[0]))}}
	for _, p := range pkgs[1:] {
		out = append(out, ides.Location{Target: target(env, msixPath(env, p)), Variant: variantPackage + p})
	}
	return append(out, ides.Location{Target: target(env, ClassicPath(env)), Variant: variantClassic}), nil
}

// Entry implements ides.Adapter.Entry: command, args and env, as Claude
// Desktop documents them; never "cwd".
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
	), nil
}

// Launch implements ides.Launcher: assume the MCP SDK's few variables (it
// is a GUI app and passes no more, as far as is known), no expansion, and
// the root directory as the working directory (not on Windows, where it
// is unknown).
func (Adapter) Launch(env ides.Env) ides.LaunchRules {
	r := ides.DefaultLaunch()
	r.Rule = "only " + strings.Join(ides.SDKInherited, ", ") + " and the entry's env (assumed for Claude Desktop)"
	if env.GOOS != "windows" {
		r.Dir = "/"
	}
	return r
}

// ClientView implements ides.ClientViewer: the file the app reads is
// active; the others are shadowed by it.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	read := env.Display(a.Path(env))
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		s.Client = "active"
		if s.Variant != "" {
			s.Client, s.Detail = "shadowed", "Claude Desktop installed here reads "+read+" instead"
		}
	}
}

// Strays implements ides.StrayFinder: "servers", VS Code's key, which
// Claude Desktop ignores.
func (Adapter) Strays(env ides.Env, t ides.Target) []ides.Stray {
	return []ides.Stray{{Path: t.Path, Format: t.Format, Servers: []string{"servers"},
		Why: `"servers", which Claude Desktop ignores: it reads "mcpServers"`}}
}

// Footprint implements ides.Detectable.Footprint: the config folders;
// "claude" on PATH is Claude Code's command, not this app's.
func (a Adapter) Footprint(env ides.Env) ides.Footprint {
	paths := []string{ides.Join(env, appData(env), "Claude")}
	for _, p := range a.Packages(env) {
		paths = append(paths, ides.Join(env, PackagesDir(env), p))
	}
	if env.GOOS == "darwin" {
		paths = append(paths, "/Applications/Claude.app")
	}
	return ides.Footprint{Paths: paths}
}
