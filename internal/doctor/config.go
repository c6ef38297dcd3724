package doctor

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
	"github.com/latchgate-ai/latchgate-mcp/internal/inspect"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// configResult is what the configuration section found: its checks, the
// configured entries the later sections test, and the safe fixes.
type configResult struct {
	checks  []Check
	entries []*entry
	fixes   []Fix
}

func (c *configResult) add(ch Check) {
	ch.Section = SectionConfiguration
	c.checks = append(c.checks, ch)
}

func inScopes(scopes []ides.Scope, s ides.Scope) bool {
	return len(scopes) == 0 || slices.Contains(scopes, s)
}

// checkConfiguration reads every file of every adapter, the way its IDE
// does, and judges what it finds.
func checkConfiguration(opts Options, adapters []ides.Adapter) *configResult {
	res := &configResult{}
	env := opts.Env
	configured := 0
	owners := map[string]bool{} // files already checked (VS Code and Insiders share .vscode/mcp.json)
	for _, a := range adapters {
		locs, err := ides.Locations(a, env)
		if err != nil {
			res.add(Check{ID: "config.locations", Subject: a.DisplayName(), Status: Warn,
				Message: "cannot list every configuration file: " + err.Error(),
				Hint:    "the files that could be found are checked; fix the broken one so the IDE can read it too"})
		}
		// Every scope is inspected, in and out of opts.Scopes: the
		// client's view of one file depends on the others.
		files := make([]inspect.File, len(locs))
		for i, loc := range locs {
			files[i] = inspect.Inspect(a, env, loc, opts.Name)
		}
		inspect.ClientView(a, env, files, opts.Name)

		var ideEntries []*entry
		for i, loc := range locs {
			if !inScopes(opts.Scopes, loc.Scope) {
				continue
			}
			key := loc.Path + "|" + strings.Join(loc.Servers, ".")
			if owners[key] {
				continue
			}
			owners[key] = true
			f := files[i]
			subj := subject(a, env, loc)
			res.strayKey(opts, a, loc, subj)
			if !f.Exists {
				continue
			}
			if f.Error != "" {
				res.add(Check{ID: "config.parse", Subject: subj, Status: Error, Message: f.Error,
					Hint: "fix the syntax (or move the file aside); " + a.DisplayName() + " cannot read any server from it"})
				continue
			}
			if f.SchemaError != "" {
				st := Warn
				if f.Configured {
					st = Error
				}
				res.add(Check{ID: "config.schema", Subject: subj, Status: st, Message: f.SchemaError,
					Hint: a.DisplayName() + " may reject or skip what does not match its format; fix the entry, or reinstall it"})
			}
			res.secrets(env, loc, subj)
			if !f.Configured {
				continue
			}
			configured++
			e := &entry{a: a, loc: loc, file: f, subject: subj}
			doc, _, _ := inspect.ReadDoc(loc.Target, "")
			if doc != nil {
				e.raw, _ = doc.Get(inspect.EntryPath(loc.Target, opts.Name)...)
				if err := json.Unmarshal(e.raw, e); err != nil {
					res.add(Check{ID: "config.entry", Subject: subj, Status: Error, Message: "the " + opts.Name + " entry is not a server object",
						Hint: "reinstall it: latchgate-mcp install --ide " + a.ID()})
					continue
				}
			}
			res.entry(opts, e)
			ideEntries = append(ideEntries, e)
		}
		res.clientSummary(a, files)
		res.entries = append(res.entries, ideEntries...)
	}
	res.strayClaudeSettings(opts, adapters)
	res.emptyClaudeConfigDir(opts, adapters)
	if configured == 0 {
		res.add(Check{ID: "config.none", Status: Error,
			Message: fmt.Sprintf("no %q server entry in any configuration file checked", opts.Name),
			Hint:    "add one: latchgate-mcp install --ide IDE (or latchgate-mcp setup)"})
	}
	return res
}

