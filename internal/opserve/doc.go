// Package opserve is the MCP server behind "latchgate-mcp operator": an
// approval session for a separate agent window (an operator's own
// assistant), never the agent whose actions are held.
//
// It offers approval tools only (list, get, approve, deny, and the
// allowlist only when asked for) and no gate action, so no model can use
// it to run an action, let alone approve its own (gate-protocol §10
// G11). Every approve, deny and allowlist call is confirmed by a person
// through MCP elicitation before anything reaches the gate; the question
// is built from the gate's own record of the hold (GET
// /v1/approvals/{id}), never from the model's arguments, and anything
// but an explicit "accept" with the matching choice sends nothing. It
// asks the way the client's protocol version wants: a result with input
// requests on 2026-07-28 (SEP-2322), the SDK's elicitation/create round
// trip before it. A client without elicitation is refused, unless the
// server was started with --confirm client-prompt, which says the client
// itself asks the person before every call (see the README).
//
// It owns the tool, resource and prompt definitions, the confirmation
// state machine and how outcomes read for a model. The admin API client
// is internal/operator; the stdio framing is internal/serve's.
package opserve
