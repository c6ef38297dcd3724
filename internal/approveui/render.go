package approveui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// Client is what the approval screens need from the gate;
// *operator.Client has it.
type Client interface {
	List(ctx context.Context, o operator.ListOptions) ([]operator.Summary, error)
	Get(ctx context.Context, id string) (*operator.Detail, error)
	Approve(ctx context.Context, id string, learn operator.Learn) (*operator.Decision, error)
	Deny(ctx context.Context, id, reason string) (*operator.Decision, error)
}

// maxField bounds one field on screen, before the line is cut to the
// terminal's width.
const maxField = 300

// c cleans gate text for display.
func c(s string) string { return operator.Clean(s, maxField) }

// field is one labelled line of the detail pane.
type field struct {
	label, value string
	warn         bool // deserves attention: unknown domains and paths
}

// detailFields lays out a hold's review record, every value cleaned.
func detailFields(d *operator.Detail, now time.Time) []field {
	join := func(v []string) string {
		if len(v) == 0 {
			return "(none)"
		}
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = c(s)
		}
		return strings.Join(out, ", ")
	}
	risk := orNone(d.RiskLevel)
	fs := []field{
		{label: "Action", value: c(d.ActionID) + versionSuffix(d.ActionVersion) + "   risk " + c(risk), warn: highRisk(d.RiskLevel)},
		{label: "Agent", value: c(orNone(d.Principal)) + "   session " + c(orNone(d.SessionID))},
		{label: "Targets", value: join(operator.Strings(d.Targets))},
		{label: "Unknown domains", value: join(d.UnresolvedDomains), warn: len(d.UnresolvedDomains) > 0},
		{label: "Unknown paths", value: join(d.UnresolvedPaths), warn: len(d.UnresolvedPaths) > 0},
		{label: "Egress allowed", value: join(operator.Strings(d.Egress))},
		{label: "Secrets", value: join(operator.Strings(d.Secrets))},
	}
	if db := operator.Strings(d.DatabaseReview); len(db) > 0 {
		fs = append(fs, field{label: "Database", value: join(db)})
	}
	if d.Budget != nil && d.Budget.CallsRemaining != nil {
		fs = append(fs, field{label: "Budget", value: fmt.Sprintf("%d calls left", *d.Budget.CallsRemaining)})
	}
	state := c(d.Status)
	if d.ClaimedBy != "" {
		state += " by " + c(d.ClaimedBy)
	}
	fs = append(fs,
		field{label: "State", value: state},
		field{label: "Expires", value: expiresIn(d.ExpiresAt, now)},
		field{label: "Request", value: c(orNone(d.RequestHash))},
		field{label: "Approval", value: c(d.ApprovalID)},
	)
	return fs
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return " v" + c(v)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func highRisk(r string) bool { return r == "high" || r == "critical" }

// expiresIn renders the time left before the gate drops a hold.
func expiresIn(at string, now time.Time) string {
	t, ok := parseTime(at)
	if !ok {
		return "(unknown)"
	}
	left := t.Sub(now)
	if left <= 0 {
		return "expired"
	}
	left = left.Round(time.Second)
	return fmt.Sprintf("in %d:%02d", int(left.Minutes()), int(left.Seconds())%60)
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// LearnText says, in plain words, what approving teaches the gate.
func LearnText(d *operator.Detail, domain string) string {
	_, path := d.Learns()
	var parts []string
	if domain != "" {
		parts = append(parts, "the domain "+c(domain))
	}
	if path != "" {
		parts = append(parts, "the path "+c(path))
	}
	if len(parts) == 0 {
		return "The gate runs it now. It learns nothing from this approval."
	}
	return "The gate runs it now and first adds " + strings.Join(parts, " and ") +
		" to its learned allowlist: later requests there are no longer held for approval."
}

// DecisionText is the one-line outcome of a decision.
func DecisionText(verb string, d *operator.Decision, err error) string {
	if err != nil {
		msg := c(err.Error())
		if h := operator.Hint(err); h != "" {
			msg += " (" + c(h) + ")"
		}
		return msg
	}
	switch d.Result {
	case operator.ResultApproved:
		s := "approved " + c(d.ApprovalID) + ": executed, receipt " + c(orNone(d.ReceiptID))
		if d.LearnedDomain != "" {
			s += ", learned " + c(d.LearnedDomain)
		}
		if d.LearnedPath != "" {
			s += ", learned " + c(d.LearnedPath)
		}
		return s
	case operator.ResultDenied:
		return "denied " + c(d.ApprovalID) + ": " + c(orNone(d.DenyReason))
	}
	return verb + " " + c(d.ApprovalID) + ": nothing done, it was " + strings.ReplaceAll(c(d.Result), "_", " ") + " before"
}

// DetailLines returns a hold's review record as "Label: value" lines,
// every value cleaned, for line-based output.
func DetailLines(d *operator.Detail, now time.Time) []string {
	var out []string
	for _, f := range detailFields(d, now) {
		out = append(out, f.label+": "+f.value)
	}
	return out
}
