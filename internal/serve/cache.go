package serve

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// The catalogue cache lets serve answer the first tools/list at once, from
// the last catalogue discovered for the same gate, while discovery runs in
// the background; clients that never ask again (several cache tools/list
// for the whole session) still get the tools. A stale list is safe: the
// gate authorizes and validates every call, and a change is announced with
// notifications/tools/list_changed when discovery ends.
//
// One file per gate: its name is a hash of the gate's address, the public
// base URL, the tool filter and the cache format, so two gates never share
// a list. The files hold tool definitions only (names, descriptions,
// schemas, annotations, timeouts) and the redacted gate address for people
// reading them: nothing secret. They are private to the user all the same
// (0600 in a 0700 directory), as everything under the state directory.

// cacheVersion changes when the file format or what a tool definition is
// derived from changes, so an old file is ignored rather than misread.
const cacheVersion = 1

// maxCacheFile bounds the cache file read at startup: a thousand tools
// take about 1 MB.
const maxCacheFile = 32 << 20

type cacheFile struct {
	Version       int          `json:"version"`
	Gate          string       `json:"gate"`
	PublicBaseURL string       `json:"public_base_url"`
	Saved         time.Time    `json:"saved"`
	Tools         []cachedTool `json:"tools"`
}

type cachedTool struct {
	Name        string               `json:"name"`
	Description string               `json:"description"`
	InputSchema json.RawMessage      `json:"inputSchema"`
	Annotations *mcp.ToolAnnotations `json:"annotations,omitempty"`
	TimeoutMS   int64                `json:"timeout_ms"`
	// Validate is set when arguments are checked against InputSchema
	// before they are sent.
	Validate bool `json:"validate,omitempty"`
}

// toolCache is the cache file of one gate.
type toolCache struct {
	path          string
	gate          string
	publicBaseURL string
	// savedHash identifies the catalogue last read or written, so an
	// unchanged catalogue is not written again.
	savedHash [32]byte
}

func newToolCache(dir string, c *gate.Client, include, exclude []string) *toolCache {
	if dir == "" {
		return nil
	}
	key := sha256.Sum256(fmt.Appendf(nil, "v%d\n%s\n%s\n%s\n%s\n", cacheVersion, c.Target(), c.PublicBaseURL(),
		strings.Join(include, ","), strings.Join(exclude, ",")))
	name := "tools-" + hex.EncodeToString(key[:8]) + ".json"
	return &toolCache{path: filepath.Join(dir, name), gate: gate.RedactURL(c.Target()), publicBaseURL: gate.RedactURL(c.PublicBaseURL())}
}

// load reads the cache file; a missing file is no error, and a file that
// cannot be used is reported so the caller can log it and go on without.
func (tc *toolCache) load() ([]*toolEntry, error) {
	data, err := readPrivateFile(tc.path, maxCacheFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var f cacheFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", tc.path, err)
	}
	if f.Version != cacheVersion {
		return nil, nil
	}
	entries := make([]*toolEntry, 0, len(f.Tools))
	for _, ct := range f.Tools {
		if !toolNameRE.MatchString(ct.Name) || len(ct.InputSchema) == 0 || ct.TimeoutMS <= 0 {
			return nil, fmt.Errorf("parse %s: a tool entry is incomplete", tc.path)
		}
		t := &mcp.Tool{Name: ct.Name, Description: capDescription(cleanText(ct.Description, false)),
			InputSchema: ct.InputSchema, Annotations: ct.Annotations}
		e := &toolEntry{tool: t, actionID: ct.Name, timeout: time.Duration(ct.TimeoutMS) * time.Millisecond}
		if ct.Validate {
			e.schemaRaw = ct.InputSchema
		}
		e.hash = toolHash(t, e.timeout, e.schemaRaw != nil)
		entries = append(entries, e)
	}
	tc.savedHash = catalogueHash(entries)
	return entries, nil
}

// save writes entries unless they are what the file already holds. The
// write is atomic (a temporary file renamed over the old one), so a
// concurrent serve for the same gate reads either the old list or the new.
func (tc *toolCache) save(entries []*toolEntry, now time.Time) error {
	h := catalogueHash(entries)
	if h == tc.savedHash {
		return nil
	}
	f := cacheFile{Version: cacheVersion, Gate: tc.gate, PublicBaseURL: tc.publicBaseURL, Saved: now.UTC(),
		Tools: make([]cachedTool, 0, len(entries))}
	for _, e := range entries {
		schema, _ := e.tool.InputSchema.(json.RawMessage)
		f.Tools = append(f.Tools, cachedTool{Name: e.tool.Name, Description: e.tool.Description, InputSchema: schema,
			Annotations: e.tool.Annotations, TimeoutMS: e.timeout.Milliseconds(), Validate: e.schemaRaw != nil})
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode tool cache: %w", err)
	}
	if err := writePrivateFile(tc.path, data); err != nil {
		return err
	}
	tc.savedHash = h
	return nil
}

// catalogueHash identifies a set of tool definitions.
func catalogueHash(entries []*toolEntry) [32]byte {
	h := sha256.New()
	for _, e := range entries {
		h.Write(e.hash[:])
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// privateDir makes dir (and its parents) with mode 0700 and refuses one
// that is not a directory of ours: a symlink or another user's directory
// would let someone else see or replace what serve offers to the model.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("use %s: not a directory", dir)
	}
	if !ownedByMe(fi) {
		return fmt.Errorf("use %s: owned by another user", dir)
	}
	if !private(fi) {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("make %s private: %w", dir, err)
		}
	}
	return nil
}

// writePrivateFile writes data to path through a temporary file with mode
// 0600 in a private directory, then renames it into place.
func writePrivateFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := privateDir(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tools-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Once renamed, the temporary name is gone and this does nothing.
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close() // the chmod error is the one to report
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close() // the write error is the one to report
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readPrivateFile reads a file this process wrote: a regular file, owned
// by this user, of at most max bytes. Anything else is not ours and is
// not read.
func readPrivateFile(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", path)
	}
	if !ownedByMe(fi) || !private(fi) {
		return nil, fmt.Errorf("read %s: not a private file of this user", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("read %s: larger than %d MiB", path, max>>20)
	}
	return data, nil
}
