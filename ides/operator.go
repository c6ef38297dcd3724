package ides

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// OperatorEntryName is the server name of the operator entry ("latchgate-
// mcp operator"): the name the clients' deny rules match, and the one
// doctor looks for.
const OperatorEntryName = "latchgate-operator"

// A ListItem is one value in a list of a client's settings: a rule in
// Claude Code's permissions.deny, an object in its deniedMcpServers. Items
// are added and taken back one by one, so what was in the list before,
// and what the user adds later, stays.
type ListItem struct {
	Path    string // the file, absolute
	Format  config.Format
	NewMode os.FileMode // mode of the file if it is created
	Key     []string    // path of the list in the file
	Value   config.Value
	// Why says what the item does, for messages.
	Why string
	// Wrap, when set, wraps the edit that adds or removes the item: the
	// client's own rule for its files (Gemini CLI refuses to change a
	// file that starts with a byte order mark).
	Wrap func(merge.Edit) merge.Edit
}

// Edit returns e wrapped by the item's Wrap.
func (it ListItem) Edit(e merge.Edit) merge.Edit {
	if it.Wrap == nil {
		return e
	}
	return it.Wrap(e)
}

// Elicitation is how far a client is known to support MCP elicitation,
// which the operator server uses to have a person confirm each decision.
type Elicitation string

// The levels of [Elicitation].
const (
	ElicitationYes     Elicitation = "yes"     // measured: the operator server asks the person itself
	ElicitationNo      Elicitation = "no"      // measured absent: decisions need --confirm client-prompt and a per-call prompt rule
	ElicitationUnknown Elicitation = "unknown" // not measured: the operator server decides from the client's declared capabilities
)

// OperatorRequest says what install --operator is setting up.
type OperatorRequest struct {
	// AgentName is the agent's server entry ("latchgate"), which the
	// operator's configuration must not load.
	AgentName string
	// Base is the directory latchgate-mcp keeps operator configurations
	// in (~/.config/latchgate-mcp/operator); a client whose separate root
	// is a directory puts it below Base.
	Base string
	// Profile is a profile name for clients with profiles
	// (Request.Profile).
	Profile string
}

// An OperatorRoot is a configuration of the client that the agent's own
// sessions do not load, where the operator entry goes: a separate config
// directory, a separate profile.
type OperatorRoot struct {
	// Dir is a directory to create (0700) for the root, "" when the
	// client creates it (a profile).
	Dir string
	// Target is the file and servers object of the operator entry.
	Target Target
	// RootItems are more settings in the operator's root: what keeps the
	// operator window from loading the agent's server.
	RootItems []ListItem
	// AgentItems are settings in the agent's own configuration that keep
	// the agent from loading the operator server; none when the client
	// has no such setting.
	AgentItems []ListItem
	// Start is the command that opens the client on this root, for the
	// user to run.
	Start string
	// Alias is a shell alias for Start, "" for none.
	Alias string
	// Elicitation is what the client is known to support.
	Elicitation Elicitation
	// Notes say how strong the separation is and what it does not cover.
	Notes []Note
	// AutoApprove are settings of the operator's root that would let the
	// client run the operator's tools without asking (doctor warns about
	// any it finds; install never writes them).
	AutoApprove []ListItem
	// WrapEntry, when set, wraps the edits of Target (as ListItem.Wrap).
	WrapEntry func(merge.Edit) merge.Edit
}

// OperatorRooter is implemented by adapters whose client can run the
// operator server in a configuration the agent does not load (separation
// of duties: the agent's model must never see the tools that approve its
// own held calls). A client without it has no such place, and install
// --operator refuses it: "latchgate-mcp approve" decides holds without a
// client.
//
// The adapter describes the root; the engine writes the operator entry
// into Root.Target and adds the items (and takes back exactly what it
// added), through the same plan, diff and backups as install. The root
// must never be a file the agent's client loads with the agent entry: the
// engine refuses a Target that holds AgentName, and the adapter refuses
// an environment in which its root is the agent's own (CLAUDE_CONFIG_DIR
// pointing at it, say).
type OperatorRooter interface {
	OperatorRoot(env Env, req OperatorRequest) (OperatorRoot, error)
}

