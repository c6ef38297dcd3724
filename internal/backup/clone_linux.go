package backup

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
)

// clone makes dst a copy-on-write clone of src (FICLONE: Btrfs, XFS,
// bcachefs, ...): a snapshot that costs no data write. It fails where
// the file system cannot clone, or across file systems.
func clone(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read-only: nothing to lose
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = unix.IoctlFileClone(int(out.Fd()), int(in.Fd()))
	if err == nil {
		if o, ok := fileattr.Inherit(dst); ok {
			err = fileattr.Fchown(out, dst, o)
		}
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(dst) // best effort: the clone error is the one to report
	}
	return err
}
