package merge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/atomicfile"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/filelock"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// ApplyOptions say where backups and locks live.
type ApplyOptions struct {
	Backups *backup.Store // nil: no backups (tests of the engine only)
	LockDir string        // "" : no locking
	// LockTimeout bounds the wait for another latchgate-mcp run.
	LockTimeout time.Duration
}

// A Result is what happened to one file.
type Result struct {
	Change  *Change
	Written bool           // the file was written
	Replan  bool           // the file had changed since planning and was planned again
	Backup  *backup.Backup // the backup taken before writing
	// Notes are what the user should be told about the write (a file
	// with other hard links, which a rename leaves holding the old
	// contents).
	Notes []string
}

// minAttempts and retryFor bound how often Apply re-plans a file that
// keeps changing under it (an IDE rewriting it in a loop): at least
// minAttempts tries, and more while retryFor has not passed, so a slow
// machine (each try takes longer than the IDE's pause) still gets
// through, and an endless rewriter still ends the run.
const (
	minAttempts = 8
	retryFor    = 5 * time.Second
)

// Apply writes every pending change of p. For each file it takes the
// advisory lock, re-reads the file and, if it changed since it was
// planned (an IDE saved it meanwhile), plans it again from the new bytes
// so their change is kept; it then backs the file up and writes it
// atomically, checking once more just before the rename.
//
// If a write fails, the files already written by this call are put back
// from their backups, and the error names the file that failed.
func Apply(ctx context.Context, p *Plan, opts ApplyOptions) ([]Result, error) {
	var done []Result
	for _, c := range p.Pending() {
		r, err := applyGuarded(ctx, c, opts)
		if err != nil {
			if rbErr := rollback(done); rbErr != nil {
				err = fmt.Errorf("%w\n%v", err, rbErr)
			} else if len(done) > 0 {
				err = fmt.Errorf("%w (the %d file(s) already written were restored)", err, len(done))
			}
			return done, err
		}
		if r.Written {
			done = append(done, r)
		}
	}
	return done, nil
}

// applyGuarded is applyOne, with a fault reading a mapped file that was
// cut short meanwhile (safeio.MapLargeFiles) returned as an error, so
// that Apply puts back the files it wrote before.
func applyGuarded(ctx context.Context, c *Change, opts ApplyOptions) (r Result, err error) {
	defer safeio.RecoverFault(&err)
	return applyOne(ctx, c, opts)
}

