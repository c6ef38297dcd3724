package cli

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
)

// FlagError is a usage mistake: the command line itself is wrong. It exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// ErrSilent is returned by a command that has already reported its failure
// (doctor's table, say); Main exits 1 without printing anything more.
var ErrSilent = errors.New("silent error")

// ErrCancelled means the user stopped an interactive command; exit 2.
var ErrCancelled = errors.New("cancelled")

// HintError carries a second line telling the user what to do next.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// withHint wraps err so that Main prints hint on its own line after it.
func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// Exit codes, kept in one place.
const (
	exitOK     = 0
	exitError  = 1
	exitUsage  = 2
	exitCancel = 2
)

// writeHint is the hint for a failed write (or backup) of a file, chosen
// by its cause: "check the permissions" sends someone whose disk is full
// the wrong way.
func writeHint(err error) string {
	var chown *fileattr.ChownError
	var notDir *fileattr.NotDirError
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return "the disk (or your disk quota) is full: free some space and run again"
	case errors.Is(err, syscall.EROFS):
		return "the file system is read-only: remount it writable, or change the file where it can be written"
	case errors.As(err, &chown):
		return "run latchgate-mcp as the file's owner (or as root), so the file keeps its owner"
	case errors.As(err, &notDir):
		return "move " + notDir.Path + " aside, or point LATCHGATE_MCP_STATE_DIR elsewhere"
	}
	return "check the permissions of the file and its directory"
}
