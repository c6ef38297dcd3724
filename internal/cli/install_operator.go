package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
	"github.com/latchgate-ai/latchgate-mcp/internal/opsetup"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// operatorMode holds the --operator flag of install and uninstall, and
// the operator credential flags install takes with it.
type operatorMode struct {
	On   bool
	Conn operatorConn
	cmd  *cobra.Command
}

// addInstallFlags adds --operator and the credential flags that install
// does not have already (--public-base-url and --tls-* are install's own,
// and mean the admin API's with --operator).
func (m *operatorMode) addInstallFlags(cmd *cobra.Command) {
	m.cmd = cmd
	fl := cmd.Flags()
	fl.BoolVar(&m.On, "operator", false, "install the operator server (latchgate-mcp operator) into a configuration of the IDE that the agent does not load, and deny it on the agent's side")
	c := &m.Conn
	fl.StringVar(&c.AdminSocket, "admin-socket", "", "with --operator: the gate's admin Unix socket (env LATCHGATE_ADMIN_SOCKET; default: discovered as approve does)")
	fl.StringVar(&c.AdminURL, "admin-url", "", "with --operator: the gate's admin listener URL instead of the socket (env LATCHGATE_ADMIN_URL)")
	fl.StringVar(&c.KeyPath, "operator-key", "", "with --operator: the operator's P-256 key, PEM, to copy into the operator's credential directory (env LATCHGATE_OPERATOR_KEY)")
	fl.StringVar(&c.TokenFile, "operator-token-file", "", "with --operator: file holding the operator token, copied likewise (env LATCHGATE_OPERATOR_TOKEN_FILE, or the token in LATCHGATE_OPERATOR_TOKEN)")
	fl.StringVar(&c.Name, "operator-name", "", "with --operator: which [operator_credentials] entry discovery uses (env LATCHGATE_OPERATOR_NAME)")
	fl.StringVar(&c.tokenArg, "operator-token", "", "refused: use LATCHGATE_OPERATOR_TOKEN or --operator-token-file")
	_ = fl.MarkHidden("operator-token")
}

// addUninstallFlags adds --operator to uninstall.
func (m *operatorMode) addUninstallFlags(cmd *cobra.Command) {
	m.cmd = cmd
	cmd.Flags().BoolVar(&m.On, "operator", false, "remove the operator entry and what install --operator added to the agent's configuration")
}

