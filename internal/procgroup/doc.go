// Package procgroup runs a command in a process group of its own, so that
// stopping it stops everything it started.
//
// doctor runs the commands named in IDE configurations (a --version probe,
// an MCP handshake). A server that forks helpers, or a shell script that
// starts a background job, leaves children holding its stdout and stderr
// when it exits or is killed: killing only the process we started left
// them running, and waiting for the pipes to close blocked doctor. Killing
// the whole group reaches them.
package procgroup
