package opsetup

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// The credential files in [CredentialDir].
const (
	KeyFile   = "operator.pem"
	TokenFile = "operator.token"
)

// BaseDir is where latchgate-mcp keeps the operator's configuration: the
// credential directory, the record of what install --operator added, and
// the separate config directories of clients that have one.
// $XDG_CONFIG_HOME/latchgate-mcp/operator, else
// ~/.config/latchgate-mcp/operator (macOS too: the spec's
// CLAUDE_CONFIG_DIR example, and a path people can type), and
// %APPDATA%\latchgate-mcp\operator on Windows.
func BaseDir(env ides.Env) string {
	if env.GOOS == "windows" {
		if d := env.Get("APPDATA"); d != "" {
			return ides.Join(env, d, "latchgate-mcp", "operator")
		}
		return ides.Join(env, env.Home, "AppData", "Roaming", "latchgate-mcp", "operator")
	}
	if d := env.Get("XDG_CONFIG_HOME"); path.IsAbs(d) {
		return ides.Join(env, d, "latchgate-mcp", "operator")
	}
	return ides.Join(env, env.Home, ".config", "latchgate-mcp", "operator")
}

// CredentialDir holds the operator key and token files.
func CredentialDir(env ides.Env, base string) string { return ides.Join(env, base, "credentials") }

// RecordPath is the record of what install --operator added.
func RecordPath(env ides.Env, base string) string { return ides.Join(env, base, "installed.json") }

// Conn is how the operator entry reaches the gate's admin API: paths
// and URLs only. The token is never part of it.
type Conn struct {
	AdminSocket, AdminURL  string
	PublicBaseURL          string
	TLSCA, TLSCert, TLSKey string
	KeyPath, TokenPath     string
}

// Args are the operator command line; clientPrompt adds --confirm
// client-prompt, for a client without elicitation whose per-call prompt
// rule the adapter writes.
func (c Conn) Args(clientPrompt bool) []string {
	args := []string{"operator"}
	if c.AdminURL != "" {
		args = append(args, "--admin-url", c.AdminURL)
		for _, f := range [][2]string{{"--tls-ca", c.TLSCA}, {"--tls-cert", c.TLSCert}, {"--tls-key", c.TLSKey}} {
			if f[1] != "" {
				args = append(args, f[0], f[1])
			}
		}
	} else {
		args = append(args, "--admin-socket", c.AdminSocket)
	}
	args = append(args, "--public-base-url", c.PublicBaseURL, "--operator-key", c.KeyPath, "--operator-token-file", c.TokenPath)
	if clientPrompt {
		args = append(args, "--confirm", "client-prompt")
	}
	return args
}

// Request is one install --operator or uninstall --operator.
type Request struct {
	// AgentName is the agent's server entry name, which the operator's
	// configuration must not hold or load.
	AgentName string
	// Profile is the profile of a client with profiles.
	Profile string
	// Base is [BaseDir].
	Base string
	// Command is the latchgate-mcp the entry runs.
	Command string
	Conn    Conn
}

// NoRootError is a client with no configuration the agent does not
// load: the operator entry has nowhere safe to go.
type NoRootError struct{ Adapter ides.Adapter }

func (e *NoRootError) Error() string {
	return fmt.Sprintf("%s has no configuration that its agent sessions do not load, so it cannot host the operator server apart from the agent; "+
		"decide holds with \"latchgate-mcp approve\" in a terminal instead", e.Adapter.DisplayName())
}

// A Setup is the plan for one client.
type Setup struct {
	Adapter ides.Adapter
	Root    ides.OperatorRoot
	items   []ides.ListItem
	added   []bool // set by the edits: item i was added by this run
}

// Install is the plan of install --operator.
type Install struct {
	Setups []*Setup
	Edits  []merge.FileEdit
	Notes  []ides.Note
}

// fileEdits collects edits by file, in first-seen order: two FileEdits
// of one path would each start from the original bytes.
type fileEdits struct {
	env   ides.Env
	order []string
	by    map[string]*merge.FileEdit
}

func (f *fileEdits) add(fe merge.FileEdit) {
	if f.by == nil {
		f.by = map[string]*merge.FileEdit{}
	}
	if have, ok := f.by[fe.Path]; ok {
		have.Edits = append(have.Edits, fe.Edits...)
		if have.Label == "" {
			have.Label = fe.Label
		}
		return
	}
	f.order = append(f.order, fe.Path)
	f.by[fe.Path] = &fe
}

