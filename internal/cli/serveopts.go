package cli

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

// serveExtras are the serve options install can write into an entry, so
// that nobody has to hand-edit one (and lose the edit on the next run).
type serveExtras struct {
	Include, Exclude []string
	FSRoot           string
	NoFSRoot         bool
	TLSCA            string
	TLSCert, TLSKey  string
	LogLevel         string
	Env              []string // K=V
}

func (x *serveExtras) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&x.Include, "include", nil, "the entry offers only actions whose id matches one of these `GLOBS` (serve --include)")
	fl.StringSliceVar(&x.Exclude, "exclude", nil, "the entry never offers actions whose id matches one of these `GLOBS` (serve --exclude)")
	fl.StringVar(&x.FSRoot, "fs-root", "", "the lease's fs_root for the entry (`DIR`, serve --fs-root)")
	fl.BoolVar(&x.NoFSRoot, "no-fs-root", false, "the entry sends no fs_root (serve --no-fs-root)")
	fl.StringVar(&x.TLSCA, "tls-ca", "", "PEM CA bundle for an https gate (`FILE`, serve --tls-ca)")
	fl.StringVar(&x.TLSCert, "tls-cert", "", "PEM client certificate for mutual TLS (`FILE`, serve --tls-cert)")
	fl.StringVar(&x.TLSKey, "tls-key", "", "PEM private key of --tls-cert (`FILE`, serve --tls-key)")
	fl.StringVar(&x.LogLevel, "log-level", "", "serve's log level in the entry: error, warn, info or debug")
	fl.StringArrayVar(&x.Env, "env", nil, "an environment variable `K=V` for the entry (repeatable)")
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// check validates the options the way serve will, so an entry never
// holds what serve refuses; paths become absolute, since the client
// starts serve in a directory of its own choosing.
func (x *serveExtras) check(gateIsHTTPS bool) error {
	if x.FSRoot != "" && x.NoFSRoot {
		return flagErrorf("--fs-root and --no-fs-root cannot be used together")
	}
	if (x.TLSCA != "" || x.TLSCert != "" || x.TLSKey != "") && !gateIsHTTPS {
		return flagErrorf("--tls-ca, --tls-cert and --tls-key need an https gate (--gate-url https://...)")
	}
	if (x.TLSCert == "") != (x.TLSKey == "") {
		return flagErrorf("--tls-cert and --tls-key must be given together")
	}
	switch x.LogLevel {
	case "", "error", "warn", "info", "debug":
	default:
		return flagErrorf("invalid --log-level %q: use error, warn, info or debug", x.LogLevel)
	}
	for _, p := range []*string{&x.FSRoot, &x.TLSCA, &x.TLSCert, &x.TLSKey} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return err
			}
			*p = abs
		}
	}
	for _, kv := range x.Env {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || !envName.MatchString(k) {
			return flagErrorf("invalid --env %q: use NAME=VALUE", kv)
		}
	}
	return nil
}

// apply adds the options to spec: flags after the gate's, variables after
// the ones install always sets (a --env of the same name replaces one).
func (x *serveExtras) apply(spec *ides.ServerSpec) {
	add := func(flag, v string) {
		if v != "" {
			spec.Args = append(spec.Args, flag, v)
		}
	}
	add("--include", strings.Join(x.Include, ","))
	add("--exclude", strings.Join(x.Exclude, ","))
	add("--fs-root", x.FSRoot)
	if x.NoFSRoot {
		spec.Args = append(spec.Args, "--no-fs-root")
	}
	add("--tls-ca", x.TLSCA)
	add("--tls-cert", x.TLSCert)
	add("--tls-key", x.TLSKey)
	add("--log-level", x.LogLevel)
	for _, kv := range x.Env {
		k, v, _ := strings.Cut(kv, "=")
		replaced := false
		for i := range spec.Env {
			if spec.Env[i].Name == k {
				spec.Env[i].Value, replaced = v, true
			}
		}
		if !replaced {
			spec.Env = append(spec.Env, ides.EnvVar{Name: k, Value: v})
		}
	}
}
