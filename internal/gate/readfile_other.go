//go:build !unix

package gate

// openNonblock is zero where opening a file cannot block on a writer.
const openNonblock = 0
