package approveui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// ErrQuit ends a line session on the user's request.
var errQuit = errors.New("quit")

// RunLines is the line-based approval session ("approve --accessible"):
// plain numbered text and one question per line, for screen readers and
// terminals that cannot show the full-screen program. It makes the same
// decisions with the same confirmations. It returns nil when the user
// quits or the input ends.
func RunLines(ctx context.Context, in io.Reader, out io.Writer, client Client, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	s := &lineSession{ctx: ctx, in: bufio.NewReaderSize(in, 4096), out: out, client: client, now: now}
	for {
		err := s.round()
		if errors.Is(err, errQuit) || errors.Is(err, io.EOF) {
			fmt.Fprintln(out, "Bye.")
			return nil
		}
		if err != nil {
			return err
		}
	}
}

type lineSession struct {
	ctx    context.Context
	in     *bufio.Reader
	out    io.Writer
	client Client
	now    func() time.Time
}

// ask prints a question and reads one answer line (at most 4 KiB; the
// rest of a longer line is dropped).
func (s *lineSession) ask(q string) (string, error) {
	fmt.Fprint(s.out, q+" ")
	var b strings.Builder
	for {
		chunk, isPrefix, err := s.in.ReadLine()
		if b.Len() < 4096 {
			b.Write(chunk)
		}
		if err != nil {
			if b.Len() > 0 && errors.Is(err, io.EOF) {
				return strings.TrimSpace(b.String()), nil
			}
			fmt.Fprintln(s.out)
			return "", err
		}
		if !isPrefix {
			return strings.TrimSpace(b.String()), nil
		}
	}
}

func (s *lineSession) round() error {
	all, err := s.client.List(s.ctx, operator.ListOptions{Limit: 200})
	if err != nil {
		fmt.Fprintf(s.out, "Cannot list approvals: %s\n", c(err.Error()))
		if h := operator.Hint(err); h != "" {
			fmt.Fprintf(s.out, "hint: %s\n", c(h))
		}
		ans, err := s.ask("Press Enter to try again, or q to quit:")
		if err != nil {
			return err
		}
		if ans == "q" {
			return errQuit
		}
		return nil
	}
	var holds []operator.Summary
	for _, h := range all {
		if h.Status == "pending" || h.Status == "claimed" {
			holds = append(holds, h)
		}
	}
	sort.SliceStable(holds, func(i, j int) bool { return holds[i].ExpiresAt < holds[j].ExpiresAt })
	if len(holds) == 0 {
		fmt.Fprintln(s.out, "No approval is waiting.")
		ans, err := s.ask("Press Enter to check again, or q to quit:")
		if err != nil {
			return err
		}
		if ans == "q" {
			return errQuit
		}
		return nil
	}
	fmt.Fprintf(s.out, "%d waiting for a decision:\n", len(holds))
	for i, h := range holds {
		state := ""
		if h.Status == "claimed" {
			state = ", being decided by " + c(orNone(h.ClaimedBy))
		}
		fmt.Fprintf(s.out, "%d. %s, %s risk, from %s, expires %s%s\n", i+1, c(h.ActionID), c(orNone(h.RiskLevel)),
			c(orNone(h.Principal)), expiresIn(h.ExpiresAt, s.now()), state)
	}
	ans, err := s.ask(fmt.Sprintf("Enter a number from 1 to %d to review, Enter to refresh, or q to quit:", len(holds)))
	if err != nil {
		return err
	}
	switch ans {
	case "":
		return nil
	case "q":
		return errQuit
	}
	n, err := strconv.Atoi(ans)
	if err != nil || n < 1 || n > len(holds) {
		fmt.Fprintf(s.out, "%q is not a number from 1 to %d.\n", c(ans), len(holds))
		return nil
	}
	return s.review(holds[n-1].ApprovalID)
}

func (s *lineSession) review(id string) error {
	d, err := s.client.Get(s.ctx, id)
	if err != nil {
		fmt.Fprintf(s.out, "Cannot read approval %s: %s\n", c(id), c(err.Error()))
		return nil
	}
	for _, f := range detailFields(d, s.now()) {
		fmt.Fprintf(s.out, "%s: %s\n", f.label, f.value)
	}
	if d.Status != "pending" {
		fmt.Fprintf(s.out, "It is %s: nothing to decide.\n", c(d.Status))
		return nil
	}
	ans, err := s.ask("Type a to approve, d to deny, or Enter to go back:")
	if err != nil {
		return err
	}
	switch ans {
	case "a":
		domain, _ := d.Learns()
		if len(d.UnresolvedDomains) > 1 {
			fmt.Fprintln(s.out, "Unknown domains:")
			for i, dom := range d.UnresolvedDomains {
				fmt.Fprintf(s.out, "%d. %s\n", i+1, c(dom))
			}
			pick, err := s.ask("Which one should the gate learn? Enter for 1:")
			if err != nil {
				return err
			}
			if k, err := strconv.Atoi(pick); err == nil && k >= 1 && k <= len(d.UnresolvedDomains) {
				domain = d.UnresolvedDomains[k-1]
			}
		}
		fmt.Fprintln(s.out, LearnText(d, domain))
		q := fmt.Sprintf("Approve %s for %s? Type y to approve, anything else to go back:", c(d.ActionID), c(orNone(d.Principal)))
		if highRisk(d.RiskLevel) {
			q = fmt.Sprintf("This is a %s risk action. Type approve to approve %s for %s, anything else to go back:", c(d.RiskLevel), c(d.ActionID), c(orNone(d.Principal)))
		}
		yes, err := s.ask(q)
		if err != nil {
			return err
		}
		if (highRisk(d.RiskLevel) && yes != "approve") || (!highRisk(d.RiskLevel) && yes != "y") {
			fmt.Fprintln(s.out, "Not approved.")
			return nil
		}
		var learn operator.Learn
		if first, _ := d.Learns(); domain != first {
			learn.Domain = domain
		}
		fmt.Fprintf(s.out, "Approving: the gate is executing %s…\n", c(d.ActionID))
		dec, err := s.client.Approve(s.ctx, id, learn)
		fmt.Fprintln(s.out, DecisionText("approve", dec, err))
	case "d":
		reason, err := s.ask("Why? The agent and the audit log get this reason (Enter for none):")
		if err != nil {
			return err
		}
		dec, err := s.client.Deny(s.ctx, id, reason)
		fmt.Fprintln(s.out, DecisionText("deny", dec, err))
	}
	return nil
}
