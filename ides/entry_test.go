package ides

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

func TestMergeSpec(t *testing.T) {
	fresh := ServerSpec{Command: "/new/latchgate-mcp", Args: []string{"serve", "--gate-socket", "/s", "--public-base-url", "http://localhost:3000"},
		Env: EnvList{{Name: "LATCHGATE_AGENT_ID", Value: "x"}}}
	tests := []struct {
		name     string
		stored   StoredEntry
		wantArgs []string
		wantEnv  EnvList
		wantKept []string
	}{
		{"user flags and env kept, gate replaced whole",
			StoredEntry{Command: "/old", Args: []string{"serve", "--gate-url", "http://g", "--exclude", "gmail_*", "--no-fs-root", "--include=a*"},
				Env: EnvList{{Name: "LATCHGATE_AGENT_ID", Value: "old"}, {Name: "FOO", Value: "1"}}},
			[]string{"serve", "--gate-socket", "/s", "--public-base-url", "http://localhost:3000", "--exclude", "gmail_*", "--no-fs-root", "--include=a*"},
			EnvList{{Name: "LATCHGATE_AGENT_ID", Value: "x"}, {Name: "FOO", Value: "1"}},
			[]string{"--exclude gmail_*", "--no-fs-root", "--include=a*", "env FOO"}},
		{"not a serve command: nothing kept from args",
			StoredEntry{Command: "npx", Args: []string{"-y", "something"}},
			fresh.Args, fresh.Env, nil},
		{"a flag install sets replaces the user's",
			StoredEntry{Command: "/old", Args: []string{"serve", "--public-base-url=http://old"}},
			fresh.Args, fresh.Env, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, kept := MergeSpec(tt.stored, fresh)
			if d := cmp.Diff(tt.wantArgs, got.Args); d != "" {
				t.Errorf("args (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantEnv, got.Env); d != "" {
				t.Errorf("env (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantKept, kept); d != "" {
				t.Errorf("kept (-want +got):\n%s", d)
			}
		})
	}
}

func TestKeepUserKeys(t *testing.T) {
	old := config.MustJSON(`{"url":"http://x","cwd":".","disabled":true,"autoApprove":["a"],"command":"old"}`)
	fresh := config.MustJSON(`{"command":"new","args":[]}`)
	got, _ := KeepUserKeys(nil, old, fresh).MarshalJSON()
	if want := `{"command":"new","args":[],"disabled":true,"autoApprove":["a"]}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
