// Package operator is the client for the LatchGate gate's admin API, the
// operator side of gate-protocol §4.10: list and inspect approval holds,
// approve or deny them, manage the approval allowlist and read audit
// events. "latchgate-mcp approve" (a person at a terminal) and
// "latchgate-mcp operator" (an MCP server for a separate agent window)
// are built on it.
//
// It is deliberately separate from internal/gate, the agent client: an
// operator request carries the operator's api_key as its DPoP token and
// is signed with the operator's own P-256 key (§5.7), never with an
// agent lease, and nothing here can execute an action. It reuses only
// internal/gate's key type and proof signer, which implement the same
// RFC 9449 proof for both roles.
//
// It owns what an operator client must get right where the Rust adapter
// does not (gate-protocol §10): timeouts fit for a decision that
// executes the held action synchronously (G4), the audit routes that
// exist (G7), allowlist ids with ':' as real principals have (G10), a
// 409 reported as "another operator is deciding" and already_* answers
// as the terminal state they are (G12), and an https admin URL with the
// TLS options serve has (G17). It also loads the operator's key and
// token files, refusing files other users can read. It does not own
// where the credentials come from (flags, environment, discovery): the
// commands decide that.
package operator
