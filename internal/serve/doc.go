// Package serve is the MCP server behind "latchgate-mcp serve": it lists
// the gate's actions as MCP tools and forwards tool calls to the gate
// through internal/gate.
//
// It owns what the IDE sees: tool names, descriptions and annotations
// derived from the gate's action catalogue; argument validation against
// each action's request schema; how every gate outcome (executed, denied,
// held for approval, out of budget, gate down) is rendered for the model;
// waiting on approval holds with progress and log notifications; and
// staying up while the gate goes away and comes back. It also owns the
// stdio framing (see [StdioTransport]) so that a malformed line or an
// unknown method never takes the session down; the on-disk cache of each
// gate's last tool list (cache.go), which lets the first tools/list be
// answered at once; and the bounds on what the gate can put in front of a
// client: names, descriptions and schemas are checked, cleaned and capped
// (schema.go, [MaxDescriptionBytes], [MaxSchemaBytes], [MaxSchemaDepth]).
//
// It does not own the gate protocol (leases, proofs, transport): that is
// internal/gate, which doctor reuses.
package serve
