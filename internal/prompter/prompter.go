package prompter

import (
	"context"
	"errors"
)

// ErrCancelled is returned by every prompt the user abandons (Ctrl-C,
// or the end of input in accessible mode). The command stops without
// writing anything and exits 2.
var ErrCancelled = errors.New("cancelled")

// An Option is one choice of a Select or MultiSelect: Value is what the
// prompt returns, Label what the user reads.
type Option struct {
	Value string
	Label string
}

// Prompter asks the user questions. Every method returns ErrCancelled
// (possibly wrapped) when the user gives up, and honours ctx: a
// cancelled context ends the prompt with ErrCancelled.
type Prompter interface {
	// Select asks for one of options; def is the Value chosen initially.
	Select(ctx context.Context, title, description string, options []Option, def string) (string, error)
	// MultiSelect asks for any number of options, at least one;
	// defaults are the Values selected initially.
	MultiSelect(ctx context.Context, title, description string, options []Option, defaults []string) ([]string, error)
	// Confirm asks a yes/no question; def is the answer on a bare Enter.
	Confirm(ctx context.Context, title, description string, def bool) (bool, error)
	// Input asks for a line of text, starting from def. validate, when
	// not nil, rejects an answer by returning an error the user sees;
	// the question is asked again.
	Input(ctx context.Context, title, description, def string, validate func(string) error) (string, error)
}
