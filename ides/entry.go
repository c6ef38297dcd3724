package ides

import (
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// install owns only what it writes. In an entry that is already there, it
// replaces the command, "serve" and the serve flags it sets, and the
// environment variables it sets; everything else the user added (another
// --exclude, a variable of their own, a client key such as "disabled")
// is kept, so a re-run, setup or doctor --fix never undoes a hand edit.

// valueFlags are serve's flags that take a value (as "--flag value" or
// "--flag=value"); the others are switches.
var valueFlags = map[string]bool{
	"--gate-url": true, "--gate-socket": true, "--public-base-url": true,
	"--agent-id": true, "--session-id": true, "--include": true, "--exclude": true,
	"--fs-root": true, "--tls-ca": true, "--tls-cert": true, "--tls-key": true,
	"--log-level": true,
}

// transportFlags choose the gate: setting any of them replaces all three,
// so an entry never mixes an old socket with a new URL.
var transportFlags = []string{"--gate-url", "--gate-socket", "--public-base-url"}

// flagSpans splits serve arguments (after "serve") into one span per
// flag with its value, or per positional argument.
func flagSpans(args []string) [][]string {
	var out [][]string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if valueFlags[a] && i+1 < len(args) {
			out = append(out, args[i:i+2])
			i++
			continue
		}
		out = append(out, args[i:i+1])
	}
	return out
}

func flagName(span []string) string {
	name, _, _ := strings.Cut(span[0], "=")
	return name
}

// MergeSpec returns fresh, what install writes now, with what the user
// added to the stored entry: serve flags fresh does not set, in their
// order after fresh's own, and environment variables fresh does not set.
// kept describes those, for the report.
func MergeSpec(stored StoredEntry, fresh ServerSpec) (merged ServerSpec, kept []string) {
	merged = fresh
	merged.Name = fresh.Name
	merged.Args = append([]string(nil), fresh.Args...)
	merged.Env = append(EnvList(nil), fresh.Env...)
	owned := map[string]bool{}
	for _, span := range flagSpans(fresh.Args) {
		owned[flagName(span)] = true
	}
	if slices.ContainsFunc(transportFlags, func(f string) bool { return owned[f] }) {
		for _, f := range transportFlags {
			owned[f] = true
		}
	}
	// --fs-root and --no-fs-root are one choice.
	if owned["--fs-root"] || owned["--no-fs-root"] {
		owned["--fs-root"], owned["--no-fs-root"] = true, true
	}
	storedArgs := stored.Args
	if len(storedArgs) > 0 && storedArgs[0] == "serve" {
		storedArgs = storedArgs[1:]
	} else if len(storedArgs) > 0 || stored.Command == "" {
		// Not a serve command line: nothing in it is a user's flag.
		storedArgs = nil
	}
	for _, span := range flagSpans(storedArgs) {
		if owned[flagName(span)] {
			continue
		}
		merged.Args = append(merged.Args, span...)
		kept = append(kept, strings.Join(span, " "))
	}
	for _, v := range stored.Env {
		if slices.ContainsFunc(merged.Env, func(e EnvVar) bool { return e.Name == v.Name }) ||
			slices.Contains(fresh.Forward, v.Name) {
			continue
		}
		merged.Env = append(merged.Env, v)
		kept = append(kept, "env "+v.Name)
	}
	return merged, kept
}

// UpsertEntry is the edit that writes a's entry for spec under name in
// t's file, keeping what the user added to an entry already there (see
// MergeSpec and KeepUserKeys) and saying what was kept.
func UpsertEntry(a Adapter, t Target, name string, spec ServerSpec) merge.Edit {
	spec.Name = name
	return func(doc config.Document) (bool, error) {
		path := t.EntryPath(name)
		value, err := a.Entry(spec)
		if err != nil {
			return false, err
		}
		var kept []string
		if old, ok := doc.Get(path...); ok {
			if stored, err := ReadEntry(a, old); err == nil {
				merged, k := MergeSpec(stored, spec)
				if value, err = a.Entry(merged); err != nil {
					return false, err
				}
				kept = k
			}
			before := value
			value = KeepUserKeys(a, old, value)
			for _, m := range value.Members() {
				if _, ours := before.Field(m.Key); !ours {
					kept = append(kept, "key "+m.Key)
				}
			}
		}
		changed, err := doc.Set(value, path...)
		if err == nil && changed && len(kept) > 0 {
			doc.Note("kept what you added to the %q entry: %s", name, strings.Join(kept, ", "))
		}
		return changed, err
	}
}

// EntryEdit is the entry edit of req in t: what every adapter's install
// writes under the server's name (adapters that plan their own install,
// ides.Planner, call it too).
func EntryEdit(a Adapter, t Target, req Request) merge.Edit {
	return UpsertEntry(a, t, req.Name, req.Spec)
}
