package cli

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// TestEnforceManagedNeedsRoot: managed files are written only by root
// with --yes; a user gets the reason and --print, and nothing is written.
// The machine root is a temporary directory (ides.Env.SysRoot).
func TestEnforceManagedNeedsRoot(t *testing.T) {
	entry := `{"mcpServers": {"latchgate": {"type": "stdio", "command": "/usr/local/bin/latchgate-mcp", "args": ["serve"]}}}`
	tests := []struct {
		name    string
		uid     int
		goos    string
		yes     bool
		print   bool
		wantErr string
		written bool
	}{
		{name: "user", uid: 1000, goos: "linux", yes: true, wantErr: "are written only as root"},
		{name: "user --print", uid: 1000, goos: "linux", print: true},
		{name: "root without --yes", uid: 0, goos: "linux", wantErr: "pass --yes to write it"},
		{name: "root on Windows", uid: 0, goos: "windows", yes: true, wantErr: "on Linux and macOS only"},
		{name: "root --yes", uid: 0, goos: "linux", yes: true, written: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			home := filepath.Join(root, "home")
			if err := os.MkdirAll(home, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(home, ".claude.json"), []byte(entry), 0o600); err != nil {
				t.Fatal(err)
			}
			// On "Windows" the state file is still written with this
			// machine's separators: only the refusal matters there.
			env := ides.Env{GOOS: tt.goos, Home: home, WorkDir: home, ProjectRoot: home, UID: tt.uid, SysRoot: filepath.Join(root, "sys"),
				Vars: map[string]string{"LATCHGATE_MCP_STATE_DIR": filepath.Join(root, "state")}}
			var out, errOut bytes.Buffer
			opts := &enforceOptions{IO: &iostreams.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Env: env,
				targetOptions: targetOptions{IDEs: []string{"claude-code"}, Scope: "managed", Name: "latchgate"},
				policyFlags:   policyFlags{Shell: "deny"}, Yes: tt.yes, Print: tt.print}
			err := runEnforce(context.Background(), opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			managed := filepath.Join(root, "sys", "etc", "claude-code", "managed-settings.json")
			info, statErr := os.Stat(managed)
			if tt.written != (statErr == nil) {
				t.Fatalf("managed file written = %v, want %v", statErr == nil, tt.written)
			}
			if tt.written && info.Mode().Perm() != 0o644 {
				t.Errorf("managed file mode %o, want 0644", info.Mode().Perm())
			}
			if !tt.written && !errors.Is(statErr, fs.ErrNotExist) {
				t.Errorf("stat: %v", statErr)
			}
			if tt.print && !strings.Contains(out.String(), `"allowManagedMcpServersOnly": true`) {
				t.Errorf("--print does not show the file:\n%s", out.String())
			}
		})
	}
}
