package ides

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Scope is where a server entry applies.
type Scope string

// The scopes. Not every IDE has every scope.
const (
	ScopeUser    Scope = "user"    // this user, every project
	ScopeLocal   Scope = "local"   // this user, this project only (Claude Code)
	ScopeProject Scope = "project" // everyone who clones the project (a committed file)
)

// Env is the machine an adapter computes paths for.
type Env struct {
	GOOS        string
	Home        string
	WorkDir     string            // the current directory, symlinks resolved
	ProjectRoot string            // the git top level holding WorkDir, else WorkDir
	Vars        map[string]string // environment variables
	UID         int
	// SysRoot is prefixed to machine-wide paths (/etc/claude-code,
	// C:\Program Files\ClaudeCode): "" on a real run; tests point it at a
	// temporary directory (see [SystemPath]).
	SysRoot string
}

// SystemPath joins elem, an absolute machine-wide path (managed policy
// files), under env.SysRoot.
func SystemPath(env Env, elem ...string) string {
	p := Join(env, elem...)
	if env.SysRoot == "" {
		return p
	}
	if env.GOOS == "windows" && len(p) >= 2 && p[1] == ':' {
		p = p[2:] // C:\Program Files -> \Program Files under the root
	}
	return Join(env, env.SysRoot, p)
}

// Get returns the environment variable key, or "".
func (e Env) Get(key string) string { return e.Vars[key] }

// Lookup returns a func(string) string over the environment, for
// packages that take one.
func (e Env) Lookup() func(string) string { return e.Get }

