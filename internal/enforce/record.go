package enforce

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// RecordName is the record's file name in a state directory.
const RecordName = "enforce.json"

// RecordPath is the record in the state directory dir.
func RecordPath(dir string) string { return filepath.Join(dir, RecordName) }

// OpCreate records an object, table or list enforce created on the way to
// an item: --undo removes it once it holds nothing but empty containers.
const OpCreate ides.PolicyOp = "create"

// Item is one recorded addition.
type Item struct {
	Op    ides.PolicyOp `json:"op"`
	Path  []string      `json:"path"`
	Value *config.Value `json:"value,omitempty"`
	// Prior is what a set replaced; absent when there was nothing.
	Prior *config.Value `json:"prior,omitempty"`
}

// String shows the item for messages: "add WebFetch to permissions.deny".
func (it Item) String() string {
	path := config.DisplayPath(it.Path)
	switch it.Op {
	case ides.PolicyAdd:
		return fmt.Sprintf("%s in %s", short(it.Value), path)
	case ides.PolicySet:
		return fmt.Sprintf("%s = %s", path, short(it.Value))
	}
	return path
}

// short renders v compactly for a message.
func short(v *config.Value) string {
	if v == nil {
		return "nothing"
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return "?"
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func (it Item) same(o Item) bool {
	if it.Op != o.Op || !slices.Equal(it.Path, o.Path) {
		return false
	}
	if it.Value == nil || o.Value == nil {
		return it.Value == nil && o.Value == nil
	}
	return it.Value.Equal(*o.Value)
}

// FileRecord is what enforce added to one file.
type FileRecord struct {
	Client string        `json:"-"`
	Scope  ides.Scope    `json:"-"`
	File   string        `json:"-"`
	Format config.Format `json:"format"`
	Level  ides.Level    `json:"level"`
	// CreatedFile: the file did not exist before enforce wrote it.
	CreatedFile bool `json:"created_file,omitempty"`
	// Shell and Allow are the request's --shell ("" for the default) and
	// --allow-server: install replays them to re-pin a changed entry.
	Shell ides.ShellPolicy `json:"shell,omitempty"`
	Allow []string         `json:"allow,omitempty"`
	Items []Item           `json:"items"`
}

// Records is the content of a record file.
type Records []FileRecord

// ReadRecords reads the record at path; none when it does not exist.
func ReadRecords(path, display string) (Records, error) {
	doc, _, err := merge.ReadDoc(path, config.JSON, display)
	if err != nil || doc == nil {
		return nil, err
	}
	root, _ := doc.Get()
	var out Records
	for _, c := range root.Members() {
		for _, s := range c.Value.Members() {
			for _, f := range s.Value.Members() {
				raw, err := f.Value.MarshalJSON()
				if err != nil {
					return nil, err
				}
				var r FileRecord
				if err := json.Unmarshal(raw, &r); err != nil {
					return nil, fmt.Errorf("read %s: the record of %s is not what enforce writes: %v", display, f.Key, err)
				}
				r.Client, r.Scope, r.File = c.Key, ides.Scope(s.Key), f.Key
				out = append(out, r)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

// For returns the records of client (every client for "") in scope
// (every scope for "").
func (rs Records) For(client string, scope ides.Scope) Records {
	var out Records
	for _, r := range rs {
		if (client == "" || r.Client == client) && (scope == "" || r.Scope == scope) {
			out = append(out, r)
		}
	}
	return out
}

// find returns the record of one file.
func (rs Records) find(client string, scope ides.Scope, file string) *FileRecord {
	for i := range rs {
		if rs[i].Client == client && rs[i].Scope == scope && rs[i].File == file {
			return &rs[i]
		}
	}
	return nil
}

// Level returns the level recorded for client and scope, LevelNone when
// nothing is.
func (rs Records) Level(client string, scope ides.Scope) ides.Level {
	for _, r := range rs.For(client, scope) {
		if r.Level != "" {
			return r.Level
		}
	}
	return ides.LevelNone
}

// Drift returns the recorded items of r that are no longer as enforce
// wrote them in doc (an element gone from its list, a value changed), for
// doctor.
func (r FileRecord) Drift(doc config.Document) []Item {
	var out []Item
	for _, it := range r.Items {
		switch it.Op {
		case ides.PolicyAdd:
			if it.Value != nil && !config.HasItem(doc, *it.Value, it.Path...) {
				out = append(out, it)
			}
		case ides.PolicySet:
			if v, ok := doc.Get(it.Path...); it.Value != nil && (!ok || !v.Equal(*it.Value)) {
				out = append(out, it)
			}
		}
	}
	return out
}

// value returns r as the JSON value stored in the record file.
func (r FileRecord) value() (config.Value, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return config.Value{}, err
	}
	return config.FromJSON(raw)
}
