// Package continuecli describes the Continue CLI's (cn) MCP configuration.
//
// Measured with cn 1.5.47 (clients.md §3.14): servers are the list
// mcpServers in ~/.continue/config.yaml ($CONTINUE_GLOBAL_DIR), each item
// naming itself (- name: latchgate); there are no project MCP files for
// the CLI. The file needs top-level name and version, which install adds
// when it creates the file. A bad item stops cn. Servers get cn's whole
// environment (and a project's .env, which cn loads).
//
// Continue cannot hold a tool call past 60 s (its SDK default, with no
// setting): a gate approval hold can last 300 s, so a held call fails in
// Continue. install says so, and doctor reports it.
package continuecli
