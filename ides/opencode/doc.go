// Package opencode describes OpenCode's MCP configuration; package kilo
// reuses its entry shape for Kilo, an OpenCode fork.
//
// OpenCode (measured on 1.18.33, clients.md §3.9) reads JSONC from many
// files and merges them, lowest first: ~/.config/opencode/config.json,
// opencode.json, opencode.jsonc ($XDG_CONFIG_HOME moves them, on every
// OS), $OPENCODE_CONFIG, opencode.json[c] in each directory from the git
// root down to the current one (without git from / down), the
// .opencode/opencode.json[c] of those directories (the one nearer the root
// wins), $OPENCODE_CONFIG_DIR, then ~/.opencode/opencode.json[c], which
// beats every project file. Entries of one name are merged key by key
// (lists replaced, objects merged), so a key left in a losing entry, such
// as "enabled": false, still applies.
//
// Install edits, per scope, the file that already holds the entry, else
// the one of ~/.config/opencode (or of the project root) that wins, else
// creates ~/.config/opencode/opencode.jsonc (what OpenCode itself creates)
// or <project root>/opencode.json; it removes a second definition from the
// scope's other files and says which file it chose. Deeper directories,
// .opencode dirs below the root and ~/.opencode are read and shown, not
// written.
//
// The entry is "mcp.<name>" with "type": "local", the command and its
// arguments as one array "command", "environment", "enabled": true (a
// losing entry's false would otherwise survive the merge) and "timeout":
// 330000 ms, since OpenCode's default of 60 s per tool call is below the
// gate's 300 s approval holds; the entry's timeout replaces that default
// and the 30 s connect timeout alike. OpenCode passes its whole
// environment, so nothing is forwarded; it expands {env:NAME}.
//
// One entry of the wrong type anywhere, a project file included, makes
// every OpenCode command exit 1 ("Configuration is invalid"), so what
// install writes is checked against an embedded schema first, and install
// warns when the rest of the file would still fail. OpenCode inserts
// "$schema" into any valid file that lacks it, rewriting the file; install
// adds it so OpenCode has no reason to. The v2 form "mcp.servers.<name>"
// also works; the v1 form install writes wins over it in the same file.
//
// Nothing about holds needs what config cannot give: the entry's timeout
// covers them. OPENCODE_DISABLE_PROJECT_CONFIG drops every project file,
// and OPENCODE_CONFIG_CONTENT is merged over all files: doctor says so.
package opencode
