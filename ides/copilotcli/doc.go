// Package copilotcli describes GitHub Copilot CLI's MCP configuration.
//
// Copilot CLI (measured at 1.0.102, clients.md §3.8) reads user servers
// from "mcpServers" in ~/.copilot/mcp-config.json ($COPILOT_HOME replaces
// ~/.copilot; XDG_CONFIG_HOME is ignored), a JSONC file. Workspace
// servers come from .mcp.json, or .github/mcp.json when a directory has
// no .mcp.json (measured: with both present, .github/mcp.json is not
// read), in each directory from the current one up to the git root;
// those files are strict JSON (one comment and the file is skipped). A
// workspace entry wins over a user entry of the same name.
//
// Project scope writes the git root's .github/mcp.json, Copilot's own
// file, unless the root has a .mcp.json: then Copilot reads only that
// one, and it is also Claude Code's (and Qwen Code's) project file, so
// the one entry there serves them all. The entry is therefore one every
// reader of .mcp.json accepts: "type": "stdio" (Copilot's synonym of
// "local", the only value Claude Code knows), no "tools" ("copilot mcp
// add" writes ["*"]; absent means every tool too, while "[]" means none,
// and Claude Code knows no such key), and "timeout": 330000, since
// Copilot's default tool-call timeout (180 s) would end a call still held
// for approval (up to 300 s).
//
// Workspace servers load only in a trusted folder: "trustedFolders" in
// ~/.copilot/config.json (a parent covers its children), or
// COPILOT_ALLOW_ALL=true. --approve adds the git root to trustedFolders
// and records in latchgate-mcp's approval record that it did, for this
// entry; uninstall removes the folder again only when the record says
// --approve added it and no entry of ours that needed it is left.
// Without --approve, install says the entry will not load until the
// folder is trusted.
//
// Copilot passes its environment to servers minus GITHUB_TOKEN,
// OPENAI_API_KEY, ANTHROPIC_API_KEY, COPILOT_PROVIDER_* and
// COPILOT_OFFLINE (a forwarded one of those is named in env as
// "${NAME}"), expands $VAR, ${VAR} and ${VAR:-default} in command, args,
// env and cwd with no escape (install refuses a "$" in what it writes),
// and sends server/discover before initialize.
package copilotcli
