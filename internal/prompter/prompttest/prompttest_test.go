package prompttest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/prompter"
)

// recorder is a testing.TB that keeps the failures instead of failing.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) finish() {
	for _, f := range r.cleanups {
		f()
	}
}

var opts = []prompter.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}

func TestAnswersInOrder(t *testing.T) {
	rec := &recorder{TB: t}
	p := New(rec).ExpectSelect("Pick", "b").ExpectConfirm("Sure", true).ExpectMultiSelect("Some", "a", "b").ExpectInput("Name", "x")
	ctx := context.Background()
	if v, err := p.Select(ctx, "Pick one", "", opts, "a"); v != "b" || err != nil {
		t.Errorf("Select = %q, %v", v, err)
	}
	if v, err := p.Confirm(ctx, "Sure?", "", false); !v || err != nil {
		t.Errorf("Confirm = %v, %v", v, err)
	}
	if v, err := p.MultiSelect(ctx, "Some of them", "", opts, nil); len(v) != 2 || err != nil {
		t.Errorf("MultiSelect = %v, %v", v, err)
	}
	if v, err := p.Input(ctx, "Name", "", "", nil); v != "x" || err != nil {
		t.Errorf("Input = %q, %v", v, err)
	}
	rec.finish()
	if len(rec.errs) != 0 {
		t.Errorf("failures: %v", rec.errs)
	}
	if n := len(p.Asked()); n != 4 {
		t.Errorf("Asked() has %d questions, want 4", n)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name string
		run  func(*Prompter) error
		want string
	}{
		{"unexpected question", func(p *Prompter) error {
			_, err := p.Confirm(context.Background(), "Surprise?", "", false)
			return err
		}, `unexpected confirm question "Surprise?"`},
		{"wrong kind", func(p *Prompter) error {
			_, err := p.ExpectConfirm("Pick", true).Select(context.Background(), "Pick", "", opts, "a")
			return err
		}, "expected confirm question"},
		{"no such option", func(p *Prompter) error {
			_, err := p.ExpectSelect("Pick", "z").Select(context.Background(), "Pick", "", opts, "a")
			return err
		}, `has no option "z"`},
		{"answer the prompt refuses", func(p *Prompter) error {
			_, err := p.ExpectInput("Name", "bad").Input(context.Background(), "Name", "", "", func(string) error { return errors.New("no") })
			return err
		}, "the prompt would refuse"},
		{"never asked", func(p *Prompter) error {
			p.ExpectSelect("Pick", "a")
			return errors.New("nothing asked")
		}, "was never asked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			p := New(rec)
			if err := tt.run(p); err == nil {
				t.Error("no error returned")
			}
			rec.finish()
			if !strings.Contains(strings.Join(rec.errs, "\n"), tt.want) {
				t.Errorf("failures %q, want one containing %q", rec.errs, tt.want)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	rec := &recorder{TB: t}
	p := New(rec).ExpectCancel("select", "Pick")
	if _, err := p.Select(context.Background(), "Pick", "", opts, "a"); !errors.Is(err, prompter.ErrCancelled) {
		t.Errorf("err = %v, want ErrCancelled", err)
	}
	rec.finish()
	if len(rec.errs) != 0 {
		t.Errorf("failures: %v", rec.errs)
	}
}
