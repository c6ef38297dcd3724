package merge

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

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
	Notes   []string

	// after is the contents to write, nil to remove the file. When the
	// document could state its edit as a patch of Before (patched), after
	// is built only if something asks for it (After): the write takes
	// Before's unchanged spans around the new text, so a 50 MB file with
	// one entry added costs no second 50 MB buffer.
	after   []byte
	patch   []config.Splice
	patched bool

	stamp safeio.Stamp    // the version of the file Before was read from
	doc   config.Document // the document of After, when it differs from Before
}

// NewChange returns the change that makes a file hold after (nil: that
// removes it), for a file that held before (existed) when read.
func NewChange(fe FileEdit, existed bool, before, after []byte) *Change {
	return &Change{FileEdit: fe, Existed: existed, Before: before, after: after}
}

// After returns the contents to write (nil when the file is removed).
func (c *Change) After() []byte {
	if c.patched && c.after == nil {
		c.after = c.doc.Bytes() // what the patch gives (doctest checks it)
	}
	return c.after
}

// afterPieces returns the contents to write as pieces to write in order,
// sharing Before's memory when c is a patch.
func (c *Change) afterPieces() [][]byte {
	if c.patched && c.after == nil {
		return config.SplicedPieces(c.Before, c.patch)
	}
	return [][]byte{c.after}
}

// afterSize is len(c.After()), without building it.
func (c *Change) afterSize() int {
	if c.patched && c.after == nil {
		n := len(c.Before)
		for _, e := range c.patch {
			n += len(e.Text) - (e.End - e.Start)
		}
		return n
	}
	return len(c.after)
}

// Changed reports whether applying c would alter the file.
func (c *Change) Changed() bool {
	switch {
	case !c.Existed || c.Removes():
		return true
	case c.patched && c.after == nil:
		for _, e := range c.patch {
			if !bytes.Equal(c.Before[e.Start:e.End], e.Text) {
				return true
			}
		}
		return false
	}
	return !bytes.Equal(c.Before, c.after)
}

// Removes reports whether applying c removes the file.
func (c *Change) Removes() bool { return c.Existed && !c.patched && c.after == nil }

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
	data, _, existed, err = readFile(path)
	return data, existed, err
}

// readFile is ReadFile, and returns the stamp of the version read.
func readFile(path string) (data []byte, stamp safeio.Stamp, existed bool, err error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(path); lerr == nil {
			return nil, stamp, false, fmt.Errorf("it is a symbolic link to a file that does not exist; fix or remove the link")
		}
		return nil, stamp, false, nil
	case err != nil:
		return nil, stamp, false, simplifyPathError(err)
	case info.IsDir():
		return nil, stamp, false, errors.New("it is a directory, not a file")
	case !info.Mode().IsRegular():
		return nil, stamp, false, fmt.Errorf("it is not a regular file (%s)", info.Mode().Type())
	}
	data, stamp, err = safeio.ReadStableStamp(path, safeio.MaxConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, stamp, false, nil // removed since the stat
	}
	if err != nil {
		return nil, stamp, true, simplifyPathError(err)
	}
	return data, stamp, true, nil
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
//
// A file this run has read already (list's checks, install's look at
// the entry there now) is not read or parsed again: the plan edits a
// copy of the document ReadDoc keeps (config.Cloner), and Apply checks
// before writing that the file still holds those bytes.
func PlanFile(fe FileEdit) (*Change, error) {
	if e := cached(fe.Path, fe.Format); e != nil && e.err == nil {
		doc, err := editable(fe, e)
		if err != nil {
			return nil, err
		}
		return planDoc(fe, doc, e.bytes(), true, e.stamp)
	}
	for tries := 1; ; tries++ {
		data, stamp, existed, err := readFile(fe.Path)
		if err != nil {
			return nil, &FileError{Op: "read", Path: fe.Display, Err: err}
		}
		c, err := planBytes(fe, data, existed, stamp)
		if errors.Is(err, safeio.ErrFault) && tries < maxFaultTries {
			continue // cut short while mapped: the next read waits for it to settle
		}
		return c, err
	}
}

