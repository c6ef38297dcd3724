//go:build linux || darwin

package safeio

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f read-only; false when it cannot
// (the caller reads instead).
func mapFile(f *os.File, size int64) ([]byte, bool) {
	if size <= 0 || int64(int(size)) != size {
		return nil, false
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, false
	}
	addRegion(b)
	return b, true
}

// release drops b's pages from this process's resident memory; they stay
// in the page cache, and a later read maps them again.
func release(b []byte) {
	_ = syscall.Madvise(b, syscall.MADV_DONTNEED)
}
