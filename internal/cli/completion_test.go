package cli

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// completionMachine is a home and a project for completion tests.
type completionMachine struct {
	env   ides.Env
	state string
}

func newCompletionMachine(t *testing.T) completionMachine {
	t.Helper()
	root := t.TempDir()
	home, proj, state := filepath.Join(root, "home"), filepath.Join(root, "proj"), filepath.Join(root, "state")
	for _, d := range []string{home, proj} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return completionMachine{
		env: ides.Env{GOOS: "linux", Home: home, WorkDir: proj, ProjectRoot: proj,
			Vars: map[string]string{"LATCHGATE_MCP_STATE_DIR": state, "PATH": ""}},
		state: state,
	}
}

func (m completionMachine) write(t *testing.T, rel, data string) {
	t.Helper()
	p := filepath.Join(m.env.Home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// complete runs cobra's hidden __complete command, as the shell scripts
// do, and returns the candidates ("value\tdescription") without the
// final directive line.
func (m completionMachine) complete(t *testing.T, args ...string) []string {
	t.Helper()
	io, _, out, stderr := iostreams.Test()
	f := NewFactory(io)
	f.Env = func() (ides.Env, error) { return m.env, nil }
	if code := run(context.Background(), f, append([]string{"__complete"}, args...)); code != exitOK {
		t.Fatalf("__complete %q: exit %d\n%s", args, code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
		t.Fatalf("__complete %q: no directive line in\n%s", args, out)
	}
	if len(lines) == 1 {
		return nil
	}
	return lines[:len(lines)-1]
}

func values(cands []string) []string {
	var out []string
	for _, c := range cands {
		v, _, _ := strings.Cut(c, "\t")
		out = append(out, v)
	}
	return out
}

func TestCompleteIDE(t *testing.T) {
	t.Parallel()
	m := newCompletionMachine(t)
	var every, everyButCursor []string
	for _, a := range all.Adapters() {
		every = append(every, a.ID()+"\t"+a.DisplayName())
		if a.ID() != "cursor" {
			everyButCursor = append(everyButCursor, a.ID())
		}
	}
	// Every command with --ide completes every adapter, described by its
	// product name.
	for _, cmd := range []string{"install", "uninstall", "list", "doctor"} {
		if d := cmp.Diff(every, m.complete(t, cmd, "--ide", "")); d != "" {
			t.Errorf("%s --ide (-want +got):\n%s", cmd, d)
		}
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"prefix", []string{"install", "--ide", "vs"}, []string{"vscode", "vscode-insiders"}},
		{"prefix in any case", []string{"install", "--ide", "VS"}, []string{"vscode", "vscode-insiders"}},
		{"after a comma", []string{"install", "--ide", "cursor,"}, prefixed("cursor,", everyButCursor)},
		{"after a comma, with a prefix", []string{"install", "--ide", "cursor,claude"}, []string{"cursor,claude-code", "cursor,claude-desktop"}},
		{"an earlier --ide is left out", []string{"doctor", "--ide", "cursor", "--ide", ""}, everyButCursor},
		{"nothing matches", []string{"install", "--ide", "emacs"}, nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, values(m.complete(t, tt.args...))); d != "" {
			t.Errorf("%s: %q (-want +got):\n%s", tt.name, tt.args, d)
		}
	}
}

func prefixed(prefix string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = prefix + s
	}
	return out
}

func TestCompleteScope(t *testing.T) {
	t.Parallel()
	m := newCompletionMachine(t)
	// The project scope names the IDEs that have it when some do not (the
	// Cline CLI has no project file).
	everyProject := "project\teveryone in the project (a file in it)"
	var withProject []string
	for _, a := range all.Adapters() {
		if ides.CheckScope(a, ides.ScopeProject) == nil {
			withProject = append(withProject, a.DisplayName())
		}
	}
	if len(withProject) < len(all.Adapters()) {
		everyProject += " (" + strings.Join(withProject, ", ") + ")"
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"every IDE", []string{"install", "--scope", ""}, []string{
			"user\tyou, in every project",
			"local\tyou, in this project only (Claude Code)",
			everyProject,
			"workspace\tproject, as VS Code and VS Code Insiders call it",
		}},
		{"the IDEs chosen", []string{"install", "--ide", "cursor", "--scope", ""}, []string{
			"user\tyou, in every project",
			"project\teveryone in the project (a file in it)",
		}},
		{"an unknown IDE is ignored", []string{"install", "--ide", "cursor,emacs", "--scope", "p"}, []string{
			"project\teveryone in the project (a file in it)",
		}},
		{"doctor takes a list", []string{"doctor", "--ide", "claude-code", "--scope", "user,"}, []string{
			"user,local\tyou, in this project only",
			"user,project\teveryone in the project (a file in it)",
		}},
	}
	for _, tt := range tests {
		got := m.complete(t, tt.args...)
		// A description may go on to name the IDEs that have the scope
		// when not all do: that list grows with the registry, so the
		// test pins the start of each line.
		ok := len(got) == len(tt.want)
		for i := 0; ok && i < len(got); i++ {
			ok = strings.HasPrefix(got[i], tt.want[i])
		}
		if !ok {
			t.Errorf("%s: %q\ngot  %q\nwant lines starting %q", tt.name, tt.args, got, tt.want)
		}
	}
	// Every value offered is one install accepts for some IDE.
	for _, v := range values(m.complete(t, "install", "--scope", "")) {
		ok := false
		for _, a := range all.Adapters() {
			if ides.CheckScope(a, ides.ParseScope(v)) == nil {
				ok = true
			}
		}
		if !ok {
			t.Errorf("--scope %s is offered but no IDE has it", v)
		}
	}
}

