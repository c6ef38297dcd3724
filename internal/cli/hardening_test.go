package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/fileattr"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// TestWriteHint: the hint after a failed write follows its cause; a full
// disk is not a permissions problem.
func TestWriteHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		op   string
		err  error
		hint string
	}{
		{"disk full", "write", syscall.ENOSPC, "the disk (or your disk quota) is full"},
		{"quota", "write", syscall.EDQUOT, "the disk (or your disk quota) is full"},
		{"disk full while backing up", "back up", &os.PathError{Op: "write", Path: "/s/b", Err: syscall.ENOSPC}, "the disk (or your disk quota) is full"},
		{"read-only", "write", syscall.EROFS, "read-only"},
		{"permission", "write", syscall.EACCES, "check the permissions"},
		{"owner", "write", &fileattr.ChownError{Path: "/h/.claude.json", Err: syscall.EPERM}, "as the file's owner"},
		{"state dir is a file", "back up", &fileattr.NotDirError{Path: "/h/.local/state/latchgate-mcp"}, "move /h/.local/state/latchgate-mcp aside"},
	}
	for _, tt := range tests {
		err := explainPlanError(&merge.FileError{Op: tt.op, Path: "~/.claude.json", Err: tt.err})
		var he *HintError
		if !errors.As(err, &he) || !strings.Contains(he.Hint, tt.hint) {
			t.Errorf("%s: hint %q, want %q", tt.name, he.Hint, tt.hint)
		}
	}
}

func TestStateDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  ides.Env
		want string
	}{
		{"default", ides.Env{GOOS: "linux", Home: "/h"}, "/h/.local/state/latchgate-mcp"},
		{"xdg", ides.Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"XDG_STATE_HOME": "/x"}}, "/x/latchgate-mcp"},
		{"relative xdg ignored", ides.Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"XDG_STATE_HOME": "state"}}, "/h/.local/state/latchgate-mcp"},
		{"dot xdg ignored", ides.Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"XDG_STATE_HOME": "./s"}}, "/h/.local/state/latchgate-mcp"},
		{"override", ides.Env{GOOS: "linux", Home: "/h", Vars: map[string]string{"LATCHGATE_MCP_STATE_DIR": "/o"}}, "/o"},
		{"windows relative LOCALAPPDATA ignored", ides.Env{GOOS: "windows", Home: "/h", Vars: map[string]string{"LOCALAPPDATA": `AppData`}},
			filepath.Join("/h", "AppData", "Local", "latchgate-mcp")},
		{"windows LOCALAPPDATA", ides.Env{GOOS: "windows", Home: "/h", Vars: map[string]string{"LOCALAPPDATA": `C:\Users\u\AppData\Local`}},
			filepath.Join(`C:\Users\u\AppData\Local`, "latchgate-mcp")},
	}
	for _, tt := range tests {
		if got := stateDir(tt.env); got != tt.want {
			t.Errorf("%s: stateDir = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestCheckEnv(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	file := filepath.Join(home, "file")
	must(t, os.WriteFile(file, nil, 0o644))
	tests := []struct {
		name string
		env  ides.Env
		err  string
	}{
		{"ok", ides.Env{Home: home}, ""},
		{"unset", ides.Env{}, "HOME is not set"},
		{"relative", ides.Env{Home: "home"}, `use home directory "home": it is a relative path`},
		{"missing", ides.Env{Home: filepath.Join(home, "nope")}, "it does not exist"},
		{"a file", ides.Env{Home: file}, "it is not a directory"},
		{"relative state dir", ides.Env{Home: home, Vars: map[string]string{"LATCHGATE_MCP_STATE_DIR": "st"}}, `use LATCHGATE_MCP_STATE_DIR "st": it is a relative path`},
	}
	for _, tt := range tests {
		err := checkEnv(tt.env)
		if tt.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var he *HintError
		if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &he) {
			t.Errorf("%s: err = %v, want %q with a hint", tt.name, err, tt.err)
		}
	}
}

// must stops the test when a setup step fails, so that it never goes on
// to check the wrong thing.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
