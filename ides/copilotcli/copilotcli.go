package copilotcli

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Adapter is the GitHub Copilot CLI adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.Approver     = Adapter{}
	_ ides.EnvWarner    = Adapter{}
	_ ides.Detectable   = Adapter{}
	_ ides.Enumerator   = Adapter{}
)

// The embedded schemas (package schemas) of Copilot's files.
const (
	schemaUser      = "copilot-cli-mcp-config.schema.json" // ~/.copilot/mcp-config.json
	schemaWorkspace = "copilot-cli-workspace.schema.json"  // .mcp.json, .github/mcp.json
)

const (
	id         = "copilot-cli"
	recordKind = "trustedFolders"
	// timeoutMS is the per-call timeout written: Copilot's default
	// (180 s) would end a call still held for approval (up to 300 s).
	timeoutMS = 330000
	// githubVariant marks .github/mcp.json in list when the root also
	// has a .mcp.json (which Copilot then reads instead).
	githubVariant = ".github/mcp.json"
)

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return id }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Copilot CLI" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// Dir is Copilot CLI's per-user directory: $COPILOT_HOME, else ~/.copilot.
func Dir(env ides.Env) string {
	if d := env.Get("COPILOT_HOME"); d != "" {
		return d
	}
	return ides.Join(env, env.Home, ".copilot")
}

// ConfigPath is Copilot's config.json, which holds trustedFolders.
func ConfigPath(env ides.Env) string { return ides.Join(env, Dir(env), "config.json") }

// SettingsPath is Copilot's settings.json, which holds disabledMcpServers.
func SettingsPath(env ides.Env) string { return ides.Join(env, Dir(env), "settings.json") }

// MCPJSONPath is the git root's .mcp.json, GitHubPath its .github/mcp.json.
func MCPJSONPath(env ides.Env) string { return ides.Join(env, env.ProjectRoot, ".mcp.json") }

// GitHubPath is the git root's .github/mcp.json.
func GitHubPath(env ides.Env) string { return ides.Join(env, env.ProjectRoot, ".github", "mcp.json") }

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func workspaceTarget(p string) ides.Target {
	return ides.Target{Path: p, Servers: []string{"mcpServers"}, Format: config.JSON, Scope: ides.ScopeProject,
		NewMode: 0o644, Schema: schemaWorkspace}
}

// Target implements ides.Adapter.Target. The project file is the git
// root's .github/mcp.json, or its .mcp.json when there is one (Copilot
// then reads that one only).
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		return ides.Target{Path: ides.Join(env, Dir(env), "mcp-config.json"), Servers: []string{"mcpServers"},
			Format: config.JSONC, Scope: scope, NewMode: 0o600, Schema: schemaUser}, nil
	case ides.ScopeProject:
		if exists(MCPJSONPath(env)) {
			return workspaceTarget(MCPJSONPath(env)), nil
		}
		return workspaceTarget(GitHubPath(env)), nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Locations implements ides.Enumerator: the user file and the project
// file, and .github/mcp.json beside a .mcp.json (ignored by Copilot, but
// an entry there is worth pointing out).
func (a Adapter) Locations(env ides.Env) ([]ides.Location, error) {
	user, _ := a.Target(env, ides.ScopeUser)
	proj, _ := a.Target(env, ides.ScopeProject)
	out := []ides.Location{{Target: user}, {Target: proj}}
	if proj.Path != GitHubPath(env) {
		out = append(out, ides.Location{Target: workspaceTarget(GitHubPath(env)), Variant: githubVariant})
	}
	return out, nil
}

// withheld are the variables Copilot CLI keeps from servers.
func withheld(name string) bool {
	switch name {
	case "GITHUB_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "COPILOT_OFFLINE":
		return true
	}
	return strings.HasPrefix(name, "COPILOT_PROVIDER_")
}

