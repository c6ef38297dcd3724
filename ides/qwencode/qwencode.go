package qwencode

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the Qwen Code adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.Approver     = Adapter{}
	_ ides.EnvWarner    = Adapter{}
	_ ides.Detectable   = Adapter{}
)

// schema is the embedded schema (package schemas) of settings.json.
const schema = "qwen-code-settings.schema.json"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return "qwen-code" }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Qwen Code" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// Dir is Qwen Code's per-user directory: $QWEN_HOME, else ~/.qwen.
func Dir(env ides.Env) string {
	if d := env.Get("QWEN_HOME"); d != "" {
		if rest, ok := strings.CutPrefix(d, "~/"); ok {
			return ides.Join(env, env.Home, rest)
		}
		return d
	}
	return ides.Join(env, env.Home, ".qwen")
}

// SettingsPath is the user settings file.
func SettingsPath(env ides.Env) string { return ides.Join(env, Dir(env), "settings.json") }

// ProjectSettingsPath is the project settings file, in the current
// directory.
func ProjectSettingsPath(env ides.Env) string {
	return ides.Join(env, env.WorkDir, ".qwen", "settings.json")
}

// ClaudeProjectPath is Claude Code's .mcp.json in the current directory,
// which Qwen Code loads too.
func ClaudeProjectPath(env ides.Env) string { return ides.Join(env, env.WorkDir, ".mcp.json") }

// ApprovalsPath is where Qwen Code keeps the approvals of project servers.
func ApprovalsPath(env ides.Env) string {
	if p := env.Get("QWEN_CODE_MCP_APPROVALS_PATH"); p != "" {
		return p
	}
	return ides.Join(env, Dir(env), "mcpApprovals.json")
}

// approvalKey is the key of the current directory in mcpApprovals.json
// (normalizeProjectRoot: the resolved path, lower case on Windows).
func approvalKey(env ides.Env) string {
	if env.GOOS == "windows" {
		return strings.ToLower(env.WorkDir)
	}
	return path.Clean(env.WorkDir)
}

