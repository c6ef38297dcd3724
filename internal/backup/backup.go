// Package backup keeps timestamped copies of the configuration files
// latchgate-mcp changes, so that any change can be undone with
// "latchgate-mcp restore", and a failed multi-file install can be rolled
// back.
//
// Backups live outside the user's project and config directories (in the
// user's state directory), one folder per file, the newest Keep copies
// per file. A file that did not exist before we created it is recorded
// as an "absent" backup: restoring it removes the file.
package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/atomicfile"
)

// Keep is how many backups are kept per file.
const Keep = 10

const (
	stampLayout  = "20060102T150405.000000000Z"
	suffixData   = ".bak"
	suffixAbsent = ".absent"
	pathFile     = "path"
)

// Store is a backup directory.
type Store struct {
	Dir string
	Now func() time.Time // for tests; time.Now when nil
}

// A Backup is one saved version of a file.
type Backup struct {
	Path   string    // the file it is a copy of
	Time   time.Time // when it was taken
	Absent bool      // the file did not exist then
	file   string    // where the copy is stored
}

// ID is how users name a backup on the command line: its timestamp.
func (b Backup) ID() string { return b.Time.UTC().Format(stampLayout) }

// Data returns the saved contents (nil for an absent backup).
func (b Backup) Data() ([]byte, error) {
	if b.Absent {
		return nil, nil
	}
	return os.ReadFile(b.file)
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) folder(path string) string {
	sum := sha256.Sum256([]byte(path))
	return filepath.Join(s.Dir, hex.EncodeToString(sum[:10]))
}

// Save records data (existed false: the file does not exist) as a backup
// of path, then prunes old backups of path beyond Keep.
func (s *Store) Save(path string, data []byte, existed bool) (Backup, error) {
	return s.save(path, "", data, existed)
}

// SaveFrom is Save for a file about to be replaced by a rename: it hard
// links the current file (real, its resolved path) into the backup
// directory instead of copying it, when the two are on one file system
// and the linked file still holds exactly data. The rename leaves the old
// inode alone, so the link keeps the old contents; a 10 MB ~/.claude.json
// is then backed up without writing 10 MB.
func (s *Store) SaveFrom(path, real string, data []byte, existed bool) (Backup, error) {
	return s.save(path, real, data, existed)
}

func (s *Store) save(path, real string, data []byte, existed bool) (Backup, error) {
	dir := s.folder(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Backup{}, fmt.Errorf("create backup directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, pathFile), []byte(path), 0o600); err != nil {
		return Backup{}, fmt.Errorf("save backup: %w", err)
	}
	t := s.now().UTC()
	suffix := suffixData
	if !existed {
		suffix = suffixAbsent
	}
	var name string
	for {
		name = filepath.Join(dir, t.Format(stampLayout)+suffix)
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		t = t.Add(time.Nanosecond) // two backups in the same instant
	}
	if !(existed && real != "" && linkSame(real, name, data)) {
		// Backups may hold tokens: only the owner reads them.
		if err := atomicfile.WriteFile(name, data, atomicfile.Options{NewMode: 0o600, DirMode: 0o700}); err != nil {
			return Backup{}, fmt.Errorf("save backup: %w", err)
		}
	}
	b := Backup{Path: path, Time: t, Absent: !existed, file: name}
	return b, s.prune(path)
}

// linkSame hard links real to name and keeps the link only if it holds
// data (the file may have been replaced since data was read from it).
func linkSame(real, name string, data []byte) bool {
	if err := os.Link(real, name); err != nil {
		return false
	}
	if !atomicfile.SameContent(name, data) {
		os.Remove(name)
		return false
	}
	return true
}

// List returns the backups of path, newest first.
func (s *Store) List(path string) ([]Backup, error) {
	return s.listDir(s.folder(path), path)
}

func (s *Store) listDir(dir, path string) ([]Backup, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Backup
	for _, e := range entries {
		name := e.Name()
		var absent bool
		switch {
		case strings.HasSuffix(name, suffixData):
		case strings.HasSuffix(name, suffixAbsent):
			absent = true
		default:
			continue
		}
		stamp := strings.TrimSuffix(strings.TrimSuffix(name, suffixData), suffixAbsent)
		t, err := time.Parse(stampLayout, stamp)
		if err != nil {
			continue
		}
		out = append(out, Backup{Path: path, Time: t, Absent: absent, file: filepath.Join(dir, name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}

// Files returns every file that has backups, sorted by path.
func (s *Store) Files() ([]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p, err := os.ReadFile(filepath.Join(s.Dir, e.Name(), pathFile))
		if err != nil {
			continue
		}
		paths = append(paths, string(p))
	}
	sort.Strings(paths)
	return paths, nil
}

func (s *Store) prune(path string) error {
	all, err := s.List(path)
	if err != nil {
		return err
	}
	for _, b := range all[min(len(all), Keep):] {
		if err := os.Remove(b.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Find returns the backup of path with the given ID, or the newest when id
// is empty.
func (s *Store) Find(path, id string) (Backup, error) {
	all, err := s.List(path)
	if err != nil {
		return Backup{}, err
	}
	if len(all) == 0 {
		return Backup{}, fmt.Errorf("no backups of %s", path)
	}
	if id == "" {
		return all[0], nil
	}
	for _, b := range all {
		if b.ID() == id {
			return b, nil
		}
	}
	return Backup{}, fmt.Errorf("no backup %s of %s", id, path)
}

// Put writes b's contents back to its file (removing the file for an
// absent backup).
func Put(b Backup) error {
	if b.Absent {
		err := os.Remove(b.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	data, err := b.Data()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(b.Path, data, atomicfile.Options{NewMode: 0o600})
}
