// Command testgate runs the reference test gate (package gatetest) until
// interrupted, for trying a client by hand:
//
//	go run ./internal/gatetest/cmd/testgate --listen 127.0.0.1:8787 \
//	    --manifests internal/gatetest/testdata/manifests --hold gmail_send --approve-after 3
//
// It prints one line per listener ("listening on http://127.0.0.1:8787",
// "listening on unix:/path/gate.sock") and the public base URL to stdout,
// then logs each request to stderr.
//
// With --admin-socket (or --admin-listen) it also serves the admin
// router, and --operator-credentials DIR gives it an operator
// credential: DIR/operator.pem and DIR/operator.token (0600) are written
// on the first run and reused after, for trying an operator client:
//
//	go run ./internal/gatetest/cmd/testgate --socket /tmp/lg/gate.sock \
//	    --admin-socket /tmp/lg/gate-admin.sock --operator-credentials /tmp/lg/ops \
//	    --manifests internal/gatetest/testdata/manifests --hold gmail_send
//	LATCHGATE_ADMIN_SOCKET=/tmp/lg/gate-admin.sock LATCHGATE_OPERATOR_KEY=/tmp/lg/ops/operator.pem \
//	    latchgate-mcp approve --list --operator-token-file /tmp/lg/ops/operator.token
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/gatetest"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type holdList []string

func (h *holdList) String() string     { return strings.Join(*h, ",") }
func (h *holdList) Set(v string) error { *h = append(*h, strings.Split(v, ",")...); return nil }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testgate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "TCP address to serve on, e.g. 127.0.0.1:8787 (port 0 picks one)")
	socket := fs.String("socket", "", "Unix socket path to serve on")
	manifests := fs.String("manifests", "", "directory of LatchGate action manifests (*.yaml)")
	publicBase := fs.String("public-base-url", "", "the gate's public_base_url for DPoP htu (default: the --listen URL, or http://localhost:3000 with only --socket)")
	var hold holdList
	fs.Var(&hold, "hold", "hold ACTION_ID for approval on every call (repeatable or comma-separated)")
	approveAfter := fs.Int("approve-after", 0, "approve held requests on their Nth poll (0: never)")
	denyAfter := fs.Int("deny-after", 0, "deny held requests on their Nth poll (0: never)")
	leaseTTL := fs.Duration("lease-ttl", 300*time.Second, "lease lifetime")
	quiet := fs.Bool("quiet", false, "do not log requests")
	adminSocket := fs.String("admin-socket", "", "Unix socket path to serve the admin router on (operator routes)")
	adminListen := fs.String("admin-listen", "", "TCP address to serve the admin router on, e.g. 127.0.0.1:3001")
	credDir := fs.String("operator-credentials", "", "directory for operator.pem and operator.token (written if absent, else reused)")
	credName := fs.String("operator-name", "default", "name of the operator credential (what approvals record as approved_by)")
	holdUnknown := fs.Bool("hold-unknown-domains", false, "hold requests to domains outside an action's egress allowlist, as the gate's policy does")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *listen == "" && *socket == "" {
		fmt.Fprintln(stderr, "testgate: --listen or --socket is required")
		return 2
	}
	if (*adminSocket != "" || *adminListen != "") != (*credDir != "") {
		fmt.Fprintln(stderr, "testgate: --admin-socket or --admin-listen and --operator-credentials go together")
		return 2
	}
	if *approveAfter > 0 && *denyAfter > 0 {
		fmt.Fprintln(stderr, "testgate: --approve-after and --deny-after are exclusive")
		return 2
	}
	// Catch the interrupt before announcing the address: whoever reads the
	// "listening on" line may signal at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := gatetest.Options{ManifestDir: *manifests, LeaseTTL: *leaseTTL, PublicBaseURL: *publicBase, HoldUnknownDomains: *holdUnknown}
	if *credDir != "" {
		cred, err := operatorCredential(*credDir, *credName)
		if err != nil {
			fmt.Fprintf(stderr, "testgate: %v\n", err)
			return 1
		}
		opts.OperatorCredentials = map[string]gatetest.OperatorCredential{*credName: cred}
	}
	if !*quiet {
		opts.Logf = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	}
	g, err := gatetest.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "testgate: %v\n", err)
		return 1
	}
	// On the error paths below; a clean shutdown closes it at the end
	// and reports what went wrong.
	defer func() { _ = g.Close() }()
	for _, id := range hold {
		g.SetDefault(id, gatetest.Outcome{Kind: gatetest.Held})
	}
	switch {
	case *approveAfter > 0:
		g.SetApproveAfter(*approveAfter, true)
	case *denyAfter > 0:
		g.SetApproveAfter(*denyAfter, false)
	}
	if *listen != "" {
		u, err := g.ListenTCP(*listen)
		if err != nil {
			fmt.Fprintf(stderr, "testgate: %v\n", err)
			return 1
		}
		if *publicBase == "" {
			if err := g.SetPublicBaseURL(u); err != nil {
				fmt.Fprintf(stderr, "testgate: %v\n", err)
				return 1
			}
		}
		fmt.Fprintf(stdout, "listening on %s\n", u)
	}
	if *socket != "" {
		if err := g.ListenUnix(*socket); err != nil {
			fmt.Fprintf(stderr, "testgate: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "listening on unix:%s\n", *socket)
	}
	if *adminSocket != "" {
		if err := g.ListenAdminUnix(*adminSocket); err != nil {
			fmt.Fprintf(stderr, "testgate: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "admin listening on unix:%s\n", *adminSocket)
	}
	if *adminListen != "" {
		u, err := g.ListenAdminTCP(*adminListen)
		if err != nil {
			fmt.Fprintf(stderr, "testgate: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "admin listening on %s\n", u)
	}
	if *credDir != "" {
		fmt.Fprintf(stdout, "operator credential %s in %s\n", *credName, *credDir)
	}
	fmt.Fprintf(stdout, "public base url %s\n", g.PublicBaseURL())

	<-ctx.Done()
	fmt.Fprintln(stderr, "testgate: shutting down")
	if err := g.Close(); err != nil {
		fmt.Fprintf(stderr, "testgate: shut down: %v\n", err)
		return 1
	}
	return 0
}

// operatorCredential reuses the credential in dir, or writes a new one
// when dir holds neither file.
func operatorCredential(dir, name string) (gatetest.OperatorCredential, error) {
	_, keyErr := os.Stat(filepath.Join(dir, gatetest.OperatorKeyFile))
	_, tokErr := os.Stat(filepath.Join(dir, gatetest.OperatorTokenFile))
	if keyErr == nil && tokErr == nil {
		return gatetest.LoadOperatorCredential(dir)
	}
	if keyErr == nil || tokErr == nil {
		return gatetest.OperatorCredential{}, fmt.Errorf("operator credentials in %s: only one of %s and %s exists; remove it or add the other",
			dir, gatetest.OperatorKeyFile, gatetest.OperatorTokenFile)
	}
	return gatetest.WriteOperatorCredential(dir, name)
}
