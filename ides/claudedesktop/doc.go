// Package claudedesktop describes Claude Desktop's MCP configuration.
//
// Claude Desktop (the chat app, not Claude Code) reads stdio servers from
// the "mcpServers" object of claude_desktop_config.json, strict JSON with
// "command", "args" and "env" (clients.md §3.2, from its docs and reported
// threads; not measured, no CLI to ask). The file also holds the app's
// own preferences, which stay as they are.
//
// Where the file is:
//
//   - macOS: ~/Library/Application Support/Claude/.
//   - Windows, MSIX install (the default since February 2026, from the
//     Store and from claude.ai): %LOCALAPPDATA%\Packages\Claude_<publisher
//     id>\LocalCache\Roaming\Claude\. The package's file system is
//     virtualised: the app never sees a file written to %APPDATA%\Claude
//     once it has its own copy, which is how the Rust installer's writes
//     got lost (anthropics/claude-code#26073). Several Claude_* package
//     folders may exist; the known publisher id pzs8sxrjxfjjc wins, else
//     the first by name.
//   - Windows, classic (Squirrel) install: %APPDATA%\Claude\.
//   - Linux: no official app; community builds use $XDG_CONFIG_HOME/Claude
//     or ~/.config/Claude (Electron's appData), unverified.
//
// On Windows, install writes the MSIX package's file when a Claude_*
// package folder exists, and %APPDATA%\Claude's otherwise; list and doctor
// show every one of those files, a classic file beside an MSIX install as
// shadowed.
//
// Traps: Claude Desktop starts servers with the working directory "/"
// (anthropics/claude-code#44764), so the "cwd": "." the Rust installer
// wrote means the root directory; install never writes "cwd" and drops it
// from an entry it rewrites. Its variable syntax is unknown (none is
// documented), so an entry holds only literal values; it has no project
// scope, so there is never anything to forward. Like any GUI app it may
// not pass the shell's environment on: doctor starts the entry with the
// MCP SDK's few inherited variables, from "/". The app reads the file at
// start: it must be restarted to see a change.
package claudedesktop
