package approveui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// fakeClient is an in-memory gate: the real one is exercised by the
// command's end-to-end tests; here the screens are.
type fakeClient struct {
	mu       sync.Mutex
	holds    []operator.Summary
	details  map[string]*operator.Detail
	approved []string
	learned  []operator.Learn
	denied   map[string]string
}

var t0 = time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)

func newFake(n int, mod func(i int, s *operator.Summary, d *operator.Detail)) *fakeClient {
	f := &fakeClient{details: map[string]*operator.Detail{}, denied: map[string]string{}}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("019a0000-0000-7000-8000-%012d", i)
		s := operator.Summary{ApprovalID: id, Status: "pending", ActionID: "http_post", Principal: "dev:anonymous", RiskLevel: "medium",
			SessionID: "019a0000-0000-7000-8000-00000000aaaa", ExpiresAt: t0.Add(time.Duration(100+i) * time.Second).Format(time.RFC3339)}
		d := &operator.Detail{ApprovalID: id, Status: "pending", ActionID: s.ActionID, Principal: s.Principal, RiskLevel: s.RiskLevel,
			SessionID: s.SessionID, ExpiresAt: s.ExpiresAt, Targets: json.RawMessage(`["https://example.org/post"]`),
			UnresolvedDomains: []string{"example.org"}, RequestHash: "sha256:abc"}
		if mod != nil {
			mod(i, &s, d)
		}
		f.holds = append(f.holds, s)
		f.details[id] = d
	}
	return f
}

func (f *fakeClient) List(_ context.Context, _ operator.ListOptions) ([]operator.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]operator.Summary(nil), f.holds...), nil
}

func (f *fakeClient) Get(_ context.Context, id string) (*operator.Detail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.details[id]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("no approval %s", id)
}

func (f *fakeClient) remove(id string) {
	for i, h := range f.holds {
		if h.ApprovalID == id {
			f.holds = append(f.holds[:i], f.holds[i+1:]...)
			return
		}
	}
}

func (f *fakeClient) Approve(_ context.Context, id string, learn operator.Learn) (*operator.Decision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.approved = append(f.approved, id)
	f.learned = append(f.learned, learn)
	f.remove(id)
	return &operator.Decision{ApprovalID: id, Result: operator.ResultApproved, ReceiptID: "019a-receipt", LearnedDomain: "example.org"}, nil
}

func (f *fakeClient) Deny(_ context.Context, id, reason string) (*operator.Decision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denied[id] = reason
	f.remove(id)
	return &operator.Decision{ApprovalID: id, Result: operator.ResultDenied, DenyReason: reason}, nil
}

// drive runs cmd and feeds every message it yields back into m, except
// ticks (which would run forever) and raw output.
func drive(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		return
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			drive(t, m, c)
		}
	case tickMsg, tea.RawMsg, nil:
	case tea.QuitMsg:
	default:
		_, next := m.Update(msg)
		drive(t, m, next)
	}
}

func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		_, cmd := m.Update(msg)
		drive(t, m, cmd)
	}
}

func start(t *testing.T, f *fakeClient, w, h int) *Model {
	t.Helper()
	m := New(context.Background(), Options{Client: f, Now: func() time.Time { return t0 }, Width: w, Height: h, Target: "unix:/run/gate-admin.sock"})
	m.noTick = true
	drive(t, m, m.Init())
	return m
}

// screen is what the eye reads: the view without escape sequences.
func screen(m *Model) string { return ansi.Strip(m.render()) }

func TestFitsTheTerminal(t *testing.T) {
	f := newFake(30, func(i int, s *operator.Summary, d *operator.Detail) {
		s.ActionID = strings.Repeat("very_long_action_name_", 5)
		d.Targets = json.RawMessage(`["https://` + strings.Repeat("x", 300) + `.example/"]`)
		d.UnresolvedDomains = []string{strings.Repeat("sub.", 40) + "example"}
	})
	for _, size := range [][2]int{{80, 24}, {40, 10}, {200, 60}} {
		m := start(t, f, size[0], size[1])
		lines := strings.Split(m.render(), "\n")
		if len(lines) > size[1] {
			t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Errorf("%dx%d: line %d is %d cells: %q", size[0], size[1], i, w, ansi.Strip(l))
			}
		}
		if !strings.Contains(screen(m), "30 waiting") {
			t.Errorf("%dx%d: no count:\n%s", size[0], size[1], screen(m))
		}
	}
}

// TestGateTextIsQuoted: escape sequences and bidi controls the gate
// relays (attacker input) are shown, not obeyed.
func TestGateTextIsQuoted(t *testing.T) {
	f := newFake(1, func(_ int, s *operator.Summary, d *operator.Detail) {
		s.ActionID, d.ActionID = "evil\x1b[2J\x1b]0;pwned\a", "evil\x1b[2J\x1b]0;pwned\a"
		s.Principal, d.Principal = "uid:1000\u202egnp.exe", "uid:1000\u202egnp.exe"
		d.UnresolvedDomains = []string{"a.example\r\nApprove? y"}
	})
	m := start(t, f, 120, 40)
	out := m.render()
	for _, bad := range []string{"\x1b[2J", "\x1b]0;", "\a", "\u202e", "\r\nApprove"} {
		if strings.Contains(out, bad) {
			t.Errorf("raw %q on screen", bad)
		}
	}
	for _, want := range []string{`evil\x1b[2J\x1b]0;pwned\x07`, `uid:1000\u202egnp.exe`, `a.example\r\nApprove? y`} {
		if !strings.Contains(screen(m), want) {
			t.Errorf("%q not shown quoted:\n%s", want, screen(m))
		}
	}
}

