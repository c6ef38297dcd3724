package safeio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// Caps for [ReadFile] and [ReadStable]: pick the one that names what the
// file is.
const (
	// MaxConfig caps an IDE configuration file (and a backup of one).
	// ~/.claude.json keeps per-project history and reaches several
	// megabytes; 128 MiB is far beyond any real one and still a bounded
	// allocation.
	MaxConfig int64 = 128 << 20
	// MaxSmall caps the small files we only read: the gate's
	// latchgate.toml and latchgate-up.toml, a TLS CA bundle, the path
	// record of a backup folder.
	MaxSmall int64 = 1 << 20
)

// ErrNotRegular is matched (errors.Is) by the error for a file that is not
// a regular file: a named pipe, a device, a socket, a directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is matched (errors.Is) by the error for a file over its cap.
var ErrTooLarge = errors.New("file too large")

// KindError says what a path is instead of a regular file. It matches
// [ErrNotRegular].
type KindError struct {
	Mode fs.FileMode // the type bits
}

func (e *KindError) Error() string { return "it is " + kindName(e.Mode) + ", not a regular file" }

// Is reports whether target is [ErrNotRegular].
func (e *KindError) Is(target error) bool { return target == ErrNotRegular }

func kindName(m fs.FileMode) string {
	switch {
	case m&fs.ModeDir != 0:
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file (" + m.Type().String() + ")"
}

// SizeError is the error for a file over its cap. It matches
// [ErrTooLarge].
type SizeError struct {
	Size int64 // at least this many bytes (the read stops past the cap)
	Max  int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("it is larger than the %s cap for this file (%s or more)", FormatSize(e.Max), FormatSize(e.Size))
}

// Is reports whether target is [ErrTooLarge].
func (e *SizeError) Is(target error) bool { return target == ErrTooLarge }

// FormatSize writes n bytes the way the caps are said: "1 MiB", "64 KiB",
// "1500 bytes".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFile reads the regular file at path, at most max bytes. Errors are
// *fs.PathError values (errors.Is(err, fs.ErrNotExist) works as with
// os.ReadFile) whose cause is a [*KindError] or a [*SizeError] for the
// two refusals.
func ReadFile(path string, max int64) ([]byte, error) {
	data, _, err := read(path, max)
	return data, err
}

// Open opens the regular file at path for reading under the same rules
// as ReadFile (stat first, non-blocking open, fstat after), for callers
// that stream it. max caps the size fstat reports; the caller bounds what
// it reads.
func Open(path string, max int64) (*os.File, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := check(path, info, max); err != nil {
		return nil, err
	}
	return openChecked(path, max)
}

// state is what fstat said before and after a read.
type state struct {
	size, sizeAfter int64
	mod, modAfter   time.Time
	after           fs.FileInfo // fstat after the read
	readAt          time.Time   // before the read
	mapped          bool        // the data is the file mapped (see mapped.go)
}

// settled reports whether the read of n bytes saw one version of the file.
func (s state) settled(n int) bool {
	return s.size == s.sizeAfter && s.mod.Equal(s.modAfter) && int64(n) == s.size
}

func read(path string, max int64) ([]byte, state, error) {
	// Refuse before opening: opening a device can itself have effects
	// (a tape rewinds, a terminal becomes ours).
	info, err := os.Stat(path)
	if err != nil {
		return nil, state{}, err
	}
	if err := check(path, info, max); err != nil {
		return nil, state{}, err
	}
	readAt := time.Now()
	f, err := openChecked(path, max)
	if err != nil {
		return nil, state{}, err
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	before, err := f.Stat()
	if err != nil {
		return nil, state{}, err
	}
	size := before.Size()
	if mapLarge.Load() && size >= mapFrom && size <= max && before.ModTime().Before(readAt.Add(-RacyWindow)) {
		if data, ok := mapFile(f, size); ok {
			after, err := f.Stat()
			if err != nil {
				return nil, state{}, err
			}
			return data, state{size: size, sizeAfter: after.Size(), mod: before.ModTime(), modAfter: after.ModTime(),
				after: after, readAt: readAt, mapped: true}, nil
		}
	}
	// Size the buffer from fstat, plus one byte so a file that is exactly
	// that size needs no second allocation to see EOF.
	data := make([]byte, 0, min(size, max)+1)
	data, err = readAll(f, data, max)
	if err != nil {
		return nil, state{}, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	after, err := f.Stat()
	if err != nil {
		return nil, state{}, err
	}
	return data, state{size: size, sizeAfter: after.Size(), mod: before.ModTime(), modAfter: after.ModTime(), after: after, readAt: readAt}, nil
}

// check refuses what is not a regular file, or is over max.
func check(path string, info fs.FileInfo, max int64) error {
	if !info.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: path, Err: &KindError{Mode: info.Mode().Type()}}
	}
	if info.Size() > max {
		return &fs.PathError{Op: "read", Path: path, Err: &SizeError{Size: info.Size(), Max: max}}
	}
	return nil
}

// openChecked opens path without blocking and checks the open file: the
// path may have been swapped between the stat and the open.
func openChecked(path string, max int64) (*os.File, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil {
		err = check(path, info, max)
	}
	if err != nil {
		_ = f.Close() // read-only, and the error above is the one to report
		return nil, err
	}
	return f, nil
}

// readAll reads r to EOF into data, failing past max bytes (the file may
// grow after fstat).
func readAll(r io.Reader, data []byte, max int64) ([]byte, error) {
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if int64(len(data)) > max {
			return nil, &SizeError{Size: int64(len(data)), Max: max}
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
