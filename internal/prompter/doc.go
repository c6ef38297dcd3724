// Package prompter asks the user questions. Commands depend on the
// [Prompter] interface rather than on a terminal UI library, so the
// setup wizard's logic is tested with scripted answers (package
// prompttest) and the real questions are asked by [Huh], charm's huh
// forms, either full-screen or in huh's line-based accessible mode.
//
// Prompts are written to the writer given to [NewHuh], which commands
// set to stderr: stdout stays clean for what scripts read.
package prompter
