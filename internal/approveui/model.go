package approveui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// Options configure the full-screen program.
type Options struct {
	Client Client
	// Target names the gate in the title ("unix:/run/.../gate-admin.sock").
	Target string
	// Refresh is how often the list is re-read; default 2s.
	Refresh time.Duration
	// Now is the clock for countdowns; nil is time.Now.
	Now func() time.Time
	// Environ is the environment the terminal's colour support is judged
	// from (NO_COLOR, TERM); nil is the process's.
	Environ []string
	// Width and Height fix the screen size instead of asking the
	// terminal, for tests.
	Width, Height int
}

type mode int

const (
	modeList mode = iota
	modeConfirm
	modeConfirmAgain // a high or critical risk hold: a second key
	modeReason
	modeBusy
)

// Model is the Bubble Tea model of the approval screen.
type Model struct {
	opts   Options
	ctx    context.Context
	now    func() time.Time
	width  int
	height int

	holds    []operator.Summary
	loaded   bool
	listErr  error
	selected string // approval id under the cursor, kept across refreshes
	details  map[string]*operator.Detail
	detErr   map[string]error
	seen     map[string]bool

	ticks     int
	mode      mode
	learnIdx  int
	reason    []rune
	busyVerb  string
	busyID    string
	busySince time.Time
	status    string

	noTick bool // tests drive the model without the clock

	// Interrupted is set when the user quit during a decision: the gate
	// goes on with it regardless.
	Interrupted bool
}

// Messages.
type (
	tickMsg time.Time
	listMsg struct {
		holds []operator.Summary
		err   error
	}
	detailMsg struct {
		id  string
		d   *operator.Detail
		err error
	}
	decisionMsg struct {
		verb string
		id   string
		d    *operator.Decision
		err  error
	}
)

// New returns the model; ctx bounds its gate calls.
func New(ctx context.Context, opts Options) *Model {
	m := &Model{opts: opts, ctx: ctx, now: opts.Now, width: opts.Width, height: opts.Height,
		details: map[string]*operator.Detail{}, detErr: map[string]error{}, seen: map[string]bool{}}
	if m.now == nil {
		m.now = time.Now
	}
	if m.opts.Refresh <= 0 {
		m.opts.Refresh = 2 * time.Second
	}
	if m.width == 0 {
		m.width = 80
	}
	if m.height == 0 {
		m.height = 24
	}
	return m
}

// Run shows the program on a terminal (in, out) until the user quits.
func Run(ctx context.Context, in io.Reader, out io.Writer, opts Options) (*Model, error) {
	m := New(ctx, opts)
	popts := []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(out), tea.WithContext(ctx)}
	if opts.Environ != nil {
		popts = append(popts, tea.WithEnvironment(opts.Environ))
	}
	if opts.Width > 0 && opts.Height > 0 {
		popts = append(popts, tea.WithWindowSize(opts.Width, opts.Height))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	if fm, ok := final.(*Model); ok {
		m = fm
	}
	if errors.Is(err, tea.ErrInterrupted) {
		err = nil
	}
	return m, err
}

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.fetchList(), m.tick())
}

func (m *Model) tick() tea.Cmd {
	if m.noTick {
		return nil
	}
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

func (m *Model) fetchList() tea.Cmd {
	client, ctx := m.opts.Client, m.ctx
	return func() tea.Msg {
		all, err := client.List(ctx, operator.ListOptions{Limit: 200})
		var holds []operator.Summary
		for _, s := range all {
			if s.Status == "pending" || s.Status == "claimed" {
				holds = append(holds, s)
			}
		}
		return listMsg{holds: holds, err: err}
	}
}

func (m *Model) fetchDetail(id string) tea.Cmd {
	client, ctx := m.opts.Client, m.ctx
	return func() tea.Msg {
		d, err := client.Get(ctx, id)
		return detailMsg{id: id, d: d, err: err}
	}
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tickMsg:
		m.ticks++
		cmds := []tea.Cmd{m.tick()}
		if m.ticks%max(int(m.opts.Refresh/time.Second), 1) == 0 {
			cmds = append(cmds, m.fetchList())
		}
		return m, tea.Batch(cmds...)
	case listMsg:
		return m, m.onList(msg)
	case detailMsg:
		if msg.err != nil {
			m.detErr[msg.id] = msg.err
		} else {
			m.details[msg.id] = msg.d
			delete(m.detErr, msg.id)
		}
		return m, nil
	case decisionMsg:
		m.mode = modeList
		m.status = DecisionText(msg.verb, msg.d, msg.err)
		delete(m.details, msg.id)
		return m, m.fetchList()
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	}
	return m, nil
}

