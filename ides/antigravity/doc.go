// Package antigravity describes the MCP configuration of Google
// Antigravity (the editor and its agy CLI).
//
// Antigravity reads servers from the "mcpServers" object of an
// mcp_config.json in the Gemini folder of the home directory (clients.md
// §3.16 and ide-configs §1.12, reported, not measured): stdio entries of
// "command", "args" and "env", remote ones with "serverUrl". The file
// moved:
//
//   - ~/.gemini/config/mcp_config.json: Antigravity 2 and agy, whose
//     global customization folder ~/.gemini/config is (skills, projects).
//     agy may leave the file empty, which reads as no servers.
//   - ~/.gemini/antigravity/mcp_config.json: Antigravity 1, whose agent
//     data lives in ~/.gemini/antigravity (brain, conversations).
//
// install writes where the installed app reads: the current file when
// ~/.gemini/config exists or ~/.gemini/antigravity does not (a new
// install), the legacy file only on a machine that has Antigravity 1's
// folder and not Antigravity 2's. list and doctor show both files, the
// one not read as shadowed. The Rust installer wrote only the current
// path. A third path, ~/.gemini/antigravity-cli/mcp_config.json, is named
// by one crate's docs only; agy keeps its settings there, not its servers.
// The same folder holds Gemini CLI's settings.json, which is another
// client's file and left alone.
//
// The file is kept plain JSON. Antigravity's tool-call timeout, variable
// syntax and server environment are not documented: the entry holds
// literal values, and doctor starts it with the MCP SDK's few inherited
// variables.
package antigravity
