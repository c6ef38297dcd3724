package ides

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// StateDir is where latchgate-mcp keeps its own files (backups, locks,
// the approval record): $XDG_STATE_HOME/latchgate-mcp or
// ~/.local/state/latchgate-mcp on Linux, ~/Library/Application
// Support/latchgate-mcp on macOS and %LOCALAPPDATA%\latchgate-mcp on
// Windows. LATCHGATE_MCP_STATE_DIR overrides it.
func StateDir(env Env) string {
	if d := env.Get("LATCHGATE_MCP_STATE_DIR"); d != "" {
		return d
	}
	// A relative XDG_STATE_HOME or LOCALAPPDATA is ignored, as the XDG
	// Base Directory specification says: it would put backups and locks
	// wherever the command happens to run.
	abs := func(key string) string {
		if d := env.Get(key); d != "" && isAbs(env, d) {
			return d
		}
		return ""
	}
	switch env.GOOS {
	case "darwin":
		return filepath.Join(env.Home, "Library", "Application Support", "latchgate-mcp")
	case "windows":
		if d := abs("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "latchgate-mcp")
		}
		return filepath.Join(env.Home, "AppData", "Local", "latchgate-mcp")
	}
	if d := abs("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "latchgate-mcp")
	}
	return filepath.Join(env.Home, ".local", "state", "latchgate-mcp")
}

// isAbs is filepath.IsAbs for the system env describes, so the Windows
// rules can be tested on Linux.
func isAbs(env Env, p string) bool {
	if env.GOOS == "windows" {
		return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\`)
	}
	return strings.HasPrefix(p, "/")
}

// The approval record is latchgate-mcp's own note of what --approve
// added to a client's files when that addition is not ours alone: a
// trusted folder (Gemini CLI, Copilot CLI) lets every server and setting
// of a project run, so uninstall may take it back only if --approve put
// it there, never when the user trusted the folder themselves, and only
// once no entry of ours still needs it. The record lives in the state
// directory, not in the client's file: clients rewrite their files and
// drop what they do not know, and a marker key would be an unknown key
// to them.
//
// It is one JSON object: {"<client id>": {"<kind>": {"<item>":
// ["<holder>", ...]}}}, where a holder is the entry that needed the
// item, as "<scope>:<name>": {"gemini-cli": {"trustedFolders":
// {"/home/me/proj": ["project:latchgate"]}}}. Edits to it are planned
// with the rest of an install, so --dry-run shows them and a failed run
// leaves it as it was.

// ApprovalRecordPath is the approval record's file.
func ApprovalRecordPath(env Env) string {
	return filepath.Join(StateDir(env), "approvals.json")
}

// Holder names an entry in the approval record.
func Holder(scope Scope, name string) string { return string(scope) + ":" + name }

func recordEdit(env Env, edit merge.Edit) merge.FileEdit {
	p := ApprovalRecordPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Format: config.JSON, NewMode: 0o600, Edits: []merge.Edit{edit}}
}

// RecordApproval is the edit that records that --approve added item (of
// kind, for client) to the client's files for the entries holders.
func RecordApproval(env Env, client, kind, item string, holders ...string) merge.FileEdit {
	return recordEdit(env, func(doc config.Document) (bool, error) {
		changed := false
		for _, h := range holders {
			c, err := doc.AddToSet(h, client, kind, item)
			if err != nil {
				return changed, err
			}
			changed = changed || c
		}
		return changed, nil
	})
}

// ReleaseApproval is the edit that removes holders from item, and the
// item, kind and client it leaves empty.
func ReleaseApproval(env Env, client, kind, item string, holders ...string) merge.FileEdit {
	return recordEdit(env, func(doc config.Document) (bool, error) {
		changed := false
		for _, h := range holders {
			c, err := doc.RemoveFromSet(h, client, kind, item)
			if err != nil {
				return changed, err
			}
			changed = changed || c
		}
		if !changed {
			return false, nil
		}
		for _, path := range [][]string{{client, kind, item}, {client, kind}, {client}} {
			v, ok := doc.Get(path...)
			if !ok || len(v.Items())+len(v.Members()) > 0 {
				break
			}
			if _, err := doc.Delete(path...); err != nil {
				return true, err
			}
		}
		return true, nil
	})
}

// RecordedApprovals returns the items of kind recorded for client, each
// with its holders. A record that cannot be read counts as empty:
// uninstall then leaves the client's trust alone, the safe side.
func RecordedApprovals(env Env, client, kind string) map[string][]string {
	doc, _, err := merge.ReadDoc(ApprovalRecordPath(env), config.JSON, "")
	if err != nil || doc == nil {
		return nil
	}
	v, ok := doc.Get(client, kind)
	if !ok {
		return nil
	}
	out := map[string][]string{}
	for _, m := range v.Members() {
		var holders []string
		for _, it := range m.Value.Items() {
			if it.Kind() == config.String {
				holders = append(holders, it.Str())
			}
		}
		out[m.Key] = holders
	}
	return out
}

// Released returns holders without those in gone.
func Released(holders []string, gone ...string) []string {
	return slices.DeleteFunc(slices.Clone(holders), func(h string) bool { return slices.Contains(gone, h) })
}

// ManagedStateDir is where latchgate-mcp keeps its record of what it
// wrote to managed (machine-wide) files: a root-owned directory, since
// only root writes those files and an undo must not trust a record any
// user could edit. /var/lib/latchgate-mcp on Linux, /Library/Application
// Support/latchgate-mcp on macOS, C:\ProgramData\latchgate-mcp on Windows;
// LATCHGATE_MCP_STATE_DIR overrides it too.
func ManagedStateDir(env Env) string {
	if d := env.Get("LATCHGATE_MCP_STATE_DIR"); d != "" {
		return d
	}
	switch env.GOOS {
	case "darwin":
		return SystemPath(env, "/Library/Application Support/latchgate-mcp")
	case "windows":
		return SystemPath(env, `C:\ProgramData\latchgate-mcp`)
	}
	return SystemPath(env, "/var/lib/latchgate-mcp")
}