func inHome(env ides.Env) bool {
	return strings.TrimRight(env.WorkDir, `/\`) == strings.TrimRight(env.Home, `/\`)
}

// Target implements ides.Adapter.Target.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		return ides.Target{Path: SettingsPath(env), Servers: []string{"mcpServers"}, Format: config.JSONComments,
			Scope: scope, NewMode: 0o600, Schema: schema}, nil
	case ides.ScopeProject:
		if inHome(env) {
			return ides.Target{}, ides.NoProjectInHome(Adapter{}, env)
		}
		return ides.Target{Path: ProjectSettingsPath(env), Servers: []string{"mcpServers"}, Format: config.JSONComments,
			Scope: scope, NewMode: 0o644, Schema: schema}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Entry implements ides.Adapter.Entry: command, args and env, in the
// order "qwen mcp add" writes them.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	for _, s := range append(append([]string{spec.Command}, spec.Args...), envValues(spec.Env)...) {
		if strings.Contains(s, "$") {
			return config.Value{}, fmt.Errorf("%q holds \"$\", which Qwen Code expands as a variable (it has no escape); "+
				"use a path or value without \"$\"", s)
		}
	}
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", spec.Env.Value()),
	), nil
}

func envValues(l ides.EnvList) []string {
	var out []string
	for _, v := range l {
		out = append(out, v.Value)
	}
	return out
}

// qwenVar is the pattern of Qwen Code's resolveEnvVarsInString (0.24.4).
var qwenVar = regexp.MustCompile(`\$(?:(\w+)|\{([^}]+)\})`)

// Expand expands $VAR and ${VAR} as Qwen Code does when it loads its
// settings; an unset variable, and ${VAR:-default}, stay as written.
func Expand(s string, env ides.Env, missing *[]string) string {
	return qwenVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := qwenVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if u := strings.ToUpper(name); u == "SESSION_ID" || u == "QWEN_CODE_SESSION_ID" {
			return m
		}
		if v, ok := env.Vars[name]; ok {
			return v
		}
		if missing != nil {
			*missing = append(*missing, name)
		}
		return m
	})
}

// Launch implements ides.Launcher: Qwen Code passes its whole
// environment, unredacted, and expands $VAR and ${VAR}.
func (Adapter) Launch(ides.Env) ides.LaunchRules {
	return ides.LaunchRules{
		Rule:       "Qwen Code's environment",
		InheritAll: true,
		Expand:     Expand,
		VarSyntax:  "${NAME}",
		ShellPATH:  true,
	}
}

// expanded is entry as Qwen holds it after loading: every string
// expanded. The approval hash is computed over that.
func expanded(env ides.Env, v config.Value) config.Value {
	switch v.Kind() {
	case config.String:
		return config.StringValue(Expand(v.Str(), env, nil))
	case config.List:
		items := v.Items()
		out := make([]config.Value, len(items))
		for i, it := range items {
			out[i] = expanded(env, it)
		}
		return config.ListValue(out...)
	case config.Object:
		var out []config.Member
		for _, m := range v.Members() {
			out = append(out, config.M(m.Key, expanded(env, m.Value)))
		}
		return config.ObjectValue(out...)
	}
	return v
}

// Approval is the state of a project server in mcpApprovals.json.
type Approval struct {
	State string // "approved", "rejected" or "pending"
	Hash  string // the hash recorded, "" when none is
}

// ApprovalOf reads the approval of server name with entry (as stored in
// the file) for the current directory: "pending" when there is none or it
// was given to another version of the entry, as Qwen decides.
func ApprovalOf(env ides.Env, name string, entry config.Value) Approval {
	doc, _, err := merge.ReadDoc(ApprovalsPath(env), config.JSONComments, "")
	if err != nil || doc == nil {
		return Approval{State: "pending"}
	}
	rec, ok := doc.Get(approvalKey(env), name)
	if !ok {
		return Approval{State: "pending"}
	}
	h, _ := rec.Field("hash")
	st, _ := rec.Field("status")
	a := Approval{State: "pending", Hash: h.Str()}
	if a.Hash == Hash(expanded(env, entry)) {
		a.State = st.Str()
	}
	return a
}

func approvalsEdit(env ides.Env, edit merge.Edit) merge.FileEdit {
	p := ApprovalsPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Format: config.JSONComments, NewMode: 0o600, Edits: []merge.Edit{edit}}
}

// approveEntry is the edit that approves server name with entry for the
// current directory, as "qwen mcp approve" records it.
func approveEntry(env ides.Env, name string, entry config.Value) merge.FileEdit {
	rec := config.ObjectValue(config.M("hash", config.StringValue(Hash(expanded(env, entry)))),
		config.M("status", config.StringValue("approved")))
	return approvalsEdit(env, func(doc config.Document) (bool, error) {
		if v, ok := doc.Get(approvalKey(env), name, "status"); ok && v.Str() == "rejected" {
			doc.Note("approved %q in %s, where it had been rejected", name, env.Display(ApprovalsPath(env)))
		}
		return doc.Set(rec, approvalKey(env), name)
	})
}

// storedEntry reads server name from the settings file at p.
func storedEntry(p, name string) (config.Value, bool) {
	doc, _, err := merge.ReadDoc(p, config.JSONComments, "")
	if err != nil || doc == nil {
		return config.Value{}, false
	}
	return doc.Get("mcpServers", name)
}

// claudeEntry reads server name from <cwd>/.mcp.json the way Qwen loads
// it: "type" dropped from a command entry.
func claudeEntry(env ides.Env, name string) (config.Value, bool) {
	doc, _, err := merge.ReadDoc(ClaudeProjectPath(env), config.JSONComments, "")
	if err != nil || doc == nil {
		return config.Value{}, false
	}
	v, ok := doc.Get("mcpServers", name)
	if !ok || v.Kind() != config.Object {
		return v, ok
	}
	var out []config.Member
	for _, m := range v.Members() {
		if m.Key != "type" {
			out = append(out, m)
		}
	}
	return config.ObjectValue(out...), true
}

// ApproveEdits implements ides.Approver: the approval of the project
// entry as it is in the file now (for doctor --fix --approve).
func (Adapter) ApproveEdits(env ides.Env, name string) []merge.FileEdit {
	entry, ok := storedEntry(ProjectSettingsPath(env), name)
	if !ok {
		if entry, ok = claudeEntry(env, name); !ok {
			return nil
		}
	}
	return []merge.FileEdit{approveEntry(env, name, entry)}
}

// ApprovalFile implements ides.Approver.
func (Adapter) ApprovalFile(env ides.Env) string { return env.Display(ApprovalsPath(env)) }

// ApprovalPrompt implements ides.Approver.
func (Adapter) ApprovalPrompt(env ides.Env) string {
	return "Qwen Code keeps each project server pending until it is approved for this folder, and any change to the " +
		"entry makes it pending again. Yes approves this entry in " + env.Display(ApprovalsPath(env)) +
		", as \"qwen mcp approve\" would; your teammates approve it themselves."
}

// PlanInstall implements ides.Planner.
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
	notes := a.EnvWarnings(env)
	switch {
	case req.Scope != ides.ScopeProject:
		if req.Approve {
			notes = append(notes, ides.Note{Level: "info", Text: "Qwen Code starts user servers without asking: --approve changes nothing for them"})
		}
		if _, ok := storedEntry(ProjectSettingsPath(env), req.Name); ok && !inHome(env) {
			notes = append(notes, ides.Note{Level: "warn", Text: fmt.Sprintf(
				"%s also defines %q, and Qwen Code uses that one in this folder", env.Display(ProjectSettingsPath(env)), req.Name)})
		} else if _, ok := claudeEntry(env, req.Name); ok {
			notes = append(notes, ides.Note{Level: "warn", Text: fmt.Sprintf(
				"%s (Claude Code's) also defines %q, and Qwen Code uses that one in this folder (after approval)",
				env.Display(ClaudeProjectPath(env)), req.Name)})
		}
	case req.Approve:
		edits = append(edits, approveEntry(env, req.Name, entry))
	case ApprovalOf(env, req.Name, entry).State == "approved":
	default:
		notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf(
			"Qwen Code keeps %q pending until it is approved (it asks, or \"qwen mcp approve %s\"); "+
				"pass --approve to approve this entry for you now (in %s)", req.Name, req.Name, env.Display(ApprovalsPath(env)))})
	}
	return edits, notes, nil
}

// PlanUninstall implements ides.Planner. At project scope it also
// removes the approval of the entry it removes, and only that one: an
// approval bound to another version of the entry is left alone.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}
	if req.Scope != ides.ScopeProject {
		return edits, nil, nil
	}
	entry, ok := storedEntry(t.Path, req.Name)
	if !ok {
		return edits, nil, nil
	}
	hash, key := Hash(expanded(env, entry)), approvalKey(env)
	edits = append(edits, approvalsEdit(env, func(doc config.Document) (bool, error) {
		if h, ok := doc.Get(key, req.Name, "hash"); !ok || h.Str() != hash {
			return false, nil
		}
		changed, err := doc.Delete(key, req.Name)
		if err != nil || !changed {
			return changed, err
		}
		if v, ok := doc.Get(key); ok && v.Kind() == config.Object && len(v.Members()) == 0 {
			_, err = doc.Delete(key)
		}
		return true, err
	}))
	return edits, nil, nil
}

// ClientView implements ides.ClientViewer: a project entry runs once
// approved for this very entry; .qwen/settings.json beats Claude Code's
// .mcp.json, which beats the user file.
func (Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	project := false
	for _, s := range states {
		project = project || (s.Configured && s.Scope == ides.ScopeProject)
	}
	_, claude := claudeEntry(env, name)
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		switch s.Scope {
		case ides.ScopeUser:
			s.Client = "active"
			switch {
			case project:
				s.Client, s.Detail = "shadowed", "the project's .qwen/settings.json entry wins in this folder"
			case claude:
				s.Client, s.Detail = "shadowed", env.Display(ClaudeProjectPath(env))+" (Claude Code's) defines it too and wins in this folder"
			}
		case ides.ScopeProject:
			entry, _ := storedEntry(ProjectSettingsPath(env), name)
			ap := ApprovalOf(env, name, entry)
			where := env.Display(ApprovalsPath(env))
			switch {
			case ap.State == "approved":
				s.Client, s.Detail = "active", "approved in "+where
			case ap.State == "rejected":
				s.Client, s.Detail = "disabled", "rejected in "+where
				s.Approvable = true
			case ap.Hash != "":
				s.Client, s.Detail = "pending-approval", "approved in "+where+" for another version of the entry; install --approve approves this one"
				s.Approvable = true
			default:
				s.Client, s.Detail = "pending-approval", "Qwen Code asks before starting it; install --approve approves it"
				s.Approvable = true
			}
		}
	}
}

// EnvWarnings implements ides.EnvWarner: Claude Code's .mcp.json in the
// current directory, whose servers Qwen Code loads as its own project
// servers.
func (Adapter) EnvWarnings(env ides.Env) []ides.Note {
	doc, _, err := merge.ReadDoc(ClaudeProjectPath(env), config.JSONComments, "")
	if err != nil || doc == nil {
		return nil
	}
	servers, _ := doc.Get("mcpServers")
	var names []string
	for _, m := range servers.Members() {
		names = append(names, m.Key)
	}
	if len(names) == 0 {
		return nil
	}
	return []ides.Note{{Level: "info", ID: "qwen_mcp_json",
		Text: fmt.Sprintf("Qwen Code also loads %s (Claude Code's project file) here: %s, each pending until approved in Qwen; "+
			"an entry of the same name in .qwen/settings.json wins over it", env.Display(ClaudeProjectPath(env)), strings.Join(names, ", "))}}
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"qwen"}}
}
