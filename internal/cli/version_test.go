package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

func TestFillFromBuildInfo(t *testing.T) {
	t.Parallel()
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "7f1457fabcdef0123456789abcdef0123456789a"},
		{Key: "vcs.time", Value: "2026-11-28T16:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		name    string
		ldflags Build
		info    debug.BuildInfo
		want    Build
	}{
		{
			name:    "release: ldflags win over the tree it was built in",
			ldflags: Build{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-12-01T10:00:00Z"},
			info:    debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261128160000-7f1457fabcde"}, Settings: vcs},
			want:    Build{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-12-01T10:00:00Z", GoVersion: "go1.26.8"},
		},
		{
			name: "go install module@version: a tag",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			want: Build{Version: "v1.2.3", GoVersion: "go1.26.8"},
		},
		{
			name: "go install module@commit: the pseudo-version names the commit and its time",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.1.1-0.20261128160000-7f1457fabcde"}},
			want: Build{Version: "v0.1.1-0.20261128160000-7f1457fabcde", Commit: "7f1457fabcde", Date: "2026-11-28T16:00:00Z", GoVersion: "go1.26.8"},
		},
		{
			name: "go install from a clone: the VCS settings",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261128160000-7f1457fabcde+dirty"}, Settings: vcs},
			want: Build{Version: "v0.0.0-20261128160000-7f1457fabcde+dirty", Commit: "7f1457fabcdef0123456789abcdef0123456789a",
				Date: "2026-11-28T16:00:00Z", Modified: true, GoVersion: "go1.26.8"},
		},
		{
			name: "go run, no VCS: nothing to say",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: Build{GoVersion: "go1.26.8"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.ldflags
			fillFromBuildInfo(&got, &tt.info)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	want := BuildInfo()
	if want.Version == "" || want.GoVersion != runtime.Version() || want.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("BuildInfo() = %+v", want)
	}

	io, _, out, stderr := iostreams.Test()
	if code := run(context.Background(), NewFactory(io), []string{"version", "--json"}); code != exitOK {
		t.Fatalf("version --json: exit %d\n%s", code, stderr)
	}
	var got Build
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("version --json (-want +got):\n%s", d)
	}

	io, _, out, _ = iostreams.Test()
	if code := run(context.Background(), NewFactory(io), []string{"version"}); code != exitOK ||
		!strings.HasPrefix(out.String(), "latchgate-mcp "+want.Version+"\n") || !strings.Contains(out.String(), "go:         "+want.GoVersion+"\n") {
		t.Errorf("version (exit %d):\n%s", code, out)
	}

	// --version stays one line: doctor reads it from other installs.
	io, _, out, _ = iostreams.Test()
	if code := run(context.Background(), NewFactory(io), []string{"--version"}); code != exitOK || out.String() != "latchgate-mcp "+want.Version+"\n" {
		t.Errorf("--version (exit %d) = %q", code, out)
	}
}

// TestVersionStamped builds the binary with the ldflags the release uses
// (.goreleaser.yaml) and checks that it reports them.
func TestVersionStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "latchgate-mcp")
	pkg := "github.com/latchgate-ai/latchgate-mcp/internal/cli"
	ldflags := "-X " + pkg + ".version=1.2.3 -X " + pkg + ".commit=0123456789abcdef0123456789abcdef01234567 -X " + pkg + ".date=2026-12-01T10:00:00Z"
	build := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, "../../cmd/latchgate-mcp")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("version --json: %v", err)
	}
	var got Build
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("version --json: %v\n%s", err, out)
	}
	want := Build{Version: "1.2.3", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-12-01T10:00:00Z",
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("version --json (-want +got):\n%s", d)
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || string(out) != "latchgate-mcp 1.2.3\n" {
		t.Errorf("--version = %q, %v", out, err)
	}
}

func TestKnownDropsGoreleaserPlaceholders(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"none": "", "unknown": "", "0001-01-01T00:00:00Z": "", "": "",
		"7f1457f": "7f1457f", "2026-11-28T16:00:00Z": "2026-11-28T16:00:00Z",
	} {
		if got := known(in); got != want {
			t.Errorf("known(%q) = %q, want %q", in, got, want)
		}
	}
}
