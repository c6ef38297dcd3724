// Package backup keeps timestamped copies of the configuration files
// latchgate-mcp changes, so that any change can be undone with
// "latchgate-mcp restore", and a failed multi-file install can be rolled
// back.
//
// Backups live outside the user's project and config directories (in the
// user's state directory), one folder per file, the newest Keep copies
// per file. A file that did not exist before we created it is recorded
// as an "absent" backup: restoring it removes the file.
//
// A backup is a snapshot: nothing done to the live file later changes it.
// The cheap way to back up a file about to be replaced by a rename is a
// hard link to it, but until the rename has happened that link is the
// live file, and an editor that writes the file in place (after our write
// failed, say) would change the "backup" too. So a backup is taken in two
// steps: [Store.Prepare] before the write, [Pending.Commit] after it.
// Commit keeps the link only if it is now the old inode's only name (our
// rename went through and nothing else links it); otherwise the backup is
// a copy, cloned (reflink) where the file system can, written out where
// it cannot.
//
// Folders are keyed by the file's physical path (links and ".." resolved
// as the kernel does), so a file reached through a linked home directory,
// or named as "~//./.claude.json", finds its backups.
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
	"strconv"
	"strings"
	"time"

	"github.com/latchgate-ai/latchgate-mcp/internal/atomicfile"
	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// Keep is how many backups are kept per file.
const Keep = 10

const (
	stampLayout   = "20060102T150405.000000000Z"
	suffixData    = ".bak"
	suffixAbsent  = ".absent"
	pathFile      = "path"
	prefixPending = ".pending-"
	// stalePending is the age past which a pending link left by a run
	// that crashed between Prepare and Commit is removed.
	stalePending = 24 * time.Hour
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
	return safeio.ReadFile(b.file, safeio.MaxConfig)
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// key is the physical path of path, which names its folder; path cleaned
// when it cannot be resolved (a link loop: there is nothing to back up).
func key(path string) string {
	if real, err := atomicfile.Resolve(path); err == nil {
		return real
	}
	return filepath.Clean(path)
}

func (s *Store) folderOf(k string) string {
	sum := sha256.Sum256([]byte(k))
	return filepath.Join(s.Dir, hex.EncodeToString(sum[:10]))
}

// folders returns the folders that may hold backups of path: its
// physical path's, then the one keyed by the path as written, which
// versions before physical keys used.
func (s *Store) folders(path string) []string {
	dirs := []string{s.folderOf(key(path))}
	if legacy := s.folderOf(path); legacy != dirs[0] {
		dirs = append(dirs, legacy)
	}
	return dirs
}

// open creates path's folder and records path in it.
func (s *Store) open(path string) (string, error) {
	dir := s.folderOf(key(path))
	if err := fileattr.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create backup directory: %w", err)
	}
	// Written once, not on every backup: this runs between a read and
	// the write it checks, where every millisecond lets an IDE slip in.
	record := filepath.Join(dir, pathFile)
	if !atomicfile.SameContent(record, []byte(path)) {
		if err := atomicfile.WriteFile(record, []byte(path), atomicfile.Options{NewMode: 0o600, DirMode: 0o700}); err != nil {
			return "", fmt.Errorf("save backup: %w", err)
		}
	}
	return dir, nil
}

// name returns a free backup file name in dir for now.
func (s *Store) name(dir string, existed bool) (string, time.Time) {
	t := s.now().UTC()
	suffix := suffixData
	if !existed {
		suffix = suffixAbsent
	}
	for {
		name := filepath.Join(dir, t.Format(stampLayout)+suffix)
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, t
		}
		t = t.Add(time.Nanosecond) // two backups in the same instant
	}
}

// Save records data (existed false: the file does not exist) as a backup
// of path, then prunes old backups of path beyond Keep.
func (s *Store) Save(path string, data []byte, existed bool) (Backup, error) {
	dir, err := s.open(path)
	if err != nil {
		return Backup{}, err
	}
	return s.write(path, dir, "", data, existed)
}

// write stores a snapshot of data in dir, cloned from src when src is
// given and still holds data, and prunes.
func (s *Store) write(path, dir, src string, data []byte, existed bool) (Backup, error) {
	name, t := s.name(dir, existed)
	if err := snapshot(name, src, data, existed); err != nil {
		return Backup{}, fmt.Errorf("save backup: %w", err)
	}
	b := Backup{Path: path, Time: t, Absent: !existed, file: name}
	return b, s.prune(dir, path)
}

