// Command latchgate-mcp connects coding agents (Claude Code, Cursor, VS Code)
// to the LatchGate gate: it installs MCP server entries into their
// configuration and serves the gate's actions as MCP tools.
package main

import (
	"os"

	"github.com/latchgate-ai/latchgate-mcp/internal/cli"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], iostreams.System()))
}
