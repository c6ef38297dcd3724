// Package geminicli describes Gemini CLI's MCP configuration.
//
// Gemini CLI (measured at 0.61.0, clients.md §3.6) reads servers from
// "mcpServers" in ~/.gemini/settings.json ($GEMINI_CLI_HOME/.gemini when
// that is set) and in <cwd>/.gemini/settings.json, only in the current
// directory (no walk up to the git root) and never when the current
// directory is the home directory; the project file wins for the same
// name. Entries are command, args, env (+ cwd, timeout in ms, trust,
// includeTools, excludeTools); unknown keys are warned about on every
// start, so we write none. The default timeout is 600 s, above the 300 s
// approval hold, so we write no timeout.
//
// The files are JSON with comments, read by stripping comments and
// calling JSON.parse: a trailing comma, a byte order mark or an empty
// file stops Gemini CLI at start ("Error in <file>", exit 52). The
// targets are therefore config.JSONComments (a trailing comma is refused
// with its line and column) and every edit goes through ides.RefuseBOM:
// a file with a BOM that we would change is refused, not fixed, since
// fixing it changes a byte outside our entry and the error names it. An
// empty file is never written back empty (we add a whole object).
//
// Folder trust is on by default (security.folderTrust.enabled, which
// only the user and system settings decide): in a folder without a
// TRUST_FOLDER or TRUST_PARENT rule in ~/.gemini/trustedFolders.json
// ($GEMINI_CLI_TRUSTED_FOLDERS_PATH), Gemini CLI starts no MCP server at
// all, user-scope ones included. install says so; --approve adds a
// TRUST_FOLDER rule for the current directory, written in Gemini's own
// normalised form, and records in latchgate-mcp's approval record
// (ides.RecordApproval) that it did. uninstall takes the rule back only
// when the record says --approve added it and no latchgate entry Gemini
// would start in that folder is left: a folder the user trusted
// themselves stays trusted.
//
// Gemini expands $VAR, ${VAR} and ${VAR:-default} in every string of
// its settings when it loads them (an unset variable without a default
// stays as written; there is no escape), so install refuses a "$" in the
// command, arguments or env. Servers get Gemini's environment minus
// variables whose names look like secrets (TOKEN, KEY, SECRET, AUTH,
// ...), unless the entry's env names them: a forwarded variable of that
// kind is written as "NAME": "${NAME}".
//
// Where this package and clients.md disagree, the client won: an unset
// variable stays literal rather than becoming empty (resolveEnvVarsInString
// in 0.61.0 returns the match).
package geminicli