// snapshot writes a copy of data to name: a clone of src when the file
// system can clone and src holds exactly data, else the bytes themselves.
// Backups may hold tokens: only the owner reads them.
func snapshot(name, src string, data []byte, existed bool) error {
	if !existed {
		data = nil
	}
	if existed && src != "" && cloneSame(src, name, data) {
		return nil
	}
	return atomicfile.WriteFile(name, data, atomicfile.Options{NewMode: 0o600, DirMode: 0o700})
}

// cloneSame clones src to name and keeps the clone only if it holds data.
func cloneSame(src, name string, data []byte) bool {
	tmp := name + ".clone"
	if err := clone(src, tmp); err != nil {
		return false
	}
	if !atomicfile.SameContent(tmp, data) || os.Rename(tmp, name) != nil {
		_ = os.Remove(tmp) // best effort: a stray .clone file is no backup, and listDir skips it
		return false
	}
	return true
}

// Pending is a backup of a file about to be written, taken by
// [Store.Prepare]; the write's outcome decides what it becomes.
type Pending struct {
	s       *Store
	path    string
	dir     string
	data    []byte
	existed bool
	link    string  // a hard link to the file, not yet a snapshot
	done    *Backup // a snapshot already written (a copy)
	stamp   safeio.Stamp
}

// holds reports whether the file at name (our link to the file) holds
// the bytes read: a hard link is the same file, so the stamp of the read
// applies to it.
func (p *Pending) holds(name string) bool {
	ok, stamp := safeio.Holds(name, p.data, p.stamp)
	if ok {
		p.stamp = stamp
	}
	return ok
}

// Linked reports whether p holds a hard link to the live file (so the
// file has one more name than the user gave it until Commit).
func (p *Pending) Linked() bool { return p != nil && p.link != "" }

// Prepare starts a backup of path (real: its resolved path) before it is
// replaced by a rename; data is what the caller read from it and planned
// from (nil with existed false: it does not exist). Call Commit once the
// write went through, Abort when it did not happen.
//
// When the file has a single name and lives on the backup's file system,
// the backup starts as a hard link (a 10 MB ~/.claude.json costs no 10 MB
// write); otherwise it is a copy at once.
func (s *Store) Prepare(path, real string, data []byte, existed bool) (*Pending, error) {
	return s.prepare(path, real, data, existed, true, safeio.Stamp{})
}

// PrepareStamped is Prepare for data read as stamp says: the checks that
// the link holds data (now, and on Commit) are a stat while the stamp is
// certain of the file (safeio.Stamp), instead of reading it again.
func (s *Store) PrepareStamped(path, real string, data []byte, existed bool, stamp safeio.Stamp) (*Pending, error) {
	return s.prepare(path, real, data, existed, true, stamp)
}

// PrepareCopy is Prepare for a file that will be written in place: the
// backup is a copy from the start, as a link would be changed by the
// write.
func (s *Store) PrepareCopy(path, real string, data []byte, existed bool) (*Pending, error) {
	return s.prepare(path, real, data, existed, false, safeio.Stamp{})
}

func (s *Store) prepare(path, real string, data []byte, existed, mayLink bool, stamp safeio.Stamp) (*Pending, error) {
	dir, err := s.open(path)
	if err != nil {
		return nil, err
	}
	p := &Pending{s: s, path: path, dir: dir, data: data, existed: existed, stamp: stamp}
	if !existed {
		return p, nil // the marker is written on Commit
	}
	if mayLink {
		if info, err := os.Stat(real); err == nil && fileattr.Links(info) == 1 {
			link := filepath.Join(dir, prefixPending+strconv.FormatInt(s.now().UnixNano(), 10)+"-"+strconv.Itoa(os.Getpid()))
			if os.Link(real, link) == nil {
				if p.holds(link) {
					p.link = link
					return p, nil
				}
				_ = os.Remove(link) // changed since it was read: copy what was read (prune removes a link left behind)
			}
		}
	}
	b, err := s.write(path, dir, real, data, true)
	if err != nil {
		return nil, err
	}
	p.done = &b
	return p, nil
}

