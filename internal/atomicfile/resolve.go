//go:build !windows

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks is how many symbolic links one resolution may follow: Linux's
// MAXSYMLINKS, past which the kernel says ELOOP.
const maxLinks = 40

// Resolve returns the file path names, as the kernel finds it: component
// by component, following every symbolic link, and taking ".." from the
// directory actually reached, not from the text. (filepath.Clean and
// filepath.EvalSymlinks remove "link/.." as text: with ~/.config a link
// to ~/dotfiles/config, "~/.config/../x.json" is ~/dotfiles/x.json to
// every program that opens it, but ~/x.json to them.) A last element that
// is a link is followed too, even to a file that does not exist yet. Once
// a component does not exist, the rest is joined as it is written: there
// are no links below it to follow. The result is absolute and clean.
func Resolve(path string) (string, error) {
	if path == "" {
		return "", &fs.PathError{Op: "resolve", Path: path, Err: syscall.ENOENT}
	}
	rest := path
	if !filepath.IsAbs(path) {
		// Not filepath.Abs: it would clean "link/.." away as text.
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		rest = wd + "/" + path
	}
	resolved := "/"
	links := 0
	for rest != "" {
		var comp string
		comp, rest, _ = strings.Cut(rest, "/")
		switch comp {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, comp)
		info, err := os.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return filepath.Join(next, rest), nil
		case err != nil:
			return "", err
		case info.Mode()&fs.ModeSymlink != 0:
			links++
			if links > maxLinks {
				return "", &fs.PathError{Op: "resolve", Path: path, Err: syscall.ELOOP}
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if filepath.IsAbs(target) {
				resolved = "/"
			}
			if rest != "" {
				target += "/" + rest
			}
			rest = target
		case !info.IsDir() && strings.Trim(rest, "/") != "":
			return "", &fs.PathError{Op: "resolve", Path: next, Err: syscall.ENOTDIR}
		default:
			resolved = next
		}
	}
	return resolved, nil
}
