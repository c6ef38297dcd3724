package copilotcli

import (
	"encoding/json"
	"fmt"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

var _ ides.EnforceAdvisor = Adapter{}

// EnforceAdvice implements ides.EnforceAdvisor: Copilot CLI keeps no
// tool denies in its settings (enforce-and-operator.md A.2.4), so the
// policy is flags on each run, and an enterprise allowlist (documented,
// not measured).
func (Adapter) EnforceAdvice(env ides.Env, req ides.EnforceRequest) string {
	argv, _ := json.Marshal(req.Entry.Argv())
	if req.Entry.Command == "" {
		argv = []byte(`["/usr/local/bin/latchgate-mcp", "serve", ...]`)
	}
	shell := "--deny-tool 'shell(curl)'"
	if req.Shell == ides.ShellDeny {
		shell = "--excluded-tools bash"
	}
	return fmt.Sprintf(`Copilot CLI keeps no tool denies in its settings: start it with flags (an alias or wrapper script):
  copilot --excluded-tools web_fetch %s --allow-tool %s --disable-mcp-server %s
(a shell(curl) deny still lets "bash -c" and python reach the network; --excluded-tools bash removes the shell;
"deniedUrls" wildcards in settings block nothing). An enterprise can pin the server in its managed settings:
  "allowedMcpServers": [{"serverCommand": %s}]`, shell, req.Name, req.Operator, argv)
}
