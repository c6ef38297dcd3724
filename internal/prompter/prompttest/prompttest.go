// Package prompttest is a scripted prompter.Prompter for tests: each
// expected question is queued with its answer, an unexpected question
// fails the test, and a question can be answered by cancelling.
package prompttest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/prompter"
)

// A Question is what the code under test asked, as the fake saw it.
type Question struct {
	Kind        string // "select", "multiselect", "confirm" or "input"
	Title       string
	Description string
	Options     []prompter.Option
	Default     any // string, []string or bool
}

type answer struct {
	kind   string
	match  string
	value  any // string, []string, bool; for input also checked by validate
	cancel bool
	check  func(Question) error
}

// Prompter answers questions from a queue. Create it with New.
type Prompter struct {
	t     testing.TB
	mu    sync.Mutex
	queue []answer
	asked []Question
}

var _ prompter.Prompter = (*Prompter)(nil)

// New returns an empty Prompter; at the end of the test it fails if any
// queued answer was not used.
func New(t testing.TB) *Prompter {
	p := &Prompter{t: t}
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, a := range p.queue {
			t.Errorf("prompttest: expected %s question matching %q was never asked", a.kind, a.match)
		}
	})
	return p
}

// Asked returns the questions asked so far, in order.
func (p *Prompter) Asked() []Question {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.asked)
}

func (p *Prompter) push(a answer) *Prompter {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, a)
	return p
}

// ExpectSelect queues the answer value (an option's Value) to the next
// question, which must be a select whose title contains match.
func (p *Prompter) ExpectSelect(match, value string) *Prompter {
	return p.push(answer{kind: "select", match: match, value: value})
}

// ExpectMultiSelect queues the answer values to a multi-select.
func (p *Prompter) ExpectMultiSelect(match string, values ...string) *Prompter {
	return p.push(answer{kind: "multiselect", match: match, value: values})
}

// ExpectConfirm queues a yes/no answer.
func (p *Prompter) ExpectConfirm(match string, value bool) *Prompter {
	return p.push(answer{kind: "confirm", match: match, value: value})
}

// ExpectInput queues a text answer. If the code under test passes a validate
// function and it rejects value, the test fails: queue only answers the
// real prompt would accept.
func (p *Prompter) ExpectInput(match, value string) *Prompter {
	return p.push(answer{kind: "input", match: match, value: value})
}

// ExpectCancel makes the next question, of kind ("select", "multiselect",
// "confirm" or "input") and with a title containing match, return
// prompter.ErrCancelled, as Ctrl-C would.
func (p *Prompter) ExpectCancel(kind, match string) *Prompter {
	return p.push(answer{kind: kind, match: match, cancel: true})
}

// Check adds check on the question about to be answered by the most
// recently queued answer: it fails the test when check returns an error.
func (p *Prompter) Check(check func(Question) error) *Prompter {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.queue) == 0 {
		p.t.Fatalf("prompttest: Check with no queued answer")
	}
	p.queue[len(p.queue)-1].check = check
	return p
}

// next pops the answer for q, failing the test if q was not expected.
func (p *Prompter) next(q Question) (answer, error) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, q)
	if len(p.queue) == 0 {
		p.t.Errorf("prompttest: unexpected %s question %q", q.Kind, q.Title)
		return answer{}, fmt.Errorf("prompttest: unexpected %s question %q", q.Kind, q.Title)
	}
	a := p.queue[0]
	if a.kind != q.Kind || !strings.Contains(q.Title, a.match) {
		p.t.Errorf("prompttest: asked %s question %q, expected %s question matching %q", q.Kind, q.Title, a.kind, a.match)
		return answer{}, fmt.Errorf("prompttest: unexpected %s question %q", q.Kind, q.Title)
	}
	p.queue = p.queue[1:]
	if a.check != nil {
		if err := a.check(q); err != nil {
			p.t.Errorf("prompttest: %s question %q: %v", q.Kind, q.Title, err)
		}
	}
	if a.cancel {
		return a, prompter.ErrCancelled
	}
	return a, nil
}

func hasOption(options []prompter.Option, value string) bool {
	for _, o := range options {
		if o.Value == value {
			return true
		}
	}
	return false
}

// Select implements prompter.Prompter.
func (p *Prompter) Select(_ context.Context, title, description string, options []prompter.Option, def string) (string, error) {
	p.t.Helper()
	a, err := p.next(Question{Kind: "select", Title: title, Description: description, Options: options, Default: def})
	if err != nil {
		return "", err
	}
	v := a.value.(string)
	if !hasOption(options, v) {
		p.t.Errorf("prompttest: select %q has no option %q (options: %v)", title, v, options)
		return "", fmt.Errorf("prompttest: no option %q", v)
	}
	return v, nil
}

// MultiSelect implements prompter.Prompter.
func (p *Prompter) MultiSelect(_ context.Context, title, description string, options []prompter.Option, defaults []string) ([]string, error) {
	p.t.Helper()
	a, err := p.next(Question{Kind: "multiselect", Title: title, Description: description, Options: options, Default: slices.Clone(defaults)})
	if err != nil {
		return nil, err
	}
	vs := a.value.([]string)
	for _, v := range vs {
		if !hasOption(options, v) {
			p.t.Errorf("prompttest: multi-select %q has no option %q (options: %v)", title, v, options)
			return nil, fmt.Errorf("prompttest: no option %q", v)
		}
	}
	if len(vs) == 0 {
		p.t.Errorf("prompttest: multi-select %q answered with nothing, which the real prompt refuses", title)
	}
	return slices.Clone(vs), nil
}

// Confirm implements prompter.Prompter.
func (p *Prompter) Confirm(_ context.Context, title, description string, def bool) (bool, error) {
	p.t.Helper()
	a, err := p.next(Question{Kind: "confirm", Title: title, Description: description, Default: def})
	if err != nil {
		return false, err
	}
	return a.value.(bool), nil
}

// Input implements prompter.Prompter.
func (p *Prompter) Input(_ context.Context, title, description, def string, validate func(string) error) (string, error) {
	p.t.Helper()
	a, err := p.next(Question{Kind: "input", Title: title, Description: description, Default: def})
	if err != nil {
		return "", err
	}
	v := a.value.(string)
	if validate != nil {
		if err := validate(v); err != nil {
			p.t.Errorf("prompttest: input %q: the prompt would refuse %q: %v", title, v, err)
			return "", fmt.Errorf("prompttest: refused answer %q: %w", v, err)
		}
	}
	return v, nil
}
