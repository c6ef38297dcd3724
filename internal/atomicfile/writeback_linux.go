package atomicfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing [off, off+n) of f to
// the disk now, without waiting (sync_file_range with WRITE only): the
// disk works while the next chunk is copied, and the fsync that follows
// waits for less. The fsync still gives the guarantee; this only starts
// it early, so an error here is of no consequence.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
