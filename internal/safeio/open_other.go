//go:build !unix

package safeio

import "os"

// openNonBlocking opens path for reading. Windows has no FIFOs in the file
// system namespace, so a plain open cannot block there.
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
