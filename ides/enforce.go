package ides

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// This file is what "latchgate-mcp enforce" asks of an adapter: the
// client's own policy settings that keep its agent on the gate (permission
// rules, server allowlists, sandbox switches, managed files), what they
// stop and what they do not. The command, the record of what was added and
// its undo are generic (internal/enforce); only the keys are the client's.

// ScopeManaged is the machine's administrator scope: policy files under
// /etc (or the OS's equivalent) that bind every user and beat their own
// files. Only enforce writes there, and only as root.
const ScopeManaged Scope = "managed"

// Level is how far a client's policy keeps its agent on the gate.
type Level string

// The levels, from none to lock.
const (
	// LevelNone: the client has no policy enforce can write.
	LevelNone Level = "none"
	// LevelGuard: user or project settings: no accidental bypass (web
	// tools, other servers, bypass modes), but the user (or an agent
	// acting as the user) can undo it. Not a security boundary.
	LevelGuard Level = "guard"
	// LevelManaged: managed files written, but a lock check fails
	// (EnforcePlan.Missing says which).
	LevelManaged Level = "managed"
	// LevelLock: managed policy, a shell that cannot reach the network,
	// and an allowlist pinning the gate's exact command: bypass needs
	// root.
	LevelLock Level = "lock"
)

// ShellPolicy is what enforce does about the agent's own shell, through
// which interpreters (bash -c, python3, node) reach the network whatever
// the permission rules say.
type ShellPolicy string

// The shell policies.
const (
	ShellSandbox ShellPolicy = "sandbox" // the client's sandbox, without network, failing closed
	ShellDeny    ShellPolicy = "deny"    // no shell tool at all
	ShellOpen    ShellPolicy = "open"    // leave the shell alone (and say what that leaves open)
)

// AllowedServer is a server besides the gate's that enforce admits
// (--allow-server), by the command line it runs.
type AllowedServer struct {
	Name  string
	Entry StoredEntry
}

// EnforceRequest is one enforce run for one client.
type EnforceRequest struct {
	Scope Scope
	// Name is the gate's server entry ("latchgate").
	Name string
	// Entry is that entry as install wrote it: allowlists pin its exact
	// command line.
	Entry StoredEntry
	// Shell is the shell policy asked for; ShellChosen is false when it
	// is the default, and an adapter whose client cannot sandbox its
	// shell here may then fall back to ShellDeny (saying why in a note).
	Shell       ShellPolicy
	ShellChosen bool
	// Allow are other servers to admit.
	Allow []AllowedServer
	// Operator is the approval server's entry name, which the agent must
	// not reach ("latchgate-operator").
	Operator string
}

// Argv returns the command line the entry runs: command, then arguments.
func (e StoredEntry) Argv() []string {
	return append([]string{e.Command}, e.Args...)
}

// PolicyOp is how a policy item is written.
type PolicyOp string

// The policy operations.
const (
	// PolicyAdd adds Value to the list at Path, as a set element.
	PolicyAdd PolicyOp = "add"
	// PolicySet puts Value at Path; what was there is recorded, and
	// --undo puts it back.
	PolicySet PolicyOp = "set"
)

// A PolicyItem is one setting enforce writes.
type PolicyItem struct {
	Path  []string
	Op    PolicyOp
	Value config.Value
	// IfAbsent: a value the user has set at Path stays (their own list
	// of allowed domains, say); only a missing one is written.
	IfAbsent bool
}

// A PolicyFile is one file enforce edits and what it writes there.
type PolicyFile struct {
	Path    string
	Format  config.Format
	NewMode os.FileMode
	// Managed files are the administrator's: written only as root, and
	// their record is kept in the machine's state directory.
	Managed bool
	Items   []PolicyItem
}

// EnforcePlan is what an adapter wants written for a request, and what
// that achieves.
type EnforcePlan struct {
	Level Level
	Files []PolicyFile
	// Stops says what the settings stop; Gaps what config alone cannot
	// (both in plain words, one item each).
	Stops, Gaps []string
	// Missing names the lock checks that fail (Level is then
	// LevelManaged).
	Missing []string
	Notes   []Note
	// Advice is, for a client with nothing enforce can write, what to do
	// by hand (flags, a policy for an administrator).
	Advice string
}

// Enforcer is implemented by adapters whose client has policy settings
// enforce can write.
type Enforcer interface {
	// EnforceScopes lists the scopes enforce can write, the default
	// first.
	EnforceScopes() []Scope
	// PlanEnforce returns the files and items for req. It reads what it
	// needs (a sandbox's dependencies on PATH) but writes nothing.
	PlanEnforce(env Env, req EnforceRequest) (EnforcePlan, error)
}

// EnforceChecker is implemented by adapters that can tell doctor whether
// their client's policy holds: an allowlist that does not admit the
// entry's exact command line, a sandbox configured that cannot run. The
// notes' levels are "info", "warn" or "error"; their IDs become
// enforce.<ID> checks.
type EnforceChecker interface {
	EnforceChecks(env Env, name string, entry *StoredEntry) []Note
}

// CanEnforce reports whether enforce can write a's client's policy.
func CanEnforce(a Adapter) bool {
	_, ok := a.(Enforcer)
	return ok
}

// EntryScope is the scope whose entry enforce pins at scope: the same
// scope, or the user's for managed files (an administrator pins the
// command line users' entries run).
func EntryScope(scope Scope) Scope {
	if scope == ScopeManaged {
		return ScopeUser
	}
	return scope
}

// LookPath finds the executable name in the PATH of env, "" when it is
// not there: whether a client's sandbox will find its helpers.
func LookPath(env Env, name string) string {
	sep := string(os.PathListSeparator)
	if env.GOOS == "windows" {
		sep = ";"
	}
	for _, dir := range strings.Split(env.Get("PATH"), sep) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// EnforceAdvisor is implemented by adapters whose client has policy
// settings enforce does not write (command-line flags, an administrator's
// OS policy, a team dashboard): what to do by hand, for enforce to print.
type EnforceAdvisor interface {
	EnforceAdvice(env Env, req EnforceRequest) string
}
