package merge

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// An Edit changes one document. It reports whether it changed anything,
// and a note for the user when it did something they should know about
// (moving an entry out of a file the IDE ignores, say).
type Edit func(doc config.Document) (changed bool, err error)

// A FileEdit is everything we want to do to one file: the recipe, kept so
// that Apply can run it again on fresh bytes when the file changed under
// us between planning and writing.
type FileEdit struct {
	Path    string // absolute path
	Display string // path as shown to the user (~ for the home directory)
	// Label says whose file this is, for the report after writing
	// ("Claude Code, user scope"); "" for side files.
	Label   string
	Format  config.Format
	NewMode fs.FileMode // mode for a file we create (an existing file keeps its own)
	Edits   []Edit
	// Drop, when set, is asked after the edits whether the file is to be
	// removed rather than written with after: an undo that leaves nothing
	// of a file it had created. The removal is planned, shown in the diff,
	// backed up and rolled back like any write.
	Drop func(after []byte) bool
}

// A Change is the planned result for one file: its bytes before and after.
type Change struct {
	FileEdit
	Existed bool   // the file existed when planned
	Before  []byte // contents when planned (nil if it did not exist)
	After   []byte // contents to write
	Notes   []string
}

// Changed reports whether applying c would alter the file.
func (c *Change) Changed() bool {
	return !c.Existed || c.After == nil || !bytes.Equal(c.Before, c.After)
}

// Removes reports whether applying c removes the file.
func (c *Change) Removes() bool { return c.Existed && c.After == nil }

// FileError is an error about one file; it puts the file's name first.
type FileError struct {
	Op   string // "read", "parse", "edit", "write"
	Path string // as displayed
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s %s: %v", e.Op, e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// ReadFile reads path for editing. A missing file reads as (nil, false,
// nil). Anything that is not a regular file (a directory, a socket, a
// FIFO, a device) is an error, as is a symlink that leads nowhere or in a
// loop, and a file larger than safeio.MaxConfig. A file that another
// program is rewriting in place (empty, or shorter than earlier in this
// run) is read again until it settles (safeio.ReadStable): planning over
// a half-written file would write only our entry.
func ReadFile(path string) (data []byte, existed bool, err error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(path); lerr == nil {
			return nil, false, fmt.Errorf("it is a symbolic link to a file that does not exist; fix or remove the link")
		}
		return nil, false, nil
	case err != nil:
		return nil, false, simplifyPathError(err)
	case info.IsDir():
		return nil, false, errors.New("it is a directory, not a file")
	case !info.Mode().IsRegular():
		return nil, false, fmt.Errorf("it is not a regular file (%s)", info.Mode().Type())
	}
	data, err = safeio.ReadStable(path, safeio.MaxConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil // removed since the stat
	}
	if err != nil {
		return nil, true, simplifyPathError(err)
	}
	return data, true, nil
}

// simplifyPathError drops the path from an *fs.PathError: FileError puts
// the path in front already.
func simplifyPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if strings.Contains(pe.Err.Error(), "too many levels of symbolic links") {
			return errors.New("symbolic link loop")
		}
		return pe.Err
	}
	return err
}

// PlanFile reads the file of fe and runs its edits.
func PlanFile(fe FileEdit) (*Change, error) {
	data, existed, err := ReadFile(fe.Path)
	if err != nil {
		return nil, &FileError{Op: "read", Path: fe.Display, Err: err}
	}
	return planBytes(fe, data, existed)
}

func planBytes(fe FileEdit, data []byte, existed bool) (*Change, error) {
	doc, err := formats.Parse(fe.Format, data)
	if err != nil {
		return nil, &FileError{Op: "parse", Path: fe.Display, Err: err}
	}
	changed := false
	for _, edit := range fe.Edits {
		c, err := edit(doc)
		if err != nil {
			return nil, &FileError{Op: "edit", Path: fe.Display, Err: err}
		}
		changed = changed || c
	}
	ch := &Change{FileEdit: fe, Existed: existed, Before: data, After: data, Notes: doc.Notes()}
	if changed {
		ch.After = doc.Bytes()
	}
	if !existed && !changed {
		// Nothing to add to a file that is not there: leave it absent.
		ch.After = nil
		ch.Existed = false
		return ch, nil
	}
	if existed && fe.Drop != nil && fe.Drop(ch.After) {
		ch.After = nil // remove the file
	}
	return ch, nil
}

