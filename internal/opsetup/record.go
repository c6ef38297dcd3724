package opsetup

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/atomicfile"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/safeio"
)

// Record is what install --operator added, per client id, so uninstall
// --operator takes back exactly that. It holds paths and settings
// values, never a credential.
type Record struct {
	Clients map[string]*ClientRecord `json:"clients"`
}

// ClientRecord is one client's part of the [Record].
type ClientRecord struct {
	// Entry is the file of the operator entry, and Servers the path of
	// its servers object.
	Entry   string        `json:"entry"`
	Servers []string      `json:"servers"`
	Format  config.Format `json:"format"`
	// Profile is the profile install used, for clients with profiles.
	Profile string `json:"profile,omitempty"`
	// Added are the list items install added (not those already there).
	Added []Item `json:"added,omitempty"`
}

// Item is a recorded [ides.ListItem].
type Item struct {
	Path   string        `json:"path"`
	Format config.Format `json:"format"`
	Key    []string      `json:"key"`
	Value  config.Value  `json:"value"`
}

func itemOf(it ides.ListItem) Item {
	return Item{Path: it.Path, Format: it.Format, Key: it.Key, Value: it.Value}
}

func (it Item) listItem() ides.ListItem {
	return ides.ListItem{Path: it.Path, Format: it.Format, NewMode: 0o600, Key: it.Key, Value: it.Value}
}

func (cr *ClientRecord) has(it ides.ListItem) bool {
	return slices.ContainsFunc(cr.Added, func(x Item) bool {
		return x.Path == it.Path && slices.Equal(x.Key, it.Key) && x.Value.Equal(it.Value)
	})
}

func (r *Record) set(id string, cr *ClientRecord) {
	if r.Clients == nil {
		r.Clients = map[string]*ClientRecord{}
	}
	r.Clients[id] = cr
}

// Remove forgets client id.
func (r *Record) Remove(id string) { delete(r.Clients, id) }

// Empty reports whether no client has an operator entry installed.
func (r *Record) Empty() bool { return len(r.Clients) == 0 }

// maxRecord bounds the record's size: a few clients' paths and rules.
const maxRecord = 1 << 20

// ReadRecord reads the record at path; an empty one when there is none.
func ReadRecord(path string) (*Record, error) {
	data, err := safeio.ReadFile(path, maxRecord)
	if errors.Is(err, fs.ErrNotExist) {
		return &Record{Clients: map[string]*ClientRecord{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if r.Clients == nil {
		r.Clients = map[string]*ClientRecord{}
	}
	for id, cr := range r.Clients {
		if cr == nil {
			delete(r.Clients, id)
		}
	}
	return &r, nil
}

// WriteRecord writes r to path (0600), or removes the file when r is
// empty.
func WriteRecord(path string, r *Record) error {
	if r.Empty() {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		return nil
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(data, '\n'), atomicfile.Options{NewMode: 0o600, DirMode: 0o700}); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
