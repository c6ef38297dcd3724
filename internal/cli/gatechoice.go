package cli

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/gatecfg"
)

// existingGates reads the gate each of adapters' entries named name uses
// now, in the scope the run writes: a re-run without gate flags keeps it
// (gatecfg.ResolveFor). Unreadable files and foreign commands are skipped.
func existingGates(env ides.Env, adapters []ides.Adapter, scopes map[string]ides.Scope, name, profile string) []gatecfg.Existing {
	var out []gatecfg.Existing
	for _, a := range adapters {
		scope, ok := scopes[a.ID()]
		if !ok {
			continue
		}
		t, err := a.Target(env, scope)
		if err != nil {
			continue
		}
		if e, ok := entryGate(env, a, t, name); ok {
			out = append(out, e)
		}
	}
	return out
}

// entryGate reads the gate of the entry name in t, if there is a serve
// entry there.
func entryGate(env ides.Env, a ides.Adapter, t ides.Target, name string) (gatecfg.Existing, bool) {
	doc, _, err := t.ReadDoc(env)
	if err != nil || doc == nil {
		return gatecfg.Existing{}, false
	}
	v, ok := doc.Get(t.EntryPath(name)...)
	if !ok {
		return gatecfg.Existing{}, false
	}
	stored, err := ides.ReadEntry(a, v)
	if err != nil {
		return gatecfg.Existing{}, false
	}
	f, ok := gatecfg.FromEntry(stored.Args, stored.EnvMap())
	return gatecfg.Existing{Flags: f, Where: env.Display(t.Path)}, ok
}

// chooseTransport resolves the gate in gatecfg.ResolveFor's order and
// says where it came from, and, when flags or the environment move a
// working entry to another gate, says that in one line. A bad flag value
// is a usage error; a broken latchgate.toml is a file error.
func chooseTransport(out *reporter, env ides.Env, flags gatecfg.Flags, existing []gatecfg.Existing) (gatecfg.Transport, error) {
	t, err := gatecfg.ResolveFor(env, flags, existing)
	if err != nil {
		if flags != (gatecfg.Flags{}) {
			return t, &FlagError{err: err}
		}
		return t, withHint(err, "fix the file, or name the gate with --gate-url or --gate-socket")
	}
	describeTransport(out, t)
	for _, e := range existing {
		old, err := e.Transport(env, "")
		if err != nil || old.Same(t) {
			continue
		}
		out.info("gate: %s -> %s in %s", old.Describe(), t.Describe(), e.Where)
	}
	return t, nil
}
