package opsetup_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/all"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/opsetup"
)

// fakeToken has the shape of a gate api_key.
const fakeToken = "key-default-0123456789abcdef0123456789abcdef"

func apply(t *testing.T, state string, edits []merge.FileEdit) {
	t.Helper()
	plan, err := merge.NewPlan(edits...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := merge.Apply(context.Background(), plan, merge.ApplyOptions{
		Backups: &backup.Store{Dir: filepath.Join(state, "backups")}, LockDir: filepath.Join(state, "locks")}); err != nil {
		t.Fatal(err)
	}
}

func readDoc(t *testing.T, path string, f config.Format) config.Document {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, err := formats.Parse(f, data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// TestSeparationRules installs the agent's entry and then the operator
// for every client that has an operator root, and checks the rules of
// separation of duties on the files written: the agent's files never get
// the operator entry, the operator's root never the agent's, no file
// outside the credential directory holds the token, the entry names the
// credential files, the agent's configuration has the deny where the
// client has one, and uninstall --operator takes back what install added
// and nothing else.
func TestSeparationRules(t *testing.T) {
	for _, a := range all.Adapters() {
		if _, ok := a.(ides.OperatorRooter); !ok {
			continue
		}
		t.Run(a.ID(), func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			home := filepath.Join(root, "home")
			proj := filepath.Join(home, "proj")
			if err := os.MkdirAll(proj, 0o755); err != nil {
				t.Fatal(err)
			}
			env := ides.Env{GOOS: runtime.GOOS, Home: home, WorkDir: proj, ProjectRoot: proj, Vars: map[string]string{}, UID: os.Getuid()}
			profile := ""
			if ides.HasProfiles(a) {
				profile = "Operator"
				// A client with profiles: make one the way the client does.
				storage := filepath.Join(home, ".config", "Code", "User", "globalStorage", "storage.json")
				if strings.Contains(a.ID(), "insiders") {
					storage = filepath.Join(home, ".config", "Code - Insiders", "User", "globalStorage", "storage.json")
				}
				if err := os.MkdirAll(filepath.Dir(storage), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(storage, []byte(`{"userDataProfiles": [{"location": "op1", "name": "Operator"}]}`), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			state := filepath.Join(root, "state")

			// The agent's entry, as install writes it.
			agentSpec := ides.ServerSpec{Command: "/usr/local/bin/latchgate-mcp", Args: []string{"serve"}, Env: ides.EnvList{{Name: "LATCHGATE_AGENT_ID", Value: a.ID()}}}
			edits, _, err := ides.PlanInstall(a, env, ides.Request{Scope: a.Scopes()[0], Name: "latchgate", Spec: agentSpec})
			if err != nil {
				t.Fatal(err)
			}
			apply(t, state, edits)
			// The agent's settings exist already, pretty-printed as the
			// client writes them, so uninstall is held to the bytes.
			r0, err := a.(ides.OperatorRooter).OperatorRoot(env, ides.OperatorRequest{AgentName: "latchgate", Base: opsetup.BaseDir(env), Profile: profile})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range r0.AgentItems {
				if err := os.MkdirAll(filepath.Dir(it.Path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(it.Path, []byte("{\n  \"model\": \"sonnet\",\n  \"permissions\": {\n    \"deny\": [\n      \"WebFetch\"\n    ]\n  }\n}\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, home)

			base := opsetup.BaseDir(env)
			credDir := opsetup.CredentialDir(env, base)
			conn := opsetup.Conn{AdminSocket: "/run/user/1000/latchgate/gate-admin.sock", PublicBaseURL: "http://localhost:3000",
				KeyPath: filepath.Join(credDir, opsetup.KeyFile), TokenPath: filepath.Join(credDir, opsetup.TokenFile)}
			req := opsetup.Request{AgentName: "latchgate", Profile: profile, Base: base, Command: "/usr/local/bin/latchgate-mcp", Conn: conn}
			in, err := opsetup.PlanInstall(env, []ides.Adapter{a}, req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := opsetup.WriteCredentials(credDir, []byte("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"), fakeToken); err != nil {
				t.Fatal(err)
			}
			apply(t, state, in.Edits)
			rec := &opsetup.Record{}
			in.Record(rec, profile)
			recPath := opsetup.RecordPath(env, base)
			if err := opsetup.WriteRecord(recPath, rec); err != nil {
				t.Fatal(err)
			}
			r := in.Setups[0].Root

			// The agent's files never hold the operator entry.
			locs, _ := ides.Locations(a, env)
			for _, loc := range locs {
				if loc.Variant != "" {
					continue
				}
				if doc := readDoc(t, loc.Path, loc.Format); doc != nil {
					if _, ok := doc.Get(loc.EntryPath(ides.OperatorEntryName)...); ok {
						t.Errorf("the agent's file %s holds the operator entry", loc.Path)
					}
				}
			}
			// The operator's root holds it, and not the agent's.
			doc := readDoc(t, r.Target.Path, r.Target.Format)
			if doc == nil {
				t.Fatalf("no operator root file %s", r.Target.Path)
			}
			v, ok := doc.Get(r.Target.EntryPath(ides.OperatorEntryName)...)
			if !ok {
				t.Fatalf("%s has no operator entry", r.Target.Path)
			}
			if _, ok := doc.Get(r.Target.EntryPath("latchgate")...); ok {
				t.Errorf("the operator root %s holds the agent's entry", r.Target.Path)
			}
			stored, err := ides.ReadEntry(a, v)
			if err != nil {
				t.Fatal(err)
			}
			if !containsSeq(stored.Args, "--operator-token-file", conn.TokenPath) || !containsSeq(stored.Args, "--operator-key", conn.KeyPath) {
				t.Errorf("the entry does not name the credential files: %q", stored.Args)
			}
			if where := opsetup.FindTokens(v); len(where) > 0 {
				t.Errorf("the entry holds a token at %v", where)
			}
			for _, e := range stored.Env {
				if e.Name == opsetup.TokenEnv {
					t.Errorf("the entry sets %s", opsetup.TokenEnv)
				}
			}
			// No file outside the credential directory holds the token.
			for rel, data := range snapshot(t, home) {
				if strings.HasPrefix(filepath.Join(home, rel), credDir+string(filepath.Separator)) {
					continue
				}
				if bytes.Contains(data, []byte(fakeToken)) || opsetup.LooksLikeToken(string(data)) {
					t.Errorf("%s holds the operator token", rel)
				}
			}
			// The deny, where the client has one.
			for _, it := range append(append([]ides.ListItem(nil), r.AgentItems...), r.RootItems...) {
				d := readDoc(t, it.Path, it.Format)
				if d == nil || !ides.ItemPresent(d, it) {
					t.Errorf("%s lacks %v at %v", it.Path, it.Value, it.Key)
				}
			}
			if runtime.GOOS != "windows" {
				for p, want := range map[string]os.FileMode{credDir: 0o700, conn.KeyPath: 0o600, conn.TokenPath: 0o600} {
					fi, err := os.Stat(p)
					if err != nil || fi.Mode().Perm() != want {
						t.Errorf("%s: mode %v, %v; want %04o", p, fi.Mode().Perm(), err, want)
					}
				}
			}

			// uninstall --operator: back to before, but for the files
			// install created (left as "{}": merge never deletes a file).
			un, err := opsetup.PlanUninstall(env, []ides.Adapter{a}, opsetup.Request{AgentName: "latchgate", Base: base}, rec)
			if err != nil {
				t.Fatal(err)
			}
			apply(t, state, un.Edits)
			after := snapshot(t, home)
			for rel, data := range before {
				if !bytes.Equal(after[rel], data) {
					t.Errorf("%s differs after uninstall:\n%s", rel, cmp.Diff(string(data), string(after[rel])))
				}
			}
			if d := readDoc(t, r.Target.Path, r.Target.Format); d != nil {
				if _, ok := d.Get(r.Target.EntryPath(ides.OperatorEntryName)...); ok {
					t.Errorf("the operator entry is still in %s", r.Target.Path)
				}
			}
			for _, it := range append(append([]ides.ListItem(nil), r.AgentItems...), r.RootItems...) {
				if d := readDoc(t, it.Path, it.Format); d != nil && ides.ItemPresent(d, it) {
					t.Errorf("%s still has %v", it.Path, it.Value)
				}
			}
		})
	}
}

// snapshot reads every file below dir, except latchgate-mcp's record.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || filepath.Base(p) == "installed.json" {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func containsSeq(args []string, flag, value string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag && args[i+1] == value {
			return true
		}
	}
	return false
}

func TestFindTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, entry string
		want        []string
	}{
		{"clean", `{"command": "latchgate-mcp", "args": ["operator", "--operator-token-file", "/x/operator.token"], "env": {}}`, nil},
		{"env token", `{"env": {"LATCHGATE_OPERATOR_TOKEN": "anything"}}`, []string{"env.LATCHGATE_OPERATOR_TOKEN"}},
		{"env reference", `{"env": {"LATCHGATE_OPERATOR_TOKEN": "${env:LATCHGATE_OPERATOR_TOKEN}"}}`, nil},
		{"env empty", `{"env": {"LATCHGATE_OPERATOR_TOKEN": ""}}`, nil},
		{"flag and value", `{"args": ["operator", "--operator-token", "` + fakeToken + `"]}`, []string{"args[1] (--operator-token)", "args[2]"}},
		{"flag with =", `{"args": ["--operator-token=abc"]}`, []string{"args[0] (--operator-token)"}},
		{"key in a header", `{"headers": {"Authorization": "DPoP ` + fakeToken + `"}}`, []string{"headers.Authorization"}},
		{"longer hex is not a key", `{"env": {"X": "key-a-0123456789abcdef0123456789abcdef01"}}`, nil},
		{"upper hex is not a key", `{"env": {"X": "key-a-0123456789ABCDEF0123456789ABCDEF"}}`, nil},
		{"dashes in the name", `{"env": {"X": "key-my-ops-1-0123456789abcdef0123456789abcdef"}}`, []string{"env.X"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := opsetup.FindTokens(config.MustJSON(tt.entry))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("FindTokens (-want +got):\n%s", d)
			}
		})
	}
}

func TestWriteCredentials(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("modes")
	}
	dir := filepath.Join(t.TempDir(), "creds")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A token file left readable by others is narrowed before it is
	// written.
	if err := os.WriteFile(filepath.Join(dir, opsetup.TokenFile), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := opsetup.WriteCredentials(dir, []byte("PEM"), fakeToken)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Changed || st.Created || len(st.Tightened) != 2 {
		t.Errorf("state = %+v, want changed, not created, dir and token file tightened", st)
	}
	for name, want := range map[string]string{opsetup.KeyFile: "PEM", opsetup.TokenFile: fakeToken + "\n"} {
		p := filepath.Join(dir, name)
		data, err := os.ReadFile(p)
		fi, _ := os.Stat(p)
		if err != nil || string(data) != want || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s = %q, %v, mode %v", name, data, err, fi.Mode().Perm())
		}
	}
	// The same credential again: nothing written.
	st, err = opsetup.WriteCredentials(dir, []byte("PEM"), fakeToken)
	if err != nil || st.Changed || len(st.Tightened) != 0 {
		t.Errorf("second write: %+v, %v", st, err)
	}
	if err := opsetup.RemoveCredentials(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the credential directory is still there: %v", err)
	}
}

func TestRecordKeepsEarlierAdditions(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := ides.Env{GOOS: "linux", Home: home, WorkDir: home, ProjectRoot: home, Vars: map[string]string{}}
	a, err := all.Lookup("claude-code")
	if err != nil {
		t.Fatal(err)
	}
	base := opsetup.BaseDir(env)
	req := opsetup.Request{AgentName: "latchgate", Base: base, Command: "latchgate-mcp", Conn: opsetup.Conn{AdminSocket: "/s", PublicBaseURL: "http://localhost:3000", KeyPath: "/k", TokenPath: "/t"}}
	state := filepath.Join(t.TempDir(), "state")
	rec := &opsetup.Record{}
	for run := 1; run <= 2; run++ {
		in, err := opsetup.PlanInstall(env, []ides.Adapter{a}, req)
		if err != nil {
			t.Fatal(err)
		}
		apply(t, state, in.Edits)
		in.Record(rec, "")
		p := opsetup.RecordPath(env, base)
		if err := opsetup.WriteRecord(p, rec); err != nil {
			t.Fatal(err)
		}
		if rec, err = opsetup.ReadRecord(p); err != nil {
			t.Fatal(err)
		}
		r := in.Setups[0].Root
		if got, want := len(rec.Clients[a.ID()].Added), len(r.AgentItems)+len(r.RootItems); got != want {
			t.Errorf("run %d: %d items recorded, want %d (the second run adds nothing, and forgets nothing)", run, got, want)
		}
	}
	rec.Remove(a.ID())
	p := opsetup.RecordPath(env, base)
	if err := opsetup.WriteRecord(p, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("an empty record is kept: %v", err)
	}
}