func TestApproveStatesWhatTheGateLearns(t *testing.T) {
	f := newFake(2, func(i int, s *operator.Summary, d *operator.Detail) {
		if i == 1 {
			d.UnresolvedDomains = []string{"one.example", "two.example"}
			d.UnresolvedPaths = []string{"/srv/data/*"}
		}
	})
	m := start(t, f, 100, 30)
	press(t, m, "down", "a")
	s := screen(m)
	for _, want := range []string{"Approve http_post for dev:anonymous?", "one.example", "/srv/data/*", "learned allowlist", "l learn another domain"} {
		if !strings.Contains(strings.Join(strings.Fields(s), " "), want) {
			t.Errorf("confirmation lacks %q:\n%s", want, s)
		}
	}
	press(t, m, "l")
	if !strings.Contains(screen(m), "two.example to its") && !strings.Contains(strings.Join(strings.Fields(screen(m)), " "), "domain two.example") {
		t.Errorf("l did not pick the other domain:\n%s", screen(m))
	}
	press(t, m, "y")
	if len(f.approved) != 1 || f.approved[0] != f.details["019a0000-0000-7000-8000-000000000001"].ApprovalID || f.learned[0].Domain != "two.example" {
		t.Fatalf("approved %v learn %v", f.approved, f.learned)
	}
	if !strings.Contains(screen(m), "approved 019a0000-0000-7000-8000-000000000001: executed, receipt 019a-receipt") {
		t.Errorf("no outcome:\n%s", screen(m))
	}
	if !strings.Contains(screen(m), "1 waiting") {
		t.Errorf("the list did not refresh:\n%s", screen(m))
	}
	// n goes back without approving.
	press(t, m, "a", "n")
	if len(f.approved) != 1 || !strings.Contains(screen(m), "not approved") {
		t.Errorf("n approved: %v\n%s", f.approved, screen(m))
	}
}

func TestHighRiskNeedsASecondKey(t *testing.T) {
	f := newFake(1, func(_ int, s *operator.Summary, d *operator.Detail) {
		s.RiskLevel, d.RiskLevel = "critical", "critical"
	})
	m := start(t, f, 80, 24)
	press(t, m, "a", "y")
	if len(f.approved) != 0 || !strings.Contains(screen(m), "critical risk action. Press y again") {
		t.Fatalf("one y approved a critical action: %v\n%s", f.approved, screen(m))
	}
	press(t, m, "x")
	if len(f.approved) != 0 || m.mode != modeList {
		t.Fatalf("another key approved or stayed: %v", f.approved)
	}
	press(t, m, "a", "y", "y")
	if len(f.approved) != 1 {
		t.Errorf("y y did not approve")
	}
}

func TestDenyWithReason(t *testing.T) {
	f := newFake(1, nil)
	m := start(t, f, 80, 24)
	press(t, m, "d", "n", "o", "p", "e", "backspace", "!", "enter")
	id := "019a0000-0000-7000-8000-000000000000"
	if f.denied[id] != "nop!" {
		t.Fatalf("denied %v", f.denied)
	}
	if !strings.Contains(screen(m), "denied "+id+": nop!") {
		t.Errorf("no outcome:\n%s", screen(m))
	}
	// esc leaves the reason without denying.
	f2 := newFake(1, nil)
	m2 := start(t, f2, 80, 24)
	press(t, m2, "d", "x", "esc")
	if len(f2.denied) != 0 {
		t.Errorf("esc denied: %v", f2.denied)
	}
}

func TestLines(t *testing.T) {
	f := newFake(2, func(i int, s *operator.Summary, d *operator.Detail) {
		if i == 1 {
			s.RiskLevel, d.RiskLevel = "high", "high"
		}
	})
	in := strings.NewReader(strings.Join([]string{
		"1", "a", "y", // approve the first (medium)
		"9",           // not a number in range
		"1", "a", "y", // the high-risk one needs "approve": not approved
		"1", "d", "too risky", // deny it
		"", "q",
	}, "\n") + "\n")
	var out bytes.Buffer
	if err := RunLines(context.Background(), in, &out, f, func() time.Time { return t0 }); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"2 waiting for a decision:", "1. http_post, medium risk, from dev:anonymous, expires in 1:40",
		"Unknown domains: example.org", "learned allowlist",
		"approved 019a0000-0000-7000-8000-000000000000: executed",
		`"9" is not a number from 1 to 1.`,
		"Type approve to approve", "Not approved.",
		"denied 019a0000-0000-7000-8000-000000000001: too risky",
		"No approval is waiting.", "Bye.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if len(f.approved) != 1 || f.denied["019a0000-0000-7000-8000-000000000001"] != "too risky" {
		t.Errorf("approved %v denied %v", f.approved, f.denied)
	}
	if strings.ContainsRune(text, '\x1b') {
		t.Errorf("escape sequences in line mode")
	}
}
