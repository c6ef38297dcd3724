//go:build unix

package safeio

import (
	"os"
	"syscall"
)

// openNonBlocking opens path for reading with O_NONBLOCK, so a FIFO with
// no writer does not block the open, and O_NOCTTY, so a terminal device
// does not become our controlling terminal. O_NONBLOCK changes nothing for
// reading a regular file, the only kind openChecked lets through.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
