// Package openclaw describes OpenClaw's MCP configuration.
//
// OpenClaw keeps the MCP servers its runtimes use in its own config file,
// under "mcp.servers" (docs/cli/mcp/registry.md and the code of the npm
// package openclaw 2026.9.6; clients.md §3.16): the same file holds the
// agents, channels and gateway settings, all kept as they are. It is not
// the mcporter registry (config/mcporter.json, ~/.mcporter/), which the
// Rust installer wrote and "openclaw mcp list" does not show.
//
// Where the file is (dist/paths-*.mjs, resolveConfigPathCandidate):
// $OPENCLAW_CONFIG_PATH when set (a leading ~ is the home directory);
// otherwise the first existing of $OPENCLAW_STATE_DIR/openclaw.json (and
// its clawdbot.json), ~/.openclaw/openclaw.json, ~/.openclaw/clawdbot.json,
// ~/.clawdbot/openclaw.json and ~/.clawdbot/clawdbot.json; with none, a new
// openclaw.json in the state directory ($OPENCLAW_STATE_DIR, else
// ~/.openclaw, else the legacy ~/.clawdbot where only that exists). The
// home directory is $OPENCLAW_HOME when set. A named profile (openclaw
// --profile NAME) uses ~/.openclaw-NAME, which only the flag selects: not
// followed.
//
// The file is JSON5 to OpenClaw. We edit it as JSON with comments and
// trailing commas, which covers what OpenClaw itself writes (plain JSON,
// two-space indentation, mode 0600) and hand-edited files with comments;
// a file with JSON5-only syntax (unquoted keys, single quotes) is refused
// with its line and column rather than rewritten. "$include" splits the
// config across files; an "$include" at the top, in "mcp" or in
// "mcp.servers" would make our entry land beside the included part, so
// install refuses it and names "openclaw mcp set" instead. OpenClaw
// validates the whole file strictly; schemas/openclaw-config.schema.json
// is the "mcp" part of the schema "openclaw config schema" prints, and the
// golden cases check every file we write against it.
//
// The entry is {"command", "args", "env", "requestTimeoutMs": 330000}: the
// default tool-call timeout is 60 s (mcp-transport-config:
// DEFAULT_REQUEST_TIMEOUT_MS), below the gate's 300 s approval hold. A
// user's "enabled": false (list shows it disabled), tool filters and
// connection timeout stay. OpenClaw starts a stdio server with the MCP
// SDK's default variables plus the entry's env, minus a blocklist of
// loader and interpreter variables, and expands ${NAME} (upper-case names
// only) in every string of the config; it has no project scope, so there
// is never anything to forward. It reloads the file when it changes.
package openclaw
