package gatecfg

import (
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// An Existing is the gate an entry already installed uses, and where that
// entry is, for the message that says so.
type Existing struct {
	Flags Flags
	Where string // the file, as displayed
}

// envNames are the variables serve reads for its transport, in the order
// it prefers them.
var (
	envURL    = "LATCHGATE_URL"
	envSocket = "LATCHGATE_SOCKET"
	envPublic = []string{"LATCHGATE_PUBLIC_URL", "LATCHGATE_PUBLIC_BASE_URL"}
)

// FromEnv returns the transport named by the LATCHGATE_* variables that
// serve honours, and which of them were set.
func FromEnv(env ides.Env) (Flags, []string) {
	var f Flags
	var set []string
	if v := strings.TrimSpace(env.Get(envURL)); v != "" {
		f.GateURL = v
		set = append(set, envURL)
	} else if v := strings.TrimSpace(env.Get(envSocket)); v != "" {
		f.Socket = v
		set = append(set, envSocket)
	}
	for _, name := range envPublic {
		if v := strings.TrimSpace(env.Get(name)); v != "" {
			f.PublicBaseURL = v
			set = append(set, name)
			break
		}
	}
	return f, set
}

// FromEntry reads the gate an installed entry uses from its serve
// arguments and environment, as serve would: flags first, then the
// entry's LATCHGATE_* variables. ok is false when args are not a serve
// command line.
func FromEntry(args []string, entryEnv map[string]string) (f Flags, ok bool) {
	if len(args) == 0 || args[0] != "serve" {
		return Flags{}, false
	}
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
	f = Flags{GateURL: flag("--gate-url"), Socket: flag("--gate-socket"), PublicBaseURL: flag("--public-base-url")}
	if f.GateURL == "" && f.Socket == "" {
		f.GateURL, f.Socket = entryEnv[envURL], entryEnv[envSocket]
	}
	if f.PublicBaseURL == "" {
		for _, name := range envPublic {
			if v := entryEnv[name]; v != "" {
				f.PublicBaseURL = v
				break
			}
		}
	}
	return f, true
}

// ResolveFor finds the gate install, setup and doctor --fix write, in this
// order: the flags; the LATCHGATE_* variables serve honours; the gate the
// entries already installed use (so a re-run keeps a working gate); then
// Detect (a running latchgate up, latchgate.toml, the defaults). The
// Source says which one answered.
func ResolveFor(env ides.Env, f Flags, existing []Existing) (Transport, error) {
	if f.GateURL != "" || f.Socket != "" {
		return Resolve(env, f)
	}
	ef, set := FromEnv(env)
	if f.PublicBaseURL != "" {
		ef.PublicBaseURL = f.PublicBaseURL
	}
	if ef.GateURL != "" || ef.Socket != "" {
		t, err := Resolve(env, ef)
		if err != nil {
			return Transport{}, err
		}
		t.Source = "the environment (" + strings.Join(set, ", ") + ")"
		return t, nil
	}
	for _, e := range existing {
		pub := f.PublicBaseURL
		if pub == "" && e.Flags.PublicBaseURL == "" {
			pub = ef.PublicBaseURL
		}
		t, err := e.Transport(env, pub)
		if err != nil {
			continue // a broken entry says nothing about the gate
		}
		return t, nil
	}
	if f.PublicBaseURL == "" {
		f.PublicBaseURL = ef.PublicBaseURL
	}
	return Resolve(env, f)
}

// Transport is the gate e's entry reaches; pub, when set, overrides its
// public base URL.
func (e Existing) Transport(env ides.Env, pub string) (Transport, error) {
	g := e.Flags
	if pub != "" {
		g.PublicBaseURL = pub
	}
	if g.GateURL == "" && g.Socket == "" {
		// The entry relies on the default socket.
		g.Socket = gate.DefaultSocketPath(gateEnv(env))
	}
	t, err := Resolve(env, g)
	t.Source = "the entry already in " + e.Where
	return t, err
}

// Describe names t's transport in a few words: the URL, or the socket.
func (t Transport) Describe() string {
	if t.IsHTTP() {
		return gate.RedactURL(t.GateURL)
	}
	return "socket " + t.Socket
}

// Same reports whether t and u reach the same gate the same way.
func (t Transport) Same(u Transport) bool {
	return t.GateURL == u.GateURL && t.Socket == u.Socket && t.PublicBaseURL == u.PublicBaseURL
}
