// Package droid describes Factory Droid's MCP configuration.
//
// Droid (measured at 0.215.0, clients.md §3.15) reads "mcpServers" from
// ~/.factory/mcp.json ($FACTORY_HOME_OVERRIDE replaces the home
// directory), from <git root>/.factory/mcp.json and from
// <cwd>/.factory/mcp.json; for the same name the current directory's
// file beats the git root's, which beats the user's (droid mcp list
// shows them as [folder], [project] and [user]). There is no trust or
// approval step. Project scope writes the git root's file; list and
// doctor also read the current directory's when it is another one.
//
// The files are JSON with comments. A trailing comma, a byte order mark
// or bad JSON makes Droid ignore the whole file without a word, so the
// targets are config.JSONComments (trailing commas refused with their
// position) and edits go through ides.RefuseBOM. An entry without
// "command" among the others stops Droid from starting any server
// (every one stays "connecting"): install says so when it finds one, and
// the schema check in doctor reports it.
//
// An entry is type, command, args, env, timeout (ms, default 180 s, below
// the 300 s approval hold: we write 330000) and disabled; "droid mcp add"
// writes type, command, args, env, disabled. Droid passes its whole
// environment to servers and expands ${VAR} only in env values (an unset
// one fails the server), so nothing needs forwarding.
package droid