// entry checks one configured entry: what the client does with it, and
// whether it is what install would write now.
func (c *configResult) entry(opts Options, e *entry) {
	f := e.file
	msg := "entry: " + f.Command + ", " + f.Transport
	if e.URL != "" {
		msg = "entry: " + f.Transport
	}
	switch f.Client {
	case "active":
		detail := ""
		if f.Detail != "" {
			detail = " (" + f.Detail + ")"
		}
		c.add(Check{ID: "config.entry", Subject: e.subject, Status: OK, Message: msg + "; in use" + detail})
	case "shadowed":
		c.add(Check{ID: "config.shadowed", Subject: e.subject, Status: Warn, Message: msg + "; shadowed: " + f.Detail,
			Hint: fmt.Sprintf("keep one scope: latchgate-mcp uninstall --ide %s --scope %s removes this one", e.a.ID(), e.loc.Scope)})
	case "disabled":
		ch := Check{ID: "config.disabled", Subject: e.subject, Status: Warn, Message: msg + "; disabled: " + f.Detail,
			Hint: "enable it again in " + e.a.DisplayName() + " (/mcp), or remove it from the disabled list"}
		// A rejection in the user's own settings is what --approve
		// edits; one in the project's files is not ours to overrule.
		settings := opts.Env.Display(claudecode.SettingsPath(opts.Env))
		if state, source := inspect.ClaudeApproval(opts.Env, opts.Name); e.loc.Scope == ides.ScopeProject && state == "disabled" && source == settings {
			ch.Hint = "approve it again with latchgate-mcp doctor --fix --approve, or in Claude Code"
			if opts.Approve {
				ch.Fixable = true
				c.fixes = append(c.fixes, Fix{
					Description: fmt.Sprintf("approve the project server %q in %s, where it was rejected", opts.Name, settings),
					Edits:       []merge.FileEdit{claudeSettingsEdit(opts.Env, approveEdit(opts.Name))},
				})
			}
		}
		c.add(ch)
	case "pending-approval":
		ch := Check{ID: "config.approval", Subject: e.subject, Status: Warn,
			Message: msg + "; not approved: Claude Code asks each user before it starts a .mcp.json server",
			Hint:    "approve it when Claude Code asks, or run latchgate-mcp doctor --fix --approve"}
		if opts.Approve {
			ch.Fixable = true
			c.fixes = append(c.fixes, Fix{
				Description: fmt.Sprintf("approve the project server %q in %s", opts.Name, opts.Env.Display(claudecode.SettingsPath(opts.Env))),
				Edits:       []merge.FileEdit{claudeSettingsEdit(opts.Env, approveEdit(opts.Name))},
			})
		}
		c.add(ch)
	default:
		c.add(Check{ID: "config.entry", Subject: e.subject, Status: OK, Message: msg})
	}
	if e.URL != "" {
		c.add(Check{ID: "config.remote", Subject: e.subject, Status: Warn, Message: "a remote (url) entry: the server is not started from this machine",
			Hint: "latchgate-mcp serve is a stdio server; reinstall with latchgate-mcp install --ide " + e.a.ID()})
		return
	}
	if opts.Expected == nil {
		return
	}
	spec, err := opts.Expected(e.a, e.loc.Scope)
	if err != nil {
		c.add(Check{ID: "config.current", Subject: e.subject, Status: Warn, Message: "cannot work out what install would write: " + err.Error()})
		return
	}
	want, err := e.a.Entry(spec)
	if err != nil {
		c.add(Check{ID: "config.current", Subject: e.subject, Status: Warn, Message: "cannot render the entry install would write: " + err.Error()})
		return
	}
	diffs := inspect.Differences(e.loc, opts.Env, want, opts.Name)
	if len(diffs) == 0 {
		c.add(Check{ID: "config.current", Subject: e.subject, Status: OK, Message: "the entry is what install writes now"})
		return
	}
	edits, notes, err := ides.PlanInstall(e.a, opts.Env, ides.Request{Scope: e.loc.Scope, Name: opts.Name, Spec: spec,
		Profile: strings.TrimPrefix(e.loc.Variant, "profile ")})
	ch := Check{ID: "config.current", Subject: e.subject, Status: Warn,
		Message: "stale entry: " + strings.Join(diffs, "; "),
		Hint:    "rewrite it as install would now"}
	if err == nil {
		ch.Fixable = true
		c.fixes = append(c.fixes, Fix{Description: "rewrite the entry in " + e.subject + ": " + strings.Join(diffs, "; "), Edits: edits, Notes: notes})
	}
	c.add(ch)
}

