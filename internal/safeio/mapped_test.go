//go:build linux || darwin

package safeio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"
)

// mappedFile writes a file large enough to be mapped, last written a
// minute ago, and reads it with mapping on.
func mappedFile(t *testing.T) (string, []byte, Stamp) {
	t.Helper()
	MapLargeFiles()
	p := filepath.Join(t.TempDir(), "big.json")
	want := bytes.Repeat([]byte("0123456789abcdef"), (2*mapFrom)/16)
	if err := os.WriteFile(p, want, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	data, stamp, err := ReadStableStamp(p, MaxConfig)
	if err != nil {
		t.Fatal(err)
	}
	if !stamp.mapped || !bytes.Equal(data, want) {
		t.Fatalf("mapped %v, same bytes %v", stamp.mapped, bytes.Equal(data, want))
	}
	return p, data, stamp
}

// TestMappedHoldsByStatOnly: a mapped read shows the file as it is now,
// so a file rewritten in place (same size) must not be found to "hold"
// the mapped bytes by comparing them with themselves.
func TestMappedHoldsByStatOnly(t *testing.T) {
	p, data, stamp := mappedFile(t)
	if ok, _ := Holds(p, data, stamp); !ok {
		t.Fatal("an untouched mapped file does not hold its bytes")
	}
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("XYZ"), 100); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := Holds(p, data, stamp); ok {
		t.Fatal("a file rewritten in place still holds the mapped bytes (compared with themselves)")
	}
}

// TestMappedFault: a mapped file cut short by another program faults
// when its lost pages are read; under SetPanicOnFault that is a panic
// which RecoverFault turns into a *FaultError, not a crash.
func TestMappedFault(t *testing.T) {
	p, data, _ := mappedFile(t)
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	var err error
	var got byte
	func() {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer RecoverFault(&err)
		got = data[len(data)-1]
	}()
	if !errors.Is(err, ErrFault) {
		t.Fatalf("read past the cut: byte %q, err %v; want a FaultError", got, err)
	}
	// Any other panic is not ours to turn into an error.
	defer func() {
		if r := recover(); r != "other" {
			t.Fatalf("recovered %v, want the other panic to go on", r)
		}
	}()
	func() {
		defer RecoverFault(&err)
		panic("other")
	}()
}
