package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/approveui"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
	"github.com/latchgate-ai/latchgate-mcp/internal/prompter"
)

type approveOptions struct {
	IO       *iostreams.IOStreams
	Env      ides.Env
	Prompter prompter.Prompter
	Conn     operatorConn

	ID          string
	List        bool
	Status      string
	Show        string
	Deny        string
	Reason      string
	LearnDomain string
	LearnPath   string
	JSON        bool
	Yes         bool
	Accessible  bool
}

func newCmdApprove(f *Factory, runF func(*approveOptions) error) *cobra.Command {
	opts := &approveOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "approve [ID] [flags]",
		Short: "Decide the gate's approval holds as a person (terminal UI or script)",
		Long: `Decide the LatchGate gate's approval holds: the actions it keeps waiting until a
person approves or denies them. No model is involved.

  latchgate-mcp approve                          full-screen list of holds, live
  latchgate-mcp approve --list [--json]          print the holds
  latchgate-mcp approve --show ID [--json]       print one hold's review record
  latchgate-mcp approve ID [--yes]               approve one (the gate runs it now)
  latchgate-mcp approve --deny ID [--reason R]   deny one; the agent gets the reason

Approving makes the gate learn the hold's first unknown domain and path (later
requests there are not held); --learn-domain or --learn-path names another.

The operator credential comes from LATCHGATE_ADMIN_SOCKET, LATCHGATE_OPERATOR_KEY
and LATCHGATE_OPERATOR_TOKEN (or --operator-token-file), else from a running
"latchgate up" and .latchgate/latchgate.toml. The token is never a flag.

Exit status: 0 done, 1 failed or nothing done (already decided, claimed by
another operator, expired), 2 misused flags or cancelled.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := f.Env()
			if err != nil {
				return err
			}
			opts.Env = env
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if err := checkApproveFlags(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runApprove(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.List, "list", false, "print the holds and exit")
	fl.StringVar(&opts.Status, "status", "", "with --list: only approvals in this state (pending, claimed, approved, denied, failed); default pending and claimed")
	fl.StringVar(&opts.Show, "show", "", "print the review record of approval `ID`")
	fl.StringVar(&opts.Deny, "deny", "", "deny approval `ID`")
	fl.StringVar(&opts.Reason, "reason", "", "with --deny: why (the agent and the gate's audit log get it)")
	fl.StringVar(&opts.LearnDomain, "learn-domain", "", "when approving: the domain the gate learns instead of the hold's first unknown one")
	fl.StringVar(&opts.LearnPath, "learn-path", "", "when approving: the path glob the gate learns instead of the hold's first unknown one")
	fl.BoolVar(&opts.JSON, "json", false, "print JSON on stdout")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "decide without asking (required without a terminal)")
	fl.BoolVar(&opts.Accessible, "accessible", false, "line by line instead of full-screen (screen readers); also ACCESSIBLE=1")
	opts.Conn.addFlags(fl)
	return cmd
}

// checkApproveFlags rejects combinations that make no sense before
// anything is read or sent.
func checkApproveFlags(cmd *cobra.Command, o *approveOptions) error {
	modes := 0
	for _, on := range []bool{o.ID != "", o.List, o.Show != "", o.Deny != ""} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return flagErrorf("choose one of ID, --list, --show and --deny")
	}
	fl := cmd.Flags()
	switch {
	case fl.Changed("status") && !o.List:
		return flagErrorf("--status goes with --list")
	case fl.Changed("reason") && o.Deny == "":
		return flagErrorf("--reason goes with --deny")
	case (o.LearnDomain != "" || o.LearnPath != "") && o.ID == "":
		return flagErrorf("--learn-domain and --learn-path go with approving an ID")
	case o.JSON && modes == 0:
		return flagErrorf("--json goes with --list, --show, ID or --deny; the full-screen view has no JSON")
	case o.Yes && o.ID == "" && o.Deny == "":
		return flagErrorf("--yes goes with approving an ID or --deny")
	}
	if utf8.RuneCountInString(o.Reason) > 500 {
		return flagErrorf("--reason is longer than 500 characters")
	}
	if (o.ID != "" || o.Deny != "") && !o.Yes && !o.IO.CanPrompt() {
		return flagErrorf("--yes is required when not running interactively")
	}
	if modes == 0 && !o.IO.CanPrompt() {
		return flagErrorf("the approval screen needs a terminal; without one use --list, --show ID, ID --yes or --deny ID --yes")
	}
	return nil
}

func runApprove(cmd *cobra.Command, o *approveOptions) error {
	ctx := cmd.Context()
	cfg, info, err := o.Conn.resolve(cmd, o.Env)
	if err != nil {
		return err
	}
	for _, w := range info.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "latchgate-mcp: warning: %s\n", w)
	}
	client, err := operator.New(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	if o.Prompter == nil {
		o.Prompter = prompter.NewHuh(o.IO.In, o.IO.ErrOut, o.Accessible || accessibleEnv(o.Env.Get("ACCESSIBLE")))
	}
	switch {
	case o.List:
		return approveList(ctx, o, client)
	case o.Show != "":
		return approveShow(ctx, o, client)
	case o.ID != "":
		return approveOne(ctx, o, client)
	case o.Deny != "":
		return denyOne(ctx, o, client)
	}
	if err := client.Check(ctx); err != nil {
		return operatorError(fmt.Errorf("check the operator credential against %s: %w", info.Target, err))
	}
	if o.Accessible || accessibleEnv(o.Env.Get("ACCESSIBLE")) {
		return approveui.RunLines(ctx, o.IO.In, o.IO.ErrOut, client, nil)
	}
	environ := make([]string, 0, len(o.Env.Vars))
	for k, v := range o.Env.Vars {
		environ = append(environ, k+"="+v)
	}
	m, err := approveui.Run(ctx, o.IO.In, o.IO.Out, approveui.Options{Client: client, Target: info.Target, Environ: environ})
	if err != nil {
		return fmt.Errorf("run the approval screen: %w", err)
	}
	if m.Interrupted {
		fmt.Fprintln(o.IO.ErrOut, "latchgate-mcp: left during a decision; the gate finishes it anyway (check with \"latchgate-mcp approve --list\")")
	}
	return nil
}

func approveList(ctx context.Context, o *approveOptions, client *operator.Client) error {
	list, err := client.List(ctx, operator.ListOptions{Status: o.Status, Limit: 200})
	if err != nil {
		return operatorError(err)
	}
	if o.Status == "" {
		kept := list[:0]
		for _, s := range list {
			if s.Status == "pending" || s.Status == "claimed" {
				kept = append(kept, s)
			}
		}
		list = kept
	}
	if o.JSON {
		if list == nil {
			list = []operator.Summary{}
		}
		return writeJSON(o.IO.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(o.IO.Out, "No approval is waiting.")
		return nil
	}
	now := time.Now()
	fmt.Fprintf(o.IO.Out, "%-36s  %-9s  %-8s  %-8s  %-24s  %s\n", "ID", "STATE", "RISK", "EXPIRES", "ACTION", "AGENT")
	for _, s := range list {
		left := "-"
		if t, ok := s.Expires(); ok {
			if d := t.Sub(now).Round(time.Second); d > 0 {
				left = fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
			} else {
				left = "expired"
			}
		}
		fmt.Fprintf(o.IO.Out, "%-36s  %-9s  %-8s  %-8s  %-24s  %s\n", operator.Clean(s.ApprovalID, 40), operator.Clean(s.Status, 9),
			operator.Clean(s.RiskLevel, 8), left, operator.Clean(s.ActionID, 64), operator.Clean(s.Principal, 128))
	}
	return nil
}

func approveShow(ctx context.Context, o *approveOptions, client *operator.Client) error {
	d, err := client.Get(ctx, o.Show)
	if err != nil {
		return operatorError(err)
	}
	if o.JSON {
		return writeJSONRaw(o.IO.Out, d.Raw)
	}
	for _, l := range approveui.DetailLines(d, time.Now()) {
		fmt.Fprintln(o.IO.Out, l)
	}
	return nil
}

// decisionJSON is what "approve --json" prints for a decision.
type decisionJSON struct {
	ApprovalID    string          `json:"approval_id"`
	Result        string          `json:"result"`
	ReceiptID     string          `json:"receipt_id,omitempty"`
	Output        json.RawMessage `json:"output,omitempty"`
	LearnedDomain string          `json:"learned_domain,omitempty"`
	LearnedPath   string          `json:"learned_path,omitempty"`
	DenyReason    string          `json:"deny_reason,omitempty"`
	Error         string          `json:"error,omitempty"`
}

// report prints a decision's outcome (text or JSON) and returns the
// command's error: nil only when this call approved or denied.
func report(o *approveOptions, verb, id string, d *operator.Decision, err error) error {
	if o.JSON {
		out := decisionJSON{ApprovalID: id, Result: operator.ResultOf(d, err)}
		if err != nil {
			out.Error = err.Error()
		} else {
			out.ReceiptID, out.Output, out.LearnedDomain, out.LearnedPath, out.DenyReason = d.ReceiptID, d.Output, d.LearnedDomain, d.LearnedPath, d.DenyReason
		}
		if werr := writeJSON(o.IO.Out, out); werr != nil {
			return werr
		}
	}
	if err != nil {
		var te *operator.TransportError
		if errors.As(err, &te) && te.Timeout && verb == "approve" {
			return withHint(err, "the gate may still be executing it; check with \"latchgate-mcp approve --show "+id+"\"")
		}
		return operatorError(err)
	}
	if d.Already() {
		return fmt.Errorf("%s %s: nothing done, it was %s before", verb, operator.Clean(id, 64), strings.ReplaceAll(d.Result, "_", " "))
	}
	if !o.JSON {
		fmt.Fprintln(o.IO.Out, approveui.DecisionText(verb, d, nil))
	}
	return nil
}

func approveOne(ctx context.Context, o *approveOptions, client *operator.Client) error {
	if !o.Yes {
		d, err := client.Get(ctx, o.ID)
		if err != nil {
			return operatorError(err)
		}
		for _, l := range approveui.DetailLines(d, time.Now()) {
			fmt.Fprintln(o.IO.ErrOut, l)
		}
		if d.Status != "pending" {
			return fmt.Errorf("approve %s: nothing to decide, it is %s", operator.Clean(o.ID, 64), operator.Clean(d.Status, 32))
		}
		domain, _ := d.Learns()
		if o.LearnDomain != "" {
			domain = o.LearnDomain
		}
		text := approveui.LearnText(d, domain)
		if o.LearnPath != "" {
			text += " (and the path " + operator.Clean(o.LearnPath, 200) + ")"
		}
		// Printed, not a description: huh's accessible mode does not
		// show descriptions, and this is what the person must know
		// before saying yes.
		fmt.Fprintln(o.IO.ErrOut, text)
		ok, err := o.Prompter.Confirm(ctx, fmt.Sprintf("Approve %s for %s?", operator.Clean(d.ActionID, 64), operator.Clean(d.Principal, 128)), "", false)
		if err == nil && ok && (d.RiskLevel == "high" || d.RiskLevel == "critical") {
			ok, err = o.Prompter.Confirm(ctx, fmt.Sprintf("This is a %s risk action. Approve it?", operator.Clean(d.RiskLevel, 16)), "", false)
		}
		if errors.Is(err, prompter.ErrCancelled) {
			return ErrCancelled
		}
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(o.IO.ErrOut, "Not approved.")
			return ErrCancelled
		}
	}
	d, err := client.Approve(ctx, o.ID, operator.Learn{Domain: o.LearnDomain, Path: o.LearnPath})
	return report(o, "approve", o.ID, d, err)
}

func denyOne(ctx context.Context, o *approveOptions, client *operator.Client) error {
	reason := o.Reason
	if !o.Yes {
		d, err := client.Get(ctx, o.Deny)
		if err != nil {
			return operatorError(err)
		}
		for _, l := range approveui.DetailLines(d, time.Now()) {
			fmt.Fprintln(o.IO.ErrOut, l)
		}
		if reason == "" {
			reason, err = o.Prompter.Input(ctx, "Why deny it?", "The agent and the gate's audit log get this reason.", "", func(s string) error {
				if utf8.RuneCountInString(s) > 500 {
					return errors.New("at most 500 characters")
				}
				return nil
			})
			if errors.Is(err, prompter.ErrCancelled) {
				return ErrCancelled
			}
			if err != nil {
				return err
			}
		}
		ok, err := o.Prompter.Confirm(ctx, fmt.Sprintf("Deny %s for %s?", operator.Clean(d.ActionID, 64), operator.Clean(d.Principal, 128)), "", true)
		if errors.Is(err, prompter.ErrCancelled) || (err == nil && !ok) {
			return ErrCancelled
		}
		if err != nil {
			return err
		}
	}
	d, err := client.Deny(ctx, o.Deny, reason)
	return report(o, "deny", o.Deny, d, err)
}

// writeJSON prints v as indented JSON that cannot drive a terminal (see
// operator.SafeJSON).
func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	b, err := operator.MarshalSafe(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeJSONRaw(w interface{ Write([]byte) (int, error) }, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("print the gate's answer: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(operator.SafeJSON(buf.Bytes()))
	return err
}
