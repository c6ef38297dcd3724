// Package crush describes the MCP configuration of Crush (Charm).
//
// Crush (measured on v0.90.0+5 built from source, clients.md §3.11; npm's
// @charmland/crush ships no binary, so no newer one was run; the same build
// confirmed that our entry connects, that "\$" keeps a dollar literal, and
// that a second definition breaks the server: TestRealCrush) reads strict
// JSON, lowest first: ~/.config/crush/crush.json ($CRUSH_GLOBAL_CONFIG
// names its directory, else $XDG_CONFIG_HOME/crush; %LOCALAPPDATA%\crush on
// Windows, as a peer installer has it) and the crushrc beside it;
// ~/.local/share/crush/crush.json ($CRUSH_GLOBAL_DATA, $XDG_DATA_HOME),
// which Crush writes itself; then in each directory from the git root down
// to the current one (without git, the current one only) crush.json,
// .crush.json, crushrc and .crushrc; then <cwd>/.crush/crush.json. A
// crushrc is a Bash file Crush executes at startup ("mcp add NAME ..."):
// install never edits one, doctor reads it for our name.
//
// The entry is "mcp.<name>" with "type": "stdio" (required: without it
// Crush says "unsupported mcp type"), a string "command", "args" and
// "env". Crush has no tool-call deadline, so no timeout is written (its
// "timeout" is the 10 s connect timeout). Crush expands $VAR, ${VAR:-d} and
// $(cmd) in command, args and env, and "\$" escapes a dollar: install
// escapes any "$" it writes.
//
// The trap: Crush merges same-name entries across all those files and
// concatenates their lists, so a user and a project "latchgate" run
// "latchgate-mcp serve ... serve ...", which fails. Install therefore
// refuses to add the entry when another file (or a crushrc) defines the
// name, takes a second definition out of the scope's other files, and
// doctor reports every such pair (ides.ScopeChecker). Config cannot fix a
// crushrc: it runs as code, so doctor only names it.
package crush
