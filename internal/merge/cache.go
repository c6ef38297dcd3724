package merge

import (
	"os"
	"sync"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// The read cache: each file of a run is read and parsed once, and every
// reader after the first (list's checks, install's look at the entry,
// the plan, the report after writing) gets the same parsed document
// while the file is the same one (device and inode) with the same size
// and modification time (safeio.Stamp.Matches). After a write, the
// written bytes and their document take the old entry's place, so the
// report that follows an install does not read back what it wrote.
//
// That test is fit for reading within one run; it is not proof that the
// bytes are the same (a time kept at a coarse grain can hide a write).
// Writes do not rest on it: Apply checks the file with
// safeio.Holds, which settles on a stat only when the stamp is certain.

// maxCachedDocs bounds the read cache: a run reads a few dozen files.
const maxCachedDocs = 64

type cacheKey struct {
	path   string
	format config.Format
}

// A cacheEntry is one version of a file: its bytes and their document,
// or the error reading or parsing them.
type cacheEntry struct {
	stamp safeio.Stamp
	data  []byte          // nil after a write from a patch: bytes() builds it
	doc   config.Document // nil with err
	err   error
	once  sync.Once
}

// bytes returns the version's bytes. What a write from a patch left
// (see Change.After) is built from its document on first use: the run
// that wrote a 50 MB file seldom reads the whole of it again.
func (e *cacheEntry) bytes() []byte {
	e.once.Do(func() {
		if e.data == nil && e.doc != nil {
			e.data = e.doc.Bytes()
		}
	})
	return e.data
}

var docCache = struct {
	sync.Mutex
	m map[cacheKey]*cacheEntry
}{m: map[cacheKey]*cacheEntry{}}

// cached returns the entry of path as f if the file is still the version
// it holds, else nil.
func cached(path string, f config.Format) *cacheEntry {
	docCache.Lock()
	e := docCache.m[cacheKey{path, f}]
	docCache.Unlock()
	if e == nil {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil || !e.stamp.Matches(info) {
		return nil
	}
	return e
}

// remember keeps e as the version of path read as f.
func remember(path string, f config.Format, e *cacheEntry) {
	docCache.Lock()
	defer docCache.Unlock()
	if len(docCache.m) >= maxCachedDocs {
		clear(docCache.m)
	}
	docCache.m[cacheKey{path, f}] = e
}

// ReleaseReads lets the pages of every mapped file this run has read
// leave its resident memory (safeio.Release): a command that has done
// with reading its configuration (doctor, before it starts servers and
// asks the gate) does not keep a 10 MB ~/.claude.json resident under the
// rest of its work. A later read of a cached document maps its pages
// again.
func ReleaseReads() {
	docCache.Lock()
	defer docCache.Unlock()
	for _, e := range docCache.m {
		if e.data != nil {
			safeio.Release(e.data, e.stamp)
		}
	}
}
