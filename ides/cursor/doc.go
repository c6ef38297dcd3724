// Package cursor describes Cursor's MCP configuration.
//
// Cursor reads user servers from ~/.cursor/mcp.json
// (%USERPROFILE%\.cursor\mcp.json on Windows) and project servers from
// <project root>/.cursor/mcp.json, both under "mcpServers", with stdio
// entries of "command", "args" and "env". Cursor documents the files as
// JSON, so we keep them plain JSON.
//
// Cursor is a GUI app: started from a dock or launcher it may not carry
// the shell's environment, and the servers it starts may get less still.
// A portable (project) entry therefore names latchgate-mcp on PATH and
// passes XDG_RUNTIME_DIR on explicitly with Cursor's "${env:NAME}"
// syntax, so serve finds each user's default gate socket; it never holds
// a per-user path.
package cursor
