package doctor

import "github.com/latchgate-ai/latchgate-mcp/ides"

// LaunchFor exposes launchFor to the tests: how an IDE would start an entry.
func LaunchFor(env ides.Env, adapterID, command string, args []string, vars map[string]string) (cmd, path string, outArgs, environ, missing []string) {
	a := map[string]ides.Adapter{}
	for _, ad := range allAdapters() {
		a[ad.ID()] = ad
	}
	e := &entry{a: a[adapterID], Command: command, Args: args, Env: vars}
	l := launchFor(env, e)
	return l.command, l.path, l.args, l.env, l.missing
}

// WithGate exposes withGate: the serve arguments with the gate flags replaced.
var WithGate = withGate
