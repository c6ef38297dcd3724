// Package tomldoc edits TOML files (Codex's config.toml) losslessly.
//
// [Parse] reads a file with go-toml/v2's unstable parser, which reports
// where every key and value lies, and builds a tree of the tables the file
// defines, remembering how each was written: a [table] header, a super-table
// made implicitly by a deeper header, dotted keys (a.b.c = 1), an inline
// table ({ c = 1 }), or an array of tables ([[a]]). Edits splice new text
// into the original bytes at those positions, in the form the user already
// uses for the table being edited; nothing else is re-serialised, so
// comments, blank lines, key order, quoting, number style and the other
// tables stay byte for byte.
//
// Every edit is re-parsed before it is kept, and each public edit is then
// checked with go-toml/v2's full decoder (which catches what the unstable
// parser leaves to its callers: duplicate keys, tables defined twice,
// impossible dates) and by reading the edited path back. An edit that
// fails either check changes nothing and returns an error, so a file is
// never written that Codex would refuse.
package tomldoc
