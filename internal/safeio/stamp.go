package safeio

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"time"
)

// A Stamp identifies the version of a file that a read returned: which
// file it was (device and inode), its size and modification time, taken
// from the open file after the read, and when the read began.
//
// It lets a caller that must check a file is still as it read it (just
// before replacing it, say) do so with a stat instead of reading the
// whole file again. A stat settles it only when the modification time
// is older than the read by more than [RacyWindow]: file systems keep
// times at a coarse grain (a clock tick on Linux, a second or two on
// some), so a write just before or after the read may leave the time
// unchanged, as it may leave the size. Such a "racy" stamp (git's word
// for its index entries) is checked by comparing bytes. A program that
// sets the time back after writing (touch -d, rsync --times) can fool
// the stat, as it fools make and git.
//
// The zero Stamp is never certain.
type Stamp struct {
	info   fs.FileInfo
	readAt time.Time
	// mapped: the data read is the file mapped, which shows the file as
	// it is now, so comparing it with the file proves nothing; only a
	// certain stat vouches for it.
	mapped bool
}

// RacyWindow is how much older than the read a file's modification time
// must be for a stat to vouch for its contents. It covers file systems
// that keep times to the second or two (FAT keeps two), and ones whose
// clock lags the one we read.
const RacyWindow = 2 * time.Second

// StampOf returns the stamp of a file version seen as info (from fstat
// of the file that was read) by a read that began at readAt.
func StampOf(info fs.FileInfo, readAt time.Time) Stamp {
	return Stamp{info: info, readAt: readAt}
}

// IsZero reports whether s stamps nothing.
func (s Stamp) IsZero() bool { return s.info == nil }

// Matches reports whether info, a stat of the path now, looks like the
// stamped version: the same file, size and modification time. That is
// what a cache of parsed files within one run needs; it is not proof
// that the contents are the same (see [Stamp.Certain]).
func (s Stamp) Matches(info fs.FileInfo) bool {
	return s.info != nil && info != nil && os.SameFile(s.info, info) &&
		info.Size() == s.info.Size() && info.ModTime().Equal(s.info.ModTime())
}

// Certain reports whether info, a stat of the path now, proves the file
// still holds the stamped version: it matches, and its modification time
// is older than the read by more than RacyWindow, so that no write since
// can have kept it.
func (s Stamp) Certain(info fs.FileInfo) bool {
	return s.Matches(info) && s.info.ModTime().Before(s.readAt.Add(-RacyWindow))
}

// Holds reports whether the regular file at path holds exactly data,
// which a read stamped s returned (a zero s: data from anywhere). A stat
// settles it when s is certain of the file; otherwise the bytes are
// compared as they are read, with no buffer the size of the file, and
// the stamp of the version found is returned for the next check.
func Holds(path string, data []byte, s Stamp) (bool, Stamp) {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() || info.Size() != int64(len(data)) {
		return false, Stamp{}
	}
	if s.Certain(info) {
		return true, s
	}
	if s.mapped {
		return false, Stamp{} // changed since it was mapped
	}
	readAt := time.Now()
	f, err := Open(path, int64(len(data)))
	if err != nil {
		return false, Stamp{}
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	before, err := f.Stat()
	if err != nil {
		return false, Stamp{}
	}
	if !sameBytes(f, data) {
		return false, Stamp{}
	}
	after, err := f.Stat()
	if err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		return false, Stamp{} // written while we compared: not a version we can name
	}
	return true, StampOf(after, readAt)
}

// sameBytes reports whether r holds exactly data, reading it in chunks.
func sameBytes(r io.Reader, data []byte) bool {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if n > len(data) || !bytes.Equal(buf[:n], data[:n]) {
			return false
		}
		data = data[n:]
		if err == io.EOF {
			return len(data) == 0
		}
		if err != nil {
			return false
		}
	}
}
