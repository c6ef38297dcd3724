// Package atomicfile replaces a file's contents so that a reader sees
// either the old bytes or the new ones, never a mix, and a crash never
// leaves a truncated file.
//
// It is modelled on tailscale's atomicfile: a temporary file in the same
// directory, fsync, rename. It differs in ways that matter for
// configuration files people manage with dotfile tools, and for runs with
// sudo:
//
//   - it resolves the path as the kernel does (see [Resolve]) and follows
//     symbolic links, so a link survives and its target is updated, and a
//     path through a linked directory and ".." reaches the file every
//     other program reaches;
//   - the new file keeps the old one's mode, and its owner and group (run
//     as root on a user's file, the file stays the user's; when the owner
//     cannot be kept, the write is refused with the reason);
//   - files and directories it creates as root get the owner of the
//     directory above them (see package fileattr);
//   - it says when the file had other hard links, which a rename leaves
//     holding the old contents, and can write in place instead
//     ([Options.InPlace]);
//   - it can check, just before the rename, that nobody else changed the
//     file since it was read.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// ErrChanged is returned by WriteFile when Options.Unchanged says the
// file was modified by someone else after it was read.
var ErrChanged = errors.New("the file changed while we were writing it")

// Options tune WriteFile.
type Options struct {
	// NewMode is the mode of a file that does not exist yet.
	NewMode fs.FileMode
	// DirMode is the mode of parent directories that must be created.
	DirMode fs.FileMode
	// Unchanged, if set, is called just before the rename with the path
	// being replaced; returning false aborts the write with ErrChanged.
	Unchanged func(path string) bool
	// InPlace writes an existing file's new contents into the file itself
	// instead of renaming a new file over it: the inode, and so every
	// hard link, owner and attribute, stays. It is not atomic (a reader
	// can see a mix, a crash can leave one), so the caller holds its lock
	// and has taken a backup. A file that does not exist yet is created
	// the atomic way.
	InPlace bool
	// OwnLinks is how many of the file's other hard links are ours (a
	// backup taken as a link just before this write): they are not the
	// user's links, and are not reported in Result.OtherLinks.
	OwnLinks int
}

// Result says what Write did, beyond writing.
type Result struct {
	// Path is the file written: the path with its links resolved.
	Path string
	// OtherLinks is how many other hard links the file had. A rename
	// replaced only this name: the others still hold the old contents.
	OtherLinks int
	// InPlace is true when the file was written in place.
	InPlace bool
	// Info describes the file written, from fstat after the data was
	// synced: its identity, size and modification time, for a caller
	// that keeps what it wrote (a read cache). Nil when the write failed.
	Info fs.FileInfo
}

// Note returns what the user should be told about the write of the file
// shown as display, or "".
func (r Result) Note(display string) string {
	if r.OtherLinks == 0 || r.InPlace {
		return ""
	}
	return fmt.Sprintf("%s had %d other hard link(s), which still hold the old contents: the file was replaced, not edited in place", display, r.OtherLinks)
}

// WriteFile writes data to path atomically. See the package doc.
func WriteFile(path string, data []byte, opts Options) error {
	_, err := Write(path, data, opts)
	return err
}

// Write is WriteFile, and says what it did.
func Write(path string, data []byte, opts Options) (Result, error) {
	return WritePieces(path, [][]byte{data}, opts)
}

