package fileattr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Owner is a file's user and group ids.
type Owner struct {
	UID, GID int
}

func (o Owner) String() string { return fmt.Sprintf("uid %d, gid %d", o.UID, o.GID) }

// OwnerOf returns the owner of the file info describes; ok is false on
// systems without Unix owners.
func OwnerOf(info fs.FileInfo) (o Owner, ok bool) { return ownerOf(info) }

// Links returns how many names (hard links) the file info describes has;
// 1 where the system does not say.
func Links(info fs.FileInfo) int { return links(info) }

// IsRoot reports whether we run as root, the only user who can give a
// file away, and so the only one whose files need giving back.
func IsRoot() bool { return os.Geteuid() == 0 }

// Inherit returns the owner that something created at path should have
// when we run as root: the owner of the nearest existing directory at or
// above path's parent. ok is false when there is nothing to do: not root,
// no Unix owners, or no existing ancestor.
func Inherit(path string) (o Owner, ok bool) {
	if !IsRoot() {
		return Owner{}, false
	}
	for dir := filepath.Dir(path); ; {
		if info, err := os.Stat(dir); err == nil {
			if !info.IsDir() {
				return Owner{}, false
			}
			return OwnerOf(info)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return Owner{}, false
		}
		dir = parent
	}
}

// ChownError says why a file could not be given its owner.
type ChownError struct {
	Path  string
	Owner Owner
	Err   error
}

func (e *ChownError) Error() string {
	return fmt.Sprintf("cannot keep the owner of %s (%s) as uid %d: %v", e.Path, e.Owner, os.Geteuid(), e.Err)
}

func (e *ChownError) Unwrap() error { return e.Err }

// Fchown makes the open file f (created for path) owned by o, unless it
// already is. Only the ids that differ are changed, so that a user who is
// not root can still keep a group of theirs.
func Fchown(f *os.File, path string, o Owner) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	cur, ok := OwnerOf(info)
	if !ok || cur == o {
		return nil
	}
	uid, gid := o.UID, o.GID
	if uid == cur.UID {
		uid = -1
	}
	if gid == cur.GID {
		gid = -1
	}
	if err := f.Chown(uid, gid); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &ChownError{Path: path, Owner: o, Err: err}
	}
	return nil
}

// NotDirError names the path that should be a directory and is not (a
// state directory that is a file). It is deliberately not an
// *fs.PathError, which callers shorten to its cause and so lose the path.
type NotDirError struct {
	Path string
}

func (e *NotDirError) Error() string {
	return e.Path + " is not a directory"
}

// Unwrap lets errors.Is(err, syscall.ENOTDIR) work.
func (e *NotDirError) Unwrap() error { return syscall.ENOTDIR }

// MkdirAll creates dir and the directories above it that are missing,
// with perm. Running as root, each one created gets the owner of the
// nearest directory that existed before (see Inherit), so that sudo never
// leaves root-owned directories in a user's home. Something in the way
// that is not a directory is a *NotDirError naming it.
func MkdirAll(dir string, perm fs.FileMode) error {
	dir = filepath.Clean(dir)
	var missing []string
	for d := dir; ; {
		info, err := os.Stat(d)
		if err == nil {
			if !info.IsDir() {
				return &NotDirError{Path: d}
			}
			break
		}
		// ENOTDIR: a file above, named when the walk reaches it.
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return err
		}
		missing = append(missing, d)
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if len(missing) == 0 {
		return nil
	}
	owner, chown := Inherit(missing[len(missing)-1])
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := os.Mkdir(d, perm); err != nil {
			if errors.Is(err, fs.ErrExist) {
				if info, serr := os.Stat(d); serr == nil && info.IsDir() {
					continue // made meanwhile by someone else: theirs
				}
				return &NotDirError{Path: d}
			}
			return err
		}
		if chown {
			if err := os.Lchown(d, owner.UID, owner.GID); err != nil {
				return &ChownError{Path: d, Owner: owner, Err: err}
			}
		}
	}
	return nil
}
