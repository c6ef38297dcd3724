package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/schemas"
)

type listOptions struct {
	IO         *iostreams.IOStreams
	Env        ides.Env
	Executable func() (string, error)

	IDEs          []string
	Name          string
	JSON          bool
	GateURL       string
	GateSocket    string
	PublicBaseURL string
	BinaryPath    string
}

func newCmdList(f *Factory, runF func(*listOptions) error) *cobra.Command {
	opts := &listOptions{IO: f.IO, Executable: f.Executable}
	cmd := &cobra.Command{
		Use:   "list [--ide NAME[,NAME...]] [--json]",
		Short: "Show where the latchgate MCP server is configured, and what each IDE will do with it",
		Long: `Show every configuration file of every supported IDE and scope: whether it
exists and parses, whether the latchgate entry is there, the command and
transport it uses, whether it matches what "install" would write now (a stale
binary path, another gate), and what the IDE will really do with it.

For Claude Code that means which scope wins when the name is in several
(local, then project, then user), and whether a .mcp.json server is approved,
pending approval or disabled (enabledMcpjsonServers, disabledMcpjsonServers,
enableAllProjectMcpServers). Each VS Code profile has its own file.

The comparison uses the same gate detection and flags as install.`,
		Example: `  latchgate-mcp list
  latchgate-mcp list --ide claude-code --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := f.Env()
			if err != nil {
				return err
			}
			opts.Env = env
			if runF != nil {
				return runF(opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.IDEs, "ide", nil, "only these IDEs: "+strings.Join(adapterIDs(), ", "))
	cmd.Flags().StringVar(&opts.Name, "name", "latchgate", "name of the MCP server entry")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON, for scripts")
	cmd.Flags().StringVar(&opts.GateURL, "gate-url", "", "compare with entries for the gate at `URL` (as install --gate-url)")
	cmd.Flags().StringVar(&opts.GateSocket, "gate-socket", "", "compare with entries for the socket at `PATH` (as install --gate-socket)")
	cmd.Flags().StringVar(&opts.PublicBaseURL, "public-base-url", "", "the gate's public_base_url (`URL`), as for install")
	cmd.Flags().StringVar(&opts.BinaryPath, "binary-path", "", "compare user and local entries with `PATH` (as install --binary-path); project entries are compared with the portable \"latchgate-mcp\"")
	return cmd
}

// listRow is one file of one IDE and scope. The JSON field names are a
// stable interface for scripts.
type listRow struct {
	IDE     string `json:"ide"`
	IDEName string `json:"ide_name"`
	Scope   string `json:"scope"`
	Variant string `json:"variant,omitempty"` // "profile Work"
	File    string `json:"file"`              // as displayed
	Path    string `json:"path"`
	Exists  bool   `json:"exists"`
	Error   string `json:"error,omitempty"` // the file cannot be read or parsed
	// SchemaError says how the file departs from the IDE's format (our
	// embedded JSON Schema), which the IDE may reject or ignore.
	SchemaError string `json:"schema_error,omitempty"`
	Configured  bool   `json:"configured"` // the entry is there
	Command     string `json:"command,omitempty"`
	Transport   string `json:"transport,omitempty"`
	// Current says whether the entry is what install would write now;
	// nil when there is no entry.
	Current     *bool    `json:"current,omitempty"`
	Differences []string `json:"differences,omitempty"`
	// Client is what the IDE will do with the entry: active, shadowed,
	// pending-approval, disabled, or "" when there is no entry.
	Client string `json:"client,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// listReport is the whole answer of list --json.
type listReport struct {
	Name     string    `json:"name"`
	Expected string    `json:"expected_transport"` // what install would write now
	Rows     []listRow `json:"files"`
	Warnings []string  `json:"warnings,omitempty"`
}

func runList(_ context.Context, opts *listOptions) error {
	if !serverName.MatchString(opts.Name) {
		return flagErrorf("invalid --name %q: use 1 to 64 letters, digits, '-' or '_'", opts.Name)
	}
	adapters := all.Adapters()
	if len(opts.IDEs) > 0 {
		adapters = nil
		seen := map[string]bool{}
		for _, id := range opts.IDEs {
			a, err := all.Lookup(id)
			if err != nil {
				return &FlagError{err: err}
			}
			if !seen[a.ID()] {
				seen[a.ID()] = true
				adapters = append(adapters, a)
			}
		}
	}
	transport, err := gatecfg.Resolve(opts.Env, gatecfg.Flags{GateURL: opts.GateURL, Socket: opts.GateSocket, PublicBaseURL: opts.PublicBaseURL})
	if err != nil {
		return &FlagError{err: err}
	}
	// What install would write: its own logic, with its warnings muted
	// (list reports differences, not advice about the binary).
	quiet := &iostreams.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	inst := &installOptions{targetOptions: targetOptions{DryRun: true}, IO: quiet, Env: opts.Env, Executable: opts.Executable, BinaryPath: opts.BinaryPath}
	// A --binary-path names the user's own binary; project files are
	// compared with the portable default, as people install them.
	portableInst := *inst
	portableInst.BinaryPath = ""
	rep := listReport{Name: opts.Name, Expected: describeArgs(transport.Args(false), nil)}
	for _, a := range adapters {
		locs, err := ides.Locations(a, opts.Env)
		if err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %v", a.DisplayName(), err))
		}
		rows := make([]listRow, 0, len(locs))
		for _, loc := range locs {
			rows = append(rows, inspect(a, opts.Env, loc, opts.Name))
		}
		for i, loc := range locs {
			r := &rows[i]
			if !r.Configured {
				continue
			}
			portable := loc.Scope == ides.ScopeProject
			ci := inst
			if portable {
				ci = &portableInst
			}
			command, err := ci.command(newReporter(quiet), portable)
			if err != nil {
				rep.Warnings = append(rep.Warnings, err.Error())
				continue
			}
			want, err := a.Entry(installSpec(transport, command, a.ID(), portable))
			if err != nil {
				return err
			}
			r.Differences = entryDifferences(loc, opts.Env, want, opts.Name)
			current := len(r.Differences) == 0
			r.Current = &current
		}
		clientView(a, opts.Env, rows, opts.Name)
		rep.Rows = append(rep.Rows, rows...)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	printList(opts.IO.Out, rep)
	for _, w := range rep.Warnings {
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", w)
	}
	return nil
}

// readDoc reads and parses the file of t; nil and no error when it does
// not exist.
func readDoc(t ides.Target, display string) (*merge.Document, bool, error) {
	data, existed, err := merge.ReadFile(t.Path)
	if err != nil {
		return nil, existed, &merge.FileError{Op: "read", Path: display, Err: err}
	}
	if !existed {
		return nil, false, nil
	}
	doc, err := merge.Parse(data, t.Strict)
	if err != nil {
		return nil, true, &merge.FileError{Op: "parse", Path: display, Err: err}
	}
	return doc, true, nil
}

func entryPath(t ides.Target, name string) []string {
	return append(append([]string(nil), t.Servers...), name)
}

// inspect reads one file and fills in what is there.
func inspect(a ides.Adapter, env ides.Env, loc ides.Location, name string) listRow {
	r := listRow{IDE: a.ID(), IDEName: a.DisplayName(), Scope: ides.ScopeName(a, loc.Scope), Variant: loc.Variant,
		File: env.Display(loc.Path), Path: loc.Path}
	doc, exists, err := readDoc(loc.Target, r.File)
	r.Exists = exists
	if err != nil {
		r.Error = err.Error()
		return r
	}
	if doc == nil {
		return r
	}
	if schema := schemas.For(a.ID(), loc.Target); schema != "" {
		if data, _, err := merge.ReadFile(loc.Path); err == nil {
			if err := schemas.Validate(schema, data); err != nil {
				r.SchemaError = err.Error()
			}
		}
	}
	raw, ok := doc.Get(entryPath(loc.Target, name)...)
	if !ok {
		return r
	}
	r.Configured = true
	var e struct {
		Command string            `json:"command"`
		Args    []string          `json:"args"`
		Env     map[string]string `json:"env"`
		URL     string            `json:"url"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		r.Transport = "unrecognised entry"
		return r
	}
	r.Command = e.Command
	if e.URL != "" {
		r.Transport = "remote " + e.URL
		return r
	}
	r.Transport = describeArgs(e.Args, e.Env)
	return r
}

// describeArgs says which gate a serve command line reaches.
func describeArgs(args []string, env map[string]string) string {
	flag := func(name string) string {
		for i, a := range args {
			if a == name && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, name+"="); ok {
				return v
			}
		}
		return ""
	}
	switch {
	case flag("--gate-url") != "":
		return "HTTP " + flag("--gate-url")
	case flag("--gate-socket") != "":
		return "socket " + flag("--gate-socket")
	case env["LATCHGATE_URL"] != "":
		return "HTTP " + env["LATCHGATE_URL"]
	case env["LATCHGATE_SOCKET"] != "":
		return "socket " + env["LATCHGATE_SOCKET"]
	}
	return "default socket"
}

// entryDifferences compares the entry in the file with want, field by
// field, in words.
func entryDifferences(loc ides.Location, env ides.Env, want json.RawMessage, name string) []string {
	doc, _, err := readDoc(loc.Target, "")
	if err != nil || doc == nil {
		return nil
	}
	raw, _ := doc.Get(entryPath(loc.Target, name)...)
	var have, exp map[string]any
	if json.Unmarshal(raw, &have) != nil {
		return []string{"the entry is not an object"}
	}
	if json.Unmarshal(want, &exp) != nil {
		return nil
	}
	var out []string
	keys := map[string]bool{}
	for k := range have {
		keys[k] = true
	}
	for k := range exp {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	// command first, then args and env, then the rest by name.
	rank := map[string]int{"command": 0, "args": 1, "env": 2}
	sort.Slice(sorted, func(i, j int) bool {
		ri, oki := rank[sorted[i]]
		rj, okj := rank[sorted[j]]
		if oki != okj {
			return oki
		}
		if oki {
			return ri < rj
		}
		return sorted[i] < sorted[j]
	})
	for _, k := range sorted {
		h, hok := have[k]
		w, wok := exp[k]
		switch {
		case !wok:
			out = append(out, fmt.Sprintf("%s: %s (install does not write it)", k, compact(h)))
		case !hok:
			out = append(out, fmt.Sprintf("%s: missing (install writes %s)", k, compact(w)))
		case !reflect.DeepEqual(h, w):
			if k == "args" {
				ha, _ := json.Marshal(h)
				wa, _ := json.Marshal(w)
				var hs, ws []string
				_ = json.Unmarshal(ha, &hs)
				_ = json.Unmarshal(wa, &ws)
				if th, tw := describeArgs(hs, nil), describeArgs(ws, nil); th != tw {
					out = append(out, fmt.Sprintf("gate: %s (install writes %s)", th, tw))
					continue
				}
			}
			out = append(out, fmt.Sprintf("%s: %s (install writes %s)", k, compact(h), compact(w)))
		}
	}
	return out
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// clientView fills in what the IDE will do with each configured entry.
func clientView(a ides.Adapter, env ides.Env, rows []listRow, name string) {
	if a.ID() == (claudecode.Adapter{}).ID() {
		claudeView(env, rows, name)
		return
	}
	configured := map[string]bool{}
	for _, r := range rows {
		if r.Configured {
			configured[r.Scope+"|"+r.Variant] = true
		}
	}
	for i := range rows {
		r := &rows[i]
		if !r.Configured {
			continue
		}
		r.Client = "active"
		switch {
		case strings.HasPrefix(r.Variant, "profile "):
			r.Detail = "when the " + strings.TrimPrefix(r.Variant, "profile ") + " profile is in use"
		case r.IDE != "cursor" && r.Scope == "user":
			r.Detail = "in the default profile"
		}
		if a.ID() == "cursor" && r.Scope == "user" && configured["project|"] {
			r.Detail = "the project's entry of the same name is used in this project"
		}
	}
}

// claudeView applies Claude Code's rules: local > project > user for the
// same name, and .mcp.json servers need approval.
func claudeView(env ides.Env, rows []listRow, name string) {
	in := map[string]bool{}
	for _, r := range rows {
		if r.Configured {
			in[r.Scope] = true
		}
	}
	approval, source := claudeApproval(env, name)
	for i := range rows {
		r := &rows[i]
		if !r.Configured {
			continue
		}
		switch r.Scope {
		case "local":
			r.Client = "active"
			if claudeLocalDisabled(env, name) {
				r.Client = "disabled"
				r.Detail = "turned off with /mcp in this project (disabledMcpServers)"
			}
		case "project":
			switch {
			case in["local"]:
				r.Client, r.Detail = "shadowed", "the local-scope entry wins in this project"
			case approval == "disabled":
				r.Client, r.Detail = "disabled", "rejected in "+source+" (disabledMcpjsonServers)"
			case approval == "approved":
				r.Client, r.Detail = "active", "approved in "+source
			default:
				r.Client, r.Detail = "pending-approval", "Claude Code asks before starting it; install --approve approves it"
			}
		case "user":
			r.Client = "active"
			switch {
			case in["local"]:
				r.Client, r.Detail = "shadowed", "the local-scope entry wins in this project"
			case in["project"]:
				r.Client, r.Detail = "shadowed", "the project's .mcp.json entry wins in this project"
			}
		}
	}
}

// claudeApproval reads the approval of project server name from the
// settings files Claude Code consults, most personal last: a rejection
// anywhere wins over approvals.
func claudeApproval(env ides.Env, name string) (state, source string) {
	files := []string{
		claudecode.SettingsPath(env),
		ides.Join(env, env.ProjectRoot, ".claude", "settings.json"),
		ides.Join(env, env.ProjectRoot, ".claude", "settings.local.json"),
	}
	for _, p := range files {
		doc, _, err := readDoc(ides.Target{Path: p, Strict: false}, "")
		if err != nil || doc == nil {
			continue
		}
		display := env.Display(p)
		if inList(doc, name, "disabledMcpjsonServers") {
			return "disabled", display
		}
		if state == "" && inList(doc, name, "enabledMcpjsonServers") {
			state, source = "approved", display
		}
		if state == "" {
			if raw, ok := doc.Get("enableAllProjectMcpServers"); ok && string(raw) == "true" {
				state, source = "approved", display+" (enableAllProjectMcpServers)"
			}
		}
	}
	return state, source
}

func inList(doc *merge.Document, name string, key ...string) bool {
	raw, ok := doc.Get(key...)
	if !ok {
		return false
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return false
	}
	for _, s := range list {
		if s == name {
			return true
		}
	}
	return false
}

func claudeLocalDisabled(env ides.Env, name string) bool {
	doc, _, err := readDoc(ides.Target{Path: claudecode.StatePath(env), Strict: true}, "")
	return err == nil && doc != nil && inList(doc, name, "projects", env.ProjectRoot, "disabledMcpServers")
}

// printList prints the human table, then the details of stale entries.
func printList(w io.Writer, rep listReport) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IDE\tSCOPE\tFILE\tENTRY\tCURRENT\tCLIENT")
	for _, r := range rep.Rows {
		scope := r.Scope
		if r.Variant != "" {
			scope += " (" + r.Variant + ")"
		}
		entry, current, client := "-", "-", "-"
		switch {
		case r.Error != "":
			entry = "unreadable"
		case !r.Exists:
			entry = "no file"
		case !r.Configured:
			entry = "not there"
		default:
			entry = r.Command + ", " + r.Transport
			client = r.Client
			if r.Current != nil {
				current = "yes"
				if !*r.Current {
					current = "stale"
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.IDEName, scope, r.File, entry, current, client)
	}
	tw.Flush()
	var notes []string
	for _, r := range rep.Rows {
		switch {
		case r.Error != "":
			notes = append(notes, r.Error)
		case r.SchemaError != "":
			notes = append(notes, fmt.Sprintf("%s: %s", r.File, r.SchemaError))
		}
		switch {
		case r.Error != "":
		case r.Configured:
			for _, d := range r.Differences {
				notes = append(notes, fmt.Sprintf("%s: %s", r.File, d))
			}
			if r.Detail != "" && r.Client != "active" {
				notes = append(notes, fmt.Sprintf("%s: %s: %s", r.File, r.Client, r.Detail))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	fmt.Fprintf(w, "\ninstall would write: %s\n", rep.Expected)
}
