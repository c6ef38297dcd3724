// Package cline describes the MCP configuration of the Cline extension
// and, as its own adapter, of Roo Code (its fork), in the editors that
// host them.
//
// Both keep their servers in a file in the extension's global storage,
// one per host editor (clients.md §3.12; Cline from its source,
// cline/cline src/core/storage/disk.ts and src/services/mcp/schemas.ts;
// Roo Code from RooCodeInc/Roo-Code src/services/mcp/McpHub.ts; neither
// measured):
//
//	<editor User dir>/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json
//	<editor User dir>/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json
//
// with the editor's User dir under ~/.config (or $XDG_CONFIG_HOME), ~/
// Library/Application Support or %APPDATA%: Code, Code - Insiders, Cursor,
// Windsurf and VSCodium, and, on a machine reached with an editor's remote
// extension (SSH, WSL), ~/.vscode-server/data/User and the like
// (.vscode-server-insiders, .cursor-server, .windsurf-server,
// .vscodium-server; reported, not verified). VS Code gives extensions the
// default profile's global storage in every profile, so there is one file
// per editor, not per profile. Roo Code also reads a project file,
// <project root>/.roo/mcp.json, whose servers win over the global ones of
// the same name. A Roo Code "customStoragePath" setting moves its global
// storage; that is not followed.
//
// Which files install writes: every host editor where the extension has
// its storage folder (it has run there at least once), because each
// editor's copy of the extension reads only its own file; list, doctor and
// uninstall cover the same files. With no such folder anywhere, install
// stops and says to open the extension once: a file written into an
// editor that does not run the extension would only look like an install.
//
// Both parse the file with JSON.parse (strict JSON) and validate it as a
// whole: one bad entry disables every server in the file, so install
// refuses a file it cannot parse and the golden cases check the whole
// result against the schema. The entry is {"type": "stdio", "command",
// "args", "env", "timeout"}, "timeout" in seconds: the default is 60
// (Roo Code: 60, at most 3600), below the gate's 300 s approval hold, so
// install writes 330. "disabled": true switches an entry off (list shows
// it); "autoApprove" (Cline) and "alwaysAllow" (Roo Code) are the user's.
//
// Environment: both start a server with the MCP SDK's default variables
// plus the entry's env. Roo Code expands ${env:NAME}, ${workspaceFolder}
// and ${userHome} in the whole entry, so a portable project entry passes
// XDG_RUNTIME_DIR on as "${env:XDG_RUNTIME_DIR}"; Cline expands nothing,
// and has no project scope that would need it. One peer's changelog
// reports Roo Code end-of-life on 2026-05-15: the adapter stays for the
// installs that remain.
package cline
