package approveui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// Styles. Colours are dropped by the renderer when the terminal has none
// or NO_COLOR is set; reverse video and bold carry the meaning anyway.
var (
	styleTitle    = lipgloss.NewStyle().Bold(true)
	styleSelected = lipgloss.NewStyle().Reverse(true)
	styleWarn     = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("1"))
	styleDim      = lipgloss.NewStyle().Faint(true)
	styleAsk      = lipgloss.NewStyle().Bold(true)
)

// View implements tea.Model. The screen is built line by line, every line
// cut to the terminal's width, and never more lines than it has rows:
// it fits 80x24.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "latchgate-mcp approve"
	return v
}

func (m *Model) render() string {
	now := m.now()
	w, h := max(m.width, 20), max(m.height, 8)
	var top, bottom []string

	title := fmt.Sprintf("LatchGate approvals: %d waiting", len(m.holds))
	if m.opts.Target != "" {
		title += "   " + c(m.opts.Target)
	}
	top = append(top, styleTitle.Render(title))
	switch {
	case m.listErr != nil:
		top = append(top, styleWarn.Render("cannot list approvals: "+c(m.listErr.Error())))
		if hint := operator.Hint(m.listErr); hint != "" {
			top = append(top, "hint: "+c(hint))
		}
	case !m.loaded:
		top = append(top, "asking the gate…")
	case len(m.holds) == 0:
		top = append(top, styleDim.Render("No approval is waiting. New holds appear here as agents make them."))
	default:
		top = append(top, styleDim.Render(fmt.Sprintf("  %-7s %-8s %-9s %-22s %s", "EXPIRES", "RISK", "STATE", "ACTION", "AGENT")))
		rows := min(len(m.holds), max(3, (h-6)/3))
		first := 0
		if cur := m.cursor(); cur >= rows {
			first = cur - rows + 1
		}
		for i := first; i < first+rows && i < len(m.holds); i++ {
			s := m.holds[i]
			left := strings.TrimPrefix(expiresIn(s.ExpiresAt, now), "in ")
			state := c(s.Status)
			if s.ClaimedBy != "" {
				state = "by " + c(s.ClaimedBy)
			}
			line := fmt.Sprintf("  %-7s %-8s %-9s %-22s %s", left, c(orNone(s.RiskLevel)), ansi.Truncate(state, 9, "…"),
				ansi.Truncate(c(s.ActionID), 22, "…"), c(s.Principal))
			line = ansi.Truncate(line, w, "…")
			if s.ApprovalID == m.selected {
				line = styleSelected.Render("›" + line[1:])
			} else if highRisk(s.RiskLevel) {
				line = styleWarn.Render(line)
			}
			top = append(top, line)
		}
		if more := len(m.holds) - rows; more > 0 {
			top = append(top, styleDim.Render(fmt.Sprintf("  … %d more (↑/↓)", more)))
		}
	}
	top = append(top, styleDim.Render(strings.Repeat("─", w)))

	// The bottom: the question being asked, the last outcome, the keys.
	switch m.mode {
	case modeConfirm, modeConfirmAgain:
		d := m.details[m.selected]
		domain := ""
		if len(d.UnresolvedDomains) > 0 {
			domain = d.UnresolvedDomains[min(m.learnIdx, len(d.UnresolvedDomains)-1)]
		}
		bottom = append(bottom, styleAsk.Render(fmt.Sprintf("Approve %s for %s?", c(d.ActionID), c(orNone(d.Principal)))))
		bottom = append(bottom, wrap(LearnText(d, domain), w)...)
		if m.mode == modeConfirmAgain {
			bottom = append(bottom, styleWarn.Render(fmt.Sprintf("This is a %s risk action. Press y again to approve, any other key to go back.", c(d.RiskLevel))))
		} else {
			keys := "y approve   n back"
			if len(d.UnresolvedDomains) > 1 {
				keys += "   l learn another domain"
			}
			bottom = append(bottom, keys)
		}
	case modeReason:
		bottom = append(bottom, styleAsk.Render("Deny: why? The agent and the audit log get this reason."))
		input := "> " + string(m.reason) + "█"
		bottom = append(bottom, ansi.TruncateLeft(input, max(0, ansi.StringWidth(input)-w+1), "…"))
		bottom = append(bottom, "enter deny   esc back")
	case modeBusy:
		spin := []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}[int(now.Sub(m.busySince).Seconds())%10]
		what := "approving: the gate is executing the action"
		if m.busyVerb == "deny" {
			what = "denying"
		}
		bottom = append(bottom, fmt.Sprintf("%s %s %s (%ds)", spin, what, c(m.busyID), int(now.Sub(m.busySince).Seconds())))
		bottom = append(bottom, styleDim.Render("ctrl+c leaves; the gate finishes the decision anyway"))
	default:
		if m.status != "" {
			bottom = append(bottom, wrap(m.status, w)...)
		}
		bottom = append(bottom, styleDim.Render("↑/↓ select   a approve   d deny   r refresh   q quit"))
	}

	// The detail pane takes what is left.
	room := h - len(top) - len(bottom)
	var mid []string
	if m.selected != "" {
		switch d, err := m.details[m.selected], m.detErr[m.selected]; {
		case d != nil:
			for _, f := range detailFields(d, now) {
				line := fmt.Sprintf("%-16s %s", f.label, f.value)
				line = ansi.Truncate(line, w, "…")
				if f.warn {
					line = styleWarn.Render(line)
				}
				mid = append(mid, line)
			}
		case err != nil:
			mid = append(mid, wrap("cannot read this approval: "+c(err.Error()), w)...)
		default:
			mid = append(mid, "loading…")
		}
	}
	if len(mid) > room {
		mid = mid[:max(room, 0)]
	}
	for len(mid) < room {
		mid = append(mid, "")
	}
	lines := append(append(top, mid...), bottom...)
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks already-clean text into lines of at most w cells.
func wrap(s string, w int) []string {
	return strings.Split(ansi.Wordwrap(s, w, " "), "\n")
}
