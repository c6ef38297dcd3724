// Package zed describes Zed's MCP configuration.
//
// Zed keeps MCP servers ("context servers") in the "context_servers"
// object of its settings file, which is the whole editor configuration:
// theme, fonts, keymaps of languages, everything else. It is JSON with
// comments and trailing commas, and every other setting and comment stays
// byte for byte; only our member changes. Files (from Zed's source,
// crates/paths: config_dir):
//
//   - user: $XDG_CONFIG_HOME/zed/settings.json or ~/.config/zed/settings.json
//     on Linux ($FLATPAK_XDG_CONFIG_HOME/zed in the Flatpak), the same
//     ~/.config/zed on macOS (not ~/Library/Application Support/Zed, which
//     is Zed's data folder: one peer installer writes there and Zed never
//     reads it; doctor reports an entry found there), %APPDATA%\Zed on
//     Windows. A --user-data-dir moves it to <dir>/config, which we cannot
//     see.
//   - project: <project root>/.zed/settings.json, merged over the user
//     file key by key, so a project "latchgate" wins.
//
// The entry is Zed's current stdio shape (crates/settings_content,
// ContextServerSettingsContent::Stdio, and docs/src/ai/mcp.md):
// {"command": ..., "args": [...], "env": {...}} plus "timeout", the
// tool-call timeout in seconds, default 60 (the global
// context_server_timeout): install writes 330 so an approval hold of up to
// 300 s completes. Older releases wanted "source": "custom" beside it, and
// before that {"command": {"path", "args", "env"}, "settings": {}}; Zed
// migrates those keys away, list and doctor read both shapes
// (ides.EntryReader), and install rewrites them in the current one. A
// user's "enabled": false (shown as disabled) and "remote" stay.
//
// Zed starts a server with its own environment (which it loaded from the
// login shell) plus the entry's env, and expands no variables; so a
// project entry needs no forwarded variable. It starts project servers
// only in a trusted worktree (restricted mode), unless the user settings
// say "session": {"trust_all_worktrees": true}; the trust itself lives in
// Zed's database, so list says so for project entries rather than
// guessing.
package zed
