package safeio

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"
)

// DefaultWait bounds how long [ReadStable] waits, in all, for a file that
// is being rewritten to settle. An IDE rewriting its file in place takes
// milliseconds; a second is plenty and still short for a person.
const DefaultWait = time.Second

// pollEvery is how often an unsettled file is read again.
const pollEvery = 20 * time.Millisecond

// ErrUnsettled is matched (errors.Is) by the error of [ReadStable] for a
// file that kept changing, or was emptied, while we read it.
var ErrUnsettled = errors.New("the file is being rewritten")

// UnsettledError says why a read did not settle. It matches
// [ErrUnsettled].
type UnsettledError struct {
	Wait time.Duration
	// Was is the size seen earlier in this run for a file that is now
	// empty; 0 when the file kept changing instead.
	Was int64
}

func (e *UnsettledError) Error() string {
	if e.Was > 0 {
		return fmt.Sprintf("it held %s earlier in this run and is still empty after %s: another program seems to be rewriting it; try again once it is done",
			FormatSize(e.Was), e.Wait)
	}
	return fmt.Sprintf("it kept changing for %s while we read it: another program is writing it; try again once it is done", e.Wait)
}

// Is reports whether target is [ErrUnsettled].
func (e *UnsettledError) Is(target error) bool { return target == ErrUnsettled }

// A Stable reads files that other programs rewrite in place, and
// remembers the largest size it has seen of each path, so that a file
// emptied or cut short later in the run is noticed. See the package doc
// for the rule. The zero value is ready to use; it is safe for concurrent
// use.
type Stable struct {
	// Wait bounds the wait for one read; DefaultWait when zero.
	Wait time.Duration

	mu   sync.Mutex
	seen map[string]int64
}

// run is the Stable of this process: "seen earlier in this run" means
// seen by any ReadStable call of this process.
var run Stable

// ReadStable is [ReadFile] for a configuration file its owner may be
// rewriting while we read it; see the package doc. It remembers sizes
// for the whole process.
func ReadStable(path string, max int64) ([]byte, error) { return run.ReadFile(path, max) }

// ReadStableStamp is [ReadStable], and returns the stamp of the version
// read, for checking later that the file still holds it.
func ReadStableStamp(path string, max int64) ([]byte, Stamp, error) {
	return run.ReadFileStamp(path, max)
}

// Wrote tells the process-wide reader that this process itself wrote size
// bytes to path, so that a file we made smaller (an uninstall) does not
// look cut short when it is read again.
func Wrote(path string, size int64) { run.Wrote(path, size) }

// Wrote records that this process wrote size bytes to path.
func (s *Stable) Wrote(path string, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]int64{}
	}
	s.seen[filepath.Clean(path)] = size
}

func (s *Stable) largest(key string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[key]
}

func (s *Stable) remember(key string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]int64{}
	}
	s.seen[key] = max(s.seen[key], n)
}

// ReadFile reads path (at most max bytes) by the rule of the package doc.
// Errors are those of [ReadFile], or an *fs.PathError whose cause is an
// [*UnsettledError].
func (s *Stable) ReadFile(path string, max int64) ([]byte, error) {
	data, _, err := s.ReadFileStamp(path, max)
	return data, err
}

// ReadFileStamp is ReadFile, and returns the stamp of the version read.
func (s *Stable) ReadFileStamp(path string, max int64) ([]byte, Stamp, error) {
	wait := s.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	key := filepath.Clean(path)
	deadline := time.Now().Add(wait)
	for {
		// Read before the deadline check, so that at least one read
		// happens and the last one is no older than the deadline.
		prev := s.largest(key)
		data, st, err := read(path, max)
		if err != nil {
			return nil, Stamp{}, err
		}
		n := int64(len(data))
		settled := st.settled(len(data))
		suspect := n == 0 || n < prev
		if settled && n > 0 {
			// The first non-empty sight is what later reads compare
			// with, settled or not.
			s.remember(key, n)
		}
		if settled && !suspect {
			return data, Stamp{info: st.after, readAt: st.readAt, mapped: st.mapped}, nil
		}
		if !time.Now().Before(deadline) {
			switch {
			case !settled:
				return nil, Stamp{}, &fs.PathError{Op: "read", Path: path, Err: &UnsettledError{Wait: wait}}
			case n == 0 && prev > 0:
				return nil, Stamp{}, &fs.PathError{Op: "read", Path: path, Err: &UnsettledError{Wait: wait, Was: prev}}
			}
			// Empty from the start, or made smaller and left alone for
			// the whole wait: that is the file.
			s.mu.Lock()
			if s.seen == nil {
				s.seen = map[string]int64{}
			}
			s.seen[key] = n
			s.mu.Unlock()
			return data, Stamp{info: st.after, readAt: st.readAt, mapped: st.mapped}, nil
		}
		time.Sleep(min(pollEvery, time.Until(deadline)+time.Millisecond))
	}
}