// clientSummary says whether the IDE will start any of its entries,
// looking at every scope: an entry outside the scopes checked may be the
// one in use.
func (c *configResult) clientSummary(a ides.Adapter, files []inspect.File) {
	configured := false
	for _, f := range files {
		switch {
		case !f.Configured:
			continue
		case f.Client == "active" || f.Client == "pending-approval":
			// In use, or the approval check says what to do.
			return
		}
		configured = true
	}
	if !configured {
		return
	}
	c.add(Check{ID: "config.client", Subject: a.DisplayName(), Status: Error,
		Message: a.DisplayName() + " starts none of its latchgate entries: each one is disabled",
		Hint:    "enable one again in " + a.DisplayName()})
}

// strayKey finds the entry under the servers key of another IDE's format
// in this file (mcpServers in VS Code's mcp.json, servers in .mcp.json or
// Cursor's), which the client silently ignores.
func (c *configResult) strayKey(opts Options, a ides.Adapter, loc ides.Location, subj string) {
	if len(loc.Servers) != 1 {
		return
	}
	other := map[string]string{"servers": "mcpServers", "mcpServers": "servers"}[loc.Servers[0]]
	if other == "" {
		return
	}
	doc, _, err := inspect.ReadDoc(loc.Target, "")
	if err != nil || doc == nil {
		return
	}
	raw, ok := doc.Get(other, opts.Name)
	if !ok {
		return
	}
	to := append([]string(nil), loc.Servers...)
	edit := moveEdit([]string{other, opts.Name}, append(to, opts.Name), raw)
	c.fixes = append(c.fixes, Fix{
		Description: fmt.Sprintf("move %q from %q to %q in %s", opts.Name, other, loc.Servers[0], opts.Env.Display(loc.Path)),
		Edits:       []merge.FileEdit{loc.FileEdit(opts.Env, edit)},
	})
	c.add(Check{ID: "config.stray", Subject: subj, Status: Error, Fixable: true,
		Message: fmt.Sprintf("the entry is under %q, which %s ignores: it reads %q", other, a.DisplayName(), loc.Servers[0]),
		Hint:    fmt.Sprintf("move it under %q", loc.Servers[0])})
}

// strayClaudeSettings finds the entry in ~/.claude/settings.json, which
// Claude Code never reads servers from (ide-configs §0.1).
func (c *configResult) strayClaudeSettings(opts Options, adapters []ides.Adapter) {
	if !slices.ContainsFunc(adapters, func(a ides.Adapter) bool { return a.ID() == (claudecode.Adapter{}).ID() }) ||
		!inScopes(opts.Scopes, ides.ScopeUser) {
		return
	}
	env := opts.Env
	p := claudecode.SettingsPath(env)
	doc, _, err := inspect.ReadDoc(ides.Target{Path: p}, "")
	if err != nil || doc == nil {
		return
	}
	raw, ok := doc.Get("mcpServers", opts.Name)
	if !ok {
		return
	}
	user, _ := claudecode.Adapter{}.Target(env, ides.ScopeUser)
	edits := []merge.FileEdit{user.FileEdit(env, setIfAbsent(raw, inspect.EntryPath(user, opts.Name)...)),
		claudeSettingsEdit(env, func(doc *merge.Document) (bool, error) { return doc.Delete("mcpServers", opts.Name) })}
	c.fixes = append(c.fixes, Fix{
		Description: fmt.Sprintf("move %q from %s to %s (user scope)", opts.Name, env.Display(p), env.Display(user.Path)),
		Edits:       edits,
	})
	c.add(Check{ID: "config.stray", Subject: "Claude Code " + env.Display(p), Status: Error, Fixable: true,
		Message: "the entry is in settings.json, which Claude Code never reads servers from",
		Hint:    "move it to " + env.Display(user.Path) + " (user scope)"})
}