// Entry implements ides.Adapter.Entry, in a form every reader of
// .mcp.json accepts: "type": "stdio", and no "tools" (absent means every
// tool, as "copilot mcp add" writes ["*"]; Claude Code knows no such
// key).
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	for _, s := range append(append([]string{spec.Command}, spec.Args...), envValues(spec.Env)...) {
		if strings.Contains(s, "$") {
			return config.Value{}, fmt.Errorf("%q holds \"$\", which Copilot CLI expands as a variable (it has no escape); "+
				"use a path or value without \"$\"", s)
		}
	}
	env := append(ides.EnvList{}, spec.Env...)
	for _, name := range spec.Forward {
		if withheld(name) {
			env = append(env, ides.EnvVar{Name: name, Value: "${" + name + "}"})
		}
	}
	return config.ObjectValue(
		config.M("type", config.StringValue("stdio")),
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", env.Value()),
		config.M("timeout", config.IntValue(timeoutMS)),
	), nil
}

func envValues(l ides.EnvList) []string {
	var out []string
	for _, v := range l {
		out = append(out, v.Value)
	}
	return out
}

var copilotVar = regexp.MustCompile(`\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\})`)

// Expand expands $VAR, ${VAR} and ${VAR:-default} as Copilot CLI does;
// an unset variable without a default stays as written.
func Expand(s string, env ides.Env, missing *[]string) string {
	return copilotVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := copilotVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if v, ok := env.Vars[name]; ok {
			return v
		}
		if sub[3] != "" {
			return sub[4]
		}
		*missing = append(*missing, name)
		return m
	})
}

// Launch implements ides.Launcher.
func (Adapter) Launch(env ides.Env) ides.LaunchRules {
	var inherit []string
	for k := range env.Vars {
		if !withheld(k) {
			inherit = append(inherit, k)
		}
	}
	slices.Sort(inherit)
	return ides.LaunchRules{
		Rule:          "Copilot CLI's environment without GITHUB_TOKEN, OPENAI_API_KEY, ANTHROPIC_API_KEY and COPILOT_PROVIDER_*",
		Inherit:       inherit,
		Expand:        Expand,
		VarSyntax:     "${NAME}",
		DefaultSyntax: true,
		ShellPATH:     true,
		DiscoverFirst: true,
	}
}

