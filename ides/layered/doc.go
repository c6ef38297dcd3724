// Package layered serves the adapters of clients that read their servers
// from several files and merge them by precedence, so that one scope may
// have more than one file and a server may be defined in several (OpenCode
// and Kilo merge same-name entries key by key; Crush does too, and
// concatenates their lists).
//
// An adapter lists every file its client reads, lowest precedence first,
// as a [Stack]. From it this package works out which file install edits
// (the existing file of the scope that already holds the entry, else the
// one that wins, else a default), takes a second definition out of the
// scope's other files so no stale key leaks into the merged entry, shows
// list and doctor every file that exists, and says which definition the
// client uses. It knows no client: adapters pass their names and rules.
package layered
