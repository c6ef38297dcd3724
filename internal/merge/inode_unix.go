//go:build unix

package merge

import (
	"io/fs"
	"syscall"
)

// inodeOf returns the file's inode number, 0 where it has none.
func inodeOf(info fs.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
