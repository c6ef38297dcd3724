package ides

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// This file holds the small optional interfaces through which an adapter
// tells the rest of the program how its client behaves: how it starts a
// server, what it does with an entry it finds, how a project server is
// approved, where users put entries by mistake. Nothing outside ides/
// knows any client by name; it asks these.

// LaunchRules say how a client starts a stdio server: the environment the
// server gets and how ${...} references in the entry expand.
type LaunchRules struct {
	// Rule describes the environment for messages ("Claude Code's
	// environment").
	Rule string
	// InheritAll: the client passes its whole environment; otherwise only
	// Inherit (and the entry's env).
	InheritAll bool
	Inherit    []string
	// Extra are variables the client adds for its servers.
	Extra map[string]string
	// Expand expands the client's variable references in s, appending
	// the names of unset variables without a default to missing; nil
	// when the client expands nothing.
	Expand func(s string, env Env, missing *[]string) string
	// VarSyntax shows how an entry names a variable for the client to
	// expand ("${NAME}"), "" when it expands none.
	VarSyntax string
	// DefaultSyntax: the client understands ${VAR:-default}.
	DefaultSyntax bool
	// ShellPATH: the client is a command run from the user's shell, so it
	// sees the shell's PATH (a GUI app opened from a dock may not).
	ShellPATH bool
	// DiscoverFirst: the client sends server/discover before initialize
	// and falls back when the server does not answer it.
	DiscoverFirst bool
	// Dir is the working directory the client starts servers in, "" for
	// the project root (Claude Desktop starts them in "/", so a relative
	// path in an entry means something else there).
	Dir string
}

// Launcher is implemented by adapters whose client does not start
// servers the way the MCP SDKs do by default ([DefaultLaunch]).
type Launcher interface {
	Launch(env Env) LaunchRules
}

// SDKInherited is what the MCP SDK stdio clients pass to a server by
// default on POSIX (ide-configs §0.3); hosts built on them may pass no more.
var SDKInherited = []string{"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"}

// DefaultLaunch is how a client built on an MCP SDK starts a server: the
// SDK's few inherited variables plus the entry's env, no expansion.
func DefaultLaunch() LaunchRules {
	return LaunchRules{Rule: "only the MCP SDK's inherited variables and the entry's env", Inherit: SDKInherited}
}

// EditorLaunch is how VS Code and the editors built like it (Cursor)
// start a server: the MCP SDK's few variables plus the entry's env, and
// ${env:NAME}, ${userHome} and ${workspaceFolder} expanded.
func EditorLaunch() LaunchRules {
	r := DefaultLaunch()
	r.Rule = "only " + strings.Join(SDKInherited, ", ") + " and the entry's env"
	r.Expand = ExpandEditorVars
	r.VarSyntax = "${env:NAME} or ${input:id}"
	return r
}

// LaunchOf returns the launch rules of a's client.
func LaunchOf(a Adapter, env Env) LaunchRules {
	if l, ok := a.(Launcher); ok {
		return l.Launch(env)
	}
	return DefaultLaunch()
}

var (
	shellVar  = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)
	editorVar = regexp.MustCompile(`\$\{(env:([A-Za-z_][A-Za-z0-9_]*)|userHome|workspaceFolder|workspaceFolderBasename|pathSeparator|/)\}`)
)

// ExpandShellVars expands ${VAR} and ${VAR:-default} from env, as Claude
// Code does in every field of an entry; an unset variable without a
// default is left as written and reported missing.
func ExpandShellVars(s string, env Env, missing *[]string) string {
	return shellVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := shellVar.FindStringSubmatch(m)
		if v, ok := env.Vars[sub[1]]; ok && (v != "" || sub[2] == "") {
			return v
		}
		if sub[2] != "" {
			return sub[3]
		}
		*missing = append(*missing, sub[1])
		return m
	})
}