func (f *fileEdits) item(it ides.ListItem, edit merge.Edit) {
	f.add(merge.FileEdit{Path: it.Path, Display: f.env.Display(it.Path), Format: it.Format, NewMode: it.NewMode, Edits: []merge.Edit{edit}})
}

func (f *fileEdits) list() []merge.FileEdit {
	out := make([]merge.FileEdit, len(f.order))
	for i, p := range f.order {
		out[i] = *f.by[p]
	}
	return out
}

// root returns a's operator root, or why there is none.
func root(a ides.Adapter, env ides.Env, req Request) (ides.OperatorRoot, error) {
	r, ok := a.(ides.OperatorRooter)
	if !ok {
		return ides.OperatorRoot{}, &NoRootError{Adapter: a}
	}
	return r.OperatorRoot(env, ides.OperatorRequest{AgentName: req.AgentName, Base: req.Base, Profile: req.Profile})
}

// CheckRoots finds each adapter's operator root and checks it as
// PlanInstall does, before anything else is asked of the user (a
// credential): a client without a root, or a root that is the agent's,
// is a usage mistake to report first.
func CheckRoots(env ides.Env, adapters []ides.Adapter, req Request) error {
	for _, a := range adapters {
		r, err := root(a, env, req)
		if err != nil {
			return err
		}
		if err := checkApart(a, env, r.Target, req.AgentName); err != nil {
			return err
		}
	}
	return nil
}

// PlanInstall plans the operator entry, and the items that keep the agent
// and the operator apart, for each of adapters. It refuses a client
// without an operator root, a root that is one of the agent's own files,
// and a root that already holds the agent's entry.
func PlanInstall(env ides.Env, adapters []ides.Adapter, req Request) (*Install, error) {
	in := &Install{}
	files := &fileEdits{env: env}
	for _, a := range adapters {
		r, err := root(a, env, req)
		if err != nil {
			return nil, err
		}
		if err := checkApart(a, env, r.Target, req.AgentName); err != nil {
			return nil, err
		}
		spec := ides.ServerSpec{Command: req.Command, Args: req.Conn.Args(r.Elicitation == ides.ElicitationNo)}
		entry, err := a.Entry(spec)
		if err != nil {
			return nil, fmt.Errorf("render the operator entry for %s: %w", a.DisplayName(), err)
		}
		t := r.Target
		wrap := func(e merge.Edit) merge.Edit { return e }
		if r.WrapEntry != nil {
			wrap = r.WrapEntry
		}
		fe := t.FileEdit(env, refuseAgentEntry(t, req.AgentName), wrap(func(doc config.Document) (bool, error) {
			old, ok := doc.Get(t.EntryPath(ides.OperatorEntryName)...)
			fresh := entry
			if ok {
				if stored, err := ides.ReadEntry(a, old); err == nil {
					merged, dropped := mergeOperator(stored, spec)
					if dropped != "" {
						doc.Note("dropped %s from the %q entry in %s: a token never belongs in an IDE file; the entry names the token file", dropped, ides.OperatorEntryName, env.Display(t.Path))
					}
					if fresh, err = a.Entry(merged); err != nil {
						return false, err
					}
				}
			}
			return doc.Set(ides.KeepUserKeys(a, old, fresh), t.EntryPath(ides.OperatorEntryName)...)
		}))
		fe.Label = a.DisplayName() + ", operator window"
		files.add(fe)
		s := &Setup{Adapter: a, Root: r}
		s.items = append(append(s.items, r.RootItems...), r.AgentItems...)
		s.added = make([]bool, len(s.items))
		for i, it := range s.items {
			add := ides.AddItem(it)
			files.item(it, it.Edit(func(doc config.Document) (bool, error) {
				changed, err := add(doc)
				s.added[i] = err == nil && changed
				return changed, err
			}))
		}
		in.Setups = append(in.Setups, s)
		in.Notes = append(in.Notes, r.Notes...)
		in.Notes = append(in.Notes, strayOperators(a, env, t)...)
	}
	in.Edits = files.list()
	return in, nil
}

// ownedFlags are the operator flags install --operator sets, or which
// must not survive a re-run (a token on the command line).
var ownedFlags = map[string]bool{
	"--admin-socket": true, "--admin-url": true, "--public-base-url": true, "--operator-key": true,
	"--operator-token-file": true, "--operator-name": true, "--confirm": true, "--tls-ca": true,
	"--tls-cert": true, "--tls-key": true, "--operator-token": true,
}

