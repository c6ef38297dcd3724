// Package enforce writes a client's own policy settings (the items an
// ides.Enforcer asks for) and takes them back, recording exactly what it
// added.
//
// Every file is edited through internal/merge like install's files: one
// plan over every file (nothing is written if one is bad), a diff for
// --dry-run, a backup before each write, atomic writes, and a rollback
// when a later write fails.
//
// The record (enforce.json in the state directory, or in the machine's
// for managed files) lists, per client, scope and file, only what enforce
// added: an element it put in a list, a value it set (with what was there
// before), a table or object it created, and whether it created the file.
// What the user had already is never recorded, so never undone. A run
// converges the file to what is asked now: recorded items no longer asked
// for (deny "Bash" after --shell deny, then --shell sandbox) are taken
// back. --undo converges to nothing: each recorded item is taken back only
// if it is still as enforce wrote it (an element still in its list, a
// value still equal to ours), the rest is reported and left alone, an
// object enforce created goes once nothing but empty lists and objects is
// left in it, and a file enforce created goes once it is empty. Items are
// taken back newest first, so that, when nothing else changed, the files
// are byte for byte what they were before enforce.
//
// The record is kept outside the clients' files: clients rewrite their
// settings and drop keys they do not know, and a marker key would be one
// of those. A file changed between planning and writing is planned again
// by merge.Apply, but the record planned with it is not: the window is the
// milliseconds between the two, and an item recorded that was not ours
// would only be taken back if it is still exactly our value.
package enforce