// ExpandEditorVars expands ${env:NAME} and the predefined variables of
// VS Code and the editors built on it (${userHome}, ${workspaceFolder},
// ...); an unset variable becomes "" and is reported missing.
func ExpandEditorVars(s string, env Env, missing *[]string) string {
	return editorVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := editorVar.FindStringSubmatch(m)
		switch {
		case sub[2] != "":
			if v, ok := env.Vars[sub[2]]; ok {
				return v
			}
			*missing = append(*missing, sub[2])
			return ""
		case sub[1] == "userHome":
			return env.Home
		case sub[1] == "workspaceFolder":
			return env.ProjectRoot
		case sub[1] == "workspaceFolderBasename":
			return filepath.Base(env.ProjectRoot)
		}
		return string(filepath.Separator)
	})
}

// EntryState is what one file holds for our server and what the client
// will do with it; [ClientViewer] fills in Client and Detail.
type EntryState struct {
	Scope      Scope
	Variant    string // a VS Code profile: "profile Work"
	Configured bool
	// Client is active, shadowed, pending-approval or disabled; "" when
	// there is no entry.
	Client string
	Detail string
	// Approvable: --approve (an [Approver]) would make the client start
	// this entry.
	Approvable bool
}

// ClientViewer is implemented by adapters whose client has rules about
// which entry wins or needs approval; [DefaultClientView] serves the rest.
type ClientViewer interface {
	ClientView(env Env, name string, states []EntryState)
}

// ClientView fills in what a's client will do with each configured entry.
func ClientView(a Adapter, env Env, name string, states []EntryState) {
	if v, ok := a.(ClientViewer); ok {
		v.ClientView(env, name, states)
		return
	}
	DefaultClientView(states)
}

// DefaultClientView: every entry is active, and a project entry wins over
// a user entry of the same name, as in most clients.
func DefaultClientView(states []EntryState) {
	project := false
	for _, s := range states {
		if s.Configured && s.Scope == ScopeProject && s.Variant == "" {
			project = true
		}
	}
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		s.Client = "active"
		if s.Scope == ScopeUser && project {
			s.Detail = "the project's entry of the same name is used in this project"
		}
	}
}

// Approver is implemented by adapters whose client asks before it starts
// a project server (or ignores it in an untrusted folder): --approve
// records the user's approval the way the client's own dialog would.
type Approver interface {
	// ApproveEdits are the edits that approve server name for this user.
	ApproveEdits(env Env, name string) []merge.FileEdit
	// ApprovalFile is where the approval is kept, for messages.
	ApprovalFile(env Env) string
	// ApprovalPrompt explains, for setup's question, what the client does
	// without the approval and what approving records.
	ApprovalPrompt(env Env) string
}

// IsApprover reports whether a's client has an approval or trust rule
// that --approve satisfies.
func IsApprover(a Adapter) bool {
	_, ok := a.(Approver)
	return ok
}

// A Stray is a place where users put server entries by mistake and the
// client never reads them: settings.json instead of ~/.claude.json, the
// servers key of another client's format.
type Stray struct {
	Path    string
	Format  config.Format
	Servers []string
	// Why says what the client reads instead, for messages.
	Why string
}

// StrayFinder is implemented by adapters that know where their users put
// entries by mistake, for the target t.
type StrayFinder interface {
	Strays(env Env, t Target) []Stray
}

// EnvWarner is implemented by adapters whose client behaves surprisingly
// under some environment (CLAUDE_CONFIG_DIR set but empty, say).
type EnvWarner interface {
	EnvWarnings(env Env) []Note
}

// ScopeChecker is implemented by adapters whose client combines the
// definitions of one server name across its files in a way that breaks
// the server (Crush concatenates their args, so a user and a project
// entry run "serve ... serve ..."). Doctor reports each note as a check
// (Level "error" fails it); the adapter's own install refuses to make
// such a pair.
type ScopeChecker interface {
	CheckScopes(env Env, name string) []Note
}

// Profiler is implemented by adapters whose client has profiles, each
// with its own user file (Request.Profile).
type Profiler interface {
	HasProfiles() bool
}

// HasProfiles reports whether a's client has profiles.
func HasProfiles(a Adapter) bool {
	p, ok := a.(Profiler)
	return ok && p.HasProfiles()
}

