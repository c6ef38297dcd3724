package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/inspect"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
	"github.com/latchgate-ai/latchgate-mcp/internal/opsetup"
)

// The operator section (enforce-and-operator B.9) checks separation of
// duties: the operator server ("latchgate-mcp operator") must live in a
// configuration the agent does not load, the agent's configuration should
// deny it where the client can, no IDE file may hold the operator token,
// the credential files must be private, the credential must work, and a
// person must confirm every decision.

// opFile is one configuration file as the operator checks see it.
type opFile struct {
	a       ides.Adapter
	target  ides.Target
	variant string
	root    *ides.OperatorRoot // set for an adapter's operator root
	outside bool               // the root is not one of the adapter's locations
	subject string
	agent   bool      // holds the agent's entry
	ops     []opEntry // operator entries in it
}

// opEntry is one operator entry.
type opEntry struct {
	name   string
	stored ides.StoredEntry
	file   *opFile
}

// isOperatorEntry recognises an operator entry by its name or its
// command line (latchgate-mcp operator ...).
func isOperatorEntry(name string, e ides.StoredEntry) bool {
	if name == ides.OperatorEntryName {
		return true
	}
	base := strings.TrimSuffix(filepath.Base(strings.ReplaceAll(e.Command, `\`, "/")), ".exe")
	return len(e.Args) > 0 && e.Args[0] == "operator" && strings.HasPrefix(base, "latchgate-mcp")
}

// operatorRootOf returns a's operator root for profile, nil when a has
// none or it cannot be worked out.
func operatorRootOf(opts Options, a ides.Adapter, profile string) *ides.OperatorRoot {
	r, ok := a.(ides.OperatorRooter)
	if !ok {
		return nil
	}
	root, err := r.OperatorRoot(opts.Env, ides.OperatorRequest{AgentName: opts.Name, Base: opsetup.BaseDir(opts.Env), Profile: profile})
	if err != nil {
		return nil
	}
	return &root
}

// readOpFile reads t and sorts its server entries into the agent's and
// operator entries; the token scan runs on every entry.
func readOpFile(opts Options, f *opFile, add func(Check)) {
	doc, _, err := inspect.ReadDoc(f.target, "")
	if err != nil || doc == nil {
		return // the configuration section reports unreadable files
	}
	servers, ok := doc.Get(f.target.Servers...)
	if !ok || servers.Kind() != config.Object {
		return
	}
	for _, m := range servers.Members() {
		if where := opsetup.FindTokens(m.Value); len(where) > 0 {
			add(Check{ID: "operator.token", Subject: f.subject, Status: Error,
				Message: fmt.Sprintf("the %q entry holds an operator token (%s): a file like this is backed up and synced, and others may read it", m.Key, strings.Join(where, ", ")),
				Hint:    "name a token file instead (--operator-token-file, as install --operator writes), then have the gate's owner issue a new operator credential"})
		}
		stored, err := ides.ReadEntry(f.a, m.Value)
		if err != nil {
			continue
		}
		if m.Key == opts.Name {
			f.agent = true
		} else if isOperatorEntry(m.Key, stored) {
			f.ops = append(f.ops, opEntry{name: m.Key, stored: stored, file: f})
		}
	}
}

// operatorFiles returns every file of adapters the operator checks read:
// each adapter's locations, and its operator root when that is
// elsewhere.
func operatorFiles(opts Options, adapters []ides.Adapter, rec *opsetup.Record, add func(Check)) [][]*opFile {
	var out [][]*opFile
	for _, a := range adapters {
		locs, _ := ides.Locations(a, opts.Env)
		var files []*opFile
		for _, loc := range locs {
			f := &opFile{a: a, target: loc.Target, variant: loc.Variant, subject: subject(a, opts.Env, loc)}
			readOpFile(opts, f, add)
			files = append(files, f)
		}
		profile := ""
		if cr := rec.Clients[a.ID()]; cr != nil {
			profile = cr.Profile
		}
		if root := operatorRootOf(opts, a, profile); root != nil {
			placed := false
			for _, f := range files {
				if f.target.Path == root.Target.Path && strings.Join(f.target.Servers, "\x00") == strings.Join(root.Target.Servers, "\x00") {
					f.root, placed = root, true
				}
			}
			if !placed {
				f := &opFile{a: a, target: root.Target, root: root, outside: true, subject: a.DisplayName() + " operator window " + opts.Env.Display(root.Target.Path)}
				readOpFile(opts, f, add)
				files = append(files, f)
			}
		}
		out = append(out, files)
	}
	return out
}

// views groups an adapter's files into the sets one session of its
// client loads together: a variant (a profile) is an alternative user
// file, and the other scopes' plain files apply to every variant. An
// operator root outside the locations is a view of its own.
func views(files []*opFile) [][]*opFile {
	var shared []*opFile
	variants := map[string][]*opFile{}
	var order []string
	var out [][]*opFile
	for _, f := range files {
		switch {
		case f.outside:
			out = append(out, []*opFile{f})
		case f.target.Scope == ides.ScopeUser:
			if _, ok := variants[f.variant]; !ok {
				order = append(order, f.variant)
			}
			variants[f.variant] = append(variants[f.variant], f)
		default:
			shared = append(shared, f)
		}
	}
	if len(order) == 0 && len(shared) > 0 {
		order = append(order, "")
	}
	for _, v := range order {
		out = append(out, append(append([]*opFile(nil), variants[v]...), shared...))
	}
	return out
}

// checkOperator runs the operator section.
func checkOperator(ctx context.Context, opts Options, adapters []ides.Adapter) []Check {
	var out []Check
	add := func(c Check) {
		c.Section = SectionOperator
		out = append(out, c)
	}
	rec, err := opsetup.ReadRecord(opsetup.RecordPath(opts.Env, opsetup.BaseDir(opts.Env)))
	if err != nil {
		add(Check{ID: "operator.record", Status: Warn, Message: err.Error(),
			Hint: "fix or remove it; uninstall --operator needs it to take back only what install --operator added"})
		rec = &opsetup.Record{}
	}
	byAdapter := operatorFiles(opts, adapters, rec, add)

	anyOperator := false
	var entries []opEntry
	for _, files := range byAdapter {
		for _, f := range files {
			entries = append(entries, f.ops...)
			anyOperator = anyOperator || len(f.ops) > 0
		}
	}
	if !anyOperator {
		return out
	}
	for _, files := range byAdapter {
		checkPlacement(opts, files, add)
	}
	for _, files := range byAdapter {
		checkDeny(opts, files, add)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		checkOperatorEntry(ctx, opts, e, seen, add)
	}
	return out
}

// checkPlacement reports an operator entry that a session loading the
// agent's entry also loads.
func checkPlacement(opts Options, files []*opFile, add func(Check)) {
	for _, view := range views(files) {
		var agent *opFile
		for _, f := range view {
			if f.agent {
				agent = f
				break
			}
		}
		for _, f := range view {
			for _, e := range f.ops {
				a := f.a
				if agent == nil {
					add(Check{ID: "operator.entry", Subject: f.subject, Status: OK,
						Message: fmt.Sprintf("the operator entry %q is in a configuration without the agent's %q entry", e.name, opts.Name)})
					continue
				}
				hint := fmt.Sprintf("remove it (latchgate-mcp uninstall --ide %s --name %s --scope %s), then latchgate-mcp install --operator --ide %s",
					a.ID(), e.name, f.target.Scope, a.ID())
				if _, ok := a.(ides.OperatorRooter); !ok {
					hint = fmt.Sprintf("remove it (latchgate-mcp uninstall --ide %s --name %s --scope %s); %s has no separate configuration, so decide holds with latchgate-mcp approve",
						a.ID(), e.name, f.target.Scope, a.DisplayName())
				}
				add(Check{ID: "operator.entry", Subject: f.subject, Status: Error,
					Message: fmt.Sprintf("the operator entry %q is loaded together with the agent's %q entry (%s): the agent's model could approve its own held calls",
						e.name, opts.Name, opts.Env.Display(agent.target.Path)),
					Hint: hint})
			}
		}
	}
}

// checkDeny reports the adapter's deny items that are missing: the
// agent's configuration should refuse the operator server, and the
// operator's root the agent's server.
func checkDeny(opts Options, files []*opFile, add func(Check)) {
	var root *ides.OperatorRoot
	agent := false
	for _, f := range files {
		if f.root != nil {
			root = f.root
		}
		agent = agent || (f.agent && f.root == nil)
	}
	if root == nil {
		return
	}
	a := files[0].a
	check := func(items []ides.ListItem, ok, missing string) {
		var files []string
		lacks := map[string][]string{}
		for _, it := range items {
			doc, _, err := inspect.ReadDoc(ides.Target{Path: it.Path, Format: it.Format}, "")
			if err == nil && doc != nil && ides.ItemPresent(doc, it) {
				continue
			}
			f := opts.Env.Display(it.Path)
			if _, seen := lacks[f]; !seen {
				files = append(files, f)
			}
			lacks[f] = append(lacks[f], compactValue(it.Value))
		}
		if len(files) == 0 {
			if len(items) > 0 {
				add(Check{ID: "operator.deny", Subject: a.DisplayName(), Status: OK, Message: ok})
			}
			return
		}
		var parts []string
		for _, f := range files {
			parts = append(parts, f+" lacks "+strings.Join(lacks[f], ", "))
		}
		add(Check{ID: "operator.deny", Subject: a.DisplayName(), Status: Warn,
			Message: missing + ": " + strings.Join(parts, "; "),
			Hint:    "latchgate-mcp install --operator --ide " + a.ID() + " adds them"})
	}
	if agent {
		check(root.AgentItems, "the agent's configuration denies the operator server", "the agent's configuration does not deny the operator server")
	}
	operatorHere := false
	for _, f := range files {
		operatorHere = operatorHere || (f.root != nil && len(f.ops) > 0)
	}
	if operatorHere {
		check(root.RootItems, "the operator window's own settings are in place", "the operator window's configuration lacks what keeps it apart")
	}
}

func compactValue(v config.Value) string {
	b, err := v.MarshalJSON()
	if err != nil {
		return "?"
	}
	return string(b)
}

// opFlags reads the operator command line: flag values and switches.
func opFlags(args []string) (map[string]string, map[string]bool) {
	values := map[string]string{}
	switches := map[string]bool{}
	valued := map[string]bool{"--admin-socket": true, "--admin-url": true, "--public-base-url": true, "--operator-key": true,
		"--operator-token-file": true, "--operator-name": true, "--confirm": true, "--tls-ca": true, "--tls-cert": true,
		"--tls-key": true, "--operator-id": true, "--log-level": true, "--operator-token": true}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if k, v, ok := strings.Cut(a, "="); ok && valued[k] {
			values[k] = v
			continue
		}
		if valued[a] && i+1 < len(args) {
			values[a] = args[i+1]
			i++
			continue
		}
		switches[a] = true
	}
	return values, switches
}

// checkOperatorEntry checks one operator entry: its credential files,
// that the credential works, how decisions are confirmed, and the
// allowlist tool.
func checkOperatorEntry(ctx context.Context, opts Options, e opEntry, seen map[string]bool, add func(Check)) {
	f := e.file
	subj := fmt.Sprintf("%s (%s)", f.subject, e.name)
	de := &entry{a: f.a, Command: e.stored.Command, Args: e.stored.Args, Env: e.stored.EnvMap(), Forward: e.stored.Forward}
	l := launchFor(opts.Env, de)
	values, switches := opFlags(l.args)
	get := func(flag string, vars ...string) string {
		if v, ok := values[flag]; ok {
			return v
		}
		for _, k := range vars {
			if v := strings.TrimSpace(l.lookup(k)); v != "" {
				return v
			}
		}
		return ""
	}
	keyPath := get("--operator-key", "LATCHGATE_OPERATOR_KEY")
	tokenPath := get("--operator-token-file", "LATCHGATE_OPERATOR_TOKEN_FILE")
	for _, p := range []struct{ what, path string }{{"key", keyPath}, {"token", tokenPath}} {
		if p.path == "" {
			continue
		}
		checkCredentialFile(opts, subj, p.what, p.path, add)
	}

	// The credential against the gate, once per distinct connection.
	admin := checkAdmin(ctx, opts, l, get, keyPath, tokenPath, seen)
	if admin != nil {
		admin.Subject = subj
		add(*admin)
	}

	// How a person confirms each decision.
	confirm := get("--confirm", "LATCHGATE_OPERATOR_CONFIRM")
	if confirm == "" {
		confirm = "elicitation"
	}
	support := ides.ElicitationUnknown
	if f.root != nil {
		support = f.root.Elicitation
	} else if r := operatorRootOf(opts, f.a, strings.TrimPrefix(f.variant, "profile ")); r != nil {
		support = r.Elicitation
	}
	switch {
	case support == ides.ElicitationNo && confirm != "client-prompt":
		add(Check{ID: "operator.confirm", Subject: subj, Status: Error,
			Message: f.a.DisplayName() + " has no MCP elicitation, and the entry does not use --confirm client-prompt: the operator server refuses every decision",
			Hint:    "latchgate-mcp install --operator --ide " + f.a.ID() + " writes the client's per-call prompt rule and --confirm client-prompt"})
	case confirm == "client-prompt":
		add(Check{ID: "operator.confirm", Subject: subj, Status: Warn,
			Message: "decisions are confirmed only by the client's own per-call prompt (--confirm client-prompt)",
			Hint:    "make sure " + f.a.DisplayName() + " asks before every latchgate_approve, latchgate_deny and latchgate_allowlist call (see the README's table), and never auto-approves them"})
	case support == ides.ElicitationYes:
		add(Check{ID: "operator.confirm", Subject: subj, Status: OK, Message: "a person confirms every decision through MCP elicitation"})
	default:
		add(Check{ID: "operator.confirm", Subject: subj, Status: OK,
			Message: "a person confirms every decision through MCP elicitation; " + f.a.DisplayName() + "'s support for it was not measured: the operator server refuses decisions when the client does not declare it"})
	}

	if f.root != nil {
		var found []string
		for _, it := range f.root.AutoApprove {
			doc, _, err := inspect.ReadDoc(ides.Target{Path: it.Path, Format: it.Format}, "")
			if err == nil && doc != nil && ides.ItemPresent(doc, it) {
				found = append(found, compactValue(it.Value)+" in "+opts.Env.Display(it.Path))
			}
		}
		if len(found) > 0 {
			st, why := Warn, "; elicitation still asks the person"
			if support == ides.ElicitationNo {
				st, why = Error, ": with no elicitation, nobody confirms a decision"
			}
			add(Check{ID: "operator.auto_approve", Subject: subj, Status: st,
				Message: "the operator's tools are allowed without asking (" + strings.Join(found, ", ") + ")" + why,
				Hint:    "remove the rule: every approve and deny should be put to a person"})
		}
	}

	allow := switches["--enable-allowlist-tool"]
	if v, err := strconv.ParseBool(strings.TrimSpace(l.lookup("LATCHGATE_ENABLE_ALLOWLIST_TOOL"))); err == nil && values["--enable-allowlist-tool"] == "" && !switches["--enable-allowlist-tool"] {
		allow = v
	}
	if allow {
		add(Check{ID: "operator.allowlist", Subject: subj, Status: Warn,
			Message: "latchgate_allowlist is offered (--enable-allowlist-tool): one confirmed call stops the gate holding that action for that agent, for good",
			Hint:    "leave it off unless you need it; an allowlist change is better made in the gate's own configuration"})
	}
}

// checkCredentialFile checks one credential file an operator entry
// names: it exists, and only its owner can read it.
func checkCredentialFile(opts Options, subj, what, path string, add func(Check)) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		add(Check{ID: "operator.credentials", Subject: subj, Status: Error,
			Message: fmt.Sprintf("the operator %s file %s does not exist: the operator server will not start", what, opts.Env.Display(path)),
			Hint:    "run latchgate-mcp install --operator again with the credential, or point the entry at the file"})
		return
	case err != nil:
		add(Check{ID: "operator.credentials", Subject: subj, Status: Error,
			Message: fmt.Sprintf("cannot read the operator %s file %s: %v", what, opts.Env.Display(path), errors.Unwrap(err))})
		return
	case !fi.Mode().IsRegular():
		add(Check{ID: "operator.credentials", Subject: subj, Status: Error,
			Message: fmt.Sprintf("the operator %s file %s is not a regular file", what, opts.Env.Display(path))})
		return
	}
	perm := fi.Mode().Perm()
	if runtime.GOOS != "windows" && perm&0o077 != 0 {
		add(Check{ID: "operator.credentials", Subject: subj, Status: Warn,
			Message: fmt.Sprintf("the operator %s file %s is readable by others (mode %04o): whoever reads it can approve held actions", what, opts.Env.Display(path), perm),
			Hint:    "chmod 600 " + opts.Env.Display(path) + "; if others could read it, have the gate's owner issue a new operator credential"})
		return
	}
	add(Check{ID: "operator.credentials", Subject: subj, Status: OK,
		Message: fmt.Sprintf("the operator %s file %s is yours alone (mode %04o); a program the agent runs as you can still read it", what, opts.Env.Display(path), perm)})
}

// checkAdmin checks that the admin socket is there and that an
// authenticated list works with the entry's credential, found as the
// operator server would find it. nil when this connection was checked
// already.
func checkAdmin(ctx context.Context, opts Options, l *launch, get func(string, ...string) string, keyPath, tokenPath string, seen map[string]bool) *Check {
	socket := get("--admin-socket", "LATCHGATE_ADMIN_SOCKET")
	adminURL := get("--admin-url", "LATCHGATE_ADMIN_URL")
	pub := get("--public-base-url", "LATCHGATE_PUBLIC_URL", "LATCHGATE_PUBLIC_BASE_URL")
	token := ""
	if tokenPath == "" {
		token = strings.TrimSpace(l.lookup("LATCHGATE_OPERATOR_TOKEN"))
	}
	if (socket == "" && adminURL == "") || pub == "" || keyPath == "" || (tokenPath == "" && token == "") {
		// The rest comes from discovery, as the operator server does it,
		// in the environment the client gives it.
		denv := opts.Env
		denv.Vars = map[string]string{}
		for _, kv := range l.env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				denv.Vars[k] = v
			}
		}
		d, err := gatecfg.DetectOperator(denv, get("--operator-name", "LATCHGATE_OPERATOR_NAME"))
		if err != nil {
			return &Check{ID: "operator.admin", Status: Error, Message: "cannot find the operator settings the server would use: " + err.Error()}
		}
		if socket == "" && adminURL == "" {
			socket = d.AdminSocket
		}
		if pub == "" {
			pub = d.PublicBaseURL
		}
		if keyPath == "" {
			keyPath = d.KeyPath
		}
		if tokenPath == "" && token == "" {
			token = d.APIKey
		}
	}
	target := adminURL
	if target == "" {
		target = "unix:" + socket
	}
	key := target + "|" + pub + "|" + keyPath + "|" + tokenPath
	if seen[key] {
		return nil
	}
	seen[key] = true
	if keyPath == "" || (tokenPath == "" && token == "") {
		return &Check{ID: "operator.admin", Status: Error, Message: "no operator credential found (key file and token): the operator server will not start",
			Hint: "name them in the entry (--operator-key, --operator-token-file), as install --operator writes"}
	}
	if adminURL == "" {
		fi, err := os.Stat(socket)
		switch {
		case err != nil:
			return &Check{ID: "operator.admin", Status: Error,
				Message: fmt.Sprintf("no admin socket at %s: the gate is not running, or has no admin listener", opts.Env.Display(socket)),
				Hint:    "start the gate (latchgate up), or name its socket with --admin-socket in the entry"}
		case fi.Mode().Type() != fs.ModeSocket:
			return &Check{ID: "operator.admin", Status: Error,
				Message: fmt.Sprintf("%s is not a socket", opts.Env.Display(socket))}
		}
	}
	if adminURL != "" && (get("--tls-ca", "LATCHGATE_TLS_CA") != "" || get("--tls-cert", "LATCHGATE_TLS_CERT") != "") {
		// TLS options need the files loaded as serve does; the connection
		// itself is checked when the operator server starts.
		return &Check{ID: "operator.admin", Status: OK, Message: "admin URL " + adminURL + " with TLS options: not checked here"}
	}
	k, _, err := operator.LoadKey(keyPath)
	if err != nil {
		return &Check{ID: "operator.admin", Status: Error, Message: err.Error(), Hint: operatorHint(err)}
	}
	if tokenPath != "" {
		if token, _, err = operator.LoadToken(tokenPath); err != nil {
			return &Check{ID: "operator.admin", Status: Error, Message: err.Error(), Hint: operatorHint(err)}
		}
	}
	if adminURL != "" {
		adminURL, err = gate.ValidateBaseURL(adminURL)
		if err != nil {
			return &Check{ID: "operator.admin", Status: Error, Message: "check --admin-url: " + err.Error()}
		}
		socket = ""
	}
	client, err := operator.New(operator.Config{Socket: socket, URL: adminURL, PublicBaseURL: pub, Key: k, Token: token, Timeout: opts.Timeout})
	if err != nil {
		return &Check{ID: "operator.admin", Status: Error, Message: err.Error()}
	}
	defer client.Close()
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	err = client.Check(cctx)
	cancel()
	if err != nil {
		return &Check{ID: "operator.admin", Status: Error, DurationMS: ms(time.Since(start)),
			Message: fmt.Sprintf("the operator credential does not work against %s: %v", target, err), Hint: operator.Hint(err)}
	}
	return &Check{ID: "operator.admin", Status: OK, DurationMS: ms(time.Since(start)),
		Message: fmt.Sprintf("%s accepts the operator credential (an authenticated list works, public base URL %s)", target, pub)}
}

// operatorHint is the fix for a refused credential file.
func operatorHint(err error) string {
	var pe *operator.PermissionError
	if errors.As(err, &pe) {
		return pe.Hint()
	}
	return ""
}