func (m *Model) onList(msg listMsg) tea.Cmd {
	m.listErr = msg.err
	if msg.err != nil {
		return nil
	}
	holds := msg.holds
	sort.SliceStable(holds, func(i, j int) bool { return holds[i].ExpiresAt < holds[j].ExpiresAt })
	var cmds []tea.Cmd
	fresh := false
	for _, h := range holds {
		if !m.seen[h.ApprovalID] {
			m.seen[h.ApprovalID] = true
			fresh = fresh || m.loaded
		}
	}
	m.holds, m.loaded = holds, true
	if fresh {
		cmds = append(cmds, tea.Raw("\a")) // a bell for a new hold
	}
	if m.cursor() < 0 && len(holds) > 0 {
		m.selected = holds[0].ApprovalID
	}
	if len(holds) == 0 {
		m.selected = ""
	}
	// Refresh the selected hold's detail: its state may have changed.
	if m.selected != "" && m.mode == modeList {
		cmds = append(cmds, m.fetchDetail(m.selected))
	}
	return tea.Batch(cmds...)
}

// cursor is the index of the selected hold, -1 when none is.
func (m *Model) cursor() int {
	for i, h := range m.holds {
		if h.ApprovalID == m.selected {
			return i
		}
	}
	return -1
}

func (m *Model) move(delta int) tea.Cmd {
	if len(m.holds) == 0 {
		return nil
	}
	i := min(max(m.cursor()+delta, 0), len(m.holds)-1)
	m.selected = m.holds[i].ApprovalID
	if _, ok := m.details[m.selected]; ok {
		return nil
	}
	return m.fetchDetail(m.selected)
}

func (m *Model) onKey(k tea.KeyPressMsg) tea.Cmd {
	key := k.String()
	if key == "ctrl+c" {
		if m.mode == modeBusy {
			m.Interrupted = true
		}
		return tea.Quit
	}
	switch m.mode {
	case modeBusy:
		return nil
	case modeReason:
		switch key {
		case "esc":
			m.mode, m.reason = modeList, nil
		case "enter":
			id, reason := m.selected, strings.TrimSpace(string(m.reason))
			m.mode, m.busyVerb, m.busyID, m.busySince = modeBusy, "deny", id, m.now()
			client, ctx := m.opts.Client, m.ctx
			return func() tea.Msg {
				d, err := client.Deny(ctx, id, reason)
				return decisionMsg{verb: "deny", id: id, d: d, err: err}
			}
		case "backspace":
			if len(m.reason) > 0 {
				m.reason = m.reason[:len(m.reason)-1]
			}
		case "ctrl+u":
			m.reason = nil
		default:
			if k.Text != "" && len(m.reason) < 500 {
				for _, r := range k.Text {
					if r >= 0x20 && r != 0x7f {
						m.reason = append(m.reason, r)
					}
				}
			}
		}
		return nil
	case modeConfirm, modeConfirmAgain:
		d := m.details[m.selected]
		switch {
		case key == "l" && m.mode == modeConfirm && d != nil && len(d.UnresolvedDomains) > 1:
			m.learnIdx = (m.learnIdx + 1) % len(d.UnresolvedDomains)
			return nil
		case key == "y" && m.mode == modeConfirm && d != nil && highRisk(d.RiskLevel):
			m.mode = modeConfirmAgain
			return nil
		case key == "y" && d != nil:
			var learn operator.Learn
			if m.learnIdx > 0 && m.learnIdx < len(d.UnresolvedDomains) {
				learn.Domain = d.UnresolvedDomains[m.learnIdx]
			}
			id := m.selected
			m.mode, m.busyVerb, m.busyID, m.busySince = modeBusy, "approve", id, m.now()
			client, ctx := m.opts.Client, m.ctx
			return func() tea.Msg {
				dec, err := client.Approve(ctx, id, learn)
				return decisionMsg{verb: "approve", id: id, d: dec, err: err}
			}
		default:
			m.mode = modeList
			m.status = "not approved"
		}
		return nil
	}
	switch key {
	case "q", "esc":
		return tea.Quit
	case "up", "k":
		return m.move(-1)
	case "down", "j":
		return m.move(1)
	case "r":
		return m.fetchList()
	case "a", "enter":
		d := m.details[m.selected]
		switch {
		case m.selected == "":
			m.status = "nothing to approve"
		case d == nil:
			m.status = "the detail is still loading; the gate's record is what you approve"
			return m.fetchDetail(m.selected)
		case d.Status != "pending":
			m.status = fmt.Sprintf("cannot approve: it is %s", c(d.Status))
		default:
			m.mode, m.learnIdx, m.status = modeConfirm, 0, ""
		}
	case "d":
		if m.selected == "" {
			m.status = "nothing to deny"
			return nil
		}
		m.mode, m.reason, m.status = modeReason, nil, ""
	}
	return nil
}