// valuedFlags are the operator flags that take a value.
var valuedFlags = map[string]bool{
	"--admin-socket": true, "--admin-url": true, "--public-base-url": true, "--operator-key": true,
	"--operator-token-file": true, "--operator-name": true, "--confirm": true, "--tls-ca": true,
	"--tls-cert": true, "--tls-key": true, "--operator-token": true, "--operator-id": true,
	"--log-level": true,
}

// mergeOperator returns fresh with what the user added to a stored
// operator entry: flags install does not set (--operator-id, --log-level,
// --enable-allowlist-tool), after fresh's own, and environment variables,
// except LATCHGATE_OPERATOR_TOKEN, which is dropped and reported.
func mergeOperator(stored ides.StoredEntry, fresh ides.ServerSpec) (ides.ServerSpec, string) {
	merged := fresh
	merged.Args = append([]string(nil), fresh.Args...)
	var dropped []string
	if len(stored.Args) > 0 && stored.Args[0] == "operator" {
		args := stored.Args[1:]
		for i := 0; i < len(args); i++ {
			name, _, hasValue := strings.Cut(args[i], "=")
			span := args[i : i+1]
			if !hasValue && valuedFlags[name] && i+1 < len(args) {
				span = args[i : i+2]
				i++
			}
			switch {
			case name == "--operator-token":
				dropped = append(dropped, "--operator-token")
			case ownedFlags[name]:
			default:
				merged.Args = append(merged.Args, span...)
			}
		}
	}
	merged.Env = nil
	for _, v := range stored.Env {
		if v.Name == TokenEnv {
			dropped = append(dropped, TokenEnv)
			continue
		}
		merged.Env = append(merged.Env, v)
	}
	return merged, strings.Join(dropped, " and ")
}

// checkApart refuses a root that is a file the agent's sessions load in
// every variant (CLAUDE_CONFIG_DIR set to the operator's directory, say),
// or that holds the agent's entry now.
func checkApart(a ides.Adapter, env ides.Env, t ides.Target, agentName string) error {
	locs, _ := ides.Locations(a, env)
	for _, loc := range locs {
		if loc.Variant == "" && loc.Path == t.Path && slices.Equal(loc.Servers, t.Servers) {
			return fmt.Errorf("refuse to put the operator entry into %s: %s's agent sessions load that file", env.Display(t.Path), a.DisplayName())
		}
	}
	doc, _, err := t.ReadDoc(env)
	if err != nil {
		return err
	}
	if doc != nil {
		if _, ok := doc.Get(t.EntryPath(agentName)...); ok {
			return &TogetherError{Path: env.Display(t.Path), AgentName: agentName, Adapter: a}
		}
	}
	return nil
}

// strayOperators warns about operator entries in the agent's own files
// (an older installer put one there, with the token): install --operator
// does not remove them, since the user may rely on them, but they undo
// the separation.
func strayOperators(a ides.Adapter, env ides.Env, root ides.Target) []ides.Note {
	var out []ides.Note
	locs, _ := ides.Locations(a, env)
	for _, loc := range locs {
		if loc.Variant != "" || (loc.Path == root.Path && slices.Equal(loc.Servers, root.Servers)) {
			continue
		}
		doc, _, err := loc.ReadDoc(env)
		if err != nil || doc == nil {
			continue
		}
		if _, ok := doc.Get(loc.EntryPath(ides.OperatorEntryName)...); ok {
			out = append(out, ides.Note{Level: "warn", Text: fmt.Sprintf("%s also has a %q entry, where the agent's sessions load it: remove it with "+
				"\"latchgate-mcp uninstall --ide %s --name %s --scope %s\"", env.Display(loc.Path), ides.OperatorEntryName, a.ID(), ides.OperatorEntryName, loc.Scope)})
		}
	}
	return out
}

// TogetherError is an operator root that holds the agent's entry: one
// window would both run the gate's actions and approve them.
type TogetherError struct {
	Path, AgentName string
	Adapter         ides.Adapter
}

func (e *TogetherError) Error() string {
	return fmt.Sprintf("refuse to put the operator entry into %s: it holds the agent's %q entry, and one window must not both run actions and approve them",
		e.Path, e.AgentName)
}

