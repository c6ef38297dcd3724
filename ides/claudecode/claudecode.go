// Package claudecode describes Claude Code's MCP configuration.
//
// Claude Code reads user-scope servers from the top-level "mcpServers" of
// ~/.claude.json ($CLAUDE_CONFIG_DIR/.claude.json when that is set),
// local-scope servers from projects["<project root>"].mcpServers in the
// same file, and project-scope servers from <project root>/.mcp.json. It
// does not read "mcpServers" from ~/.claude/settings.json (older LatchGate
// docs said to put them there), but that file holds the settings that
// approve project servers. Both files must stay plain JSON: Claude Code
// rejects ~/.claude.json with a comment in it and silently ignores
// settings.json.
package claudecode

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Claude Code adapter.
type Adapter struct{}

var (
	_ ides.Adapter = Adapter{}
	_ ides.Planner = Adapter{}
)

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "claude-code" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Claude Code" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope {
	return []ides.Scope{ides.ScopeUser, ides.ScopeLocal, ides.ScopeProject}
}

// ConfigDir is where Claude Code keeps settings.json: $CLAUDE_CONFIG_DIR,
// else ~/.claude.
func ConfigDir(env ides.Env) string {
	if dir := env.Get("CLAUDE_CONFIG_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(env.Home, ".claude")
}

// StatePath is ~/.claude.json, or $CLAUDE_CONFIG_DIR/.claude.json, which
// then replaces it entirely.
func StatePath(env ides.Env) string {
	if dir := env.Get("CLAUDE_CONFIG_DIR"); dir != "" {
		return filepath.Join(dir, ".claude.json")
	}
	return filepath.Join(env.Home, ".claude.json")
}

// SettingsPath is the user settings file that approves project servers.
func SettingsPath(env ides.Env) string {
	return filepath.Join(ConfigDir(env), "settings.json")
}

// Target implements ides.Adapter.Target.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		// ~/.claude.json also holds Claude Code's own state, some of it
		// private: a new one is readable by the owner only.
		return ides.Target{Path: StatePath(env), Servers: []string{"mcpServers"}, Strict: true, Scope: scope, NewMode: 0o600}, nil
	case ides.ScopeLocal:
		return ides.Target{Path: StatePath(env), Servers: []string{"projects", env.ProjectRoot, "mcpServers"},
			Strict: true, Scope: scope, NewMode: 0o600}, nil
	case ides.ScopeProject:
		return ides.Target{Path: filepath.Join(env.ProjectRoot, ".mcp.json"), Servers: []string{"mcpServers"},
			Strict: true, Scope: scope, NewMode: 0o644}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Entry is a Claude Code stdio server entry, fields in the order
// "claude mcp add" writes them.
type Entry struct {
	Type    string       `json:"type"`
	Command string       `json:"command"`
	Args    []string     `json:"args"`
	Env     ides.EnvList `json:"env"`
}

// Entry implements ides.Adapter.Entry.
func (Adapter) Entry(spec ides.ServerSpec) (json.RawMessage, error) {
	args := spec.Args
	if args == nil {
		args = []string{}
	}
	env := spec.Env
	if env == nil {
		env = ides.EnvList{}
	}
	return merge.MarshalValue(Entry{Type: "stdio", Command: spec.Command, Args: args, Env: env})
}

func settingsEdit(env ides.Env, edits ...merge.Edit) merge.FileEdit {
	p := SettingsPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Strict: true, NewMode: 0o600, Edits: edits}
}

// moveLegacyEntry removes name from settings.json's "mcpServers", which
// Claude Code never reads: an entry there only makes people think the
// server is configured.
func moveLegacyEntry(env ides.Env, name, to string) merge.Edit {
	return func(doc *merge.Document) (bool, error) {
		changed, err := doc.Delete("mcpServers", name)
		if err != nil {
			// A broken legacy key is not ours to fix; say so and go on.
			doc.Note("left %s alone: %v", env.Display(SettingsPath(env)), err)
			return false, nil
		}
		if changed {
			doc.Note("moved the %q entry out of %s: Claude Code never reads mcpServers from that file; it is now in %s",
				name, env.Display(SettingsPath(env)), to)
		}
		return changed, nil
	}
}

// emptyConfigDirNote warns about CLAUDE_CONFIG_DIR set to the empty
// string. Claude Code (checked with 2.1.197) then still reads
// ~/.claude.json, but takes its settings, and so the approvals of project
// servers, from settings.json in the current directory.
func emptyConfigDirNote(env ides.Env) []ides.Note {
	if v, ok := env.Vars["CLAUDE_CONFIG_DIR"]; !ok || v != "" {
		return nil
	}
	return []ides.Note{{Level: "warn", Text: "CLAUDE_CONFIG_DIR is set but empty: Claude Code then reads its settings " +
		"(and the approval of project servers) from settings.json in the current directory, not " +
		env.Display(SettingsPath(env)) + "; unset it"}}
}

// PlanInstall implements ides.Planner.PlanInstall.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	entry, err := a.Entry(req.Spec)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, ides.SetEntry(t, req.Name, entry))}
	settings := []merge.Edit{moveLegacyEntry(env, req.Name, env.Display(t.Path))}
	notes := emptyConfigDirNote(env)
	if req.Scope == ides.ScopeProject {
		if req.Approve {
			settings = append(settings, approve(req.Name))
		} else {
			notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf(
				"Claude Code asks each user to approve project servers before it starts them; "+
					"pass --approve to approve %q for you now (in %s)", req.Name, env.Display(SettingsPath(env)))})
		}
	} else if req.Approve {
		return nil, nil, fmt.Errorf("--approve applies to --scope project only: %s servers need no approval", req.Scope)
	}
	edits = append(edits, settingsEdit(env, settings...))
	return edits, notes, nil
}

// approve adds name to enabledMcpjsonServers, and takes it out of
// disabledMcpjsonServers, where a rejection would win over the approval.
func approve(name string) merge.Edit {
	return func(doc *merge.Document) (bool, error) {
		added, err := doc.AddToSet(name, "enabledMcpjsonServers")
		if err != nil {
			return false, err
		}
		removed, err := doc.RemoveFromSet(name, "disabledMcpjsonServers")
		if err != nil {
			return false, err
		}
		if removed {
			doc.Note("removed %q from disabledMcpjsonServers, where it had been rejected", name)
		}
		return added || removed, nil
	}
}

// PlanUninstall implements ides.Planner.PlanUninstall.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}
	settings := []merge.Edit{func(doc *merge.Document) (bool, error) {
		changed, err := doc.Delete("mcpServers", req.Name)
		if err != nil {
			return false, nil
		}
		if changed {
			doc.Note("removed the stale %q entry from %s (Claude Code never read it)", req.Name, env.Display(SettingsPath(env)))
		}
		return changed, nil
	}}
	if req.Scope == ides.ScopeProject {
		settings = append(settings, func(doc *merge.Document) (bool, error) {
			return doc.RemoveFromSet(req.Name, "enabledMcpjsonServers")
		})
	}
	edits = append(edits, settingsEdit(env, settings...))
	return edits, nil, nil
}
