// Package gate is the client for the LatchGate gate's HTTP API, used by
// "latchgate-mcp serve" and reused by "doctor" and "install".
//
// It talks HTTP/1.1 to the gate over TCP or over the gate's Unix socket,
// bootstraps a DPoP-bound lease with one P-256 key per process, signs a
// fresh DPoP proof for every authenticated request and renews the lease
// before it expires. Gate failures come back as *Error, carrying the gate's
// own error code so callers can decide what to tell the user; failures to
// reach the gate at all come back as *TransportError, carrying a hint about
// the likely cause (socket missing, gate not started, permissions).
//
// It bounds what it reads (an action's output at [Config.MaxOutputBytes],
// counted rather than held beyond that; other answers at 8 MiB), never
// follows a redirect ([RedirectError]), refuses URLs with credentials and
// never prints one unredacted ([RedactURL]), and reads TLS files only when
// they are small regular files.
package gate
