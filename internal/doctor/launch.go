package doctor

import (
	"os"
	"path/filepath"
	"regexp"
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

// sdkInherited is what the MCP SDK stdio clients pass to a server by
// default on POSIX (ide-configs §0.3); hosts built on them (Cursor, VS
// Code) may pass no more, so doctor launches their entries with no more.
var sdkInherited = []string{"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"}

var (
	claudeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)
	vscodeVar = regexp.MustCompile(`\$\{(env:([A-Za-z_][A-Za-z0-9_]*)|userHome|workspaceFolder|workspaceFolderBasename|pathSeparator|/)\}`)
)

// launchFor works out how the IDE of e starts it, with the IDE's rules
// for ${...} expansion and for the environment the server gets.
func launchFor(env ides.Env, e *entry) *launch {
	l := &launch{dir: env.ProjectRoot}
	vars := map[string]string{}
	var expand func(string) string
	switch e.a.ID() {
	case "claude-code":
		// Claude Code passes its whole environment and adds its own
		// variables; it expands ${VAR} and ${VAR:-default}, in every
		// scope (claude-code-observed).
		for k, v := range env.Vars {
			vars[k] = v
		}
		vars["CLAUDECODE"] = "1"
		vars["CLAUDE_PROJECT_DIR"] = env.ProjectRoot
		l.rule = "Claude Code's environment"
		expand = func(s string) string {
			return claudeVar.ReplaceAllStringFunc(s, func(m string) string {
				sub := claudeVar.FindStringSubmatch(m)
				if v, ok := env.Vars[sub[1]]; ok && (v != "" || sub[2] == "") {
					return v
				}
				if sub[2] != "" {
					return sub[3]
				}
				l.missing = append(l.missing, sub[1])
				return m
			})
		}
	default:
		// Cursor and VS Code expand ${env:NAME} and a few predefined
		// variables; an unset variable becomes "".
		for _, k := range sdkInherited {
			if v, ok := env.Vars[k]; ok {
				vars[k] = v
			}
		}
		l.rule = "only " + strings.Join(sdkInherited, ", ") + " and the entry's env"
		expand = func(s string) string {
			return vscodeVar.ReplaceAllStringFunc(s, func(m string) string {
				sub := vscodeVar.FindStringSubmatch(m)
				switch {
				case sub[2] != "":
					if v, ok := env.Vars[sub[2]]; ok {
						return v
					}
					l.missing = append(l.missing, sub[2])
					return ""
				case sub[1] == "userHome":
					return env.Home
				case sub[1] == "workspaceFolder":
					return env.ProjectRoot
				case sub[1] == "workspaceFolderBasename":
					return filepath.Base(env.ProjectRoot)
				}
				return string(filepath.Separator)
			})
		}
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
