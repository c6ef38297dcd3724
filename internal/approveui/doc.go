// Package approveui is the terminal side of "latchgate-mcp approve": a
// full-screen Bubble Tea program that shows the gate's pending approval
// holds as they come and go, with a detail pane (action, risk, agent,
// session, targets, unknown domains and paths, a countdown to expiry)
// and keyboard-only decisions: approve after a confirmation that says
// what the gate will learn, deny with a reason. For screen readers and
// terminals that cannot take a full-screen program it has a line-based
// mode with the same decisions ([RunLines]).
//
// Everything it shows that came from the gate passes through
// operator.Clean: holds carry attacker-chosen text (arguments become
// targets, ids and reasons are echoed), and printed raw it could move
// the cursor or rewrite the very line a person is deciding on. It never
// shows the operator token.
//
// It owns presentation only; the gate calls are internal/operator's and
// the command line is internal/cli's.
package approveui
