//go:build linux || darwin

package safeio

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the first size bytes of f read-only; false when it cannot
// (the caller reads instead).
func mapFile(f *os.File, size int64) ([]byte, bool) {
	if size <= 0 || int64(int(size)) != size {
		return nil, false
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, false
	}
	addRegion(b)
	return b, true
}

// release drops b's pages from this process's resident memory; they stay
// in the page cache, and a later read maps them again.
func release(b []byte) {
	_ = unix.Madvise(b, unix.MADV_DONTNEED)
}
