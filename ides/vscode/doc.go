// Package vscode describes VS Code's MCP configuration (GitHub Copilot
// agent mode), for VS Code and, as its own adapter, VS Code Insiders.
//
// VS Code reads servers from the "servers" object of mcp.json files:
// the user file in the product's User directory (Linux
// $XDG_CONFIG_HOME/Code/User or ~/.config/Code/User, macOS
// ~/Library/Application Support/Code/User, Windows %APPDATA%\Code\User;
// "Code - Insiders" for Insiders), one more per named profile in
// User/profiles/<id>/, and the workspace file .vscode/mcp.json. The files
// are JSONC: comments and trailing commas are normal there, and the
// "inputs" array and other top-level keys belong to the user. A
// "mcpServers" key is silently ignored by VS Code, so we never write one.
//
// Profile names are resolved the way VS Code does: the profile list is
// "userDataProfiles" in User/globalStorage/storage.json, and each entry's
// "location" ends in the id of its folder under User/profiles. This is
// the one place an adapter reads a file itself; it never writes it.
//
// A workspace entry is portable the same way as Cursor's: latchgate-mcp
// on PATH, XDG_RUNTIME_DIR passed on as "${env:XDG_RUNTIME_DIR}".
package vscode
