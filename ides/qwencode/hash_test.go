package qwencode

import (
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// The expected hashes are what Qwen Code 0.24.4 wrote to
// mcpApprovals.json for these entries ("qwen mcp approve"), or what
// node's crypto and JSON.stringify give for the same sorted object.
func TestHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, entry, want string
	}{
		// qwen mcp add -s project -e K=V latchgate /bin/cat serve --x; qwen mcp approve latchgate
		{"measured", `{"command":"/bin/cat","args":["serve","--x"],"env":{"K":"V"}}`,
			"0ead4b7c00c10a774d281fbad267cedeba4f67eb0808d4ef396e2a9fd538ca42"},
		{"key order and provenance keys do not count",
			`{"env":{"K":"V"},"scope":"workspace","description":"x","args":["serve","--x"],"command":"/bin/cat"}`,
			"0ead4b7c00c10a774d281fbad267cedeba4f67eb0808d4ef396e2a9fd538ca42"},
		// node -e 'JSON.stringify({a:"<&>\u2028é\n\u0001",b:[1e21,0.5,1e-7,330000,true,null],"\u{1F600}":1,"\uFF01":2})'
		{"escapes, numbers, UTF-16 key order",
			`{"b":[1e21,0.5,1e-7,330000,true,null],"a":"<&>` + "\u2028" + `é\n\u0001","😀":1,"！":2}`,
			"9235d22e18efb37fcc6885d7690219d5e37fd62fbe9c0230d5077d657a8eee8f"},
	}
	for _, tt := range tests {
		v, err := config.FromJSON([]byte(tt.entry))
		if err != nil {
			t.Fatal(err)
		}
		if got := Hash(v); got != tt.want {
			var b strings.Builder
			writeJS(&b, v, true)
			t.Errorf("%s: Hash = %s, want %s (stringified %s)", tt.name, got, tt.want, b.String())
		}
	}
}
