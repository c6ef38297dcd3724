// Package codex describes OpenAI Codex CLI's MCP configuration.
//
// Codex reads servers from [mcp_servers.<name>] tables of
// $CODEX_HOME/config.toml (default ~/.codex/config.toml) and of
// .codex/config.toml in each directory from the git root down to the
// working directory, each project layer only when the project is trusted
// ([projects."<root>"] trust_level = "trusted" in the user file); the
// nearer layer wins. Measured with Codex CLI 0.169.0 (clients.md §3.5):
//
//   - the file is strict TOML: a syntax error or a duplicate key stops
//     every codex command, and a key appended after a [table] lands inside
//     it, so the file is edited structurally (tomldoc), never appended to;
//   - entries have no "type" (Codex warns about it);
//   - a tool call times out after 300 s and an approval hold may last that
//     long: we write tool_timeout_sec = 330;
//   - servers get only an allow-list of the environment (HOME, PATH, ...),
//     not XDG_RUNTIME_DIR, which locates the gate's default socket: the
//     entry forwards it with env_vars, and puts LATCHGATE_* in env;
//   - nothing in an entry is expanded ($HOME, ${X} reach the server as
//     written).
package codex
