package safeio

import (
	"bytes"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f does not return in a generous bound: the
// refusals must never block on a FIFO.
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the read blocked")
		return nil
	}
}

func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	// Socket paths are limited to about 104 bytes: keep it short.
	sockDir, err := os.MkdirTemp("", "sio")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(sockDir); err != nil {
			t.Error(err)
		}
	})
	sock := filepath.Join(sockDir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { must(t, l.Close()) })

	tests := []struct {
		name, path, says string
	}{
		{"fifo", fifo, "a named pipe (FIFO), not a regular file"},
		{"device through a link", zero, "a character device, not a regular file"},
		{"directory", dir, "a directory, not a regular file"},
		{"socket", sock, "a socket, not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var data []byte
			err := within(t, func() (err error) { data, err = ReadFile(tt.path, MaxSmall); return err })
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("err = %v, want ErrNotRegular saying %q and naming the path", err, tt.says)
			}
			if data != nil {
				t.Errorf("data = %d bytes, want none", len(data))
			}
			err = within(t, func() error { _, err := ReadStable(tt.path, MaxSmall); return err })
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("ReadStable: err = %v, want ErrNotRegular", err)
			}
		})
	}
}

// TestOpenCheckedFIFO checks the second line of defence: a FIFO swapped
// in after the stat is opened without blocking and refused on fstat.
func TestOpenCheckedFIFO(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	err := within(t, func() error {
		f, err := openChecked(fifo, MaxSmall)
		if err == nil {
			must(t, f.Close())
		}
		return err
	})
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
}

func TestReadFileCap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const max = 64 << 10
	exact := filepath.Join(dir, "exact")
	over := filepath.Join(dir, "over")
	must(t, os.WriteFile(exact, bytes.Repeat([]byte("a"), max), 0o600))
	must(t, os.WriteFile(over, bytes.Repeat([]byte("a"), max+1), 0o600))

	data, err := ReadFile(exact, max)
	if err != nil || len(data) != max {
		t.Fatalf("a file at the cap: %d bytes, %v", len(data), err)
	}
	_, err = ReadFile(over, max)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "64 KiB cap") {
		t.Fatalf("err = %v, want ErrTooLarge naming the 64 KiB cap", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != over {
		t.Errorf("err = %#v, want a PathError for %s", err, over)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), max); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func TestReadAllStopsPastTheCap(t *testing.T) {
	t.Parallel()
	// A file that grows after fstat: the read itself must stop.
	_, err := readAll(bytes.NewReader(make([]byte, 1000)), nil, 999)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	data, err := readAll(bytes.NewReader(make([]byte, 1000)), nil, 1000)
	if err != nil || len(data) != 1000 {
		t.Fatalf("%d bytes, %v", len(data), err)
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{1 << 20: "1 MiB", 128 << 20: "128 MiB", 3 << 19: "1.5 MiB", 64 << 10: "64 KiB", 1500: "1500 bytes"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestReadStableWaitsForARewrite is the IDE that truncates its file and
// then writes it again in place: the read must return the rewritten
// file, never the empty moment.
func TestReadStableWaitsForARewrite(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "claude.json")
	full := []byte(`{"projects":{"/a":{}},"mcpServers":{}}` + strings.Repeat(" ", 4096))
	if err := os.WriteFile(p, full, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Stable{Wait: 10 * time.Second} // a bound, not an expectation
	if data, err := s.ReadFile(p, MaxConfig); err != nil || !bytes.Equal(data, full) {
		t.Fatalf("first read: %d bytes, %v", len(data), err)
	}

	// Truncate in place (the inode stays), then write it back later.
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	written := make(chan struct{})
	go func() {
		defer close(written)
		time.Sleep(100 * time.Millisecond)
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		_, err = f.Write(full)
		if err := errors.Join(err, f.Close()); err != nil {
			t.Error(err)
		}
	}()
	data, err := s.ReadFile(p, MaxConfig)
	<-written
	if err != nil || !bytes.Equal(data, full) {
		t.Fatalf("read during the rewrite: %q, %v; want the whole file", data, err)
	}
}

// TestReadStableFirstSightEmpty is the same rewrite seen by a first read
// of the run: an empty file is waited for too.
func TestReadStableFirstSightEmpty(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		if err := os.WriteFile(p, []byte(`{"a":1}`), 0o600); err != nil {
			t.Error(err)
		}
	}()
	s := &Stable{Wait: 10 * time.Second}
	data, err := s.ReadFile(p, MaxConfig)
	if err != nil || string(data) != `{"a":1}` {
		t.Fatalf("got %q, %v; want the written file", data, err)
	}
}

func TestReadStableGivesUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := &Stable{Wait: 30 * time.Millisecond}

	// Non-empty when first seen, empty for the whole wait: an error,
	// never an empty file to plan over.
	emptied := filepath.Join(dir, "emptied")
	must(t, os.WriteFile(emptied, []byte("0123456789"), 0o600))
	if _, err := s.ReadFile(emptied, MaxConfig); err != nil {
		t.Fatal(err)
	}
	must(t, os.Truncate(emptied, 0))
	data, err := s.ReadFile(emptied, MaxConfig)
	if !errors.Is(err, ErrUnsettled) || !strings.Contains(err.Error(), "held 10 bytes earlier") || data != nil {
		t.Fatalf("emptied file: %q, %v; want ErrUnsettled", data, err)
	}

	// Empty from the start: that is the file.
	empty := filepath.Join(dir, "empty")
	must(t, os.WriteFile(empty, nil, 0o600))
	if data, err := s.ReadFile(empty, MaxConfig); err != nil || len(data) != 0 {
		t.Fatalf("empty file: %q, %v", data, err)
	}

	// Made smaller and left alone: the smaller file, after the wait.
	shrunk := filepath.Join(dir, "shrunk")
	must(t, os.WriteFile(shrunk, []byte("0123456789"), 0o600))
	if _, err := s.ReadFile(shrunk, MaxConfig); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(shrunk, []byte("01234"), 0o600))
	if data, err := s.ReadFile(shrunk, MaxConfig); err != nil || string(data) != "01234" {
		t.Fatalf("shrunk file: %q, %v", data, err)
	}

	// Our own smaller write is not suspect.
	ours := filepath.Join(dir, "ours")
	must(t, os.WriteFile(ours, []byte("0123456789"), 0o600))
	if _, err := s.ReadFile(ours, MaxConfig); err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(ours, nil, 0o600))
	s.Wrote(ours, 0)
	if data, err := s.ReadFile(ours, MaxConfig); err != nil || len(data) != 0 {
		t.Fatalf("a file we emptied: %q, %v", data, err)
	}
}

// must stops the test when a setup step fails, so that it never goes on
// to check the wrong thing.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
