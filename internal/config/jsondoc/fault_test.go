//go:build linux || darwin

package jsondoc

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
)

// TestHelperFaultEndsQuietly: a mapped file cut short at three quarters
// faults in the scanner's helper goroutine (which starts at the middle):
// that must end the helper, not the program (it did, with a SIGBUS,
// before the helper recovered faults); what the scanner meets is its
// caller's to handle.
func TestHelperFaultEndsQuietly(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the helper runs only with two cores")
	}
	p := filepath.Join(t.TempDir(), "big.json")
	data := fixtures.ClaudeJSON(4 << 20)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	mapped, err := syscall.Mmap(int(f.Fd()), 0, len(data), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Munmap(mapped) }()
	if err := os.Truncate(p, int64(len(data))*3/4); err != nil {
		t.Fatal(err)
	}
	// The scanner itself may stop at the zeros after the end in the last
	// page (a syntax error) or fault past it; either way it must return
	// here, with the helper's fault (it resyncs at newlines past the
	// end) not having ended the test binary.
	var scanErr error
	faulted := func() (faulted bool) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			r := recover()
			_, faulted = r.(interface{ Addr() uintptr })
			if r != nil && !faulted {
				panic(r)
			}
		}()
		_, _, scanErr = (&scanner{src: mapped, strict: true}).validate()
		return false
	}()
	if !faulted && scanErr == nil {
		t.Fatal("the scan of a file cut short neither faulted nor failed")
	}
}