// WritePieces is Write of the pieces one after the other: a large file
// with an entry added is written as its unchanged spans around the new
// text, with no buffer holding the whole new contents.
func WritePieces(path string, pieces [][]byte, opts Options) (Result, error) {
	if opts.NewMode == 0 {
		opts.NewMode = 0o644
	}
	if opts.DirMode == 0 {
		opts.DirMode = 0o755
	}
	real, err := Resolve(path)
	if err != nil {
		return Result{}, err
	}
	res := Result{Path: real}
	mode := opts.NewMode
	dir := filepath.Dir(real)
	var owner fileattr.Owner
	var keepOwner bool
	info, err := os.Stat(real)
	switch {
	case err == nil:
		if !info.Mode().IsRegular() {
			return res, fmt.Errorf("%s is not a regular file", real)
		}
		mode = info.Mode().Perm()
		owner, keepOwner = fileattr.OwnerOf(info)
		res.OtherLinks = max(0, fileattr.Links(info)-1-opts.OwnLinks)
		if opts.InPlace {
			res.InPlace = true
			res.Info, err = writeInPlace(real, bytes.Join(pieces, nil), info, opts)
			return res, err
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := fileattr.MkdirAll(dir, opts.DirMode); err != nil {
			return res, err
		}
		owner, keepOwner = fileattr.Inherit(real)
	default:
		return res, err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(real)+".latchgate-*.tmp")
	if err != nil {
		return res, err
	}
	tmpName := tmp.Name()
	defer func() {
		if tmpName != "" {
			// Best effort: the write already failed, and that error is
			// the one to report; a stray temp file is hidden and named
			// for us.
			_ = os.Remove(tmpName)
		}
	}()
	written, err := fillTemp(tmp, real, pieces, mode, owner, keepOwner)
	if err != nil {
		return res, err
	}
	if opts.Unchanged != nil && !opts.Unchanged(real) {
		return res, ErrChanged
	}
	if err := os.Rename(tmpName, real); err != nil {
		return res, err
	}
	tmpName = ""
	syncDir(dir)
	res.Info = written
	return res, nil
}

// fillTemp gives tmp its owner and mode, then data, and closes it; it
// returns what tmp is once written. Owner and mode come before any data
// is written, so a file holding tokens is never readable by others, not
// even for a moment.
func fillTemp(tmp *os.File, real string, pieces [][]byte, mode fs.FileMode, owner fileattr.Owner, keepOwner bool) (written fs.FileInfo, err error) {
	defer func() {
		// Close reports write errors the file system deferred (NFS,
		// quotas), so its error counts when nothing failed before it.
		if cerr := tmp.Close(); err == nil && cerr != nil {
			written, err = nil, cerr
		}
	}()
	if keepOwner {
		if err := fileattr.Fchown(tmp, real, owner); err != nil {
			return nil, err
		}
	}
	if err := tmp.Chmod(mode); err != nil {
		return nil, err
	}
	if err := writeChunks(tmp, pieces); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	return tmp.Stat()
}

// writebackChunk is the size of the chunks a large file is written in,
// each one's writeback started as soon as it is written (startWriteback):
// a 50 MB ~/.claude.json is then on disk 33 -> 21 ms after the first
// byte (write plus fsync, measured on ext4), where one write and one
// fsync do the copying and the disk's work one after the other.
const writebackChunk = 4 << 20

// writeChunks writes pieces to f one after the other, in chunks of at
// most writebackChunk bytes once the whole is larger than two.
func writeChunks(f *os.File, pieces [][]byte) error {
	total := 0
	for _, p := range pieces {
		total += len(p)
	}
	early := total > 2*writebackChunk
	var off, started int64
	for _, p := range pieces {
		for len(p) > 0 {
			n := len(p)
			if early {
				n = min(n, writebackChunk)
			}
			if _, err := f.Write(p[:n]); err != nil {
				return err
			}
			p = p[n:]
			off += int64(n)
			if early && off-started >= writebackChunk {
				startWriteback(f, started, off-started)
				started = off
			}
		}
	}
	return nil
}

// writeInPlace overwrites the file at real, which was info when looked
// at. New bytes are written first and the file cut to length after, so
// there is no moment when it is empty.
func writeInPlace(real string, data []byte, info fs.FileInfo, opts Options) (written fs.FileInfo, err error) {
	f, err := os.OpenFile(real, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Checked: Close can report a write the file system deferred.
		if cerr := f.Close(); err == nil && cerr != nil {
			written, err = nil, cerr
		}
	}()
	now, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(now, info) {
		return nil, ErrChanged // replaced since we looked
	}
	if opts.Unchanged != nil && !opts.Unchanged(real) {
		return nil, ErrChanged
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return nil, err
	}
	if err := f.Truncate(int64(len(data))); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	return f.Stat()
}

// syncDir makes the rename durable. Errors are ignored: some systems
// cannot fsync a directory, and the data itself is already on disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close() // opened read-only: nothing to lose
	}
}

// SameContent reports whether the file at path holds exactly data. It
// compares as it reads, so checking a 10 MB file needs no 10 MB buffer.
// Anything but a regular file (a FIFO swapped in, a device) or a file
// larger than data is different, found without blocking or reading it.
func SameContent(path string, data []byte) bool {
	f, err := safeio.Open(path, int64(len(data)))
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if n > len(data) || !bytes.Equal(buf[:n], data[:n]) {
			return false
		}
		data = data[n:]
		if err == io.EOF {
			return len(data) == 0
		}
		if err != nil {
			return false
		}
	}
}
