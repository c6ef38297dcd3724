package copilotcli

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
)

var _ ides.OperatorRooter = Adapter{}

// OperatorRoot implements ides.OperatorRooter with a COPILOT_HOME of its
// own (enforce-and-operator B.8, D): the operator entry goes into that
// home's mcp-config.json, which the agent's Copilot CLI never reads.
// Copilot keeps no setting that refuses a server by name: only the
// --disable-mcp-server flag of each run does, so nothing is added on
// the agent's side. Workspace servers load only in folders trusted in
// the operator home's own config.json, which starts with none. Copilot
// answers elicitation (measured on 1.0.102; copilot -p declines).
func (a Adapter) OperatorRoot(env ides.Env, req ides.OperatorRequest) (ides.OperatorRoot, error) {
	dir := ides.Join(env, req.Base, "copilot")
	if ides.SameDir(Dir(env), dir) {
		return ides.OperatorRoot{}, ides.Usagef("COPILOT_HOME is %s, the operator's own configuration: "+
			"run install --operator where the agent's Copilot CLI runs (without that COPILOT_HOME)", env.Display(dir))
	}
	opEnv := env
	opEnv.Vars = map[string]string{"COPILOT_HOME": dir}
	t, err := a.Target(opEnv, ides.ScopeUser)
	if err != nil {
		return ides.OperatorRoot{}, err
	}
	root := ides.OperatorRoot{Dir: dir, Target: t, Elicitation: ides.ElicitationYes,
		Notes: []ides.Note{
			{Level: "info", Text: "the operator window is a Copilot CLI of its own, with its own settings in " + env.Display(dir) + ": its first start may ask you to log in"},
			{Level: "warn", Text: "Copilot CLI has no saved setting that refuses the operator server to the agent: the agent's Copilot does not load it because the entry is only in the operator's COPILOT_HOME " +
				"(to be sure, start the agent with --disable-mcp-server " + ides.OperatorEntryName + "). Do not trust project folders in the operator window, and do not start it with --allow-all"},
		}}
	root.Start, root.Alias = ides.StartWithDir(env, "COPILOT_HOME", dir, "copilot", "copilot-operator")
	return root, nil
}
