// Package binpath decides which path of the latchgate-mcp binary goes into
// an IDE's configuration, and spots paths that will not last: the
// temporary build directory of "go run" (gone when it exits), and
// versioned install paths (a Homebrew Cellar or Nix store path breaks on
// the next upgrade).
package binpath

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Name is the command name teams share in a committed .mcp.json.
const Name = "latchgate-mcp"

// IsTemporary reports whether path lies in a temporary build directory:
// under the system temp directory (or $TMPDIR), or in a go-build folder.
func IsTemporary(path string, tmpDirs ...string) bool {
	slash := filepath.ToSlash(path)
	if strings.Contains(slash, "/go-build") {
		return true
	}
	// The well-known temporary roots count even when TMPDIR points
	// elsewhere (go test and testscript set it to a work directory).
	known := []string{"/tmp", "/var/tmp", "/private/tmp", "/var/folders", "/private/var/folders"}
	for _, d := range append(append(tmpDirs, os.TempDir()), known...) {
		if d == "" {
			continue
		}
		if real, err := filepath.EvalSymlinks(d); err == nil {
			d = real
		}
		d = strings.TrimRight(filepath.ToSlash(d), "/")
		if strings.HasPrefix(slash, d+"/") {
			return true
		}
	}
	return false
}

var versionSegment = regexp.MustCompile(`^v?\d+\.\d+(\.\d+)?([-+_.][0-9A-Za-z.]+)?$`)

// IsVersioned reports whether path holds a version-specific directory
// that a package manager replaces on upgrade.
func IsVersioned(path string) bool {
	slash := filepath.ToSlash(path)
	for _, marker := range []string{"/Cellar/", "/nix/store/", "/go/pkg/mod/", "/.asdf/installs/", "/mise/installs/"} {
		if strings.Contains(slash, marker) {
			return true
		}
	}
	for _, seg := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if versionSegment.MatchString(seg) {
			return true
		}
	}
	return false
}

// Stable returns the path to write for the running executable exe: a
// directory on PATH whose latchgate-mcp is the same file (a Homebrew
// symlink in /opt/homebrew/bin, say) is preferred over the resolved,
// versioned path behind it, because the link survives upgrades.
func Stable(exe string, pathEnv string) string {
	real, err := filepath.EvalSymlinks(exe)
	if err != nil {
		real = exe
	}
	self, err := os.Stat(real)
	if err != nil {
		return real
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		for _, name := range []string{Name, Name + ".exe"} {
			cand := filepath.Join(dir, name)
			if info, err := os.Stat(cand); err == nil && os.SameFile(info, self) {
				return cand
			}
		}
	}
	return real
}

// LookPath finds latchgate-mcp on the PATH given (not the process's own).
func LookPath(pathEnv string) (string, bool) {
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			continue
		}
		for _, name := range []string{Name, Name + ".exe"} {
			cand := filepath.Join(dir, name)
			if info, err := os.Stat(cand); err == nil && !info.IsDir() && isExecutable(info) {
				return cand, true
			}
		}
	}
	return "", false
}

func isExecutable(info os.FileInfo) bool {
	return info.Mode()&0o111 != 0 || strings.HasSuffix(info.Name(), ".exe")
}

// Executable reports whether path names an executable file.
func Executable(path string) (bool, error) {
	info, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return !info.IsDir() && isExecutable(info), nil
}
