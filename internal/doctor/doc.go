// Package doctor diagnoses why latchgate tools do not show up in an IDE.
//
// A missing tool has many possible causes that look the same from inside
// the IDE: the binary moved, the entry sits in a file or key the client
// never reads, a project server was never approved, another scope shadows
// the entry, the gate is down, or the socket and public_base_url disagree.
// Run checks each of them for every configured entry and returns a
// [Report] of [Check] results grouped in sections (binary, configuration,
// gate, handshake), each ok, warn or error with a one-line hint. Checks
// that only read run concurrently and each has its own timeout, so a
// healthy run is fast and no check can hang the whole run.
//
// Run never writes. The safe fixes it finds (move a stray entry, rewrite a
// stale entry, approve a project server) come back as file edits in
// [Report.Fixes], which the caller applies through the same plan, diff and
// confirmation as install.
package doctor
