package cli

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

func TestResolveTargets(t *testing.T) {
	quiet := newReporter(&iostreams.IOStreams{Out: io.Discard, ErrOut: io.Discard})
	env := ides.Env{GOOS: "linux", Home: t.TempDir()}
	tests := []struct {
		name    string
		opts    targetOptions
		want    string // "id=scope ..." or the error
		isUsage bool
	}{
		{"default scopes", targetOptions{IDEs: []string{"claude-code", "cursor", "vscode"}, Name: "latchgate"}, "claude-code=user cursor=user vscode=user", false},
		{"workspace is project everywhere", targetOptions{IDEs: []string{"vscode", "claude-code", "cursor"}, Scope: "workspace", Name: "latchgate"}, "vscode=project claude-code=project cursor=project", false},
		{"duplicates and aliases", targetOptions{IDEs: []string{"code", "vscode", "Cursor", "cursor"}, Name: "latchgate"}, "vscode=user cursor=user", false},
		{"scope missing in one IDE", targetOptions{IDEs: []string{"claude-code", "vscode"}, Scope: "local", Name: "latchgate"}, `VS Code has no "local" scope (it has: user, workspace)`, true},
		{"profile without vscode", targetOptions{IDEs: []string{"cursor"}, Profile: "Work", Name: "latchgate"}, "--vscode-profile needs an IDE with profiles (--ide vscode or vscode-insiders)", true},
		{"both --all and --ide", targetOptions{IDEs: []string{"cursor"}, All: true, Name: "latchgate"}, "use --ide or --all, not both", true},
		{"neither", targetOptions{Name: "latchgate"}, "--ide is required, or --all (IDEs: " + strings.Join(adapterIDs(), ", ") + ")", true},
		{"one shared workspace file", targetOptions{IDEs: []string{"vscode-insiders", "vscode", "cursor"}, Scope: "project", Name: "latchgate"}, "vscode-insiders=project cursor=project", false},
		{"separate user files", targetOptions{IDEs: []string{"vscode-insiders", "vscode"}, Name: "latchgate"}, "vscode-insiders=user vscode=user", false},
		{"--all on an empty machine", targetOptions{All: true, Name: "latchgate"}, "--all found none of the supported IDEs (" + strings.Join(adapterIDs(), ", ") + ") on this machine", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adapters, scopes, err := tt.opts.resolve(env, quiet)
			var got string
			if err != nil {
				got = err.Error()
				var fe *FlagError
				if errors.As(err, &fe) != tt.isUsage {
					t.Errorf("usage error = %v, want %v", !tt.isUsage, tt.isUsage)
				}
			} else {
				var parts []string
				for _, a := range adapters {
					parts = append(parts, a.ID()+"="+string(scopes[a.ID()]))
				}
				got = strings.Join(parts, " ")
			}
			if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
