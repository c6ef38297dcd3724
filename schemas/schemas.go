package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/tailscale/hujson"
)

// The schemas of what latchgate-mcp prints. The schemas of client files
// are named by the adapters that write them (ides.Target.Schema).
const (
	DoctorReport = "doctor-report.schema.json" // latchgate-mcp doctor --json
	ListReport   = "list-report.schema.json"   // latchgate-mcp list --json
)

//go:embed *.schema.json
var files embed.FS

// Names returns the embedded schema names, sorted.
func Names() []string {
	entries, _ := files.ReadDir(".")
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// Raw returns the text of the schema called name.
func Raw(name string) ([]byte, error) {
	return files.ReadFile(name)
}

var (
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Resolved{}
)

func resolved(name string) (*jsonschema.Resolved, error) {
	mu.Lock()
	defer mu.Unlock()
	if r, ok := compiled[name]; ok {
		return r, nil
	}
	raw, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("unknown schema %q", name)
	}
	var s jsonschema.Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("load schema %s: %w", name, err)
	}
	r, err := s.Resolve(nil)
	if err != nil {
		return nil, fmt.Errorf("resolve schema %s: %w", name, err)
	}
	compiled[name] = r
	return r, nil
}

// Validate checks data, a JSON or JSONC document (comments and trailing
// commas are dropped first, as VS Code does), against the schema called
// name.
func Validate(name string, data []byte) error {
	r, err := resolved(name)
	if err != nil {
		return err
	}
	std, err := hujson.Standardize(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	var v any
	if err := json.Unmarshal(std, &v); err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if err := r.Validate(v); err != nil {
		return fmt.Errorf("does not match %s: %w", name, err)
	}
	return nil
}

// ValidateValue checks v, plain Go data as encoding/json decodes it
// (config.Value.Interface gives it for any format), against the schema
// called name.
func ValidateValue(name string, v any) error {
	r, err := resolved(name)
	if err != nil {
		return err
	}
	if err := r.Validate(v); err != nil {
		return fmt.Errorf("does not match %s: %w", name, err)
	}
	return nil
}
