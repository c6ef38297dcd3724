package geminicli

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// The trust levels of trustedFolders.json.
const (
	trustFolder = "TRUST_FOLDER"
	trustParent = "TRUST_PARENT"
	doNotTrust  = "DO_NOT_TRUST"
)

// recordKind is the kind of item the approval record holds for us.
const recordKind = "trustedFolders"

// Trust is Gemini CLI's verdict on a folder.
type Trust struct {
	// Trusted: servers start there.
	Trusted bool
	// Rejected: a DO_NOT_TRUST rule (the user said no) rather than no
	// rule at all.
	Rejected bool
	// Fixed: the environment decides (GEMINI_CLI_TRUST_WORKSPACE,
	// GEMINI_RESTRICTED_MODE) and no rule can change it.
	Fixed bool
	// Why says what decided, for messages.
	Why string
}

// normalize is Gemini CLI's normalizePath: absolute, forward slashes,
// lower case where the file system ignores case.
func normalize(env ides.Env, p string) string {
	if env.GOOS == "windows" {
		p = strings.ReplaceAll(p, `\`, "/")
		p = strings.ToLower(path.Clean(p))
		return p
	}
	p = path.Clean(p)
	if env.GOOS == "darwin" {
		p = strings.ToLower(p)
	}
	return p
}

// isSubpath reports whether child is parent or below it (both
// normalised).
func isSubpath(parent, child string) bool {
	parent = strings.TrimSuffix(parent, "/")
	return child == parent || strings.HasPrefix(child, parent+"/")
}

// TrustKey is the key Gemini CLI's own trust dialog writes for dir.
func TrustKey(env ides.Env, dir string) string { return normalize(env, dir) }

// trustEnabled reads security.folderTrust.enabled the way Gemini CLI
// decides it before it reads any project file: the system settings beat
// the user's, which beat the system defaults; on by default.
func trustEnabled(env ides.Env) (bool, string) {
	for _, p := range []string{systemSettingsPath(env), SettingsPath(env), systemDefaultsPath(env)} {
		doc, _, err := merge.ReadDoc(p, config.JSONComments, "")
		if err != nil || doc == nil {
			continue
		}
		if v, ok := doc.Get("security", "folderTrust", "enabled"); ok && v.Kind() == config.Bool {
			return v.Bool(), env.Display(p)
		}
	}
	return true, ""
}

func systemSettingsPath(env ides.Env) string {
	if p := env.Get("GEMINI_CLI_SYSTEM_SETTINGS_PATH"); p != "" {
		return p
	}
	switch env.GOOS {
	case "darwin":
		return "/Library/Application Support/GeminiCli/settings.json"
	case "windows":
		return `C:\ProgramData\gemini-cli\settings.json`
	}
	return "/etc/gemini-cli/settings.json"
}

func systemDefaultsPath(env ides.Env) string {
	if p := env.Get("GEMINI_CLI_SYSTEM_DEFAULTS_PATH"); p != "" {
		return p
	}
	p := systemSettingsPath(env)
	if env.GOOS == "windows" {
		return p[:strings.LastIndex(p, `\`)+1] + "system-defaults.json"
	}
	return path.Join(path.Dir(p), "system-defaults.json")
}

// rules reads trustedFolders.json: normalised path -> level. A file that
// does not parse has no rules (Gemini CLI stops on it; doctor reports
// the parse error through EnvWarnings).
func rules(env ides.Env) map[string]string {
	doc, _, err := merge.ReadDoc(TrustPath(env), config.JSONComments, "")
	if err != nil || doc == nil {
		return nil
	}
	root, _ := doc.Get()
	out := map[string]string{}
	for _, m := range root.Members() {
		if m.Value.Kind() == config.String {
			out[normalize(env, m.Key)] = m.Value.Str()
		}
	}
	return out
}

// FolderTrust says whether Gemini CLI trusts dir, by its rules
// (checkPathTrust and isPathTrusted in 0.61.0): the environment first,
// then whether folder trust is on, then the longest matching rule.
func FolderTrust(env ides.Env, dir string) Trust {
	if env.Get("GEMINI_RESTRICTED_MODE") == "true" || env.Get("GEMINI_CLI_TRUST_WORKSPACE") == "false" {
		return Trust{Fixed: true, Why: "the environment says so (GEMINI_RESTRICTED_MODE or GEMINI_CLI_TRUST_WORKSPACE=false)"}
	}
	if env.Get("GEMINI_CLI_TRUST_WORKSPACE") == "true" {
		return Trust{Trusted: true, Fixed: true, Why: "GEMINI_CLI_TRUST_WORKSPACE=true"}
	}
	if on, where := trustEnabled(env); !on {
		return Trust{Trusted: true, Why: "folder trust is off in " + where}
	}
	loc := normalize(env, dir)
	best, level := "", ""
	for rule, lv := range rules(env) {
		eff := rule
		if lv == trustParent {
			eff = path.Dir(rule)
		}
		if isSubpath(eff, loc) && (level == "" || len(rule) > len(best)) {
			best, level = rule, lv
		}
	}
	trustFile := env.Display(TrustPath(env))
	switch level {
	case trustFolder, trustParent:
		return Trust{Trusted: true, Why: fmt.Sprintf("%s has %s for %s", trustFile, level, best)}
	case doNotTrust:
		return Trust{Rejected: true, Why: fmt.Sprintf("%s has DO_NOT_TRUST for %s", trustFile, best)}
	}
	return Trust{Why: "no rule in " + trustFile + " covers it"}
}

func trustEdit(env ides.Env, edits ...merge.Edit) merge.FileEdit {
	p := TrustPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Format: config.JSONComments, NewMode: 0o600,
		Edits: []merge.Edit{ides.RefuseBOM("Gemini CLI", edits...)}}
}

// sweeping reports whether trusting the current directory would trust
// far more than a project: the home directory or a file-system root,
// since a rule covers every folder below it.
func sweeping(env ides.Env) bool {
	d := normalize(env, env.WorkDir)
	return inHome(env) || d == "/" || strings.HasSuffix(d, ":/") || (len(d) == 2 && d[1] == ':')
}

// ApproveEdits implements ides.Approver: a TRUST_FOLDER rule for the
// current directory, as Gemini CLI's trust dialog writes it, and a note
// in latchgate-mcp's approval record that --approve added it for the
// entries called name here.
func (Adapter) ApproveEdits(env ides.Env, name string) []merge.FileEdit {
	var holders []string
	if hasEntry(SettingsPath(env), name) {
		holders = append(holders, ides.Holder(ides.ScopeUser, name))
	}
	if !inHome(env) && hasEntry(ProjectSettingsPath(env, env.WorkDir), name) {
		holders = append(holders, ides.Holder(ides.ScopeProject, name))
	}
	return approveEdits(env, holders...)
}

func approveEdits(env ides.Env, holders ...string) []merge.FileEdit {
	key := TrustKey(env, env.WorkDir)
	return []merge.FileEdit{
		trustEdit(env, func(doc config.Document) (bool, error) {
			if v, ok := doc.Get(key); ok && v.Kind() == config.String && v.Str() == doNotTrust {
				doc.Note("replaced DO_NOT_TRUST for %s in %s with TRUST_FOLDER", key, env.Display(TrustPath(env)))
			}
			return doc.Set(config.StringValue(trustFolder), key)
		}),
		ides.RecordApproval(env, id, recordKind, key, holders...),
	}
}

// ApprovalFile implements ides.Approver.
func (Adapter) ApprovalFile(env ides.Env) string { return env.Display(TrustPath(env)) }

// ApprovalPrompt implements ides.Approver.
func (Adapter) ApprovalPrompt(env ides.Env) string {
	return "Gemini CLI starts no MCP server (yours included) in a folder it does not trust, and asks the first time it " +
		"runs there. Yes trusts " + env.Display(env.WorkDir) + " in " + env.Display(TrustPath(env)) +
		", as its own dialog would; uninstall takes that back."
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
	edits := []merge.FileEdit{t.FileEdit(env, ides.RefuseBOM(a.DisplayName(), ides.SetEntry(t, req.Name, entry)))}
	notes := a.EnvWarnings(env)
	tr := FolderTrust(env, env.WorkDir)
	dir := env.Display(env.WorkDir)
	holder := ides.Holder(req.Scope, req.Name)
	key := TrustKey(env, env.WorkDir)
	_, ours := ides.RecordedApprovals(env, id, recordKind)[key]
	switch {
	case tr.Trusted && ours && rules(env)[key] == trustFolder:
		// Trusted by an earlier --approve: this entry needs that trust
		// too, so uninstalling the other one must not take it back.
		edits = append(edits, ides.RecordApproval(env, id, recordKind, key, holder))
	case tr.Trusted:
	case tr.Fixed:
		notes = append(notes, ides.Note{Level: "warn", Text: fmt.Sprintf(
			"Gemini CLI will start no MCP server in %s: %s; --approve cannot change that", dir, tr.Why)})
	case req.Approve && sweeping(env):
		return nil, nil, fmt.Errorf("--approve here would trust %s and every folder below it for Gemini CLI: "+
			"run it from the project's directory", dir)
	case req.Approve:
		edits = append(edits, approveEdits(env, holder)...)
	case tr.Rejected:
		notes = append(notes, ides.Note{Level: "warn", Text: fmt.Sprintf(
			"Gemini CLI will start no MCP server in %s (%s); pass --approve to trust it instead", dir, tr.Why)})
	default:
		notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf(
			"Gemini CLI starts no MCP server, user or project, in a folder it does not trust, and %s is not trusted yet "+
				"(it asks on first start); pass --approve to trust it in %s", dir, env.Display(TrustPath(env)))})
	}
	return edits, notes, nil
}

// PlanUninstall implements ides.Planner. A trust rule --approve added
// (by the approval record) is taken back once no entry that needed it is
// left; a rule the user made stays.
func (a Adapter) PlanUninstall(env ides.Env, req ides.Request) ([]merge.FileEdit, []ides.Note, error) {
	t, err := a.Target(env, req.Scope)
	if err != nil {
		return nil, nil, err
	}
	edits := []merge.FileEdit{t.FileEdit(env, ides.RefuseBOM(a.DisplayName(), ides.DeleteEntry(t, req.Name)))}
	var notes []ides.Note
	holder := ides.Holder(req.Scope, req.Name)
	recorded := ides.RecordedApprovals(env, id, recordKind)
	for _, key := range slices.Sorted(maps.Keys(recorded)) {
		holders := recorded[key]
		if !slices.Contains(holders, holder) || (req.Scope == ides.ScopeProject && key != TrustKey(env, env.WorkDir)) {
			continue
		}
		if left := ides.Released(holders, holder); len(left) > 0 {
			notes = append(notes, ides.Note{Level: "info", Text: fmt.Sprintf(
				"kept the trust of %s in %s: %s still needs it", key, env.Display(TrustPath(env)), strings.Join(left, ", "))})
		} else {
			edits = append(edits, trustEdit(env, func(doc config.Document) (bool, error) {
				if v, ok := doc.Get(key); !ok || v.Kind() != config.String || v.Str() != trustFolder {
					return false, nil // changed since: the user's now
				}
				return doc.Delete(key)
			}))
		}
		edits = append(edits, ides.ReleaseApproval(env, id, recordKind, key, holder))
	}
	return edits, notes, nil
}

// hasEntry reports whether the settings file at p has server name.
func hasEntry(p, name string) bool {
	doc, _, err := merge.ReadDoc(p, config.JSONComments, "")
	if err != nil || doc == nil {
		return false
	}
	_, ok := doc.Get("mcpServers", name)
	return ok
}

// ClientView implements ides.ClientViewer: in an untrusted folder no
// server starts; otherwise the project entry wins over the user's; and
// mcp.allowed / mcp.excluded in the settings block a server by name.
func (Adapter) ClientView(env ides.Env, name string, states []ides.EntryState) {
	tr := FolderTrust(env, env.WorkDir)
	project := false
	for _, s := range states {
		project = project || (s.Configured && s.Scope == ides.ScopeProject)
	}
	blocked := blockedBy(env, name, tr.Trusted)
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		switch {
		case !tr.Trusted && tr.Fixed:
			s.Client, s.Detail = "disabled", "Gemini CLI starts no MCP server here: "+tr.Why
		case tr.Rejected:
			s.Client, s.Detail = "disabled", env.Display(env.WorkDir)+" is not trusted: "+tr.Why
			s.Approvable = !sweeping(env)
		case !tr.Trusted:
			s.Client = "pending-approval"
			s.Detail = "Gemini CLI starts no MCP server in an untrusted folder (" + tr.Why + "); install --approve trusts " +
				env.Display(env.WorkDir)
			s.Approvable = !sweeping(env)
		case blocked != "":
			s.Client, s.Detail = "disabled", blocked
		case s.Scope == ides.ScopeUser && project:
			s.Client, s.Detail = "shadowed", "the project's .gemini/settings.json entry wins in this folder"
		default:
			s.Client = "active"
		}
	}
}

// blockedBy says which setting keeps server name from starting:
// mcp.excluded naming it, or an mcp.allowed list without it, in the user
// file or (in a trusted folder) the project file. "" when none does.
func blockedBy(env ides.Env, name string, trusted bool) string {
	files := []string{SettingsPath(env)}
	if trusted && !inHome(env) {
		files = append(files, ProjectSettingsPath(env, env.WorkDir))
	}
	for _, p := range files {
		doc, _, err := merge.ReadDoc(p, config.JSONComments, "")
		if err != nil || doc == nil {
			continue
		}
		if v, ok := doc.Get("mcp", "excluded"); ok && hasString(v, name) {
			return "listed in mcp.excluded in " + env.Display(p)
		}
		if v, ok := doc.Get("mcp", "allowed"); ok && v.Kind() == config.List && !hasString(v, name) {
			return "not in mcp.allowed in " + env.Display(p)
		}
	}
	return ""
}

func hasString(list config.Value, s string) bool {
	for _, it := range list.Items() {
		if it.Kind() == config.String && it.Str() == s {
			return true
		}
	}
	return false
}

// EnvWarnings implements ides.EnvWarner: a settings or trust file that
// Gemini CLI would stop at although it parses for us (a byte order mark,
// an empty file), and an environment that switches trust off for good.
func (Adapter) EnvWarnings(env ides.Env) []ides.Note {
	var out []ides.Note
	files := []string{SettingsPath(env), TrustPath(env)}
	if !inHome(env) {
		files = append(files, ProjectSettingsPath(env, env.WorkDir))
	}
	for _, p := range files {
		if why := ides.JSONParseTrouble(p); why != "" {
			out = append(out, ides.Note{Level: "warn", ID: "gemini_file",
				Text: fmt.Sprintf("Gemini CLI stops at start with \"Error in %s\": %s", p, why),
				Hint: "remove the byte order mark, or put {} in an empty file"})
		}
	}
	if tr := FolderTrust(env, env.WorkDir); tr.Fixed && !tr.Trusted {
		out = append(out, ides.Note{Level: "warn", ID: "gemini_trust",
			Text: "Gemini CLI starts no MCP server here: " + tr.Why,
			Hint: "unset GEMINI_RESTRICTED_MODE and GEMINI_CLI_TRUST_WORKSPACE"})
	}
	return out
}
