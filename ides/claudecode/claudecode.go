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
	"fmt"
	"path/filepath"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Claude Code adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.Approver     = Adapter{}
	_ ides.StrayFinder  = Adapter{}
	_ ides.EnvWarner    = Adapter{}
)

// stateSchemaPaths are the parts of ~/.claude.json its schema describes:
// the rest is Claude Code's own state (history, often megabytes).
var stateSchemaPaths = [][]string{{"mcpServers"}, {"projects", "*", "mcpServers"}}

// The embedded schemas (package schemas) of Claude Code's files.
const (
	schemaProject = "claude-code-mcp.schema.json"   // <project>/.mcp.json
	schemaState   = "claude-code-state.schema.json" // ~/.claude.json
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
		return ides.Target{Path: StatePath(env), Servers: []string{"mcpServers"}, Format: config.JSON, Scope: scope,
			NewMode: 0o600, Schema: schemaState, SchemaPaths: stateSchemaPaths}, nil
	case ides.ScopeLocal:
		return ides.Target{Path: StatePath(env), Servers: []string{"projects", env.ProjectRoot, "mcpServers"},
			Format: config.JSON, Scope: scope, NewMode: 0o600, Schema: schemaState, SchemaPaths: stateSchemaPaths}, nil
	case ides.ScopeProject:
		return ides.Target{Path: filepath.Join(env.ProjectRoot, ".mcp.json"), Servers: []string{"mcpServers"},
			Format: config.JSON, Scope: scope, NewMode: 0o644, Schema: schemaProject}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Entry implements ides.Adapter.Entry: a stdio entry, fields in the
// order "claude mcp add" writes them.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	return config.ObjectValue(
		config.M("type", config.StringValue("stdio")),
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
	), nil
}

func settingsEdit(env ides.Env, edits ...merge.Edit) merge.FileEdit {
	p := SettingsPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Format: config.JSON, NewMode: 0o600, Edits: edits}
}

// moveLegacyEntry removes name from settings.json's "mcpServers", which
// Claude Code never reads: an entry there only makes people think the
// server is configured.
func moveLegacyEntry(env ides.Env, name, to string) merge.Edit {
	return func(doc config.Document) (bool, error) {
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

// PlanInstall implements ides.Planner.PlanInstall.
func (a Adapter) PlanInstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, ides.EntryEdit(a, t, req))}
	settings := []merge.Edit{moveLegacyEntry(env, req.Name, env.Display(t.Path))}
	notes := Adapter{}.EnvWarnings(env)
	if req.Scope == ides.ScopeProject {
		if req.Approve {
			settings = append(settings, approve(req.Name))
		} else {
			notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf(
				"Claude Code asks each user to approve project servers before it starts them; "+
					"pass --approve to approve %q for you now (in %s)", req.Name, env.Display(SettingsPath(env)))})
		}
	} else if req.Approve {
		return nil, nil, ides.Usagef("--approve applies to --scope project only: %s servers need no approval", req.Scope)
	}
	edits = append(edits, settingsEdit(env, settings...))
	return edits, notes, nil
}

// approve adds name to enabledMcpjsonServers, and takes it out of
// disabledMcpjsonServers, where a rejection would win over the approval.
func approve(name string) merge.Edit {
	return func(doc config.Document) (bool, error) {
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
	settings := []merge.Edit{func(doc config.Document) (bool, error) {
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
		settings = append(settings, func(doc config.Document) (bool, error) {
			return doc.RemoveFromSet(req.Name, "enabledMcpjsonServers")
		})
	}
	edits = append(edits, settingsEdit(env, settings...))
	return edits, nil, nil
}
