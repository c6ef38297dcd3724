package safeio

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeAt writes text to path in place (same inode, as an editor that
// truncates and writes) and sets its modification time to mod.
func writeAt(t *testing.T, path, text string, mod time.Time) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}

func TestHolds(t *testing.T) {
	t.Parallel()
	old := time.Now().Add(-time.Minute).Truncate(time.Second)
	tests := []struct {
		name string
		mod  time.Time // the file's time when read
		// change is what happens to the file after the read.
		change func(t *testing.T, path string, mod time.Time)
		want   bool
	}{
		{"untouched", old, func(*testing.T, string, time.Time) {}, true},
		{"untouched, written just before the read", time.Now(), func(*testing.T, string, time.Time) {}, true},
		{"touched, same bytes", old, func(t *testing.T, p string, _ time.Time) { writeAt(t, p, "before", time.Now()) }, true},
		{"rewritten, same size", old, func(t *testing.T, p string, _ time.Time) { writeAt(t, p, "AFTER!", time.Now()) }, false},
		{"rewritten, other size", old, func(t *testing.T, p string, _ time.Time) { writeAt(t, p, "after", time.Now()) }, false},
		{"replaced by a rename, same bytes", old, func(t *testing.T, p string, _ time.Time) {
			writeAt(t, p+".new", "before", old)
			if err := os.Rename(p+".new", p); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"replaced by a rename, same size and time", old, func(t *testing.T, p string, _ time.Time) {
			writeAt(t, p+".new", "AFTER!", old)
			if err := os.Rename(p+".new", p); err != nil {
				t.Fatal(err)
			}
		}, false},
		// A clock too coarse to tell the two writes apart: the read came
		// within RacyWindow of the first, so the stat is not trusted.
		{"rewritten within the racy window, same size and time", time.Now(), func(t *testing.T, p string, mod time.Time) {
			writeAt(t, p, "AFTER!", mod)
		}, false},
		{"removed", old, func(t *testing.T, p string, _ time.Time) { must(t, os.Remove(p)) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "f.json")
			writeAt(t, path, "before", tt.mod)
			data, stamp, err := ReadStableStamp(path, MaxSmall)
			if err != nil || string(data) != "before" {
				t.Fatalf("read: %q, %v", data, err)
			}
			info, _ := os.Stat(path)
			tt.change(t, path, info.ModTime())
			got, renewed := Holds(path, data, stamp)
			if got != tt.want {
				t.Errorf("Holds = %v, want %v", got, tt.want)
			}
			if got && renewed.IsZero() {
				t.Error("Holds is true but gives no stamp")
			}
			if !got && !renewed.IsZero() {
				t.Error("Holds is false but gives a stamp")
			}
		})
	}
}

// TestCertainStampIsAStat: a stamp older than RacyWindow settles Holds
// with a stat, without reading, which is the point of it. So a program
// that writes the same number of bytes in place and sets the old time
// back goes unseen (as it does by make and git); the zero stamp reads.
func TestCertainStampIsAStat(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f.json")
	old := time.Now().Add(-time.Minute)
	writeAt(t, path, "before", old)
	data, stamp, err := ReadStableStamp(path, MaxSmall)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if !stamp.Certain(info) {
		t.Fatal("a stamp of a file last written a minute before the read is not certain")
	}
	writeAt(t, path, "AFTER!", info.ModTime())
	if ok, _ := Holds(path, data, stamp); !ok {
		t.Error("Holds read the file although the stamp was certain")
	}
	if ok, _ := Holds(path, data, Stamp{}); ok {
		t.Error("Holds with no stamp did not compare the bytes")
	}
	now, _ := os.Stat(path)
	if !stamp.Matches(now) {
		t.Error("Matches: the same file, size and time do not match")
	}
}