// StoredEntry is a server entry as found in a file, in neutral terms:
// what the client will run, or the URL of a remote server.
type StoredEntry struct {
	Command string
	Args    []string
	Env     EnvList
	URL     string
	// Forward names variables the entry asks the client to pass on from
	// its own environment (Codex's env_vars).
	Forward []string
}

// EnvMap returns the entry's environment as a map.
func (e StoredEntry) EnvMap() map[string]string {
	m := make(map[string]string, len(e.Env))
	for _, v := range e.Env {
		m[v.Name] = v.Value
	}
	return m
}

// EntryReader is implemented by adapters whose entries do not keep the
// command in "command", "args" and "env" (OpenCode's command array, say).
type EntryReader interface {
	ReadEntry(v config.Value) (StoredEntry, error)
}

// ReadEntry reads the stored entry v the way a's client does.
func ReadEntry(a Adapter, v config.Value) (StoredEntry, error) {
	if r, ok := a.(EntryReader); ok {
		return r.ReadEntry(v)
	}
	return ReadCommandEntry(v, "command", "args", "env", "url")
}

// ReadCommandEntry reads an entry object whose command, argument list,
// environment object and URL are under the given keys ("" for a key the
// client does not have).
func ReadCommandEntry(v config.Value, command, args, env, url string) (StoredEntry, error) {
	if v.Kind() != config.Object {
		return StoredEntry{}, fmt.Errorf("the entry is %s, not an object", v.Kind())
	}
	var e StoredEntry
	str := func(key string) (string, error) {
		x, ok := v.Field(key)
		if key == "" || !ok || x.IsNull() {
			return "", nil
		}
		if x.Kind() != config.String {
			return "", fmt.Errorf("%s is %s, not a string", key, x.Kind())
		}
		return x.Str(), nil
	}
	var err error
	if e.Command, err = str(command); err != nil {
		return e, err
	}
	if e.URL, err = str(url); err != nil {
		return e, err
	}
	if x, ok := v.Field(args); args != "" && ok && !x.IsNull() {
		if x.Kind() != config.List {
			return e, fmt.Errorf("%s is %s, not a list", args, x.Kind())
		}
		for _, a := range x.Items() {
			if a.Kind() != config.String && a.Kind() != config.Number {
				return e, fmt.Errorf("%s holds %s, not a string", args, a.Kind())
			}
			e.Args = append(e.Args, a.Str())
		}
	}
	if x, ok := v.Field(env); env != "" && ok && !x.IsNull() {
		if x.Kind() != config.Object {
			return e, fmt.Errorf("%s is %s, not an object", env, x.Kind())
		}
		for _, m := range x.Members() {
			e.Env = append(e.Env, EnvVar{Name: m.Key, Value: m.Value.Str()})
		}
	}
	return e, nil
}

// launchKeys are the entry keys that say how the server is started or
// reached: install owns them even when it does not write them, so that a
// stale "url" or "cwd" never survives beside the command it writes.
var launchKeys = []string{"command", "args", "env", "url", "type", "cwd", "transport", "headers", "serverUrl", "httpUrl"}

// KeyOwner is implemented by adapters whose client has more keys that
// decide how the server starts (OpenCode's "environment", say).
type KeyOwner interface {
	OwnedKeys() []string
}

// KeepUserKeys returns fresh, the entry install writes now, followed by
// the members of old that install does not own (a client key the user
// added, such as "disabled" or "autoApprove"). a may be nil.
func KeepUserKeys(a Adapter, old, fresh config.Value) config.Value {
	if old.Kind() != config.Object || fresh.Kind() != config.Object {
		return fresh
	}
	owned := launchKeys
	if o, ok := a.(KeyOwner); ok {
		owned = append(slices.Clone(launchKeys), o.OwnedKeys()...)
	}
	members := append([]config.Member(nil), fresh.Members()...)
	for _, m := range old.Members() {
		if _, ours := fresh.Field(m.Key); ours || slices.Contains(owned, m.Key) ||
			slices.ContainsFunc(members, func(x config.Member) bool { return x.Key == m.Key }) {
			continue
		}
		members = append(members, m)
	}
	return config.ObjectValue(members...)
}
