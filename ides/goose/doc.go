// Package goose describes Goose's MCP configuration (reported and from its
// docs, clients.md §2.1, §3.16): servers are "extensions" in
// ~/.config/goose/config.yaml (also on macOS; %APPDATA%\Block\goose\config
// on Windows), each keyed by name and repeating it, with cmd, args, envs,
// enabled, type: stdio and timeout (seconds; we write 330, above the
// gate's 300 s approval hold). The file is YAML that Goose rewrites and
// users comment: it is edited comment-preserving (yamldoc). Not verified
// with a real Goose: it does not install from npm.
package goose
