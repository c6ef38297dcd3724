package doctor

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

// launch is how the client would start an entry: the command as it
// expands and resolves, the arguments, the environment and the directory.
type launch struct {
	command string   // after expansion
	path    string   // what the command resolves to; "" when it does not
	args    []string // after expansion
	env     []string // the server's whole environment, KEY=VALUE
	lookup  func(string) string
	dir     string
	missing []string // variables referenced, unset and without a default
	rule    string   // the client's environment rule, for messages
}

// launchFor works out how the IDE of e starts it, with the IDE's rules
// for ${...} expansion and for the environment the server gets.
func launchFor(env ides.Env, e *entry) *launch {
	l := &launch{dir: env.ProjectRoot}
	rules := ides.LaunchOf(e.a, env)
	vars := map[string]string{}
	if rules.InheritAll {
		for k, v := range env.Vars {
			vars[k] = v
		}
	} else {
		for _, k := range rules.Inherit {
			if v, ok := env.Vars[k]; ok {
				vars[k] = v
			}
		}
	}
	for _, k := range e.Forward {
		if v, ok := env.Vars[k]; ok {
			vars[k] = v
		}
	}
	for k, v := range rules.Extra {
		vars[k] = v
	}
	l.rule = rules.Rule
	expand := func(s string) string { return s }
	if rules.Expand != nil {
		expand = func(s string) string { return rules.Expand(s, env, &l.missing) }
	}
	l.command = expand(e.Command)
	for _, a := range e.Args {
		l.args = append(l.args, expand(a))
	}
	for k, v := range e.Env {
		vars[k] = expand(v)
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		l.env = append(l.env, k+"="+vars[k])
	}
	l.lookup = func(k string) string { return vars[k] }
	l.path = resolveCommand(l.command, vars["PATH"], l.dir)
	return l
}

// resolveCommand finds command the way a spawning client does: a name
// without a separator on PATH, a relative path from dir. "" when there is
// no such executable file.
func resolveCommand(command, pathEnv, dir string) string {
	if command == "" {
		return ""
	}
	if strings.ContainsAny(command, `/\`) {
		p := command
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return p
	}
	for _, d := range filepath.SplitList(pathEnv) {
		if d == "" {
			continue
		}
		cand := filepath.Join(d, command)
		if info, err := os.Stat(cand); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return cand
		}
	}
	return ""
}
