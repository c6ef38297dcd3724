package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"
)

// Set at release time by goreleaser (.goreleaser.yaml):
//
//	-ldflags "-X github.com/latchgate-ai/latchgate-mcp/internal/cli.version=1.2.3
//	          -X github.com/latchgate-ai/latchgate-mcp/internal/cli.commit=<sha>
//	          -X github.com/latchgate-ai/latchgate-mcp/internal/cli.date=<RFC 3339>"
//
// Empty in every other build; [BuildInfo] then falls back to what the Go
// toolchain recorded.
var (
	version = ""
	commit  = ""
	date    = ""
)

// Build describes the running binary: what "version" prints.
type Build struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"` // RFC 3339, UTC
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"` // GOOS/GOARCH
}

// BuildInfo returns what is known about this binary. A release build
// carries its version, commit and date in ldflags. Anything else falls
// back to what the Go toolchain stamps: "go install module@version"
// records the module version (a pseudo-version holds the commit and its
// time), and a build from a clone records vcs.revision, vcs.time and
// vcs.modified. Without either, the version is "dev".
func BuildInfo() Build {
	b := Build{Version: version, Commit: known(commit), Date: known(date),
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		fillFromBuildInfo(&b, info)
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// known drops the values goreleaser stamps when it could not read the
// repository (a snapshot of a clone without a remote): "none" for the
// commit and the zero time for its date.
func known(s string) string {
	if s == "none" || s == "unknown" || strings.HasPrefix(s, "0001-01-01") {
		return ""
	}
	return s
}

// fillFromBuildInfo fills what ldflags left empty from info.
func fillFromBuildInfo(b *Build, info *debug.BuildInfo) {
	if info.GoVersion != "" {
		b.GoVersion = info.GoVersion
	}
	var vcsCommit, vcsTime string
	var vcsModified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			vcsCommit = s.Value
		case "vcs.time":
			vcsTime = s.Value
		case "vcs.modified":
			vcsModified = s.Value == "true"
		}
	}
	mv := info.Main.Version
	if mv == "(devel)" {
		mv = ""
	}
	if b.Version == "" {
		b.Version = mv
	}
	// Only describe the commit ourselves when ldflags did not: a release
	// build's values come from the release, not from the tree it ran in.
	if b.Commit != "" || b.Date != "" {
		return
	}
	b.Commit, b.Date, b.Modified = vcsCommit, vcsTime, vcsModified
	// "go install module@v0.0.0-20261128160000-7f1457fabcde" builds from the
	// module zip: no VCS settings, but the pseudo-version names the commit
	// (abbreviated) and its time.
	if b.Commit == "" && module.IsPseudoVersion(strings.TrimSuffix(mv, "+dirty")) {
		pv := strings.TrimSuffix(mv, "+dirty")
		if rev, err := module.PseudoVersionRev(pv); err == nil {
			b.Commit = rev
		}
		if t, err := module.PseudoVersionTime(pv); err == nil {
			b.Date = t.UTC().Format(time.RFC3339)
		}
	}
}

// Version returns the release version, or the module version recorded by
// "go install", or "dev". It is what "--version" prints after the name,
// which doctor compares between installs, so it stays one word.
func Version() string {
	return BuildInfo().Version
}

// String is the human form of b, as "version" prints it.
func (b Build) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "latchgate-mcp %s\n", b.Version)
	if b.Commit != "" {
		c := b.Commit
		if b.Modified {
			c += " (modified)"
		}
		fmt.Fprintf(&s, "commit:     %s\n", c)
	}
	if b.Date != "" {
		fmt.Fprintf(&s, "built:      %s\n", b.Date)
	}
	fmt.Fprintf(&s, "go:         %s\n", b.GoVersion)
	fmt.Fprintf(&s, "platform:   %s\n", b.Platform)
	return s.String()
}

type versionOptions struct {
	JSON bool
}

// newCmdVersion is "version": the long form of "--version". "--version"
// stays one line ("latchgate-mcp 1.2.3") because doctor reads it from
// other installs to compare versions.
func newCmdVersion(f *Factory) *cobra.Command {
	opts := &versionOptions{}
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print the version, commit, build date and Go version",
		Long: `Print the version of this latchgate-mcp, the commit and date it was built
from, and the Go version and platform it was built with.

Release builds carry these from the release. A "go install" build takes them
from what the Go toolchain recorded: the module version (a pseudo-version
names the commit and its time) or the clone's commit.`,
		Example: `  latchgate-mcp version
  latchgate-mcp version --json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			b := BuildInfo()
			if opts.JSON {
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			_, err := fmt.Fprint(f.IO.Out, b.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON, for scripts")
	return cmd
}
