package gendocs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/cli"
)

// TestWrite writes the pages and completions of latchgate-mcp's own
// command tree: one page per command (none for hidden ones), dated as
// asked and without a generation stamp, completions for four shells,
// stale pages of ours removed and others kept.
func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := Write(cli.NewRootCommand(), Options{Dir: dir, Date: "2026-11-28T16:00:00Z", Source: "latchgate-mcp test"}); err != nil {
		t.Fatal(err)
	}
	var pages []string
	entries, err := os.ReadDir(filepath.Join(dir, "manpages"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pages = append(pages, e.Name())
	}
	for _, want := range []string{"latchgate-mcp.1", "latchgate-mcp-install.1", "latchgate-mcp-serve.1", "latchgate-mcp-version.1", "latchgate-mcp-completion-zsh.1"} {
		if !strings.Contains(strings.Join(pages, " "), want) {
			t.Errorf("no man page %s in %q", want, pages)
		}
	}
	for _, p := range pages {
		if strings.Contains(p, "__complete") {
			t.Errorf("man page of a hidden command: %s", p)
		}
	}
	install, err := os.ReadFile(filepath.Join(dir, "manpages", "latchgate-mcp-install.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`.TH "LATCHGATE-MCP-INSTALL" "1" "Nov 2026"`, `\fB--vscode-profile\fP`, `profile \fBNAME\fR whose`} {
		if !strings.Contains(string(install), want) {
			t.Errorf("install's man page lacks %q:\n%s", want, install)
		}
	}
	if strings.Contains(string(install), "Auto generated") {
		t.Errorf("install's man page has a generation stamp, so it changes with every build")
	}
	for file, want := range map[string]string{
		"latchgate-mcp.bash": "__start_latchgate-mcp",
		"latchgate-mcp.zsh":  "#compdef latchgate-mcp",
		"latchgate-mcp.fish": "complete -c latchgate-mcp",
		"latchgate-mcp.ps1":  "Register-ArgumentCompleter",
	} {
		data, err := os.ReadFile(filepath.Join(dir, "completions", file))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("completions/%s: %v, does not contain %q", file, err, want)
		}
	}

	// A page left by an earlier run, of a command since removed, goes;
	// other files stay.
	for _, p := range []string{"manpages/latchgate-mcp-removed.1", "manpages/other.1"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(".TH X"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// goreleaser's zero date (it could not read the repository) is not
	// year 1.
	if err := Write(cli.NewRootCommand(), Options{Dir: dir, Date: "0001-01-01T00:00:00Z", Source: "latchgate-mcp test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "manpages", "latchgate-mcp-removed.1")); err == nil {
		t.Errorf("the stale page is still there")
	}
	if _, err := os.Stat(filepath.Join(dir, "manpages", "other.1")); err != nil {
		t.Errorf("a page that is not ours was removed: %v", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "manpages", "latchgate-mcp.1")); strings.Contains(string(data), "0001") {
		t.Errorf("the man page is dated year 1:\n%s", data)
	}

	var de *DateError
	if err := Write(cli.NewRootCommand(), Options{Dir: dir, Date: "yesterday"}); !errors.As(err, &de) || !strings.Contains(err.Error(), "invalid --date") {
		t.Errorf("--date yesterday: %v", err)
	}
}