// checkFlags refuses flags that mean nothing with --operator, and the
// operator flags without it.
func (m *operatorMode) checkFlags(allowed ...string) error {
	fl := m.cmd.Flags()
	operatorOnly := []string{"admin-socket", "admin-url", "operator-key", "operator-token-file", "operator-name", "operator-token"}
	var bad error
	fl.Visit(func(f *pflag.Flag) {
		if bad != nil {
			return
		}
		switch {
		case !m.On && contains(operatorOnly, f.Name):
			bad = flagErrorf("--%s goes with --operator", f.Name)
		case m.On && f.Name != "operator" && !contains(allowed, f.Name) && !contains(operatorOnly, f.Name):
			bad = flagErrorf("--%s does not apply to --operator", f.Name)
		}
	})
	return bad
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// operatorAdapters looks up --ide for --operator: every IDE named, once.
func operatorAdapters(o *targetOptions) ([]ides.Adapter, error) {
	if len(o.IDEs) == 0 {
		return nil, flagErrorf("--operator needs --ide: the IDE whose separate configuration gets the operator server (IDEs: %s)", strings.Join(adapterIDs(), ", "))
	}
	if !serverName.MatchString(o.Name) {
		return nil, flagErrorf("invalid --name %q: use 1 to 64 letters, digits, '-' or '_'", o.Name)
	}
	var out []ides.Adapter
	seen := map[string]bool{}
	for _, id := range o.IDEs {
		a, err := all.Lookup(id)
		if err != nil {
			return nil, &FlagError{err: err}
		}
		if !seen[a.ID()] {
			seen[a.ID()] = true
			out = append(out, a)
		}
	}
	for _, a := range out {
		if _, ok := a.(ides.OperatorRooter); !ok {
			return nil, &FlagError{err: &opsetup.NoRootError{Adapter: a}}
		}
	}
	if o.Name == ides.OperatorEntryName {
		return nil, flagErrorf("--name names the agent's entry, which cannot be %q", ides.OperatorEntryName)
	}
	return out, nil
}

// installOperatorFlags are install's flags that keep a meaning with
// --operator.
var installOperatorFlags = []string{"ide", "name", "vscode-profile", "dry-run", "binary-path", "public-base-url", "tls-ca", "tls-cert", "tls-key"}

// operatorProbeTimeout bounds install --operator's check of the credential.
const operatorProbeTimeout = 5 * time.Second

// runInstallOperator is install --operator: copy the operator credential
// into a private directory, write the operator entry into each IDE's
// separate root (naming those files), deny the operator server on the
// agent's side, and say how to start the operator window.
func runInstallOperator(ctx context.Context, opts *installOptions) error {
	out := newReporter(opts.IO)
	if err := opts.OperatorMode.checkFlags(installOperatorFlags...); err != nil {
		return err
	}
	adapters, err := operatorAdapters(&opts.targetOptions)
	if err != nil {
		return err
	}
	base := opsetup.BaseDir(opts.Env)
	if err := opsetup.CheckRoots(opts.Env, adapters, opsetup.Request{AgentName: opts.Name, Profile: opts.Profile, Base: base}); err != nil {
		return operatorPlanError(err)
	}
	conn := &opts.OperatorMode.Conn
	conn.PublicBaseURL = opts.Gate.PublicBaseURL
	conn.TLS.CA, conn.TLS.Cert, conn.TLS.Key = opts.Serve.TLSCA, opts.Serve.TLSCert, opts.Serve.TLSKey
	cfg, info, err := conn.resolve(opts.OperatorMode.cmd, opts.Env)
	if err != nil {
		return err
	}
	for _, w := range info.Warnings {
		out.warn("%s", w)
	}
	keyPEM, err := readKeyPEM(info.KeySource)
	if err != nil {
		return err
	}
	command, err := opts.command(out, false)
	if err != nil {
		return err
	}
	credDir := opsetup.CredentialDir(opts.Env, base)
	oc := opsetup.Conn{AdminSocket: cfg.Socket, AdminURL: cfg.URL, PublicBaseURL: cfg.PublicBaseURL,
		KeyPath: filepath.Join(credDir, opsetup.KeyFile), TokenPath: filepath.Join(credDir, opsetup.TokenFile)}
	if cfg.URL != "" {
		for _, p := range []struct {
			dst *string
			src string
		}{{&oc.TLSCA, conn.TLS.CA}, {&oc.TLSCert, conn.TLS.Cert}, {&oc.TLSKey, conn.TLS.Key}} {
			if p.src != "" {
				if *p.dst, err = filepath.Abs(p.src); err != nil {
					return err
				}
			}
		}
	}
	req := opsetup.Request{AgentName: opts.Name, Profile: opts.Profile, Base: base, Command: command, Conn: oc}
	in, err := opsetup.PlanInstall(opts.Env, adapters, req)
	if err != nil {
		return operatorPlanError(err)
	}
	plan, err := newPlan(out, in.Edits, in.Notes)
	if err != nil {
		return err
	}
	if opts.DryRun {
		if len(plan.Pending()) == 0 {
			fmt.Fprintln(opts.IO.Out, "Everything is up to date; nothing would change.")
		} else {
			fmt.Fprint(opts.IO.Out, plan.Diff())
		}
		out.info("would copy the operator key and token into %s (0600, directory 0700); their contents are never shown", opts.Env.Display(credDir))
		out.info("dry run: nothing was written")
		return nil
	}

	// The gate's verdict on the credential, before anything is written:
	// a credential it rejects would only make a window that fails.
	client, err := operator.New(cfg)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, operatorProbeTimeout)
	err = client.Check(pctx)
	cancel()
	client.Close()
	var oe *operator.Error
	switch {
	case errors.As(err, &oe) && oe.Unauthorized():
		return operatorError(fmt.Errorf("check the operator credential against %s: %w", info.Target, err))
	case err != nil:
		out.warn("the gate's admin API does not answer now (%v); the operator server checks the credential again when it starts", err)
	default:
		out.info("the gate accepts this operator credential (%s)", info.Target)
	}

	st, err := opsetup.WriteCredentials(credDir, keyPEM, cfg.Token)
	clear(keyPEM)
	if err != nil {
		return withHint(err, writeHint(err))
	}
	for _, p := range st.Tightened {
		out.warn("%s was readable by others: its mode is now owner-only", opts.Env.Display(p))
	}
	for _, s := range in.Setups {
		if s.Root.Dir != "" {
			if err := os.MkdirAll(s.Root.Dir, 0o700); err != nil {
				return withHint(fmt.Errorf("create %s: %w", opts.Env.Display(s.Root.Dir), err), writeHint(err))
			}
		}
	}
	if err := applyPlan(ctx, opts.IO, opts.Env, out, plan); err != nil {
		if st.Created {
			_ = opsetup.RemoveCredentials(credDir)
		}
		return err
	}
	recPath := opsetup.RecordPath(opts.Env, base)
	rec, err := opsetup.ReadRecord(recPath)
	if err != nil {
		out.warn("%v; starting a new record of what install --operator added", err)
		rec = &opsetup.Record{}
	}
	in.Record(rec, opts.Profile)
	if err := opsetup.WriteRecord(recPath, rec); err != nil {
		out.warn("%v: uninstall --operator will not know which deny rules it added, and will leave them", err)
	}
	if st.Changed {
		fmt.Fprintf(opts.IO.Out, "wrote the operator key and token to %s (0600)\n", opts.Env.Display(credDir))
	}
	reportOperatorInstall(out, opts.Env, in, credDir)
	return nil
}

