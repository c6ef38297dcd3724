package vscode

import "github.com/latchgate-ai/latchgate-mcp/ides"

var _ ides.EnforceAdvisor = Adapter{}

// EnforceAdvice implements ides.EnforceAdvisor: VS Code's MCP policy is
// an administrator's (/etc/vscode/policy.json, macOS profiles, Group
// Policy), with no per-server allowlist but a private registry
// (enforce-and-operator.md A.2.5, from its source and documentation).
func (a Adapter) EnforceAdvice(ides.Env, ides.EnforceRequest) string {
	return a.DisplayName() + ` has no per-server allowlist; an administrator's policy (/etc/vscode/policy.json on Linux,
a configuration profile on macOS, Group Policy on Windows) can set:
  "ChatMCP": "registry" (only servers of a private registry holding latchgate, with McpGalleryServiceUrl),
  "ChatToolsAutoApprove": false
and users' settings: "chat.agent.sandbox.enabled": true (Linux: bubblewrap and socat) with
"chat.agent.networkFilter" and empty allowed and denied domain lists, which blocks every domain.`
}