// ItemPresent reports whether the list of item in doc holds its value.
func ItemPresent(doc config.Document, item ListItem) bool {
	v, ok := doc.Get(item.Key...)
	if !ok || v.Kind() != config.List {
		return false
	}
	for _, x := range v.Items() {
		if x.Equal(item.Value) {
			return true
		}
	}
	return false
}

// AddItem is the edit that appends item's value to its list unless it is
// there, creating the list (and the objects above it) if needed.
func AddItem(item ListItem) merge.Edit {
	return func(doc config.Document) (bool, error) {
		if item.Value.Kind() == config.String {
			return doc.AddToSet(item.Value.Str(), item.Key...)
		}
		v, ok := doc.Get(item.Key...)
		if ok && v.Kind() != config.List && !v.IsNull() {
			return false, &config.PathError{Path: item.Key, Msg: "is " + v.Kind().String() + ", not a list"}
		}
		if ItemPresent(doc, item) {
			return false, nil
		}
		items := append(append([]config.Value(nil), v.Items()...), item.Value)
		return doc.Set(config.ListValue(items...), item.Key...)
	}
}

// RemoveItem is the edit that removes item's value from its list. A list
// left empty goes, and so do the objects on its key path that it leaves
// empty: what remains of a file AddItem created is "{}".
func RemoveItem(item ListItem) merge.Edit {
	return func(doc config.Document) (bool, error) {
		v, ok := doc.Get(item.Key...)
		if !ok || v.Kind() != config.List {
			return false, nil
		}
		var kept []config.Value
		for _, x := range v.Items() {
			if !x.Equal(item.Value) {
				kept = append(kept, x)
			}
		}
		if len(kept) == len(v.Items()) {
			return false, nil
		}
		if len(kept) > 0 {
			if item.Value.Kind() == config.String {
				return doc.RemoveFromSet(item.Value.Str(), item.Key...)
			}
			return doc.Set(config.ListValue(kept...), item.Key...)
		}
		if _, err := doc.Delete(item.Key...); err != nil {
			return false, err
		}
		for n := len(item.Key) - 1; n > 0; n-- {
			parent, ok := doc.Get(item.Key[:n]...)
			if !ok || parent.Kind() != config.Object || parent.Len() > 0 {
				break
			}
			if _, err := doc.Delete(item.Key[:n]...); err != nil {
				return false, err
			}
		}
		return true, nil
	}
}

// ShellQuote quotes s for a POSIX shell where it needs it, for commands
// printed for the user to run.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellPath writes dir for a POSIX shell: "$HOME/..." (double-quoted)
// below the home directory, so a printed command reads the same for
// everyone and survives spaces; else single-quoted where needed.
func ShellPath(env Env, dir string) string {
	if env.Home != "" {
		if rel, ok := strings.CutPrefix(dir, strings.TrimRight(env.Home, "/")+"/"); ok && !strings.ContainsAny(rel, "\"$`\\") {
			return `"$HOME/` + rel + `"`
		}
	}
	return ShellQuote(dir)
}

// StartWithDir returns the command that starts a client whose whole
// configuration moves with one environment variable (CLAUDE_CONFIG_DIR,
// CODEX_HOME, ...) set to dir, and a shell alias named alias for it
// ("" on Windows, where the command is for cmd.exe).
func StartWithDir(env Env, variable, dir, command, alias string) (start, aliasLine string) {
	if env.GOOS == "windows" {
		return `cmd /c "set ` + variable + `=` + dir + `&& ` + command + `"`, ""
	}
	assign := variable + "=" + ShellPath(env, dir)
	return assign + " " + command, "alias " + alias + "=" + ShellQuote(assign+" "+command)
}

// SameDir reports whether a and b name the same directory, following
// symbolic links where they exist: an operator root must never be the
// agent's own configuration under another spelling.
func SameDir(a, b string) bool {
	clean := func(p string) string {
		p = filepath.Clean(p)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return p
	}
	return clean(a) == clean(b)
}
