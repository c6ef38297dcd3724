// Package goldentest runs the IDE adapters' golden cases: txtar archives
// under testdata/golden/<ide>/ that hold the files of a temporary home
// before a run, the request, and the files and dry-run diff after it.
// Each case is planned, applied for real (backups, locks, atomic writes)
// and then run a second time, which must change nothing; every file
// after the run must validate against its IDE's JSON Schema.
//
// It is test support shared by ides/claudecode, ides/cursor and
// ides/vscode, so that the three adapters are held to the same checks.
package goldentest
