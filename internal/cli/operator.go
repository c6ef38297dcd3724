package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
	"github.com/latchgate-ai/latchgate-mcp/internal/opserve"
	"github.com/latchgate-ai/latchgate-mcp/internal/serve"
)

type operatorOptions struct {
	IO   *iostreams.IOStreams
	Env  ides.Env
	Conn operatorConn

	EnableAllowlist bool
	Confirm         string
	OperatorID      string
	LogLevel        string
	ConfirmTimeout  time.Duration

	logLevel slog.Level
}

func newCmdOperator(f *Factory, runF func(*operatorOptions) error) *cobra.Command {
	opts := &operatorOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Run the approval MCP server for a separate operator window (stdio)",
		Long: `Run an MCP server, on stdin/stdout, that lets an operator's own assistant help
decide the gate's approval holds: list them, read them, approve or deny them.
It offers no gate action, so it cannot run one.

Every approve, deny and allowlist call is first put to the person through MCP
elicitation, in a question built from the gate's record of the hold; anything but
an explicit confirmation sends nothing to the gate. A client without elicitation
is refused, unless --confirm client-prompt says the client itself asks the person
before every call of these tools (see the README for each client's setting).

Run it only in a client the agent does not load: a separate configuration, never
next to the agent's latchgate entry. The credential comes as for "approve":
LATCHGATE_ADMIN_SOCKET, LATCHGATE_OPERATOR_KEY and LATCHGATE_OPERATOR_TOKEN (or
--operator-token-file), else discovery. Logs go to stderr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := f.Env()
			if err != nil {
				return err
			}
			opts.Env = env
			if err := resolveOperatorOptions(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runOperator(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.EnableAllowlist, "enable-allowlist-tool", false, "also offer latchgate_allowlist, which changes gate policy for good (env LATCHGATE_ENABLE_ALLOWLIST_TOOL)")
	fl.StringVar(&opts.Confirm, "confirm", "elicitation", "how a person confirms decisions: elicitation, or client-prompt when the client asks before every call itself (env LATCHGATE_OPERATOR_CONFIRM)")
	fl.StringVar(&opts.OperatorID, "operator-id", "", "label for this operator in local logs; the gate records the credential's name (env LATCHGATE_OPERATOR_ID)")
	fl.StringVar(&opts.LogLevel, "log-level", "", "log level: error, warn, info, debug (env RUST_LOG takes precedence; default warn)")
	fl.DurationVar(&opts.ConfirmTimeout, "confirm-timeout", 0, "how long a confirmation waits for the person")
	_ = fl.MarkHidden("confirm-timeout")
	opts.Conn.addFlags(fl)
	return cmd
}

func resolveOperatorOptions(cmd *cobra.Command, o *operatorOptions) error {
	fl := cmd.Flags()
	if !fl.Changed("enable-allowlist-tool") {
		if v := strings.TrimSpace(o.Env.Get("LATCHGATE_ENABLE_ALLOWLIST_TOOL")); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return flagErrorf("invalid LATCHGATE_ENABLE_ALLOWLIST_TOOL %q: use 1 or 0", v)
			}
			o.EnableAllowlist = b
		}
	}
	if !fl.Changed("confirm") {
		if v := strings.TrimSpace(o.Env.Get("LATCHGATE_OPERATOR_CONFIRM")); v != "" {
			o.Confirm = v
		}
	}
	if o.Confirm != "elicitation" && o.Confirm != "client-prompt" {
		return flagErrorf("--confirm must be elicitation or client-prompt, not %q", o.Confirm)
	}
	if !fl.Changed("operator-id") {
		o.OperatorID = strings.TrimSpace(o.Env.Get("LATCHGATE_OPERATOR_ID"))
	}
	if v := strings.TrimSpace(o.Env.Get("RUST_LOG")); v != "" {
		o.LogLevel = v
	}
	lvl, err := parseLogLevel(o.LogLevel)
	if err != nil {
		return flagErrorf("%v", err)
	}
	o.logLevel = lvl
	return nil
}

func runOperator(cmd *cobra.Command, o *operatorOptions) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	logger := slog.New(slog.NewTextHandler(o.IO.ErrOut, &slog.HandlerOptions{Level: o.logLevel}))
	cfg, info, err := o.Conn.resolve(cmd, o.Env)
	if err != nil {
		return err
	}
	for _, w := range info.Warnings {
		logger.Warn(w)
	}
	cfg.Logger = logger
	client, err := operator.New(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	// Fail fast: a wrong credential shows at startup, in the client's
	// server log, not on the first decision.
	checkCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = client.Check(checkCtx)
	cancel()
	if err != nil {
		return operatorError(fmt.Errorf("check the operator credential against %s: %w", info.Target, err))
	}
	srv, err := opserve.New(opserve.Options{Client: client, Version: Version(), Logger: logger,
		EnableAllowlist: o.EnableAllowlist, ClientConfirms: o.Confirm == "client-prompt", ConfirmTimeout: o.ConfirmTimeout})
	if err != nil {
		return err
	}
	logger.Info("operator session", "admin", info.Target, "operator_id", o.OperatorID, "confirm", o.Confirm, "allowlist_tool", o.EnableAllowlist)
	if o.Confirm == "client-prompt" {
		logger.Warn("decisions are confirmed only by the client's own per-call prompt (--confirm client-prompt); make sure it asks before every latchgate_approve and latchgate_deny call")
	}
	if err := srv.Run(ctx, &serve.StdioTransport{In: o.IO.In, Out: o.IO.Out}); err != nil && ctx.Err() == nil {
		return fmt.Errorf("serve mcp: %w", err)
	}
	return nil
}
