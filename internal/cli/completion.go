package cli

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/ides/vscode"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
)

// Shell completion of flag values and arguments. cobra completes command
// and flag names by itself; the values are ours. They are registered by
// flag name over the whole command tree, so that a command gets them by
// declaring the flag, and its file needs no completion code.

// flagCompletions maps a flag name to the completion of its values.
func flagCompletions(f *Factory) map[string]cobra.CompletionFunc {
	return map[string]cobra.CompletionFunc{
		"ide":       completeIDEs,
		"scope":     completeScopes,
		"log-level": completeLogLevels,
		"shell":     completeShell,
		"vscode-profile": func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return completeProfiles(f, cmd, toComplete)
		},
	}
}

// registerCompletions walks the tree under root and registers the value
// completion of every flag named in flagCompletions, and the completion
// of restore's FILE argument.
func registerCompletions(root *cobra.Command, f *Factory) {
	comps := flagCompletions(f)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range comps {
			if c.Flags().Lookup(name) == nil {
				continue
			}
			if _, ok := c.GetFlagCompletionFunc(name); ok {
				continue // a persistent flag registered on a parent, or the command's own
			}
			// Cannot fail: the flag exists and has no completion yet.
			_ = c.RegisterFlagCompletionFunc(name, fn)
		}
		if c.Name() == "restore" && c.Parent() == root && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return completeBackedUpFiles(f, toComplete)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// isCompletionRequest reports whether args ask cobra's hidden completion
// command for candidates, which is how every shell script asks.
func isCompletionRequest(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}

// plainDescriptions rewrites the help texts that completion shows as
// descriptions: cobra shows a flag's usage as it is written, and pflag's
// `NAME` placeholders (which --help turns into "--flag NAME") would show
// their backquotes. Only the first line is kept. It is applied only when
// answering a completion request, so --help keeps its placeholders.
func plainDescriptions(root *cobra.Command) {
	plain := func(s string) string {
		s, _, _ = strings.Cut(s, "\n")
		return strings.ReplaceAll(s, "`", "")
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.Short = plain(c.Short)
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(fl *pflag.Flag) { fl.Usage = plain(fl.Usage) })
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// listCompletion completes the last element of a comma-separated list
// (StringSlice flags take "a,b"): it keeps what is before the last comma,
// leaves out values already given (in this word or an earlier use of
// the flag), and keeps the candidates that start with what was typed.
func listCompletion(cmd *cobra.Command, flag, toComplete string, candidates []cobra.Completion) []cobra.Completion {
	prefix, last := "", toComplete
	fl := cmd.Flags().Lookup(flag)
	isList := fl != nil && strings.HasSuffix(fl.Value.Type(), "Slice")
	if i := strings.LastIndex(toComplete, ","); isList && i >= 0 {
		prefix, last = toComplete[:i+1], toComplete[i+1:]
	}
	given := map[string]bool{}
	if isList {
		if prev, err := cmd.Flags().GetStringSlice(flag); err == nil {
			for _, v := range prev {
				given[strings.ToLower(v)] = true
			}
		}
		for _, v := range strings.Split(prefix, ",") {
			given[strings.ToLower(v)] = true
		}
	}
	var out []cobra.Completion
	for _, c := range candidates {
		value, desc, _ := strings.Cut(string(c), "\t")
		if given[strings.ToLower(value)] || !strings.HasPrefix(strings.ToLower(value), strings.ToLower(last)) {
			continue
		}
		out = append(out, cobra.CompletionWithDesc(prefix+value, desc))
	}
	return out
}

// completeIDEs offers every adapter's ID, described by its product name.
func completeIDEs(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var cands []cobra.Completion
	for _, a := range all.Adapters() {
		cands = append(cands, cobra.CompletionWithDesc(a.ID(), a.DisplayName()))
	}
	return listCompletion(cmd, "ide", toComplete, cands), cobra.ShellCompDirectiveNoFileComp
}

// selectedAdapters returns the adapters named by the command's --ide so
// far, or all of them when there is none (or none we know).
func selectedAdapters(cmd *cobra.Command) []ides.Adapter {
	ids, err := cmd.Flags().GetStringSlice("ide")
	if err != nil || len(ids) == 0 {
		return all.Adapters()
	}
	var out []ides.Adapter
	for _, id := range ids {
		if a, err := all.Lookup(id); err == nil && !slices.ContainsFunc(out, func(b ides.Adapter) bool { return b.ID() == a.ID() }) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return all.Adapters()
	}
	return out
}

// scopeDescriptions says who an entry in each scope is for.
var scopeDescriptions = map[ides.Scope]string{
	ides.ScopeUser:    "you, in every project",
	ides.ScopeLocal:   "you, in this project only",
	ides.ScopeProject: "everyone in the project (a file in it)",
}

// completeScopes offers the scopes of the IDEs chosen with --ide (all
// IDEs when none is), saying which IDEs have a scope when not all do, and
// the other names an IDE uses for one ("workspace").
func completeScopes(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if cmd.Name() == "enforce" {
		cands := []cobra.Completion{
			cobra.CompletionWithDesc("user", "guard: your own settings (the default)"),
			cobra.CompletionWithDesc("project", "guard: the project's shared settings"),
			cobra.CompletionWithDesc("managed", "lock: the machine's settings, as root"),
		}
		return listCompletion(cmd, "scope", toComplete, cands), cobra.ShellCompDirectiveNoFileComp
	}
	adapters := selectedAdapters(cmd)
	var order []ides.Scope
	has := map[ides.Scope][]string{}    // scope -> product names
	otherNames := map[string][]string{} // another name -> product names
	otherOf := map[string]ides.Scope{}  // another name -> scope
	for _, a := range adapters {
		for _, s := range a.Scopes() {
			if _, seen := has[s]; !seen {
				order = append(order, s)
			}
			has[s] = append(has[s], a.DisplayName())
			if n := ides.ScopeName(a, s); n != string(s) {
				if _, seen := otherNames[n]; !seen {
					otherOf[n] = s
				}
				otherNames[n] = append(otherNames[n], a.DisplayName())
			}
		}
	}
	var cands []cobra.Completion
	for _, s := range order {
		desc := scopeDescriptions[s]
		if desc == "" {
			desc = string(s)
		}
		if len(has[s]) < len(adapters) {
			desc += " (" + strings.Join(has[s], ", ") + ")"
		}
		cands = append(cands, cobra.CompletionWithDesc(string(s), desc))
	}
	names := make([]string, 0, len(otherNames))
	for n := range otherNames {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		verb := "calls"
		if len(otherNames[n]) > 1 {
			verb = "call"
		}
		cands = append(cands, cobra.CompletionWithDesc(n, fmt.Sprintf("%s, as %s %s it", otherOf[n], strings.Join(otherNames[n], " and "), verb)))
	}
	return listCompletion(cmd, "scope", toComplete, cands), cobra.ShellCompDirectiveNoFileComp
}

// logLevels are the --log-level values offered (serve accepts a few
// more spellings, and RUST_LOG-style filters).
var logLevels = []struct {
	level slog.Level
	name  string
	desc  string
}{
	{slog.LevelError, "error", "errors only"},
	{slog.LevelWarn, "warn", "warnings and errors, the default"},
	{slog.LevelInfo, "info", "connections, discovery and calls too"},
	{slog.LevelDebug, "debug", "everything, for a bug report"},
}

// completeShell offers enforce's --shell policies.
func completeShell(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cands := []cobra.Completion{
		cobra.CompletionWithDesc("sandbox", "the client's sandbox without network (the default where it can run)"),
		cobra.CompletionWithDesc("deny", "no shell tool"),
		cobra.CompletionWithDesc("open", "leave the shell; interpreters can reach the network"),
	}
	return listCompletion(cmd, "shell", toComplete, cands), cobra.ShellCompDirectiveNoFileComp
}

func completeLogLevels(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var cands []cobra.Completion
	for _, l := range logLevels {
		cands = append(cands, cobra.CompletionWithDesc(l.name, l.desc))
	}
	return listCompletion(cmd, "log-level", toComplete, cands), cobra.ShellCompDirectiveNoFileComp
}

// profileLister is implemented by adapters whose IDE has named profiles,
// each with its own file.
type profileLister interface {
	Profiles(env ides.Env) ([]vscode.Profile, error)
}

// completeProfiles offers the named profiles found on this machine, for
// the IDEs chosen with --ide (every IDE with profiles when none is). The
// default profile needs no flag, so it is not offered.
func completeProfiles(f *Factory, cmd *cobra.Command, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	env, err := f.Env()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var order []string
	in := map[string][]string{} // profile name -> product names
	add := func(name, product string) {
		if _, seen := in[name]; !seen {
			order = append(order, name)
		}
		if !slices.Contains(in[name], product) {
			in[name] = append(in[name], product)
		}
	}
	for _, a := range selectedAdapters(cmd) {
		pl, ok := a.(profileLister)
		if !ok {
			continue
		}
		profiles, err := pl.Profiles(env)
		if err != nil {
			continue // a broken profile list: install reports it
		}
		for _, p := range profiles {
			add(p.Name, a.DisplayName())
		}
	}
	var cands []cobra.Completion
	for _, n := range order {
		cands = append(cands, cobra.CompletionWithDesc(n, "profile of "+strings.Join(in[n], " and ")))
	}
	return listCompletion(cmd, "vscode-profile", toComplete, cands), cobra.ShellCompDirectiveNoFileComp
}

// completeBackedUpFiles offers the files that have backups, spelled the
// way the user started: relative to the current directory, with "~/", or
// absolute.
func completeBackedUpFiles(f *Factory, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	env, err := f.Env()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	store := &backup.Store{Dir: filepath.Join(stateDir(env), "backups")}
	files, err := store.Files()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, p := range files {
		backups, err := store.List(p)
		if err != nil || len(backups) == 0 {
			continue
		}
		desc := fmt.Sprintf("%d backups, newest %s", len(backups), backups[0].Time.Local().Format("2006-01-02 15:04"))
		if len(backups) == 1 {
			desc = "1 backup, " + backups[0].Time.Local().Format("2006-01-02 15:04")
		}
		spellings := []string{env.Display(p), p}
		if rel, err := filepath.Rel(env.WorkDir, p); err == nil && env.WorkDir != "" && !strings.HasPrefix(rel, "..") {
			spellings = append([]string{rel}, spellings...)
		}
		for _, s := range spellings {
			if strings.HasPrefix(s, toComplete) {
				out = append(out, cobra.CompletionWithDesc(s, desc))
				break
			}
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
