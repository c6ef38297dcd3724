// Package windsurf describes Windsurf's MCP configuration (Cascade).
//
// Windsurf reads servers from the "mcpServers" object of
// ~/.codeium/windsurf/mcp_config.json (%USERPROFILE%\.codeium\windsurf\ on
// Windows; clients.md §3.16, from its docs, not measured): stdio entries of
// "command", "args" and "env", remote ones with "serverUrl", and per
// server "disabled" and "disabledTools". Windsurf's plugins for other IDEs
// read ~/.codeium/mcp_config.json instead, which this adapter leaves alone.
// A project file (.windsurf/mcp_config.json) is claimed by one peer
// installer only, so there is no project scope. The file is documented as
// JSON and kept plain JSON.
//
// Windsurf expands "${env:NAME}" in command, args and env; an entry with
// no project scope never needs it (the user entry names an absolute
// socket), so install writes only literal values. Like any GUI app it may
// not pass the shell's environment on: doctor starts the entry with the
// MCP SDK's few inherited variables. A Teams or Enterprise admin
// whitelist matches the command and each argument against anchored
// regular expressions, with the exact number of arguments: an entry the
// admin did not foresee (another gate flag) is refused by Windsurf, not by
// us; the tool-call timeout is not documented.
package windsurf
