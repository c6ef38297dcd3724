//go:build !linux

package backup

import "errors"

// clone is not available here: backups are written out.
func clone(src, dst string) error { return errors.New("no file clones on this system") }
