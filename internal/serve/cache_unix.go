//go:build unix

package serve

import (
	"os"
	"syscall"
)

// openNonblock keeps opening a FIFO from blocking until a writer appears.
const openNonblock = syscall.O_NONBLOCK

// ownedByMe reports whether fi belongs to the effective user.
func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return !ok || int(st.Uid) == os.Geteuid()
}

// private reports whether only the owner can read or write fi.
func private(fi os.FileInfo) bool { return fi.Mode().Perm()&0o077 == 0 }