// refuseAgentEntry is the same check inside the plan, so a file that
// gained the agent's entry between planning and writing is not written.
func refuseAgentEntry(t ides.Target, agentName string) merge.Edit {
	return func(doc config.Document) (bool, error) {
		if _, ok := doc.Get(t.EntryPath(agentName)...); ok {
			return false, fmt.Errorf("it holds the agent's %q entry; the operator entry must not share a configuration with it", agentName)
		}
		return false, nil
	}
}

// Record adds to rec what this install added, for uninstall: the
// operator entry's file, and each item the run added. Items an earlier
// install added stay recorded, so a second run (which adds nothing)
// does not forget them.
func (in *Install) Record(rec *Record, profile string) {
	for _, s := range in.Setups {
		id := s.Adapter.ID()
		cr := rec.Clients[id]
		if cr == nil {
			cr = &ClientRecord{}
		}
		cr.Entry, cr.Servers, cr.Format = s.Root.Target.Path, s.Root.Target.Servers, s.Root.Target.Format
		if ides.HasProfiles(s.Adapter) {
			cr.Profile = profile
		}
		for i, it := range s.items {
			if s.added[i] && !cr.has(it) {
				cr.Added = append(cr.Added, itemOf(it))
			}
		}
		rec.set(id, cr)
	}
}

// Uninstall is the plan of uninstall --operator.
type Uninstall struct {
	Edits []merge.FileEdit
	Notes []ides.Note
	// Clients are the ids whose record goes once the plan is applied.
	Clients []string
}

// PlanUninstall plans removing the operator entry of each of adapters
// and the items rec says install added. Items install did not add (they
// were there before) are left, and a note says so. With no --profile,
// the profile install used is taken from rec.
func PlanUninstall(env ides.Env, adapters []ides.Adapter, req Request, rec *Record) (*Uninstall, error) {
	un := &Uninstall{}
	files := &fileEdits{env: env}
	for _, a := range adapters {
		cr := rec.Clients[a.ID()]
		r0 := req
		if r0.Profile == "" && cr != nil {
			r0.Profile = cr.Profile
		}
		r, err := root(a, env, r0)
		var nr *NoRootError
		switch {
		case errors.As(err, &nr):
			return nil, err
		case err != nil && cr != nil && cr.Entry != "":
			// The root cannot be worked out now (a profile renamed):
			// the record says where the entry went.
			r = ides.OperatorRoot{Target: ides.Target{Path: cr.Entry, Servers: cr.Servers, Format: cr.Format, NewMode: 0o600}}
		case err != nil:
			return nil, err
		}
		del := ides.DeleteEntry(r.Target, ides.OperatorEntryName)
		if r.WrapEntry != nil {
			del = r.WrapEntry(del)
		}
		fe := r.Target.FileEdit(env, del)
		fe.Label = a.DisplayName() + ", operator window"
		files.add(fe)
		current := append(append([]ides.ListItem(nil), r.RootItems...), r.AgentItems...)
		if cr != nil {
			for _, rec := range cr.Added {
				it := rec.listItem()
				// The client's own rules for the file, when the item is
				// still one the adapter names.
				for _, c := range current {
					if c.Path == it.Path && slices.Equal(c.Key, it.Key) && c.Value.Equal(it.Value) {
						it.Wrap = c.Wrap
					}
				}
				files.item(it, it.Edit(ides.RemoveItem(it)))
			}
		}
		for _, it := range current {
			if cr != nil && cr.has(it) {
				continue
			}
			doc, _, err := merge.ReadDoc(it.Path, it.Format, env.Display(it.Path))
			if err == nil && doc != nil && ides.ItemPresent(doc, it) {
				un.Notes = append(un.Notes, ides.Note{Level: "info", Text: fmt.Sprintf("left %s in %s: install --operator did not add it (it was there before)",
					compact(it.Value), env.Display(it.Path))})
			}
		}
		if r.Dir != "" {
			un.Notes = append(un.Notes, ides.Note{Level: "info", Text: fmt.Sprintf("left %s: %s keeps the operator window's own login, settings and history there; remove it when you no longer need it",
				env.Display(r.Dir), a.DisplayName())})
		}
		un.Clients = append(un.Clients, a.ID())
	}
	un.Edits = files.list()
	return un, nil
}

func compact(v config.Value) string {
	b, err := v.MarshalJSON()
	if err != nil {
		return "?"
	}
	return string(b)
}