// reportOperatorInstall says how to open each operator window, and what
// the separation does not cover.
func reportOperatorInstall(out *reporter, env ides.Env, in *opsetup.Install, credDir string) {
	for _, s := range in.Setups {
		out.info("open the %s operator window with: %s", s.Adapter.DisplayName(), s.Root.Start)
		if s.Root.Alias != "" {
			out.info("or add to your shell's startup file: %s", s.Root.Alias)
		}
	}
	out.info("the IDE files name the operator key and token by path only; the files are in %s, readable by you alone", env.Display(credDir))
	out.warn("the agent runs as you, so a program it starts can still read those files and reach the admin socket: " +
		"for separation that holds, keep the operator credential under another user and decide holds as that user (latchgate-mcp approve)")
}

// readKeyPEM reads the key file the credential was loaded from, to copy
// it; operator.LoadKey has checked its mode and contents already.
func readKeyPEM(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("no operator key file to copy")
	}
	data, err := safeio.ReadFile(path, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("read operator key %s: %w", path, err)
	}
	return data, nil
}

// operatorPlanError classifies a planning error of --operator.
func operatorPlanError(err error) error {
	var nr *opsetup.NoRootError
	var te *opsetup.TogetherError
	switch {
	case errors.As(err, &nr):
		return &FlagError{err: err}
	case errors.As(err, &te):
		hint := fmt.Sprintf("move the agent's entry out of it (latchgate-mcp uninstall --ide %s --name %s), or use another", te.Adapter.ID(), te.AgentName)
		if ides.HasProfiles(te.Adapter) {
			hint += " --vscode-profile"
		} else {
			hint += " configuration"
		}
		return withHint(err, hint)
	}
	return planError(err)
}

// uninstallOperatorFlags are uninstall's flags that keep a meaning with
// --operator.
var uninstallOperatorFlags = []string{"ide", "name", "vscode-profile", "dry-run"}

// runUninstallOperator is uninstall --operator: remove the operator
// entry and the items install --operator added, then, when no client has
// an operator entry left, the credential copies.
func runUninstallOperator(ctx context.Context, io *iostreams.IOStreams, env ides.Env, o *targetOptions, m *operatorMode) error {
	out := newReporter(io)
	if err := m.checkFlags(uninstallOperatorFlags...); err != nil {
		return err
	}
	adapters, err := operatorAdapters(o)
	if err != nil {
		return err
	}
	base := opsetup.BaseDir(env)
	credDir := opsetup.CredentialDir(env, base)
	recPath := opsetup.RecordPath(env, base)
	rec, err := opsetup.ReadRecord(recPath)
	if err != nil {
		return withHint(err, "fix or remove the record; without it uninstall --operator would not know which deny rules install added")
	}
	un, err := opsetup.PlanUninstall(env, adapters, opsetup.Request{AgentName: o.Name, Profile: o.Profile, Base: base}, rec)
	if err != nil {
		return operatorPlanError(err)
	}
	after := *rec
	after.Clients = map[string]*opsetup.ClientRecord{}
	for id, cr := range rec.Clients {
		after.Clients[id] = cr
	}
	for _, id := range un.Clients {
		after.Remove(id)
	}
	_, credErr := os.Stat(filepath.Join(credDir, opsetup.TokenFile))
	removeCreds := after.Empty() && credErr == nil
	plan, err := newPlan(out, un.Edits, un.Notes)
	if err != nil {
		return err
	}
	if o.DryRun {
		if len(plan.Pending()) == 0 {
			fmt.Fprintln(io.Out, "Everything is up to date; nothing would change.")
		} else {
			fmt.Fprint(io.Out, plan.Diff())
		}
		if removeCreds {
			out.info("would remove the operator key and token copies in %s", env.Display(credDir))
		}
		out.info("dry run: nothing was written")
		return nil
	}
	if err := applyPlan(ctx, io, env, out, plan); err != nil {
		return err
	}
	if err := opsetup.WriteRecord(recPath, &after); err != nil {
		out.warn("%v", err)
	}
	if removeCreds {
		if err := opsetup.RemoveCredentials(credDir); err != nil {
			return withHint(err, "remove the files by hand: they hold the operator credential")
		}
		fmt.Fprintf(io.Out, "removed the operator key and token copies in %s\n", env.Display(credDir))
	}
	return nil
}
