// Package filelock is an advisory lock between latchgate-mcp processes, so
// two runs editing the same configuration file take turns. It does not
// keep IDEs out (they do not take it); merge.Apply re-reads the file just
// before writing for that.
//
// The lock is taken on a separate file, never on the configuration file
// itself: a lock on the file would be lost when the atomic write renames a
// new file over it.
package filelock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
)

// Lock holds the lock for one path until Unlock.
type Lock struct {
	f *os.File
}

// Acquire waits until it holds the lock for target (an absolute path),
// using a lock file in dir. It gives up when ctx is done.
func Acquire(ctx context.Context, dir, target string) (*Lock, error) {
	// Under the user's home even when run with sudo: directories and
	// lock files get the home's owner, or the user's next run could not
	// open them.
	if err := fileattr.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create lock directory: %w", err)
	}
	sum := sha256.Sum256([]byte(target))
	name := filepath.Join(dir, hex.EncodeToString(sum[:12])+".lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if owner, ok := fileattr.Inherit(name); ok {
		if err := fileattr.Fchown(f, name, owner); err != nil {
			_ = f.Close() // never written; the error above is the one to report
			return nil, fmt.Errorf("open lock file: %w", err)
		}
	}
	delay := time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			_ = f.Close() // never written; the error above is the one to report
			return nil, fmt.Errorf("lock %s: %w", target, err)
		}
		if ok {
			return &Lock{f: f}, nil
		}
		select {
		case <-ctx.Done():
			_ = f.Close() // never written; the timeout is the error to report
			return nil, fmt.Errorf("lock %s: another latchgate-mcp is editing it: %w", target, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 50*time.Millisecond)
	}
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	unlock(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}
