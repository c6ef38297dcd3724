// Package atomicfile replaces a file's contents so that a reader sees
// either the old bytes or the new ones, never a mix, and a crash never
// leaves a truncated file.
//
// It is modelled on tailscale's atomicfile: a temporary file in the same
// directory, fsync, rename. It differs in three ways that matter for
// configuration files people manage with dotfile tools: it follows
// symbolic links (so the link survives and its target is updated), it
// keeps the existing file's mode, and it can check, just before the
// rename, that nobody else changed the file since it was read.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
}

// Resolve follows symbolic links in path, including a last element that
// is a link to a file that does not exist yet. A path that does not exist
// is returned as is.
func Resolve(path string) (string, error) {
	for range 64 {
		info, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			dir, err := filepath.EvalSymlinks(filepath.Dir(path))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return path, nil
				}
				return "", err
			}
			return filepath.Join(dir, filepath.Base(path)), nil
		}
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return filepath.EvalSymlinks(path)
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", errors.New("symbolic link loop")
}

// WriteFile writes data to path atomically. See the package doc.
func WriteFile(path string, data []byte, opts Options) error {
	if opts.NewMode == 0 {
		opts.NewMode = 0o644
	}
	if opts.DirMode == 0 {
		opts.DirMode = 0o755
	}
	real, err := Resolve(path)
	if err != nil {
		return err
	}
	mode := opts.NewMode
	if info, err := os.Stat(real); err == nil {
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", real)
		}
		mode = info.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(real)
	if err := os.MkdirAll(dir, opts.DirMode); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(real)+".latchgate-*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if tmpName != "" {
			os.Remove(tmpName)
		}
	}()
	// Set the mode before any data is written, so a file holding tokens is
	// never readable by others, not even for a moment.
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if opts.Unchanged != nil && !opts.Unchanged(real) {
		return ErrChanged
	}
	if err := os.Rename(tmpName, real); err != nil {
		return err
	}
	tmpName = ""
	syncDir(dir)
	return nil
}

// syncDir makes the rename durable. Errors are ignored: some systems
// cannot fsync a directory, and the data itself is already on disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// SameContent reports whether the file at path holds exactly data. It
// compares as it reads, so checking a 10 MB file needs no 10 MB buffer.
func SameContent(path string, data []byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
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