// A Plan is the set of changes one command makes, over one or more files.
type Plan struct {
	Changes []*Change
}

// NewPlan plans every file edit. It stops at the first file that cannot be
// read or parsed, so nothing is written when any file is bad. Edits of
// the same file (two clients recording approvals in one state file, say)
// are planned as one change, in order, at the place of the first.
func NewPlan(edits ...FileEdit) (*Plan, error) {
	edits, err := combine(edits)
	if err != nil {
		return nil, err
	}
	p := &Plan{}
	for _, fe := range edits {
		c, err := PlanFile(fe)
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, c)
	}
	return p, nil
}

// combine merges the FileEdits of one path into the first of them.
func combine(edits []FileEdit) ([]FileEdit, error) {
	var out []FileEdit
	at := map[string]int{}
	for _, fe := range edits {
		i, ok := at[fe.Path]
		if !ok {
			at[fe.Path] = len(out)
			fe.Edits = append([]Edit(nil), fe.Edits...)
			out = append(out, fe)
			continue
		}
		if out[i].Format != fe.Format {
			return nil, &FileError{Op: "edit", Path: fe.Display, Err: fmt.Errorf("it is edited as both %s and %s", out[i].Format, fe.Format)}
		}
		out[i].Edits = append(out[i].Edits, fe.Edits...)
	}
	return out, nil
}

// Pending returns the changes that alter a file.
func (p *Plan) Pending() []*Change {
	var out []*Change
	for _, c := range p.Changes {
		if c.Changed() && !(c.After == nil && !c.Existed) {
			out = append(out, c)
		}
	}
	return out
}

// Notes returns the notes of every pending change, in order.
func (p *Plan) Notes() []string {
	var out []string
	for _, c := range p.Pending() {
		out = append(out, c.Notes...)
	}
	return out
}

// Diff returns the unified diff of every pending change.
func (p *Plan) Diff() string {
	var b strings.Builder
	for _, c := range p.Pending() {
		b.WriteString(c.Diff())
	}
	return b.String()
}

// ReadDoc reads and opens the file at path as format f, for reading only;
// nil and no error when it does not exist. display names the file in
// errors.
//
// list and doctor look at one file from several angles (the entry, the
// schema, secrets, strays, each scope of ~/.claude.json): the parsed
// document is kept and handed out again while the file's size, time and
// inode are unchanged, so a 10 MB file is read and parsed once per run.
// The document is shared: callers must not edit it.
func ReadDoc(path string, f config.Format, display string) (config.Document, bool, error) {
	key := docKey{path: path, format: f}
	info, statErr := os.Stat(path)
	if statErr == nil {
		key.size, key.mtime = info.Size(), info.ModTime().UnixNano()
		key.inode = inodeOf(info)
		docCache.Lock()
		c, ok := docCache.m[key]
		docCache.Unlock()
		if ok {
			return c.doc, true, c.err
		}
	}
	doc, existed, err := readDoc(path, f, display)
	if statErr == nil && existed {
		docCache.Lock()
		if len(docCache.m) >= maxCachedDocs {
			clear(docCache.m)
		}
		docCache.m[key] = cachedDoc{doc: doc, err: err}
		docCache.Unlock()
	}
	return doc, existed, err
}

// maxCachedDocs bounds the read cache: a run reads a few dozen files.
const maxCachedDocs = 64

type docKey struct {
	path        string
	format      config.Format
	size, mtime int64
	inode       uint64
}

type cachedDoc struct {
	doc config.Document
	err error
}

var docCache = struct {
	sync.Mutex
	m map[docKey]cachedDoc
}{m: map[docKey]cachedDoc{}}

func readDoc(path string, f config.Format, display string) (config.Document, bool, error) {
	data, existed, err := ReadFile(path)
	if err != nil {
		return nil, existed, &FileError{Op: "read", Path: display, Err: err}
	}
	if !existed {
		return nil, false, nil
	}
	doc, err := formats.Parse(f, data)
	if err != nil {
		return nil, true, &FileError{Op: "parse", Path: display, Err: err}
	}
	return doc, true, nil
}
