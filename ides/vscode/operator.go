package vscode

import (
	"fmt"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

var _ ides.OperatorRooter = Adapter{}

// OperatorRoot implements ides.OperatorRooter with a profile of its own:
// each VS Code profile has its own user mcp.json, and a window uses one
// profile. This is weaker than a separate Claude Code configuration (say
// so to the user): VS Code has no setting that keeps a server out of the
// agent's windows by name, a workspace .vscode/mcp.json applies in every
// profile, and Settings Sync can copy profiles elsewhere. The profile must
// exist: VS Code owns its profile list (storage.json), which we never
// write; "code --profile NAME" creates a missing one.
func (a Adapter) OperatorRoot(env ides.Env, req ides.OperatorRequest) (ides.OperatorRoot, error) {
	cmd := a.Footprint(env).Commands[0]
	if req.Profile == "" || strings.EqualFold(req.Profile, defaultProfile) {
		return ides.OperatorRoot{}, ides.Usagef("%s keeps the operator entry in a profile of its own, which the agent's windows do not use: "+
			"pass --vscode-profile NAME (open \"%s --profile NAME\" once to create it)", a.DisplayName(), cmd)
	}
	profiles, err := a.Profiles(env)
	if err != nil {
		return ides.OperatorRoot{}, err
	}
	found := false
	for _, p := range profiles {
		found = found || strings.EqualFold(p.Name, req.Profile)
	}
	if !found {
		return ides.OperatorRoot{}, ides.Usagef("%s has no profile %q yet: open \"%s --profile %s\" once (VS Code creates it), close it, and run this again",
			a.DisplayName(), req.Profile, cmd, ides.ShellQuote(req.Profile))
	}
	t, err := a.ProfileTarget(env, req.Profile)
	if err != nil {
		return ides.OperatorRoot{}, err
	}
	return ides.OperatorRoot{
		Target:      t,
		Start:       cmd + " --profile " + ides.ShellQuote(req.Profile),
		Elicitation: ides.ElicitationUnknown,
		Notes: []ides.Note{{Level: "warn", Text: fmt.Sprintf("%s has no setting that keeps a server out of the agent's windows: "+
			"the separation is only that the operator entry is in the %q profile's mcp.json. Never do agent work in that profile; "+
			"a workspace .vscode/mcp.json applies in every profile, so open the operator window on a folder without one",
			a.DisplayName(), req.Profile)}},
	}, nil
}
