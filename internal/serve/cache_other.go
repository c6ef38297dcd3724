//go:build !unix

package serve

import "os"

// openNonblock is zero where opening a file cannot block on a writer.
const openNonblock = 0

// ownedByMe cannot be told from os.FileInfo here; the user's profile
// directory is private to the user already.
func ownedByMe(os.FileInfo) bool { return true }

// private: permission bits mean nothing here (ACLs decide).
func private(os.FileInfo) bool { return true }
