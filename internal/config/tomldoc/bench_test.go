package tomldoc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
)

const oneMB = 1 << 20

// bigCodexConfig builds a config.toml of about size bytes the way a
// long-used one looks: top-level settings, a few dozen servers with env
// sub-tables and inline env, profiles and providers, and thousands of
// trusted projects (Codex adds one per directory trusted), with comments.
func bigCodexConfig(size int) []byte {
	var b strings.Builder
	b.WriteString("# Codex configuration\nmodel = \"gpt-5-codex\"\napproval_policy = \"on-request\"\nsandbox_mode = \"workspace-write\"\n\n")
	b.WriteString("[sandbox_workspace_write]\nnetwork_access = false\n\n")
	for i := range 40 {
		fmt.Fprintf(&b, "# server %d\n[mcp_servers.server-%d]\ncommand = \"npx\"\nargs = [\"-y\", \"@example/mcp-server-%d\", \"--port\", \"%d\"]\n", i, i, i, 3000+i)
		if i%2 == 0 {
			fmt.Fprintf(&b, "startup_timeout_sec = 20\n\n[mcp_servers.server-%d.env]\nAPI_KEY = \"key-%08d\"\nLOG_LEVEL = 'warn'\n\n", i, i)
		} else {
			fmt.Fprintf(&b, "env = { API_KEY = \"key-%08d\" }\ntool_timeout_sec = 120.0\n\n", i)
		}
	}
	for i := range 20 {
		fmt.Fprintf(&b, "[profiles.p%d]\nmodel = \"gpt-5-mini\"\nmodel_reasoning_effort = \"low\"\n\n", i)
		fmt.Fprintf(&b, "[model_providers.provider%d]\nname = \"Provider %d\"\nbase_url = \"http://localhost:%d/v1\"\n\n", i, i, 11000+i)
	}
	for i := 0; b.Len() < size; i++ {
		trust := "trusted"
		if i%7 == 0 {
			trust = "untrusted"
		}
		fmt.Fprintf(&b, "[projects.\"/home/me/src/github.com/example/project-%05d\"]\ntrust_level = %q\n\n", i, trust)
	}
	b.WriteString("[tui]\nnotifications = true\n")
	return []byte(b.String())
}

// BenchmarkUpsert1MB parses a 1 MB config.toml, sets our server entry
// (which the file does not have yet) and takes the bytes to write.
// Compare with BenchmarkCopy1MB, the cost of merely copying the file.
func BenchmarkUpsert1MB(b *testing.B) {
	data := bigCodexConfig(oneMB)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		changed, err := d.Set(entry, "mcp_servers", "latchgate")
		if err != nil || !changed {
			b.Fatalf("changed=%v err=%v", changed, err)
		}
		if len(d.Bytes()) <= len(data) {
			b.Fatal("nothing added")
		}
	}
}

// BenchmarkCopy1MB is the floor, what cp does: read the same bytes from a
// file, write them to another and fsync it.
func BenchmarkCopy1MB(b *testing.B) { fixtures.CopyFloor(b, bigCodexConfig(oneMB)) }

// BenchmarkParse1MB isolates the parse (the unstable parser, the tree and
// go-toml's full decode).
func BenchmarkParse1MB(b *testing.B) {
	data := bigCodexConfig(oneMB)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBigConfig checks that the benchmark's file is what it claims: about
// 1 MB of valid TOML, which an upsert and a delete leave as it was.
func TestBigConfig(t *testing.T) {
	t.Parallel()
	data := bigCodexConfig(oneMB)
	if len(data) < oneMB || len(data) > oneMB+oneMB/10 {
		t.Fatalf("size %d", len(data))
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Set(entry, "mcp_servers", "latchgate"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d.Bytes()), "[mcp_servers.server-39.env]\nAPI_KEY = \"key-00000039\"\nLOG_LEVEL = 'warn'\n\n"+entrySections) &&
		!strings.Contains(string(d.Bytes()), "tool_timeout_sec = 120.0\n\n"+entrySections) {
		t.Errorf("entry not after the last server")
	}
	if _, err := d.Delete("mcp_servers", "latchgate"); err != nil {
		t.Fatal(err)
	}
	if string(d.Bytes()) != string(data) {
		t.Error("delete did not restore the file")
	}
}
