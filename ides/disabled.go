package ides

import (
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// An OffSwitch reports whether a stored entry is turned off in its client
// ("disabled": true, "enabled": false) and how the file says so, for the
// detail list and doctor show.
type OffSwitch func(entry config.Value) (off bool, detail string)

// DisabledSwitch is the OffSwitch of clients that skip an entry with
// key set to true ("disabled": true in Cline, Roo Code and Windsurf).
func DisabledSwitch(key string) OffSwitch {
	return func(v config.Value) (bool, string) {
		x, ok := v.Field(key)
		return ok && x.Kind() == config.Bool && x.Bool(), `turned off ("` + key + `": true)`
	}
}

// EnabledSwitch is the OffSwitch of clients that skip an entry with key
// set to false ("enabled": false in Zed and OpenClaw).
func EnabledSwitch(key string) OffSwitch {
	return func(v config.Value) (bool, string) {
		x, ok := v.Field(key)
		return ok && x.Kind() == config.Bool && !x.Bool(), `turned off ("` + key + `": false)`
	}
}

// DisabledView is a ClientView for clients whose entries can be switched
// off in the file: DefaultClientView, then every configured entry that
// off says is off becomes "disabled". It reads each state's file through
// a's Locations, matching scope and variant.
func DisabledView(a Adapter, env Env, name string, states []EntryState, off OffSwitch) {
	DefaultClientView(states)
	locs, _ := Locations(a, env)
	for i := range states {
		s := &states[i]
		if !s.Configured {
			continue
		}
		for _, loc := range locs {
			if loc.Scope != s.Scope || loc.Variant != s.Variant {
				continue
			}
			doc, _, err := merge.ReadDoc(loc.Path, loc.Format, "")
			if err != nil || doc == nil {
				break
			}
			if v, ok := doc.Get(loc.EntryPath(name)...); ok {
				if isOff, detail := off(v); isOff {
					s.Client, s.Detail = "disabled", detail
				}
			}
			break
		}
	}
}
