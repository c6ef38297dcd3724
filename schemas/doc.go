// Package schemas holds JSON Schemas (draft 2020-12) for the files
// latchgate-mcp writes: Claude Code's .mcp.json and the MCP parts of
// ~/.claude.json, Cursor's mcp.json and VS Code's mcp.json. They are
// embedded in the binary so doctor can check a file the way the IDE will
// read it, and the golden tests check every file we produce. Two more
// describe our own output for scripts, doctor --json and list --json;
// their tests check real output against them.
//
// Validation uses github.com/google/jsonschema-go, which the MCP SDK
// already depends on: no second validator in the binary. The schemas
// describe what each IDE documents (ide-configs research); where an IDE
// tolerates more than it documents, they allow it, so a user's own
// entries do not fail for being unusual.
package schemas
