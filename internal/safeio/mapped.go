package safeio

import (
	"errors"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Mapping a large file instead of reading it.
//
// Reading a 50 MB ~/.claude.json into memory costs more than parsing it:
// the kernel hands out, zeroes and faults in 50 MB of fresh pages, then
// copies the file into them. Mapping it shares the page cache's pages:
// about 0.1 ms instead of 20 (measured, 50 MB, warm cache). A command that
// edits such a file (install) reads it this way once [MapLargeFiles] was
// called; list and doctor read as before.
//
// A mapping is not a snapshot: it shows the file as it is now. So a file
// is mapped only when its stamp will be certain (its modification time is
// older than the read by more than [RacyWindow]), and [Holds] then trusts
// only the stat: any later write moves the time and the bytes are not
// compared with themselves. And a program that cuts the file short while
// it is mapped (Node's fs.writeFile truncates, then writes) makes a read
// of the pages past the new end fault: with debug.SetPanicOnFault on the
// reading goroutine that is a panic, which [RecoverFault] turns into a
// *FaultError.

// mapFrom is the size from which a file is mapped. Below it, a read is
// as cheap and has no fault to guard against.
const mapFrom = 1 << 20

var mapLarge atomic.Bool

// MapLargeFiles makes the reads of this process map files of mapFrom
// bytes and more (where the system can), rather than copy them. The
// caller must run its reads, and every use of what they return, on
// goroutines with debug.SetPanicOnFault(true), and recover with
// RecoverFault.
func MapLargeFiles() { mapLarge.Store(true) }

// regions are the address ranges of the files mapped in this process,
// for telling a fault in one of them from any other.
var regions struct {
	sync.Mutex
	r [][2]uintptr
}

func addRegion(b []byte) {
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	regions.Lock()
	regions.r = append(regions.r, [2]uintptr{start, start + uintptr(len(b))})
	regions.Unlock()
}

// mappedAt reports whether addr lies in (or in the last page after) a
// mapped file.
func mappedAt(addr uintptr) bool {
	regions.Lock()
	defer regions.Unlock()
	for _, r := range regions.r {
		if addr >= r[0] && addr < r[1]+pageSlack {
			return true
		}
	}
	return false
}

// pageSlack covers a fault reported at the page boundary just past a
// mapping's last byte.
const pageSlack = 64 << 10

// ErrFault is matched (errors.Is) by a *FaultError.
var ErrFault = errors.New("a file was cut short while we read it")

// A FaultError is a read of a mapped file that another program cut
// short meanwhile.
type FaultError struct{ Addr uintptr }

func (e *FaultError) Error() string {
	return "a configuration file was cut short by another program while we read it (it is being rewritten); nothing more was read from it"
}

// Is reports whether target is ErrFault.
func (e *FaultError) Is(target error) bool { return target == ErrFault }

// RecoverFault, deferred, turns the panic of a fault in a mapped file
// (see MapLargeFiles) into *err = a *FaultError. Any other panic goes on.
func RecoverFault(err *error) {
	if r := recover(); r != nil {
		fe := FaultOf(r)
		if fe == nil {
			panic(r)
		}
		*err = fe
	}
}

// FaultOf returns the *FaultError a recovered panic value r stands for,
// or nil when r is not a fault in a mapped file.
func FaultOf(r any) *FaultError {
	if f, ok := r.(interface{ Addr() uintptr }); ok && mappedAt(f.Addr()) {
		return &FaultError{Addr: f.Addr()}
	}
	return nil
}

// Release lets the pages of data, a file read as stamped by s, leave
// this process's resident memory if it is mapped (see MapLargeFiles).
// What is read of it later is mapped again from the page cache. doctor
// scans a 10 MB ~/.claude.json once and then reads a few entries of it
// while it starts servers and asks the gate: without this, the file
// stays resident under all of that.
func Release(data []byte, s Stamp) {
	if s.mapped {
		release(data)
	}
}
