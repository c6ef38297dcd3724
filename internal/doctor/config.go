package doctor

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
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
	withEntry := map[ides.Adapter]bool{}
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
			res.strays(opts, a, loc, subj)
			if f.Error != "" {
				// Checked before existence: a FIFO, a device, a directory
				// or a broken link in the file's place is not "no file".
				hint := "fix the syntax (or move the file aside); " + a.DisplayName() + " cannot read any server from it"
				if !f.Exists {
					hint = "put a regular file there (or remove what is in the way); " + a.DisplayName() + " cannot read it either"
				}
				res.add(Check{ID: "config.parse", Subject: subj, Status: Error, Message: f.Error, Hint: hint})
				continue
			}
			if !f.Exists {
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
			res.secrets(env, a, loc, subj)
			if !f.Configured {
				continue
			}
			configured++
			withEntry[a] = true
			e := &entry{a: a, loc: loc, file: f, subject: subj}
			doc, _, _ := inspect.ReadDoc(loc.Target, "")
			if doc != nil {
				e.value, _ = doc.Get(inspect.EntryPath(loc.Target, opts.Name)...)
				stored, err := ides.ReadEntry(a, e.value)
				if err != nil {
					res.add(Check{ID: "config.entry", Subject: subj, Status: Error, Message: "the " + opts.Name + " entry is not a server object: " + err.Error(),
						Hint: "reinstall it: latchgate-mcp install --ide " + a.ID()})
					continue
				}
				e.Command, e.Args, e.Env, e.URL, e.Forward = stored.Command, stored.Args, stored.EnvMap(), stored.URL, stored.Forward
			}
			res.entry(opts, e)
			ideEntries = append(ideEntries, e)
		}
		res.clientSummary(a, files)
		res.scopeProblems(opts, a)
		res.entries = append(res.entries, ideEntries...)
	}
	res.envWarnings(opts, adapters, withEntry)
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
			Hint: "enable it again in " + e.a.DisplayName() + ", or remove it from the disabled list"}
		if approver, ok := e.a.(ides.Approver); ok && f.Approvable {
			ch.Hint = "approve it again with latchgate-mcp doctor --fix --approve, or in " + e.a.DisplayName()
			if opts.Approve {
				ch.Fixable = true
				c.fixes = append(c.fixes, Fix{
					Description: fmt.Sprintf("approve the project server %q in %s, where it was rejected", opts.Name, approver.ApprovalFile(opts.Env)),
					Edits:       approver.ApproveEdits(opts.Env, opts.Name),
				})
			}
		}
		c.add(ch)
	case "pending-approval":
		ch := Check{ID: "config.approval", Subject: e.subject, Status: Warn,
			Message: msg + "; not approved: " + f.Detail,
			Hint:    "approve it when " + e.a.DisplayName() + " asks"}
		if approver, ok := e.a.(ides.Approver); ok && f.Approvable {
			ch.Hint += ", or run latchgate-mcp doctor --fix --approve"
			if opts.Approve {
				ch.Fixable = true
				c.fixes = append(c.fixes, Fix{
					Description: fmt.Sprintf("approve the project server %q in %s", opts.Name, approver.ApprovalFile(opts.Env)),
					Edits:       approver.ApproveEdits(opts.Env, opts.Name),
				})
			}
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

// strays finds our entry where the adapter says users put entries by
// mistake (settings.json for Claude Code, the servers key of another
// client's format), which the client silently ignores, and plans moving
// it to loc, unless loc has one already.
func (c *configResult) strays(opts Options, a ides.Adapter, loc ides.Location, subj string) {
	finder, ok := a.(ides.StrayFinder)
	if !ok {
		return
	}
	env := opts.Env
	for _, st := range finder.Strays(env, loc.Target) {
		doc, _, err := merge.ReadDoc(st.Path, st.Format, "")
		if err != nil || doc == nil {
			continue
		}
		from := append(append([]string(nil), st.Servers...), opts.Name)
		v, ok := doc.Get(from...)
		if !ok {
			continue
		}
		to := loc.EntryPath(opts.Name)
		var edits []merge.FileEdit
		if st.Path == loc.Path {
			edits = []merge.FileEdit{loc.FileEdit(env, moveEdit(from, to, v))}
		} else {
			edits = []merge.FileEdit{loc.FileEdit(env, setIfAbsent(v, to...)),
				{Path: st.Path, Display: env.Display(st.Path), Format: st.Format, NewMode: 0o600,
					Edits: []merge.Edit{func(doc config.Document) (bool, error) { return doc.Delete(from...) }}}}
		}
		where := env.Display(st.Path)
		ch := Check{ID: "config.stray", Subject: subj, Status: Error, Fixable: true,
			Message: "the entry is under " + st.Why,
			Hint:    "move it under " + strconv.Quote(config.DisplayPath(loc.Servers))}
		if st.Path != loc.Path {
			ch.Subject = a.DisplayName() + " " + where
			ch.Message = "the entry is in " + st.Why
			ch.Hint = fmt.Sprintf("move it to %s (%s scope)", env.Display(loc.Path), ides.ScopeName(a, loc.Scope))
		}
		desc := fmt.Sprintf("move %q from %q to %q in %s", opts.Name, config.DisplayPath(st.Servers), config.DisplayPath(loc.Servers), where)
		if st.Path != loc.Path {
			desc = fmt.Sprintf("move %q from %s to %s (%s scope)", opts.Name, where, env.Display(loc.Path), ides.ScopeName(a, loc.Scope))
		}
		c.fixes = append(c.fixes, Fix{Description: desc, Edits: edits})
		c.add(ch)
	}
}

// envWarnings reports what an adapter says about its client under this
// environment (CLAUDE_CONFIG_DIR set but empty, say).
func (c *configResult) envWarnings(opts Options, adapters []ides.Adapter, configured map[ides.Adapter]bool) {
	for _, a := range adapters {
		w, ok := a.(ides.EnvWarner)
		if !ok {
			continue
		}
		for _, n := range w.EnvWarnings(opts.Env) {
			if n.IfConfigured && !configured[a] {
				continue
			}
			st := Warn
			if n.Level == "info" {
				st = OK
			}
			c.add(Check{ID: "config." + n.ID, Subject: a.DisplayName(), Status: st, Message: n.Text, Hint: n.Hint})
		}
	}
}

// scopeProblems reports what an adapter finds wrong with the
// definitions of the server across its client's files (Crush runs two
// same-name entries as one, with their args concatenated).
func (c *configResult) scopeProblems(opts Options, a ides.Adapter) {
	sc, ok := a.(ides.ScopeChecker)
	if !ok {
		return
	}
	for _, n := range sc.CheckScopes(opts.Env, opts.Name) {
		st := map[string]Status{"info": OK, "error": Error}[n.Level]
		if st == "" {
			st = Warn
		}
		c.add(Check{ID: "config." + n.ID, Subject: a.DisplayName(), Status: st, Message: n.Text, Hint: n.Hint})
	}
}

// secretName matches environment variable names that usually hold a
// credential.
var secretName = regexp.MustCompile(`(?i)(token|secret|passw|api_?key|credential|private_?key|auth)`)

// reference matches a value that only names a variable for the client to
// expand (${VAR}, ${env:VAR}, ${input:id}): not a secret in the file.
var reference = regexp.MustCompile(`^\$\{[^}]+\}$`)

// secrets warns about credentials written in plain text in any server's
// env in the file, and about such a file being readable by others.
func (c *configResult) secrets(env ides.Env, a ides.Adapter, loc ides.Location, subj string) {
	doc, _, err := inspect.ReadDoc(loc.Target, "")
	if err != nil || doc == nil {
		return
	}
	servers, ok := doc.Get(loc.Servers...)
	if !ok {
		return
	}
	var found []string
	for _, m := range servers.Members() {
		stored, err := ides.ReadEntry(a, m.Value)
		if err != nil {
			continue
		}
		for _, v := range stored.Env {
			if secretName.MatchString(v.Name) && v.Value != "" && !reference.MatchString(v.Value) {
				found = append(found, m.Key+"."+v.Name)
			}
		}
	}
	if len(found) == 0 {
		return
	}
	slices.Sort(found)
	c.add(Check{ID: "config.secrets", Subject: subj, Status: Warn,
		Message: "plaintext secret in env: " + strings.Join(found, ", "),
		Hint:    "keep it out of the file: " + referenceHint(ides.LaunchOf(a, env))})
	if info, err := os.Stat(loc.Path); err == nil && info.Mode().Perm()&0o077 != 0 {
		c.add(Check{ID: "config.permissions", Subject: subj, Status: Warn,
			Message: fmt.Sprintf("the file holds secrets and is readable by others (%04o)", info.Mode().Perm()),
			Hint:    "chmod 600 " + env.Display(loc.Path)})
	}
}

// moveEdit moves value from one path of a document to another, keeping
// an entry already at the destination (it is the one the client reads).
func moveEdit(from, to []string, value config.Value) merge.Edit {
	return func(doc config.Document) (bool, error) {
		set, err := setIfAbsent(value, to...)(doc)
		if err != nil {
			return false, err
		}
		del, err := doc.Delete(from...)
		return set || del, err
	}
}

// setIfAbsent sets path to value unless something is there already.
func setIfAbsent(value config.Value, path ...string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		if _, ok := doc.Get(path...); ok {
			doc.Note("kept the entry already at %s", strings.Join(path, "."))
			return false, nil
		}
		return doc.Set(value, path...)
	}
}

// referenceHint says how to name a variable instead of writing a secret,
// in the client's syntax.
func referenceHint(r ides.LaunchRules) string {
	if r.VarSyntax == "" {
		return "set it in the environment the client starts from, or keep it in a file the server reads"
	}
	return "reference a variable (" + r.VarSyntax + ")"
}
