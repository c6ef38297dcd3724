package gate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// vectors mirrors the parts of testdata/gate-vectors.json these tests use.
// The file is a copy of the shared protocol vectors, so the client is held
// to the same bytes as the gate and its other SDKs.
type vectors struct {
	DefaultPaths struct {
		Cases []struct {
			XDG          *string `json:"XDG_RUNTIME_DIR"`
			UID          int     `json:"uid"`
			ClientSocket string  `json:"client_socket"`
			AdminSocket  string  `json:"admin_socket"`
		} `json:"cases"`
	} `json:"default_paths"`
	HTU struct {
		Cases []struct {
			Input      string  `json:"input"`
			Normalised *string `json:"normalised"`
		} `json:"cases"`
	} `json:"htu_normalization"`
	Raw map[string]json.RawMessage `json:"-"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "gate-vectors.json"))
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	if err := json.Unmarshal(b, &v.Raw); err != nil {
		t.Fatalf("decode vectors: %v", err)
	}
	return &v
}
