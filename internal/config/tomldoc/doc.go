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
// The tree builder enforces what the unstable parser leaves to its callers
// (a key or table defined twice, a table both dotted and with a header, an
// inline table extended, integers past 64 bits, impossible dates), as
// go-toml's decoder does; the fuzz tests hold the two to the same verdict.
// Files up to 128 KiB are also given to that decoder (past that its
// duplicate tracking, quadratic in the number of tables, costs more than
// the whole edit).
//
// Every edit is parsed again before it is kept, and each public edit is
// then checked by reading the edited path back. An edit that fails a check
// changes nothing and returns an error, so a file is never written that
// Codex would refuse or that says something else than was asked.
package tomldoc
