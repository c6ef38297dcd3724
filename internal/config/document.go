package config

import (
	"fmt"
	"strings"
)

// A Document is one configuration file open for a lossless edit.
//
// Implementations edit by splicing new text into the file's original bytes
// at positions found by parsing, never by re-serialising the whole file, so
// every byte outside the edited member (comments, key order, quoting,
// indentation, line ends, other servers) is kept exactly.
//
// A path is a sequence of keys from the top level. A segment made by
// [Where] selects the element of a list whose named field has a value
// (Continue's list of servers, mcpServers: [{name: latchgate, ...}]);
// every format that has lists supports it.
type Document interface {
	// Format is the file's syntax.
	Format() Format
	// Get returns the value at path, and whether it is there.
	Get(path ...string) (Value, bool)
	// Set puts v at path, creating the objects (tables, mappings) on the
	// way. It reports false, and changes nothing, when an equal value is
	// there already (objects compare without regard to key order).
	Set(v Value, path ...string) (changed bool, err error)
	// Delete removes the member at path, every member of that name if the
	// file has duplicates. Absent is not an error.
	Delete(path ...string) (changed bool, err error)
	// AddToSet appends s to the list of strings at path unless it is there,
	// creating the list if needed.
	AddToSet(s string, path ...string) (changed bool, err error)
	// RemoveFromSet removes every s from the list of strings at path.
	RemoveFromSet(s string, path ...string) (changed bool, err error)
	// Bytes returns the document's current text.
	Bytes() []byte
	// Note records something an edit wants the user to know (that it moved
	// an entry, say); Notes returns them in order.
	Note(format string, args ...any)
	Notes() []string
}

// KeyLister is implemented by documents that can list the member names of
// an object without reading their values: how list and doctor find every
// projects["..."] of a 10 MB ~/.claude.json without building its tree.
type KeyLister interface {
	// Keys returns the member names of the object at path, in file order
	// (a name that repeats, once), and false when there is no object there.
	Keys(path ...string) ([]string, bool)
}

// A Cloner is a Document that can give an independent copy of itself
// without parsing again: how a file read once is both shared by the
// readers of a run and edited by its plan.
type Cloner interface {
	// Clone returns a copy that edits do not share with the original.
	// Notes start empty.
	Clone() Document
}

// A Patcher is a Document that can state how its bytes differ from the
// bytes it was parsed from, as replacements of spans of those bytes,
// without building the new bytes. A 50 MB ~/.claude.json with one entry
// added is then written as its unchanged spans around the new text: no
// second 50 MB buffer to allocate, fault in and fill (issue 14's
// install-near-cp goal).
type Patcher interface {
	// Patch returns the replacements, in increasing order and not
	// overlapping, of the bytes given to the parser (a byte order mark
	// included). ok is false when the document cannot say (edits were
	// applied to a copy already): use Bytes.
	Patch() (edits []Splice, ok bool)
}

// A Splice replaces the bytes [Start, End) with Text.
type Splice struct {
	Start, End int
	Text       []byte
}

// SplicedPieces returns src with edits applied as the pieces to write in
// order, sharing src's memory: nothing the size of the file is copied.
func SplicedPieces(src []byte, edits []Splice) [][]byte {
	out := make([][]byte, 0, 2*len(edits)+1)
	pos := 0
	for _, e := range edits {
		out = append(out, src[pos:e.Start], e.Text)
		pos = e.End
	}
	return append(out, src[pos:])
}

// whereMark starts a path segment made by [Where]. A unit separator cannot
// be typed into a config key by accident, and no format keeps one raw.
const whereMark = "\x1f"

// Where returns a path segment that selects the element of a list whose
// member field is the string value.
func Where(field, value string) string {
	return whereMark + field + "=" + value
}

// ParseWhere reports whether seg was made by [Where], and its parts.
func ParseWhere(seg string) (field, value string, ok bool) {
	rest, ok := strings.CutPrefix(seg, whereMark)
	if !ok {
		return "", "", false
	}
	field, value, ok = strings.Cut(rest, "=")
	return field, value, ok
}

// NoteList is an embeddable implementation of Document's Note and Notes.
type NoteList struct{ list []string }

// Note implements Document.Note.
func (n *NoteList) Note(format string, args ...any) {
	n.list = append(n.list, sprintf(format, args...))
}

// Notes implements Document.Notes.
func (n *NoteList) Notes() []string { return n.list }

// ItemSetter is implemented by documents whose lists can hold elements of
// any kind as a set (the objects of Claude Code's allowedMcpServers), not
// only strings.
type ItemSetter interface {
	// AddItem appends v to the list at path unless an equal element is
	// there (objects compare without regard to key order), creating the
	// list and its parents when missing.
	AddItem(v Value, path ...string) (changed bool, err error)
	// RemoveItem removes every element equal to v from the list at path.
	RemoveItem(v Value, path ...string) (changed bool, err error)
}

// AddItem adds v to the list at path of doc as a set element: a string
// through AddToSet, which every format has, anything else through
// [ItemSetter].
func AddItem(doc Document, v Value, path ...string) (bool, error) {
	if v.Kind() == String {
		return doc.AddToSet(v.Str(), path...)
	}
	s, ok := doc.(ItemSetter)
	if !ok {
		return false, fmt.Errorf("add to %s: a %s list holds only strings here", DisplayPath(path), doc.Format())
	}
	return s.AddItem(v, path...)
}

// RemoveItem removes every element equal to v from the list at path of
// doc (see [AddItem]).
func RemoveItem(doc Document, v Value, path ...string) (bool, error) {
	if v.Kind() == String {
		return doc.RemoveFromSet(v.Str(), path...)
	}
	s, ok := doc.(ItemSetter)
	if !ok {
		return false, fmt.Errorf("remove from %s: a %s list holds only strings here", DisplayPath(path), doc.Format())
	}
	return s.RemoveItem(v, path...)
}

// HasItem reports whether the list at path of doc holds an element equal
// to v.
func HasItem(doc Document, v Value, path ...string) bool {
	l, ok := doc.Get(path...)
	if !ok || l.Kind() != List {
		return false
	}
	for _, x := range l.Items() {
		if x.Equal(v) {
			return true
		}
	}
	return false
}