func TestCompleteLogLevel(t *testing.T) {
	t.Parallel()
	m := newCompletionMachine(t)
	got := m.complete(t, "serve", "--log-level", "")
	if d := cmp.Diff([]string{"error", "warn", "info", "debug"}, values(got)); d != "" {
		t.Errorf("serve --log-level (-want +got):\n%s", d)
	}
	// Each is a level serve accepts, and means what it says.
	for _, l := range logLevels {
		lvl, err := parseLogLevel(l.name)
		if err != nil || lvl != l.level {
			t.Errorf("parseLogLevel(%q) = %v, %v; want %v", l.name, lvl, err, l.level)
		}
	}
	if lvl, _ := parseLogLevel(""); lvl != slog.LevelWarn || !strings.Contains(got[1], "default") {
		t.Errorf("the default is %v, but the descriptions say %q", lvl, got)
	}
}

func TestCompleteVSCodeProfile(t *testing.T) {
	t.Parallel()
	m := newCompletionMachine(t)
	if got := m.complete(t, "install", "--vscode-profile", ""); len(got) != 0 {
		t.Errorf("no profiles on this machine, but offered %q", got)
	}
	m.write(t, ".config/Code/User/globalStorage/storage.json",
		`{"userDataProfiles":[{"name":"Work","location":"1a2b"},{"name":"Data Science","location":"3c4d"},{"name":"","location":"x"}]}`)
	m.write(t, ".config/Code - Insiders/User/globalStorage/storage.json",
		`{"userDataProfiles":[{"name":"Work","location":"9f"},{"name":"Beta","location":"8e"}]}`)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"install", "--vscode-profile", ""}, []string{
			"Work\tprofile of VS Code and VS Code Insiders",
			"Data Science\tprofile of VS Code",
			"Beta\tprofile of VS Code Insiders",
		}},
		{[]string{"install", "--ide", "vscode", "--vscode-profile", ""}, []string{
			"Work\tprofile of VS Code",
			"Data Science\tprofile of VS Code",
		}},
		{[]string{"uninstall", "--ide", "vscode-insiders", "--vscode-profile", "b"}, []string{
			"Beta\tprofile of VS Code Insiders",
		}},
		{[]string{"install", "--ide", "cursor", "--vscode-profile", ""}, nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, m.complete(t, tt.args...)); d != "" {
			t.Errorf("%q (-want +got):\n%s", tt.args, d)
		}
	}
}

func TestCompleteRestoreFile(t *testing.T) {
	t.Parallel()
	m := newCompletionMachine(t)
	if got := m.complete(t, "restore", ""); len(got) != 0 {
		t.Errorf("no backups, but offered %q", got)
	}
	stamp := time.Date(2026, 11, 28, 16, 0, 0, 0, time.UTC)
	store := &backup.Store{Dir: filepath.Join(m.state, "backups"), Now: func() time.Time { return stamp }}
	claude := filepath.Join(m.env.Home, ".claude.json")
	project := filepath.Join(m.env.WorkDir, ".mcp.json")
	for _, p := range []string{claude, claude, project} {
		if _, err := store.Save(p, []byte("{}"), true); err != nil {
			t.Fatal(err)
		}
	}
	local := stamp.Local().Format("2006-01-02 15:04")
	tests := []struct {
		toComplete string
		want       []string
	}{
		{"", []string{"~/.claude.json\t2 backups, newest " + local, ".mcp.json\t1 backup, " + local}},
		{"~/", []string{"~/.claude.json\t2 backups, newest " + local}},
		{m.env.Home, []string{claude + "\t2 backups, newest " + local}},
		{".m", []string{".mcp.json\t1 backup, " + local}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, m.complete(t, "restore", tt.toComplete)); d != "" {
			t.Errorf("restore %q (-want +got):\n%s", tt.toComplete, d)
		}
	}
	if got := m.complete(t, "restore", "~/.claude.json", ""); len(got) != 0 {
		t.Errorf("restore takes one FILE, but a second was offered: %q", got)
	}
}

// TestCompletionDescriptionsArePlain checks that flag descriptions reach
// the shell without pflag's `NAME` quotes, and that --help keeps them as
// placeholders.
func TestCompletionDescriptionsArePlain(t *testing.T) {
	t.Parallel()
	m := newCompletionMachine(t)
	for _, cmd := range []string{"install", "uninstall", "list", "doctor", "serve", "setup", "restore", "version"} {
		for _, c := range m.complete(t, cmd, "--") {
			if strings.Contains(c, "`") {
				t.Errorf("%s: description with a backquote: %q", cmd, c)
			}
		}
	}
	if got := m.complete(t, "install", "--vscode-p"); len(got) != 1 || !strings.HasPrefix(got[0], "--vscode-profile\tVS Code profile NAME whose") {
		t.Errorf("install --vscode-p: %q", got)
	}
	io, _, out, _ := iostreams.Test()
	if code := run(context.Background(), NewFactory(io), []string{"install", "--help"}); code != exitOK || !strings.Contains(out.String(), "--vscode-profile NAME") {
		t.Errorf("install --help (exit %d) lost its placeholder:\n%s", code, out)
	}
}

func TestCommandsFromOtherTools(t *testing.T) {
	t.Parallel()
	for typed, want := range map[string]string{"add": "install", "remove": "uninstall", "rm": "uninstall", "ls": "list"} {
		io, _, _, stderr := iostreams.Test()
		if code := run(context.Background(), NewFactory(io), []string{typed}); code != exitUsage {
			t.Errorf("%s: exit %d, want %d", typed, code, exitUsage)
		}
		if !strings.Contains(stderr.String(), "Did you mean this?\n\t"+want+"\n") {
			t.Errorf("%s: stderr does not suggest %s:\n%s", typed, want, stderr)
		}
	}
}