// emptyClaudeConfigDir warns about CLAUDE_CONFIG_DIR set to the empty
// string: Claude Code (2.1.197, checked) then still reads ~/.claude.json
// but takes its settings, and so project approvals, from ./settings.json.
func (c *configResult) emptyClaudeConfigDir(opts Options, adapters []ides.Adapter) {
	if v, ok := opts.Env.Vars["CLAUDE_CONFIG_DIR"]; !ok || v != "" ||
		!slices.ContainsFunc(adapters, func(a ides.Adapter) bool { return a.ID() == (claudecode.Adapter{}).ID() }) {
		return
	}
	c.add(Check{ID: "config.claude_config_dir", Subject: "Claude Code", Status: Warn,
		Message: "CLAUDE_CONFIG_DIR is set but empty: Claude Code then reads its settings (and project approvals) from settings.json in the current directory",
		Hint:    "unset CLAUDE_CONFIG_DIR, or set it to a directory"})
}

// secretName matches environment variable names that usually hold a
// credential.
var secretName = regexp.MustCompile(`(?i)(token|secret|passw|api_?key|credential|private_?key|auth)`)

// reference matches a value that only names a variable for the client to
// expand (${VAR}, ${env:VAR}, ${input:id}): not a secret in the file.
var reference = regexp.MustCompile(`^\$\{[^}]+\}$`)

// secrets warns about credentials written in plain text in any server's
// env in the file, and about such a file being readable by others.
func (c *configResult) secrets(env ides.Env, loc ides.Location, subj string) {
	doc, _, err := inspect.ReadDoc(loc.Target, "")
	if err != nil || doc == nil {
		return
	}
	raw, ok := doc.Get(loc.Servers...)
	if !ok {
		return
	}
	var servers map[string]struct {
		Env map[string]any `json:"env"`
	}
	if json.Unmarshal(raw, &servers) != nil {
		return
	}
	var found []string
	for name, s := range servers {
		for k, v := range s.Env {
			str, _ := v.(string)
			if secretName.MatchString(k) && str != "" && !reference.MatchString(str) {
				found = append(found, name+"."+k)
			}
		}
	}
	if len(found) == 0 {
		return
	}
	slices.Sort(found)
	c.add(Check{ID: "config.secrets", Subject: subj, Status: Warn,
		Message: "plaintext secret in env: " + strings.Join(found, ", "),
		Hint:    "keep it out of the file: reference a variable (${NAME} for Claude Code, ${env:NAME} or ${input:id} for Cursor and VS Code)"})
	if info, err := os.Stat(loc.Path); err == nil && info.Mode().Perm()&0o077 != 0 {
		c.add(Check{ID: "config.permissions", Subject: subj, Status: Warn,
			Message: fmt.Sprintf("the file holds secrets and is readable by others (%04o)", info.Mode().Perm()),
			Hint:    "chmod 600 " + env.Display(loc.Path)})
	}
}

func claudeSettingsEdit(env ides.Env, edits ...merge.Edit) merge.FileEdit {
	p := claudecode.SettingsPath(env)
	return merge.FileEdit{Path: p, Display: env.Display(p), Strict: true, NewMode: 0o600, Edits: edits}
}

// approveEdit approves project server name the way Claude Code's own
// dialog does for the user: in enabledMcpjsonServers, and out of
// disabledMcpjsonServers, where a rejection would win.
func approveEdit(name string) merge.Edit {
	return func(doc *merge.Document) (bool, error) {
		added, err := doc.AddToSet(name, "enabledMcpjsonServers")
		if err != nil {
			return false, err
		}
		removed, err := doc.RemoveFromSet(name, "disabledMcpjsonServers")
		return added || removed, err
	}
}

// moveEdit moves value from one path of a document to another, keeping
// an entry already at the destination (it is the one the client reads).
func moveEdit(from, to []string, value json.RawMessage) merge.Edit {
	return func(doc *merge.Document) (bool, error) {
		set, err := setIfAbsent(value, to...)(doc)
		if err != nil {
			return false, err
		}
		del, err := doc.Delete(from...)
		return set || del, err
	}
}

// setIfAbsent sets path to value unless something is there already.
func setIfAbsent(value json.RawMessage, path ...string) merge.Edit {
	return func(doc *merge.Document) (bool, error) {
		if _, ok := doc.Get(path...); ok {
			doc.Note("kept the entry already at %s", strings.Join(path, "."))
			return false, nil
		}
		return doc.Set(value, path...)
	}
}