// Display shortens path for messages: the home directory becomes "~".
// Users recognise ~/.claude.json; their home path is noise in a diff they
// may paste into an issue.
func (e Env) Display(path string) string {
	if e.Home == "" {
		return path
	}
	if path == e.Home {
		return "~"
	}
	for _, sep := range []string{"/", `\`} {
		if rel, ok := strings.CutPrefix(path, strings.TrimRight(e.Home, sep)+sep); ok {
			return "~/" + strings.ReplaceAll(rel, `\`, "/")
		}
	}
	return path
}

// FromOS reads the Env of the running process.
func FromOS() (Env, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Env{}, fmt.Errorf("find home directory: %w", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return Env{}, fmt.Errorf("find current directory: %w", err)
	}
	// Claude Code keys local-scope servers by the physical path (what
	// getcwd and git report), so resolve symlinks the same way.
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	vars := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	return Env{
		GOOS:        runtime.GOOS,
		Home:        home,
		WorkDir:     wd,
		ProjectRoot: FindProjectRoot(wd),
		Vars:        vars,
		UID:         os.Getuid(),
	}, nil
}

// FindProjectRoot returns the nearest directory at or above dir that
// holds a .git entry (a directory, or a file in a worktree or submodule),
// the way "git rev-parse --show-toplevel" finds it; dir itself when there
// is none. Claude Code keys local scope and finds .mcp.json this way.
func FindProjectRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// EnvVar is one environment variable of a server entry. Entries keep
// their variables in a fixed order so the files we write are stable.
type EnvVar struct {
	Name, Value string
}

// EnvList is an ordered set of environment variables.
type EnvList []EnvVar

// Value returns l as an object in its own order.
func (l EnvList) Value() config.Value {
	members := make([]config.Member, len(l))
	for i, v := range l {
		members[i] = config.M(v.Name, config.StringValue(v.Value))
	}
	return config.ObjectValue(members...)
}

// ServerSpec is the IDE-neutral description of the server to launch.
type ServerSpec struct {
	// Name is the entry's name, for clients whose entry repeats it
	// (Continue's list items, Goose's extensions); install sets it.
	Name    string
	Command string
	Args    []string
	Env     EnvList
	// Forward names variables the server must get from the IDE's own
	// environment. Clients built on the MCP SDKs may start servers with
	// only HOME, PATH and a few others, so a portable entry that relies on
	// XDG_RUNTIME_DIR to find the default gate socket passes it on
	// explicitly ("${env:XDG_RUNTIME_DIR}" for Cursor and VS Code).
	// Adapters whose IDE passes its whole environment ignore it.
	Forward []string
}

// A Target is one file and the object in it that lists servers.
type Target struct {
	Path    string   // absolute
	Servers []string // path of the servers object, e.g. ["mcpServers"]
	Format  config.Format
	Scope   Scope
	NewMode os.FileMode // mode for the file if we create it
	// Schema names the embedded JSON Schema (package schemas) the file
	// must match, "" for none.
	Schema string
	// ItemKey, when set, says the servers are a list of objects, each
	// naming itself in this member (Continue: mcpServers: [{name: x}]),
	// rather than an object keyed by name.
	ItemKey string
	// SchemaPaths, when set, are the only parts of the file the schema
	// describes ("*" matches any key): list and doctor check just those
	// (config.Select), not a whole 10 MB ~/.claude.json.
	SchemaPaths [][]string
}

// An Adapter describes one IDE.
type Adapter interface {
	// ID is the --ide value, e.g. "claude-code".
	ID() string
	// DisplayName is the product name, e.g. "Claude Code".
	DisplayName() string
	// Scopes lists the scopes the IDE has, the default first.
	Scopes() []Scope
	// Target returns the file and servers object for scope.
	Target(env Env, scope Scope) (Target, error)
	// Entry returns the value stored under the server's name.
	Entry(spec ServerSpec) (config.Value, error)
}

// Request is one install or uninstall of one server in one IDE.
type Request struct {
	Scope   Scope
	Name    string
	Spec    ServerSpec
	Approve bool // Claude Code project scope: pre-approve the server
	// Profile is a VS Code profile name for user scope; "" is the
	// default profile. Adapters without profiles ignore it.
	Profile string
}

// A Note is something the user should be told about the plan.
type Note struct {
	Level string // "info" or "warn"; "error" from a [ScopeChecker]
	Text  string
	// ID and Hint are for doctor, which reports an adapter's notes as
	// checks (config.<ID>).
	ID, Hint string
	// IfConfigured: doctor reports it only when the client has an entry
	// of ours (a limit of the client that matters only to its users).
	IfConfigured bool
}

// Planner is implemented by adapters that edit more than their one target
// (Claude Code approves project servers in another file, and moves
// entries out of a file it ignores).
type Planner interface {
	PlanInstall(env Env, req Request) ([]merge.FileEdit, []Note, error)
	PlanUninstall(env Env, req Request) ([]merge.FileEdit, []Note, error)
}

// EntryPath is the path of server name in t's file.
func (t Target) EntryPath(name string) []string {
	seg := name
	if t.ItemKey != "" {
		seg = config.Where(t.ItemKey, name)
	}
	return append(append([]string(nil), t.Servers...), seg)
}

// SetEntry is the edit that puts entry under name in the servers object.
func SetEntry(t Target, name string, entry config.Value) merge.Edit {
	return func(doc config.Document) (bool, error) {
		return doc.Set(entry, t.EntryPath(name)...)
	}
}

// DeleteEntry is the edit that removes name from the servers object.
func DeleteEntry(t Target, name string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		return doc.Delete(t.EntryPath(name)...)
	}
}

// FileEdit wraps edits of t's file for merge.
func (t Target) FileEdit(env Env, edits ...merge.Edit) merge.FileEdit {
	return merge.FileEdit{Path: t.Path, Display: env.Display(t.Path), Format: t.Format, NewMode: t.NewMode, Edits: edits}
}

// ReadDoc reads and opens t's file; nil and no error when it does not
// exist.
func (t Target) ReadDoc(env Env) (config.Document, bool, error) {
	return merge.ReadDoc(t.Path, t.Format, env.Display(t.Path))
}

// PlanInstall returns the file edits that install req with adapter a.
func PlanInstall(a Adapter, env Env, req Request) ([]merge.FileEdit, []Note, error) {
	if p, ok := a.(Planner); ok {
		return p.PlanInstall(env, req)
	}
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, EntryEdit(a, t, req))}
	var notes []Note
	if w, ok := a.(EnvWarner); ok {
		notes = w.EnvWarnings(env)
	}
	if req.Approve {
		approver, ok := a.(Approver)
		if !ok || req.Scope != ScopeProject {
			return nil, nil, Usagef("--approve applies to --scope project of a client that asks before starting project servers")
		}
		edits = append(edits, approver.ApproveEdits(env, req.Name)...)
	}
	return edits, notes, nil
}

// PlanUninstall returns the file edits that remove req.Name with adapter a.
func PlanUninstall(a Adapter, env Env, req Request) ([]merge.FileEdit, []Note, error) {
	if p, ok := a.(Planner); ok {
		return p.PlanUninstall(env, req)
	}
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	return []merge.FileEdit{t.FileEdit(env, DeleteEntry(t, req.Name))}, nil, nil
}

// UsageError is a request the command line got wrong (a scope the client
// does not have, --approve where nothing needs approval, an unknown
// profile): the CLI exits 2 for it, and 1 for every other error, which
// is about files or the machine.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// CheckScope returns an error unless a supports scope.
func CheckScope(a Adapter, scope Scope) error {
	for _, s := range a.Scopes() {
		if s == scope {
			return nil
		}
	}
	names := make([]string, len(a.Scopes()))
	for i, s := range a.Scopes() {
		names[i] = ScopeName(a, s)
	}
	return Usagef("%s has no %q scope (it has: %s)", a.DisplayName(), scope, strings.Join(names, ", "))
}

// ScopeWorkspace is VS Code's name for the project scope (.vscode/mcp.json).
// Flags accept it as a synonym of [ScopeProject] for every IDE, so one
// "--scope project" (or "--scope workspace") covers a mixed --ide list.
const ScopeWorkspace Scope = "workspace"

// ParseScope maps a --scope value to a Scope, folding synonyms.
func ParseScope(s string) Scope {
	sc := Scope(strings.ToLower(strings.TrimSpace(s)))
	if sc == ScopeWorkspace {
		return ScopeProject
	}
	return sc
}

// ScopeNamer is implemented by adapters whose product calls a scope by
// another name (VS Code says "workspace" for the project scope); list
// shows that name so it matches the IDE's own menus.
type ScopeNamer interface {
	ScopeName(Scope) string
}

// ScopeName returns what a calls scope.
func ScopeName(a Adapter, s Scope) string {
	if n, ok := a.(ScopeNamer); ok {
		return n.ScopeName(s)
	}
	return string(s)
}

// Footprint is where an IDE leaves traces on a machine: the directories
// and files it creates and the commands it puts on PATH. Adapters only
// describe them; ides/all looks.
type Footprint struct {
	Paths    []string // any of them existing means the IDE is (or was) here
	Commands []string // executables looked up on PATH
}

// Detectable is implemented by adapters that can say where to look for
// their IDE, for "install --all".
type Detectable interface {
	Footprint(env Env) Footprint
}

// Join joins path elements with the separator of env.GOOS, so Windows
// paths can be computed (and tested) on Linux and the other way round.
func Join(env Env, elem ...string) string {
	if env.GOOS == "windows" {
		var parts []string
		for i, e := range elem {
			if e == "" {
				continue
			}
			if i > 0 {
				e = strings.Trim(e, `\/`)
			} else {
				e = strings.TrimRight(e, `\/`)
			}
			parts = append(parts, strings.ReplaceAll(e, "/", `\`))
		}
		return strings.Join(parts, `\`)
	}
	return path.Join(elem...)
}

// Forward renders a reference to the IDE's own environment variable name
// in the syntax of a client that expands "${env:NAME}" (Cursor, VS Code).
func Forward(name string) string { return "${env:" + name + "}" }

// A Location is one file "list" looks at: a target, and the variant of
// its scope it belongs to (a VS Code profile), "" for the plain scope.
type Location struct {
	Target
	Variant string
}

// ErrNoFileHere is matched by the error of a Target for a scope the
// client reads no file for where the command runs (NoProjectInHome):
// Locations leaves that scope out, and install says why.
var ErrNoFileHere = errors.New("the client reads no file for this scope here")

type noFileError struct{ msg string }

func (e *noFileError) Error() string        { return e.msg }
func (e *noFileError) Is(target error) bool { return target == ErrNoFileHere }

// NoProjectInHome is the error of a's project scope in the home
// directory, where a reads no project settings (Gemini CLI and Qwen Code
// would take them for the user file).
func NoProjectInHome(a Adapter, env Env) error {
	return &noFileError{fmt.Sprintf("use the project scope in your home directory (%s): %s reads no project settings there; "+
		"run install from the project's directory, or use --scope user", env.Display(env.WorkDir), a.DisplayName())}
}

// Enumerator is implemented by adapters with more files than one per
// scope (VS Code has one per profile).
type Enumerator interface {
	// Locations returns every file of the IDE; err reports what could not
	// be enumerated (a broken profile list) next to what could.
	Locations(env Env) ([]Location, error)
}

// Locations returns every file adapter a reads on this machine.
func Locations(a Adapter, env Env) ([]Location, error) {
	if e, ok := a.(Enumerator); ok {
		return e.Locations(env)
	}
	var out []Location
	for _, s := range a.Scopes() {
		t, err := a.Target(env, s)
		if errors.Is(err, ErrNoFileHere) {
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, Location{Target: t})
	}
	return out, nil
}