// Commit turns p into a backup, after the write. A hard link is kept only
// when it is now the only name of the old file and still holds the bytes
// the caller read (our rename replaced the file, and no editor that had it
// open wrote to it since); otherwise the backup is written as a copy of
// those bytes.
func (p *Pending) Commit() (Backup, error) {
	switch {
	case p.done != nil:
		return *p.done, nil
	case p.link == "":
		b, err := p.s.write(p.path, p.dir, "", p.data, p.existed)
		if err == nil {
			p.done = &b
		}
		return b, err
	}
	link := p.link
	p.link = ""
	if info, err := os.Lstat(link); err == nil && fileattr.Links(info) == 1 && p.holds(link) {
		name, t := p.s.name(p.dir, true)
		if err := os.Rename(link, name); err == nil {
			b := Backup{Path: p.path, Time: t, file: name}
			p.done = &b
			return b, p.s.prune(p.dir, p.path)
		}
	}
	// Still live (the write did not replace it, or the file has another
	// name now): a copy, cloned from the link where it still matches.
	b, err := p.s.write(p.path, p.dir, link, p.data, true)
	_ = os.Remove(link) // best effort: prune removes stale pending links
	if err == nil {
		p.done = &b
	}
	return b, err
}

// Abort drops p after a write that did not happen: nothing changed, so
// there is nothing to back up. A copy already written is kept if the file
// no longer holds the bytes read (a write in place that failed half way
// needs it most); a pending link is always removed, it is no snapshot.
func (p *Pending) Abort(real string) {
	if p == nil {
		return
	}
	if p.link != "" {
		_ = os.Remove(p.link) // best effort: prune removes stale pending links
		p.link = ""
	}
	if p.done != nil && (!p.existed || atomicfile.SameContent(real, p.data)) {
		_ = os.Remove(p.done.file) // best effort: an extra backup does no harm
		p.done = nil
	}
}

// SaveFrom backs up path (real: its resolved path, holding data) before a
// write, as a snapshot taken at once.
//
// Deprecated: use Prepare and Commit, which avoid a copy when the write
// replaces the file by a rename.
func (s *Store) SaveFrom(path, real string, data []byte, existed bool) (Backup, error) {
	p, err := s.PrepareCopy(path, real, data, existed)
	if err != nil {
		return Backup{}, err
	}
	return p.Commit()
}

// List returns the backups of path, newest first.
func (s *Store) List(path string) ([]Backup, error) {
	var out []Backup
	for _, dir := range s.folders(path) {
		bs, err := listDir(dir, path)
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	return out, nil
}

func listDir(dir, path string) ([]Backup, error) {
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
	seen := map[string]bool{}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p, err := safeio.ReadFile(filepath.Join(s.Dir, e.Name(), pathFile), safeio.MaxSmall)
		if err != nil || seen[string(p)] {
			continue
		}
		seen[string(p)] = true
		paths = append(paths, string(p))
	}
	sort.Strings(paths)
	return paths, nil
}

// prune removes the backups in dir beyond Keep, and pending links left
// behind by a run that stopped between Prepare and Commit.
func (s *Store) prune(dir, path string) error {
	all, err := listDir(dir, path)
	if err != nil {
		return err
	}
	for _, b := range all[min(len(all), Keep):] {
		if err := os.Remove(b.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefixPending) {
			continue
		}
		if info, err := e.Info(); err == nil && s.now().Sub(info.ModTime()) > stalePending {
			_ = os.Remove(filepath.Join(dir, e.Name())) // best effort: the next prune tries again
		}
	}
	return nil
}

// ErrNotFound is matched (errors.Is) by the error of Find when there is
// no such backup.
var ErrNotFound = errors.New("no such backup")

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// Find returns the backup of path with the given ID, or the newest when id
// is empty.
func (s *Store) Find(path, id string) (Backup, error) {
	all, err := s.List(path)
	if err != nil {
		return Backup{}, err
	}
	if len(all) == 0 {
		return Backup{}, &notFoundError{fmt.Sprintf("no backups of %s", path)}
	}
	if id == "" {
		return all[0], nil
	}
	for _, b := range all {
		if b.ID() == id {
			return b, nil
		}
	}
	return Backup{}, &notFoundError{fmt.Sprintf("no backup %s of %s", id, path)}
}

// Size returns the size of the saved contents (0 for an absent backup),
// without reading them.
func (b Backup) Size() (int64, error) {
	if b.Absent {
		return 0, nil
	}
	info, err := os.Stat(b.file)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
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
