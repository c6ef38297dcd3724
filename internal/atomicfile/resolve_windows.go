package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Resolve follows symbolic links in path, including a last element that
// is a link to a file that does not exist yet. On Windows ".." is removed
// from a path as text before the system looks anything up, so the
// lexical filepath.EvalSymlinks is what the system does there.
func Resolve(path string) (string, error) {
	for range 64 {
		info, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			dir, err := filepath.EvalSymlinks(filepath.Dir(path))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return filepath.Abs(path)
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
