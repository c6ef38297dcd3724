// Package clinecli describes the MCP configuration of the Cline CLI
// ("cline", npm cline), measured on 3.0.65 (clients.md §3.13). The Cline
// VS Code extension keeps another file in the editor's storage, in another
// shape; it is a separate client.
//
// The CLI reads one file, ~/.cline/data/settings/cline_mcp_settings.json,
// moved by CLINE_MCP_SETTINGS_PATH (the file), CLINE_DATA_DIR (its
// settings/ directory) or CLINE_DIR (its data/settings/ directory), in
// that order. There is no project scope, by design. Servers live under
// "mcpServers", flat (the extension's form) or nested as "cline mcp add"
// writes them: {"transport": {"type": "stdio", "command", "args", "env"},
// "timeout"}; install writes the nested form.
//
// The file is strict JSON and is validated as a whole: a comment, a
// sibling without "command" or a stray top-level key, and Cline loads no
// server from it at all, saying so only in its runtime log. Install
// therefore refuses a file it cannot parse as plain JSON, checks its own
// entry against the embedded schema, and warns when the rest of the file
// would still be rejected; doctor reports it too.
//
// Cline gives "initialize" 3 s and each tool call 60 s unless the entry
// sets "timeout" (seconds, 1 to 3600), which covers both: install writes
// 330, above the gate's 300 s approval holds. Cline passes its whole
// environment and expands no variables. Nothing about holds is beyond
// what the entry can set.
package clinecli
