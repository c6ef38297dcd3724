// Package hermes describes Hermes Agent's MCP configuration (from its
// docs, clients.md §3.16): mcp_servers.<name> in ~/.hermes/config.yaml,
// with command, args, env and timeout (seconds per tool call, default 120:
// below a 300 s approval hold, so we write 330). Users comment this file;
// it is edited comment-preserving (yamldoc). Not verified with a real
// Hermes: it does not install from npm.
package hermes
