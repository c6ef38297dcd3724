// Package qwencode describes Qwen Code's MCP configuration.
//
// Qwen Code (measured at 0.24.4, clients.md §3.7) follows Gemini CLI's
// settings model: "mcpServers" in ~/.qwen/settings.json ($QWEN_HOME is
// the .qwen directory itself) and in <cwd>/.qwen/settings.json (the
// current directory only, not read when that is the home directory). It
// also loads Claude Code's <cwd>/.mcp.json ("type" dropped); for one
// name, .qwen/settings.json beats .mcp.json, which beats the user file.
// This adapter never edits .mcp.json (it is Claude Code's); install,
// list and doctor say when it defines the same server.
//
// The files are JSON with comments. Qwen accepts a byte order mark but
// stops at a trailing comma (a malformed project file is even replaced by
// "{}", its text saved as settings.json.corrupted), so the targets are
// config.JSONComments. Qwen adds "$version": 4 to every file it loads;
// that key is Qwen's and install leaves it alone.
//
// Entries are Gemini's (command, args, env, timeout in ms, default
// 600 s, above the approval hold: we write none); Qwen validates nothing.
// Servers get Qwen's whole environment, unredacted. Qwen expands $VAR and
// ${VAR} (no default syntax) in every string when it loads the file, so
// install refuses a "$" in what it writes.
//
// Project servers (from .qwen/settings.json and .mcp.json) stay "Pending
// approval" until approved in ~/.qwen/mcpApprovals.json
// ($QWEN_CODE_MCP_APPROVALS_PATH): {"<cwd>": {"<name>": {"hash": "<sha256>",
// "status": "approved"}}}. The hash binds the approval to the entry: it is
// computed exactly as Qwen computes it ([Hash]; checked against what the
// real CLI writes), so any change to the entry makes it pending again.
// --approve writes that record for the entry it installs. It needs no
// note in latchgate-mcp's approval record: it approves only our server,
// bound to the very entry, so uninstall removes it when its hash is the
// removed entry's (an approval of some other entry of that name, made
// since, is the user's and stays).
//
// Folder trust is off by default in Qwen Code (when a user turns it on,
// an untrusted folder loses only .qwen/settings.json); this adapter does
// not model it.
package qwencode