// maxFaultTries bounds the reads of a file that keeps being cut short
// while we parse it (a mapped read, safeio.MapLargeFiles).
const maxFaultTries = 3

// parse parses data as f. A fault reading a mapped file that another
// program cut short meanwhile is an error matching safeio.ErrFault: the
// caller reads the file again.
func parse(f config.Format, data []byte) (doc config.Document, err error) {
	defer safeio.RecoverFault(&err)
	return formats.Parse(f, data)
}

// editable returns a document of e's bytes that fe's edits may change.
func editable(fe FileEdit, e *cacheEntry) (config.Document, error) {
	if c, ok := e.doc.(config.Cloner); ok {
		return c.Clone(), nil
	}
	doc, err := parse(fe.Format, e.bytes())
	if err != nil {
		return nil, &FileError{Op: "parse", Path: fe.Display, Err: err}
	}
	return doc, nil
}

// planBytes plans fe over data, read as stamp says (zero: not read).
func planBytes(fe FileEdit, data []byte, existed bool, stamp safeio.Stamp) (*Change, error) {
	doc, err := parse(fe.Format, data)
	if err != nil {
		return nil, &FileError{Op: "parse", Path: fe.Display, Err: err}
	}
	if existed {
		if _, ok := doc.(config.Cloner); ok {
			// Shared with later readers of this run (list after
			// install), as ReadDoc would have shared it.
			remember(fe.Path, fe.Format, &cacheEntry{stamp: stamp, data: data, doc: doc.(config.Cloner).Clone()})
		}
	}
	return planDoc(fe, doc, data, existed, stamp)
}

// planDoc runs fe's edits on doc, the document of data.
func planDoc(fe FileEdit, doc config.Document, data []byte, existed bool, stamp safeio.Stamp) (*Change, error) {
	changed := false
	for _, edit := range fe.Edits {
		c, err := edit(doc)
		if err != nil {
			return nil, &FileError{Op: "edit", Path: fe.Display, Err: err}
		}
		changed = changed || c
	}
	ch := &Change{FileEdit: fe, Existed: existed, Before: data, after: data, Notes: doc.Notes(), stamp: stamp}
	if changed {
		ch.doc = doc
		ch.after = nil
		if p, ok := doc.(config.Patcher); ok && existed {
			ch.patch, ch.patched = p.Patch()
		}
		if !ch.patched {
			ch.after = doc.Bytes()
		}
	}
	if !existed && !changed {
		// Nothing to add to a file that is not there: leave it absent.
		ch.after = nil
		ch.Existed = false
		return ch, nil
	}
	if existed && fe.Drop != nil && fe.Drop(ch.After()) {
		ch.after, ch.patch, ch.patched = nil, nil, false // remove the file
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
		if c.Changed() && !(c.after == nil && !c.patched && !c.Existed) {
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
// document is kept and handed out again while the file is the same one
// with the same size and modification time, so a 10 MB file is read and
// parsed once per run (see cache.go). The document is shared: callers
// must not edit it.
func ReadDoc(path string, f config.Format, display string) (config.Document, bool, error) {
	if e := cached(path, f); e != nil {
		return e.doc, true, e.err
	}
	for tries := 1; ; tries++ {
		info, statErr := os.Stat(path)
		data, stamp, existed, err := readFile(path)
		if err != nil {
			err = &FileError{Op: "read", Path: display, Err: err}
			if statErr == nil && existed {
				// Not read, but do not try again in this run: a file that
				// did not settle would make every reader wait again.
				remember(path, f, &cacheEntry{stamp: safeio.StampOf(info, time.Now()), err: err})
			}
			return nil, existed, err
		}
		if !existed {
			return nil, false, nil
		}
		doc, err := parse(f, data)
		if errors.Is(err, safeio.ErrFault) && tries < maxFaultTries {
			continue // cut short while mapped: the next read waits for it to settle
		}
		if err != nil {
			err = &FileError{Op: "parse", Path: display, Err: err}
			doc = nil
		}
		remember(path, f, &cacheEntry{stamp: stamp, data: data, doc: doc, err: err})
		return doc, true, err
	}
}
