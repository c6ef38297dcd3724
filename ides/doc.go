// Package ides describes where each supported IDE keeps its MCP server
// list and what an entry for latchgate-mcp looks like there.
//
// Adapters are descriptions, not I/O engines: they name files, the JSON
// path of the server list inside them, and the entry, and they express
// their edits as [merge.Edit] functions. internal/merge reads, merges and
// writes the files, so --dry-run, backups and atomic writes behave the
// same for every IDE. Nothing in this package reads the process
// environment: everything comes in through [Env], so tests can describe a
// macOS or Windows machine on Linux.
package ides
