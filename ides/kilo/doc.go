// Package kilo describes the MCP configuration of the Kilo Code CLI
// ("kilo"), an OpenCode fork: the entry, the JSONC format and the merge
// rules are OpenCode's (package opencode), the files and variables are its
// own (measured on 7.7.7, clients.md §3.10).
//
// Kilo reads, lowest first: the legacy <cwd>/.kilocode/mcp.json and
// .kilo/mcp.json ("mcpServers", Claude's shape, converted);
// ~/.config/kilo/config.json, kilo.json, kilo.jsonc, opencode.json,
// opencode.jsonc ($XDG_CONFIG_HOME moves them); $KILO_CONFIG; in the
// project, from the git root down to the current directory, kilo.json,
// kilo.jsonc, opencode.json, opencode.jsonc (grouped by name: a deeper
// kilo.json was measured to lose to the root's opencode.json); the
// .kilocode/kilo.json, .kilo/kilo.json and .kilo/opencode.json of those
// directories; $KILO_CONFIG_DIR; then ~/.kilocode/kilo.json and
// ~/.kilo/kilo.json, which beat every project file. It does not read
// ~/.config/opencode, .opencode/ or .mcp.json.
//
// Install picks the file per scope as for OpenCode: the one that holds
// the entry, else the winning existing one, else
// ~/.config/kilo/kilo.jsonc (what "kilo mcp add" creates) or
// <project root>/.kilo/kilo.json. A project's opencode.json[c] is read
// but never edited for Kilo: OpenCode reads it too, so a Kilo entry there
// would give OpenCode Kilo's agent id, and Kilo's install and uninstall
// would remove OpenCode's entry as a second definition. .kilo/kilo.json
// wins over it in Kilo, so each client runs its own entry. The entry is OpenCode's with Kilo's "$schema"
// (https://app.kilo.ai/config.json), which Kilo inserts otherwise, even
// after a leading comment. Kilo's default tool-call timeout is 60 s, so
// the entry sets 330000 ms; "cwd" is ignored by Kilo, so none is written.
//
// What config cannot change: the first start of Kilo on an account (no
// ~/.config/kilo/.bash-permission-migrated yet) rewrites the user file
// as plain JSON, dropping its comments and adding "permission": {"bash":
// "allow"}; install and doctor say so. An invalid user file stops Kilo,
// but an invalid project file is skipped without a word (only "kilo
// config check" reports it), so install checks what it writes against the
// embedded schema and warns about the rest of the file.
package kilo
