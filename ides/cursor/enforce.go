package cursor

import "github.com/latchgate-ai/latchgate-mcp/ides"

var _ ides.EnforceAdvisor = Adapter{}

// EnforceAdvice implements ides.EnforceAdvisor: Cursor's policy lives in
// its sandbox.json and its team dashboard (enforce-and-operator.md
// A.2.6, from Cursor's documentation; not measured).
func (Adapter) EnforceAdvice(ides.Env, ides.EnforceRequest) string {
	return `Cursor's allow lists (permissions.json mcpAllowlist, terminalAllowlist) only auto-run; they deny nothing.
Its terminal sandbox (on by default on Linux 6.2+) takes a network policy in ~/.cursor/sandbox.json:
  {"type": "workspace_readwrite", "networkPolicy": {"default": "deny"}}
but a project's .cursor/sandbox.json wins over it; a team administrator's policy cannot be weakened by either.`
}
