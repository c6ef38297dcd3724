// Package goldentest runs the IDE adapters' golden cases: txtar archives
// under testdata/golden/<ide>/ that hold the files of a temporary home
// before a run, the request, and the files and dry-run diff after it.
// Each case is planned, applied for real (backups, locks, atomic writes)
// and then run a second time, which must change nothing; every file
// after the run must parse as its target's format and validate against
// the schema the target names.
//
// ides/all runs every adapter's cases through it, so that every adapter
// is held to the same checks.
package goldentest
