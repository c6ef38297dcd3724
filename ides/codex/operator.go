package codex

import (
	"github.com/latchgate-ai/latchgate-mcp/ides"
)

var _ ides.OperatorRooter = Adapter{}

// OperatorRoot implements ides.OperatorRooter with a CODEX_HOME of its
// own (enforce-and-operator B.8): the operator entry goes into that
// home's config.toml, which the agent's Codex never reads. Codex has no
// setting in the agent's own config.toml that refuses a server by name
// (only the lock level's requirements.toml allowlist does, by name and
// command), so nothing is added on the agent's side. A project's
// .codex/config.toml loads only when the project is trusted in the
// operator home's own config.toml, which starts with no trust. Codex
// answers elicitation (measured on 0.171.0; codex exec declines).
func (a Adapter) OperatorRoot(env ides.Env, req ides.OperatorRequest) (ides.OperatorRoot, error) {
	dir := ides.Join(env, req.Base, "codex")
	if ides.SameDir(Home(env), dir) {
		return ides.OperatorRoot{}, ides.Usagef("CODEX_HOME is %s, the operator's own configuration: "+
			"run install --operator where the agent's Codex runs (without that CODEX_HOME)", env.Display(dir))
	}
	opEnv := env
	opEnv.Vars = map[string]string{"CODEX_HOME": dir}
	t, err := a.Target(opEnv, ides.ScopeUser)
	if err != nil {
		return ides.OperatorRoot{}, err
	}
	root := ides.OperatorRoot{Dir: dir, Target: t, Elicitation: ides.ElicitationYes,
		Notes: []ides.Note{
			{Level: "info", Text: "the operator window is a Codex of its own, with its own login and history in " + env.Display(dir) + ": its first start asks you to log in"},
			{Level: "warn", Text: "Codex has no setting in the agent's config.toml that refuses the operator server by name (only a managed requirements.toml allowlist does); " +
				"the agent's Codex does not load it because the entry is only in the operator's CODEX_HOME. Do not trust project folders in the operator window: a trusted project's .codex/config.toml can bring the agent's server in"},
		}}
	root.Start, root.Alias = ides.StartWithDir(env, "CODEX_HOME", dir, "codex", "codex-operator")
	return root, nil
}
