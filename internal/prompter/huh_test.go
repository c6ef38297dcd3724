package prompter

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var fruit = []Option{{Value: "a", Label: "Apple"}, {Value: "b", Label: "Banana"}, {Value: "c", Label: "Cherry"}}

// TestAccessibleSequence answers several questions from one reader, as
// a person typing ahead (or a pipe) would: every answer must reach its
// own question.
func TestAccessibleSequence(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader(strings.Join([]string{
		"3",      // select: Cherry
		"1", "0", // multi-select: toggle Apple (Banana preselected), finish
		"n",         // confirm
		"bad", "ok", // input: refused, then accepted
		"", // select with default: keep it
	}, "\n") + "\n")
	h := NewHuh(in, &out, true)
	ctx := context.Background()

	got, err := h.Select(ctx, "Pick one", "", fruit, "a")
	if err != nil || got != "c" {
		t.Fatalf("Select = %q, %v; want c", got, err)
	}
	multi, err := h.MultiSelect(ctx, "Pick some", "", fruit, []string{"b"})
	if err != nil {
		t.Fatalf("MultiSelect: %v\n%s", err, out.String())
	}
	if diff := cmp.Diff([]string{"a", "b"}, multi); diff != "" {
		t.Errorf("MultiSelect (-want +got):\n%s", diff)
	}
	yes, err := h.Confirm(ctx, "Sure?", "", true)
	if err != nil || yes {
		t.Fatalf("Confirm = %v, %v; want false", yes, err)
	}
	text, err := h.Input(ctx, "Say ok", "", "", func(s string) error {
		if s != "ok" {
			return errors.New("say ok")
		}
		return nil
	})
	if err != nil || text != "ok" {
		t.Fatalf("Input = %q, %v; want ok", text, err)
	}
	def, err := h.Select(ctx, "Default", "", fruit, "b")
	if err != nil || def != "b" {
		t.Fatalf("Select with default = %q, %v; want b", def, err)
	}
	for _, want := range []string{"Pick one", "1. Apple", "Pick some", "Sure?", "say ok", "Default"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestAccessibleEndOfInput: huh's line mode answers the default when
// the input ends; we report a cancel instead, so nothing is written on
// answers nobody gave.
func TestAccessibleEndOfInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		ask  func(*Huh) error
	}{
		{"confirm", func(h *Huh) error { _, err := h.Confirm(context.Background(), "Write?", "", true); return err }},
		{"select", func(h *Huh) error { _, err := h.Select(context.Background(), "Pick", "", fruit, "a"); return err }},
		{"multiselect", func(h *Huh) error {
			_, err := h.MultiSelect(context.Background(), "Pick", "", fruit, []string{"a"})
			return err
		}},
		{"input", func(h *Huh) error { _, err := h.Input(context.Background(), "Name", "", "x", nil); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHuh(strings.NewReader(""), &bytes.Buffer{}, true)
			if err := tc.ask(h); !errors.Is(err, ErrCancelled) {
				t.Fatalf("err = %v, want ErrCancelled", err)
			}
		})
	}
}

// TestMultiSelectNeedsOne: an empty selection is refused and asked again.
func TestMultiSelectNeedsOne(t *testing.T) {
	var out bytes.Buffer
	h := NewHuh(strings.NewReader("0\n2\n0\n"), &out, true)
	got, err := h.MultiSelect(context.Background(), "Pick", "", fruit, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !strings.Contains(out.String(), errNoneSelected.Error()) {
		t.Errorf("output lacks the refusal:\n%s", out.String())
	}
}

// TestCancelledContext: a prompt blocked on input returns at once when
// the context ends (Ctrl-C arrives as a signal in line mode).
func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	defer func() { _ = w.Close() }()
	h := NewHuh(r, &bytes.Buffer{}, true)
	done := make(chan error, 1)
	go func() {
		_, err := h.Confirm(ctx, "Wait", "", false)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	if _, err := h.Confirm(ctx, "Again", "", false); !errors.Is(err, ErrCancelled) {
		t.Fatalf("second prompt on a cancelled context: err = %v, want ErrCancelled", err)
	}
}
