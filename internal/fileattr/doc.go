// Package fileattr keeps the attributes of a user's files that a rename
// would otherwise change: who owns a file, and which other names (hard
// links) it has.
//
// latchgate-mcp replaces a file by writing a new one and renaming it over
// the old. The new file belongs to whoever runs us. Run with sudo or from
// a provisioning script, that made ~/.claude.json root:root and
// ~/.local/state root-owned, and the user's own next run failed with
// "permission denied". So: a replaced file keeps its owner and group, and
// anything created while running as root (a file, a directory, a lock)
// gets the owner of the nearest existing directory above it, which for
// anything under a home directory is the home's owner.
package fileattr
