//go:build !(linux || darwin)

package safeio

import "os"

// mapFile does not map here: the caller reads instead.
func mapFile(*os.File, int64) ([]byte, bool) { return nil, false }
