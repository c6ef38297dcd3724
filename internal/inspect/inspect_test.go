package inspect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
)

func TestDescribeArgs(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--gate-url", "http://a:1"}, nil, "HTTP http://a:1"},
		{[]string{"serve", "--gate-socket=/s.sock"}, nil, "socket /s.sock"},
		{[]string{"serve"}, map[string]string{"LATCHGATE_SOCKET": "/e.sock"}, "socket /e.sock"},
		{[]string{"serve", "--public-base-url", "http://localhost:3000"}, nil, "default socket"},
	}
	for _, tt := range tests {
		if got := DescribeArgs(tt.args, tt.env); got != tt.want {
			t.Errorf("describeArgs(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestSchemaCheckPerDocument: the schema result kept for a document is
// that document's. The user and local scope of ~/.claude.json share one
// document and one result; the file written again is a new document,
// checked again.
func TestSchemaCheckPerDocument(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	proj := filepath.Join(home, "proj")
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: proj, ProjectRoot: proj, Vars: map[string]string{}}
	file := filepath.Join(home, ".claude.json")
	bad := `{"mcpServers": {"latchgate": {"command": "x"}}, "projects": {"` + proj + `": {"mcpServers": {"s": {"command": "y", "env": {"N": 1}}}}}}`
	good := strings.Replace(bad, `{"N": 1}`, `{"N": "1"}`, 1)
	a := claudecode.Adapter{}
	locs, err := ides.Locations(a, env)
	if err != nil {
		t.Fatal(err)
	}
	check := func(text string) (user, local File) {
		t.Helper()
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, loc := range locs {
			switch loc.Scope {
			case ides.ScopeUser:
				user = Inspect(a, env, loc, "latchgate")
			case ides.ScopeLocal:
				local = Inspect(a, env, loc, "latchgate")
			}
		}
		return user, local
	}
	user, local := check(bad)
	if user.SchemaError == "" || user.SchemaError != local.SchemaError {
		t.Errorf("a number in env: user scope %q, local scope %q; want the same error", user.SchemaError, local.SchemaError)
	}
	// Longer than before: a file that shrinks within a run is read as
	// one being rewritten (safeio.ReadStable).
	user, local = check(good + "\n\n")
	if user.SchemaError != "" || local.SchemaError != "" {
		t.Errorf("fixed file: user scope %q, local scope %q; want no error", user.SchemaError, local.SchemaError)
	}
	if !user.Configured {
		t.Error("the user entry is not found")
	}
}
