package ides

import (
	"path/filepath"
	"slices"

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
	switch env.GOOS {
	case "darwin":
		return filepath.Join(env.Home, "Library", "Application Support", "latchgate-mcp")
	case "windows":
		if d := env.Get("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "latchgate-mcp")
		}
		return filepath.Join(env.Home, "AppData", "Local", "latchgate-mcp")
	}
	if d := env.Get("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "latchgate-mcp")
	}
	return filepath.Join(env.Home, ".local", "state", "latchgate-mcp")
}

// The approval record is latchgate-mcp's own note of what --approve
// added to a client's files when that addition is not ours alone: a
// trusted folder (Gemini CLI, Copilot CLI) lets every server and setting
// of a project run, so uninstall may take it back only if --approve put
// it there, never when the user trusted the folder themselves. The
// record lives in the state directory, not in the client's file: clients
// rewrite their files and drop anything they do not know, and a marker
// key would be an unknown key to them.
//
// It is one JSON object: {"<client id>": {"<kind>": ["<item>", ...]}},
// e.g. {"gemini-cli": {"trustedFolders": ["/home/me/proj"]}}. Edits to it
// are planned with the rest of an install, so --dry-run shows them and a
// failed run leaves it as it was.

// ApprovalRecordPath is the approval record's file.
func ApprovalRecordPath(env Env) string {
	return filepath.Join(StateDir(env), "approvals.json")
}

func recordEdit(env Env, edit merge.Edit) merge.FileEdit {
	p := ApprovalRecordPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Format: config.JSON, NewMode: 0o600, Edits: []merge.Edit{edit}}
}

// RecordApproval is the edit that records that --approve added item (of
// kind, for client) to the client's files.
func RecordApproval(env Env, client, kind, item string) merge.FileEdit {
	return recordEdit(env, func(doc config.Document) (bool, error) {
		return doc.AddToSet(item, client, kind)
	})
}

// ForgetApproval is the edit that removes item from the record, and the
// list and client object it leaves empty.
func ForgetApproval(env Env, client, kind, item string) merge.FileEdit {
	return recordEdit(env, func(doc config.Document) (bool, error) {
		changed, err := doc.RemoveFromSet(item, client, kind)
		if err != nil || !changed {
			return changed, err
		}
		if v, ok := doc.Get(client, kind); ok && len(v.Items()) == 0 {
			if _, err := doc.Delete(client, kind); err != nil {
				return true, err
			}
		}
		if v, ok := doc.Get(client); ok && v.Kind() == config.Object && len(v.Members()) == 0 {
			if _, err := doc.Delete(client); err != nil {
				return true, err
			}
		}
		return true, nil
	})
}

// RecordedApprovals returns the items of kind recorded for client. A
// record that cannot be read counts as empty: uninstall then leaves the
// client's trust alone, which is the safe side.
func RecordedApprovals(env Env, client, kind string) []string {
	doc, _, err := merge.ReadDoc(ApprovalRecordPath(env), config.JSON, "")
	if err != nil || doc == nil {
		return nil
	}
	v, ok := doc.Get(client, kind)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range v.Items() {
		if it.Kind() == config.String {
			out = append(out, it.Str())
		}
	}
	return out
}

// IsRecordedApproval reports whether item of kind is recorded for client.
func IsRecordedApproval(env Env, client, kind, item string) bool {
	return slices.Contains(RecordedApprovals(env, client, kind), item)
}
