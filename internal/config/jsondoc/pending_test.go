package jsondoc

import (
	"bytes"
	"sync"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// TestPendingSharedReaders: a document whose edit is pending (kept in
// the read cache after a write) is read from several goroutines at once,
// some building the whole text and some reading spans; every reader sees
// the edited document (run with -race).
func TestPendingSharedReaders(t *testing.T) {
	t.Parallel()
	src := []byte("{\n  \"a\": 1,\n  \"projects\": {\"/p\": {\"mcpServers\": {}}},\n  \"z\": [\"x\", \"y\"]\n}\n")
	d, err := Parse(src, true)
	if err != nil {
		t.Fatal(err)
	}
	entry := config.MustJSON(`{"command":"latchgate-mcp"}`)
	if _, err := d.Set(entry, "mcpServers", "latchgate"); err != nil {
		t.Fatal(err)
	}
	shared := d.Clone()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if !bytes.Contains(shared.Bytes(), []byte(`"latchgate"`)) {
					t.Error("Bytes without the entry")
				}
			}
			if v, ok := shared.Get("mcpServers", "latchgate"); !ok || !v.Equal(entry) {
				t.Errorf("Get: %v, %v", v, ok)
			}
			if v, ok := shared.Get("z"); !ok || !v.Equal(config.StringList("x", "y")) {
				t.Errorf("Get z: %v, %v", v, ok)
			}
		}()
	}
	wg.Wait()
}
