//go:build !(linux || darwin)

package safeio

import "os"

// mapFile does not map here: the caller reads instead.
func mapFile(*os.File, int64) ([]byte, bool) { return nil, false }

// release has nothing to drop: nothing is mapped here.
func release([]byte) {}