func applyOne(ctx context.Context, c *Change, opts ApplyOptions) (Result, error) {
	writeErr := func(err error) error { return &FileError{Op: "write", Path: c.Display, Err: simplifyPathError(err)} }
	real, err := atomicfile.Resolve(c.Path)
	if err != nil {
		return Result{}, writeErr(err)
	}
	if opts.LockDir != "" {
		timeout := opts.LockTimeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		lctx, cancel := context.WithTimeout(ctx, timeout)
		lock, err := filelock.Acquire(lctx, opts.LockDir, real)
		cancel()
		if err != nil {
			return Result{}, writeErr(err)
		}
		// Closing the lock file releases the lock whatever Close says, and
		// so does the process ending.
		defer func() { _ = lock.Unlock() }()
	}
	res := Result{Change: c}
	start := time.Now()
	attempts := 0
	for ; attempts < minAttempts || time.Since(start) < retryFor; attempts++ {
		// Unchanged since planning? By a stat when it can tell, else
		// compared while reading: no copy.
		if !c.still() {
			data, stamp, existed, err := readFile(c.Path)
			if err != nil {
				return res, &FileError{Op: "read", Path: c.Display, Err: err}
			}
			if existed != c.Existed || !bytes.Equal(data, c.Before) {
				fresh, err := planBytes(c.FileEdit, data, existed, stamp)
				if errors.Is(err, safeio.ErrFault) {
					continue // cut short while mapped: read it again
				}
				if err != nil {
					return res, err
				}
				*c = *fresh
				res.Replan = true
				if !c.Changed() || (c.After() == nil && !c.Existed) {
					return res, nil // someone else made the same change
				}
			} else {
				c.stamp = stamp // the same bytes, saved again
			}
		}
		var pending *backup.Pending
		if opts.Backups != nil {
			// Taken on every attempt: after a re-plan, the backup must be
			// of what this attempt replaces. It becomes a snapshot on
			// Commit, once the write has replaced the file.
			pending, err = opts.Backups.PrepareStamped(c.Path, real, c.Before, c.Existed, c.stamp)
			if err != nil {
				return res, &FileError{Op: "back up", Path: c.Display, Err: err}
			}
		}
		if c.Removes() {
			if err := remove(real, c.still); err != nil {
				pending.Abort(real)
				if errors.Is(err, atomicfile.ErrChanged) {
					continue
				}
				return res, writeErr(err)
			}
			res.Written = true
			if pending != nil {
				b, err := pending.Commit()
				if err != nil {
					return res, &FileError{Op: "back up", Path: c.Display, Err: fmt.Errorf("%w (the file was removed; its old contents could not be kept)", err)}
				}
				res.Backup = &b
			}
			return res, nil
		}
		dirMode := fs.FileMode(0o755)
		if c.NewMode&0o077 == 0 {
			dirMode = 0o700
		}
		own := 0
		if pending.Linked() {
			own = 1
		}
		w, err := atomicfile.WritePieces(c.Path, c.afterPieces(), atomicfile.Options{
			NewMode: c.NewMode, DirMode: dirMode, OwnLinks: own,
			Unchanged: func(string) bool { return c.still() },
		})
		if err != nil {
			pending.Abort(real)
		}
		if errors.Is(err, atomicfile.ErrChanged) {
			continue
		}
		if err != nil {
			return res, writeErr(err)
		}
		res.Written = true
		// Our own write may shrink the file (an uninstall): that is not
		// a file being cut short by its owner.
		safeio.Wrote(real, int64(c.afterSize()))
		if c.doc != nil && w.Info != nil {
			// What we wrote is what this run's later readers see.
			remember(c.Path, c.Format, &cacheEntry{stamp: safeio.StampOf(w.Info, time.Now()), doc: c.doc})
		}
		if note := w.Note(c.Display); note != "" {
			res.Notes = append(res.Notes, note)
		}
		if pending != nil {
			b, err := pending.Commit()
			if err != nil {
				return res, &FileError{Op: "back up", Path: c.Display, Err: fmt.Errorf("%w (the file was written; its old contents could not be kept)", err)}
			}
			res.Backup = &b
		}
		return res, nil
	}
	return res, writeErr(fmt.Errorf("it kept changing while we tried to write it (%d attempts in %s); close the program that is rewriting it and try again",
		attempts, time.Since(start).Round(time.Millisecond)))
}

// remove removes the file real (a resolved path) if still says it holds
// the bytes a removal was planned from; atomicfile.ErrChanged otherwise.
// The caller holds the file's lock, so only a program that ignores it can
// slip in between the check and the removal.
func remove(real string, still func() bool) error {
	if !still() {
		return atomicfile.ErrChanged
	}
	if err := os.Remove(real); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// stillAs reports whether path is as it was read: existing with exactly
// data, or absent. Rollback uses it on what this run wrote.
func stillAs(path string, data []byte, existed bool) bool {
	if !existed {
		_, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return true
		}
		_, err = os.Stat(path)
		return errors.Is(err, fs.ErrNotExist)
	}
	return atomicfile.SameContent(path, data)
}

// still reports whether c's file is as it was planned from: absent, or
// holding exactly c.Before. A stat settles it when the stamp of the read
// is certain (safeio.Stamp); otherwise the bytes are compared, and the
// stamp is renewed from the version compared (a file saved again with
// the same bytes is then settled by a stat once its time is old enough).
func (c *Change) still() bool {
	if !c.Existed {
		_, err := os.Lstat(c.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return true
		}
		// A dangling symlink we are about to create through.
		_, err = os.Stat(c.Path)
		return errors.Is(err, fs.ErrNotExist)
	}
	ok, stamp := safeio.Holds(c.Path, c.Before, c.stamp)
	if ok {
		c.stamp = stamp
	}
	return ok
}

// rollback puts back the files written so far, newest first. A file that
// was changed again since we wrote it is left alone: restoring it would
// throw that change away.
func rollback(done []Result) error {
	var errs []error
	for i := len(done) - 1; i >= 0; i-- {
		r := done[i]
		if r.Backup == nil {
			errs = append(errs, fmt.Errorf("could not restore %s: no backup was taken", r.Change.Display))
			continue
		}
		if !stillAs(r.Change.Path, r.Change.After(), !r.Change.Removes()) {
			errs = append(errs, fmt.Errorf("did not restore %s: it changed again after we wrote it (backup %s kept)", r.Change.Display, r.Backup.ID()))
			continue
		}
		if err := backup.Put(*r.Backup); err != nil {
			errs = append(errs, fmt.Errorf("could not restore %s: %v (backup %s kept)", r.Change.Display, err, r.Backup.ID()))
		}
	}
	return errors.Join(errs...)
}