// samePath compares paths as Copilot does: case-insensitively where the
// file system is.
func samePath(env ides.Env, a, b string) bool {
	a, b = strings.TrimRight(a, `/\`), strings.TrimRight(b, `/\`)
	if env.GOOS == "windows" || env.GOOS == "darwin" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func covers(env ides.Env, parent, dir string) bool {
	if samePath(env, parent, dir) {
		return true
	}
	sep := "/"
	if env.GOOS == "windows" {
		sep = `\`
	}
	p := strings.TrimRight(parent, `/\`) + sep
	if env.GOOS == "windows" || env.GOOS == "darwin" {
		return strings.HasPrefix(strings.ToLower(dir), strings.ToLower(p))
	}
	return strings.HasPrefix(dir, p)
}

// trustedFolders reads the trusted folders from config.json.
func trustedFolders(env ides.Env) []string {
	doc, _, err := merge.ReadDoc(ConfigPath(env), config.JSONC, "")
	if err != nil || doc == nil {
		return nil
	}
	v, _ := doc.Get("trustedFolders")
	var out []string
	for _, it := range v.Items() {
		if it.Kind() == config.String {
			out = append(out, it.Str())
		}
	}
	return out
}

// Trusted says whether Copilot CLI loads workspace servers in the
// current directory, and why.
func Trusted(env ides.Env) (bool, string) {
	if env.Get("COPILOT_ALLOW_ALL") == "true" {
		return true, "COPILOT_ALLOW_ALL=true"
	}
	for _, f := range trustedFolders(env) {
		if covers(env, f, env.WorkDir) {
			return true, f + " is in trustedFolders in " + env.Display(ConfigPath(env))
		}
	}
	return false, "no folder in trustedFolders in " + env.Display(ConfigPath(env)) + " covers it"
}

// sweeping reports whether trusting the project root would trust far
// more than a project (the home directory, a file-system root): a
// trusted folder covers every folder below it.
func sweeping(env ides.Env) bool {
	r := strings.TrimRight(env.ProjectRoot, `/\`)
	return r == "" || samePath(env, r, env.Home) || (len(r) == 2 && r[1] == ':')
}

func configEdit(env ides.Env, edit merge.Edit) merge.FileEdit {
	p := ConfigPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Format: config.JSONC, NewMode: 0o600, Edits: []merge.Edit{edit}}
}

func approveEdits(env ides.Env, holders ...string) []merge.FileEdit {
	root := env.ProjectRoot
	return []merge.FileEdit{
		configEdit(env, func(doc config.Document) (bool, error) { return doc.AddToSet(root, "trustedFolders") }),
		ides.RecordApproval(env, id, recordKind, root, holders...),
	}
}

// ApproveEdits implements ides.Approver: the git root goes into
// trustedFolders, as Copilot's own trust prompt records a folder, and
// into latchgate-mcp's approval record for the workspace entry name.
func (Adapter) ApproveEdits(env ides.Env, name string) []merge.FileEdit {
	return approveEdits(env, ides.Holder(ides.ScopeProject, name))
}

// ApprovalFile implements ides.Approver.
func (Adapter) ApprovalFile(env ides.Env) string { return env.Display(ConfigPath(env)) }

// ApprovalPrompt implements ides.Approver.
func (Adapter) ApprovalPrompt(env ides.Env) string {
	return "Copilot CLI loads a project's MCP servers only in a folder you trust. Yes adds " +
		env.Display(env.ProjectRoot) + " to trustedFolders in " + env.Display(ConfigPath(env)) +
		"; uninstall takes it out again."
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
	if req.Scope != ides.ScopeProject {
		if req.Approve {
			notes = append(notes, ides.Note{Level: "info", Text: "Copilot CLI loads user servers in every folder: --approve changes nothing for them"})
		}
		return edits, notes, nil
	}
	if t.Path == MCPJSONPath(env) {
		notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf(
			"%s exists, so Copilot CLI reads it instead of .github/mcp.json; it is also Claude Code's and Qwen Code's "+
				"project file, and the %q entry there serves all three", env.Display(t.Path), req.Name)})
	}
	holder := ides.Holder(req.Scope, req.Name)
	trusted, _ := Trusted(env)
	_, ours := ides.RecordedApprovals(env, id, recordKind)[env.ProjectRoot]
	switch {
	case trusted && ours && slices.Contains(trustedFolders(env), env.ProjectRoot):
		edits = append(edits, ides.RecordApproval(env, id, recordKind, env.ProjectRoot, holder))
	case trusted:
	case req.Approve && sweeping(env):
		return nil, nil, fmt.Errorf("--approve here would trust %s and every folder below it for Copilot CLI: "+
			"run it from the project's directory", env.Display(env.ProjectRoot))
	case req.Approve:
		edits = append(edits, approveEdits(env, holder)...)
	default:
		notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf(
			"Copilot CLI loads project servers only in a trusted folder, and %s is not trusted yet (it asks on first start); "+
				"pass --approve to trust it in %s", env.Display(env.ProjectRoot), env.Display(ConfigPath(env)))})
	}
	return edits, notes, nil
}

// PlanUninstall implements ides.Planner: at project scope it also takes
// the git root out of trustedFolders when --approve put it there (the
// approval record says so) and no entry that needed it is left.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, ides.DeleteEntry(t, req.Name))}
	if req.Scope != ides.ScopeProject {
		return edits, nil, nil
	}
	var notes []ides.Note
	holder := ides.Holder(req.Scope, req.Name)
	recorded := ides.RecordedApprovals(env, id, recordKind)
	for _, root := range slices.Sorted(maps.Keys(recorded)) {
		if !samePath(env, root, env.ProjectRoot) || !slices.Contains(recorded[root], holder) {
			continue
		}
		if left := ides.Released(recorded[root], holder); len(left) > 0 {
			notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf("kept %s in trustedFolders in %s: %s still needs it",
				root, env.Display(ConfigPath(env)), strings.Join(left, ", "))})
		} else {
			edits = append(edits, configEdit(env, func(doc config.Document) (bool, error) {
				return doc.RemoveFromSet(root, "trustedFolders")
			}))
		}
		edits = append(edits, ides.ReleaseApproval(env, id, recordKind, root, holder))
	}
	return edits, notes, nil
}

// disabled says why Copilot will not start server name whatever the
// scope: "disabledMcpServers" in settings.json. "" when it may.
func disabled(env ides.Env, name string) string {
	doc, _, err := merge.ReadDoc(SettingsPath(env), config.JSONC, "")
	if err != nil || doc == nil {
		return ""
	}
	v, _ := doc.Get("disabledMcpServers")
	for _, it := range v.Items() {
		if it.Kind() == config.String && it.Str() == name {
			return "turned off with \"copilot mcp disable\" (disabledMcpServers in " + env.Display(SettingsPath(env)) + ")"
		}
	}
	return ""
}

// ClientView implements ides.ClientViewer: a workspace entry loads only
// in a trusted folder and then wins over the user's; .github/mcp.json is
// not read beside a .mcp.json; an entry with "tools": [] or "disabled"
// offers nothing.
func (a Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	trusted, why := Trusted(env)
	locs, _ := a.Locations(env)
	workspace := false
	for _, s := range states {
		workspace = workspace || (s.Configured && s.Scope == ides.ScopeProject && s.Variant == "" && trusted)
	}
	off := disabled(env, name)
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		entryOff := ""
		for _, l := range locs {
			if l.Scope == s.Scope && l.Variant == s.Variant {
				entryOff = entryDisabled(l.Path, name)
			}
		}
		switch {
		case s.Variant == githubVariant:
			s.Client, s.Detail = "disabled", "Copilot CLI reads "+env.Display(MCPJSONPath(env))+" instead of .github/mcp.json in this folder"
		case off != "":
			s.Client, s.Detail = "disabled", off
		case entryOff != "":
			s.Client, s.Detail = "disabled", entryOff
		case s.Scope == ides.ScopeProject && !trusted:
			s.Client, s.Detail = "pending-approval", "Copilot CLI loads project servers only in a trusted folder ("+why+
				"); install --approve trusts "+env.Display(env.ProjectRoot)
			s.Approvable = !sweeping(env)
		case s.Scope == ides.ScopeUser && workspace:
			s.Client, s.Detail = "shadowed", "the project's entry wins in this folder"
		default:
			s.Client = "active"
		}
	}
}

// entryDisabled says why the entry itself offers nothing ("disabled":
// true, or "tools": []), "" when it does not.
func entryDisabled(p, name string) string {
	doc, _, err := merge.ReadDoc(p, config.JSONC, "")
	if err != nil || doc == nil {
		return ""
	}
	if v, ok := doc.Get("mcpServers", name, "disabled"); ok && v.Kind() == config.Bool && v.Bool() {
		return "\"disabled\": true in the entry"
	}
	if v, ok := doc.Get("mcpServers", name, "tools"); ok && v.Kind() == config.List && len(v.Items()) == 0 {
		return "\"tools\": [] in the entry offers no tool (absent or [\"*\"] means all)"
	}
	return ""
}

// EnvWarnings implements ides.EnvWarner: workspace servers turned on for
// every folder by the environment.
func (Adapter) EnvWarnings(env ides.Env) []ides.Note {
	if env.Get("COPILOT_ALLOW_ALL") == "true" {
		return []ides.Note{{Level: "info", ID: "copilot_allow_all",
			Text: "COPILOT_ALLOW_ALL=true: Copilot CLI loads every workspace's MCP servers without asking, trusted or not"}}
	}
	return nil
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"copilot"}}
}
