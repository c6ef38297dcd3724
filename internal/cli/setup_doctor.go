package cli

import (
	"context"
	"fmt"
	"slices"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/doctor"
)

// runDoctorStep is setup's step 5 after writing: the doctor checks,
// limited to the IDEs and scopes just configured. Problems make setup
// exit 1; the files stay written, since they are what the user confirmed,
// and the report says what to fix.
func runDoctorStep(ctx context.Context, opts *setupOptions, choice *setupChoice) error {
	w := opts.IO.ErrOut
	var ids []string
	var scopes []ides.Scope
	for _, a := range choice.Adapters {
		ids = append(ids, a.ID())
		if s := choice.Scopes[a.ID()]; !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	fmt.Fprintln(w, "Checking what was written (the \"latchgate-mcp doctor\" checks):")
	rep := doctor.Run(ctx, doctor.Options{
		Env:     opts.Env,
		IDEs:    ids,
		Scopes:  scopes,
		Name:    opts.Name,
		Timeout: opts.Timeout,
		Version: Version(),
	})
	if err := rep.WriteText(w); err != nil {
		return err
	}
	if rep.HasErrors() {
		fmt.Fprintln(w, "The configuration was written, but the checks above found problems; "+
			"fix them and run \"latchgate-mcp doctor\" to check again.")
		return ErrSilent
	}
	return nil
}
