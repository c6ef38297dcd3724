package tomldoc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// entry is a Codex server entry as an adapter builds it (clients.md §3.5).
var entry = config.ObjectValue(
	config.M("command", config.StringValue("latchgate-mcp")),
	config.M("args", config.StringList("serve", "--gate-url", "http://127.0.0.1:3000")),
	config.M("env", config.ObjectValue(config.M("LATCHGATE_AGENT_ID", config.StringValue("codex")))),
	config.M("tool_timeout_sec", config.IntValue(330)),
)

// entrySections is entry as it is written into a file that has no
// latchgate server: a table, its env as a sub-table.
const entrySections = `[mcp_servers.latchgate]
command = "latchgate-mcp"
args = ["serve", "--gate-url", "http://127.0.0.1:3000"]
tool_timeout_sec = 330

[mcp_servers.latchgate.env]
LATCHGATE_AGENT_ID = "codex"
`

var trusted = config.StringValue("trusted")

type edit func(*Document) (bool, error)

func setEntry(d *Document) (bool, error) { return d.Set(entry, "mcp_servers", "latchgate") }
func setTrust(d *Document) (bool, error) {
	return d.Set(trusted, "projects", "/home/me/my proj", "trust_level")
}
func delEntry(d *Document) (bool, error) { return d.Delete("mcp_servers", "latchgate") }

func set(v config.Value, path ...string) edit {
	return func(d *Document) (bool, error) { return d.Set(v, path...) }
}

func del(path ...string) edit {
	return func(d *Document) (bool, error) { return d.Delete(path...) }
}

type editCase struct {
	name string
	in   string
	edit edit
	want string // "" with same: the input, unchanged
	same bool   // the edit is a no-op
}

func runEdits(t *testing.T, tests []editCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			changed, err := tt.edit(d)
			if err != nil {
				t.Fatalf("edit: %v", err)
			}
			want := tt.want
			if tt.same {
				want = tt.in
			}
			if changed == tt.same {
				t.Errorf("changed = %v, want %v", changed, !tt.same)
			}
			if diff := cmp.Diff(want, string(d.Bytes())); diff != "" {
				t.Errorf("output (-want +got):\n%s\ngot:\n%s", diff, d.Bytes())
			}
			if _, err := decodeTOML(d.Bytes()); err != nil {
				t.Errorf("go-toml refuses the output: %v", err)
			}
		})
	}
}

// TestSetEntry puts our server entry into each layout a user may have
// written.
func TestSetEntry(t *testing.T) {
	t.Parallel()
	runEdits(t, []editCase{
		{
			name: "empty file",
			in:   "",
			edit: setEntry,
			want: entrySections,
		},
		{
			name: "blank lines only: they stay first",
			in:   "\n\n",
			edit: setEntry,
			want: "\n\n" + entrySections,
		},
		{
			name: "comments only",
			in:   "# Codex configuration\n",
			edit: setEntry,
			want: "# Codex configuration\n\n" + entrySections,
		},
		{
			name: "top-level keys, no final newline",
			in:   "model = \"o3\"",
			edit: setEntry,
			want: "model = \"o3\"\n\n" + strings.TrimSuffix(entrySections, "\n"),
		},
		{
			name: "after the other servers, before and after ours, not after the last table",
			in: "model = \"o3\"\n\n" +
				"[mcp_servers.a]\ncommand = \"a\"\n\n" +
				"[projects.\"/x\"]\ntrust_level = \"trusted\"\n\n" +
				"# server b\n[mcp_servers.b]\ncommand = \"b\"\n# command = \"old-b\"\n\n" +
				"# the TUI\n[tui]\nnotifications = true\n",
			edit: setEntry,
			want: "model = \"o3\"\n\n" +
				"[mcp_servers.a]\ncommand = \"a\"\n\n" +
				"[projects.\"/x\"]\ntrust_level = \"trusted\"\n\n" +
				"# server b\n[mcp_servers.b]\ncommand = \"b\"\n# command = \"old-b\"\n\n" +
				entrySections + "\n" +
				"# the TUI\n[tui]\nnotifications = true\n",
		},
		{
			name: "after an explicit empty [mcp_servers]",
			in:   "[mcp_servers]\n\n[tui]\nnotifications = true\n",
			edit: setEntry,
			want: "[mcp_servers]\n\n" + entrySections + "\n[tui]\nnotifications = true\n",
		},
		{
			name: "comment right above the next header stays with it",
			in:   "[mcp_servers.a]\ncommand = \"a\"\n# about tui\n[tui]\n",
			edit: setEntry,
			want: "[mcp_servers.a]\ncommand = \"a\"\n\n" + entrySections + "# about tui\n[tui]\n",
		},
		{
			name: "existing table with user comments is updated key by key",
			in: "[mcp_servers.latchgate] # ours\n" +
				"# the binary\n" +
				"command = \"/opt/old/latchgate-mcp\" # moved\n" +
				"args = [\"serve\"]\n" +
				"startup_timeout_sec = 20\n" +
				"\n" +
				"[mcp_servers.latchgate.env]\n" +
				"LATCHGATE_AGENT_ID = \"codex\"\n" +
				"RUST_LOG = \"debug\"\n" +
				"\n" +
				"[tui]\n",
			edit: setEntry,
			want: "[mcp_servers.latchgate] # ours\n" +
				"# the binary\n" +
				"command = \"latchgate-mcp\" # moved\n" +
				"args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"]\n" +
				"tool_timeout_sec = 330\n" +
				"\n" +
				"[mcp_servers.latchgate.env]\n" +
				"LATCHGATE_AGENT_ID = \"codex\"\n" +
				"\n" +
				"[tui]\n",
		},
		{
			name: "up to date: nothing changes, 330.0 equals 330",
			in: "[mcp_servers.latchgate]\ncommand = 'latchgate-mcp'\n" +
				"args = [\n  \"serve\",\n  \"--gate-url\", \"http://127.0.0.1:3000\",\n]\n" +
				"env = { LATCHGATE_AGENT_ID = \"codex\" }\ntool_timeout_sec = 330.0\n",
			edit: setEntry,
			same: true,
		},
		{
			name: "literal string, multi-line array and inline env keep their form",
			in: "[mcp_servers.latchgate]\ncommand = '/opt/latchgate-mcp'\n" +
				"args = [\n    \"serve\", # the subcommand\n]\n" +
				"env = { LATCHGATE_AGENT_ID = \"other\" }\n",
			edit: setEntry,
			want: "[mcp_servers.latchgate]\ncommand = 'latchgate-mcp'\n" +
				"args = [\n    \"serve\",\n    \"--gate-url\",\n    \"http://127.0.0.1:3000\",\n]\n" +
				"env = { LATCHGATE_AGENT_ID = \"codex\" }\n" +
				"tool_timeout_sec = 330\n",
		},
		{
			name: "inline table stays inline",
			in:   "[mcp_servers]\nlatchgate = { command = \"old\", args = [] } # ours\nother = { command = \"x\" }\n",
			edit: setEntry,
			want: "[mcp_servers]\nlatchgate = { command = \"latchgate-mcp\", args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"], " +
				"env = { LATCHGATE_AGENT_ID = \"codex\" }, tool_timeout_sec = 330 } # ours\nother = { command = \"x\" }\n",
		},
		{
			name: "inline siblings: ours is added inline after them",
			in:   "[mcp_servers]\nother = { command = \"x\" }\n\n[tui]\n",
			edit: setEntry,
			want: "[mcp_servers]\nother = { command = \"x\" }\n" +
				"latchgate = { command = \"latchgate-mcp\", args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"], " +
				"env = { LATCHGATE_AGENT_ID = \"codex\" }, tool_timeout_sec = 330 }\n\n[tui]\n",
		},
		{
			name: "servers as one inline table at the top level",
			in:   "mcp_servers = { other = { command = \"x\" } }\n",
			edit: setEntry,
			want: "mcp_servers = { other = { command = \"x\" }, latchgate = { command = \"latchgate-mcp\", " +
				"args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"], env = { LATCHGATE_AGENT_ID = \"codex\" }, tool_timeout_sec = 330 } }\n",
		},
		{
			name: "empty inline table",
			in:   "mcp_servers = {}\n",
			edit: setEntry,
			want: "mcp_servers = { latchgate = { command = \"latchgate-mcp\", args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"], " +
				"env = { LATCHGATE_AGENT_ID = \"codex\" }, tool_timeout_sec = 330 } }\n",
		},
		{
			name: "dotted keys at the top level: the group is rewritten in place",
			in: "model = \"o3\"\n" +
				"mcp_servers.latchgate.command = \"old\" # ours\n" +
				"mcp_servers.latchgate.cwd = \"/tmp\"\n" +
				"mcp_servers.other.command = \"x\"\n" +
				"\n[tui]\n",
			edit: setEntry,
			want: "model = \"o3\"\n" +
				"mcp_servers.latchgate.command = \"latchgate-mcp\" # ours\n" +
				"mcp_servers.latchgate.args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"]\n" +
				"mcp_servers.latchgate.env.LATCHGATE_AGENT_ID = \"codex\"\n" +
				"mcp_servers.latchgate.tool_timeout_sec = 330\n" +
				"mcp_servers.other.command = \"x\"\n" +
				"\n[tui]\n",
		},
		{
			name: "dotted siblings at the top level: ours follows them",
			in:   "mcp_servers.other.command = \"x\"\nmodel = \"o3\"\n",
			edit: setEntry,
			want: "mcp_servers.other.command = \"x\"\n" +
				"mcp_servers.latchgate.command = \"latchgate-mcp\"\n" +
				"mcp_servers.latchgate.args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"]\n" +
				"mcp_servers.latchgate.env.LATCHGATE_AGENT_ID = \"codex\"\n" +
				"mcp_servers.latchgate.tool_timeout_sec = 330\n" +
				"model = \"o3\"\n",
		},
		{
			name: "dotted siblings inside [mcp_servers], indented",
			in:   "[mcp_servers]\n  other.command = \"x\"\n  other.args = []\n\n[tui]\n",
			edit: setEntry,
			want: "[mcp_servers]\n  other.command = \"x\"\n  other.args = []\n" +
				"  latchgate.command = \"latchgate-mcp\"\n" +
				"  latchgate.args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"]\n" +
				"  latchgate.env.LATCHGATE_AGENT_ID = \"codex\"\n" +
				"  latchgate.tool_timeout_sec = 330\n" +
				"\n[tui]\n",
		},
		{
			name: "CRLF lines stay CRLF",
			in:   "model = \"o3\"\r\n\r\n[mcp_servers.a]\r\ncommand = \"a\"\r\n",
			edit: setEntry,
			want: "model = \"o3\"\r\n\r\n[mcp_servers.a]\r\ncommand = \"a\"\r\n\r\n" +
				strings.ReplaceAll(entrySections, "\n", "\r\n"),
		},
		{
			name: "byte order mark is kept",
			in:   "\xEF\xBB\xBFmodel = \"o3\"\n",
			edit: setEntry,
			want: "\xEF\xBB\xBFmodel = \"o3\"\n\n" + entrySections,
		},
		{
			name: "quoted keys in other headers are left alone",
			in:   "[projects.'/home/me/a b']\ntrust_level = \"trusted\"\n[ mcp_servers . \"other\" ]\ncommand = \"x\"\n",
			edit: setEntry,
			want: "[projects.'/home/me/a b']\ntrust_level = \"trusted\"\n[ mcp_servers . \"other\" ]\ncommand = \"x\"\n\n" + entrySections,
		},
		{
			name: "a sub-table defined before its parent",
			in:   "[mcp_servers.latchgate.env]\nLATCHGATE_AGENT_ID = \"codex\"\n\n[mcp_servers.latchgate]\ncommand = \"old\"\n",
			edit: setEntry,
			want: "[mcp_servers.latchgate.env]\nLATCHGATE_AGENT_ID = \"codex\"\n\n[mcp_servers.latchgate]\ncommand = \"latchgate-mcp\"\n" +
				"args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"]\ntool_timeout_sec = 330\n",
		},
	})
}

// TestSetKeys covers single keys: the trap of a key appended after a
// [table] header (it would belong to that table), the top level, and
// strings that need escapes.
func TestSetKeys(t *testing.T) {
	t.Parallel()
	runEdits(t, []editCase{
		{
			name: "top-level key goes after the top-level keys, not into the last table",
			in:   "model = \"o3\"\n\n[sandbox_workspace_write]\nnetwork_access = true\n",
			edit: set(config.StringValue("workspace-write"), "sandbox_mode"),
			want: "model = \"o3\"\nsandbox_mode = \"workspace-write\"\n\n[sandbox_workspace_write]\nnetwork_access = true\n",
		},
		{
			name: "top-level key in a file of tables goes before the first one and its comment",
			in:   "# Codex\n\n# sandbox\n[sandbox_workspace_write]\nnetwork_access = true\n",
			edit: set(config.StringValue("workspace-write"), "sandbox_mode"),
			want: "# Codex\n\nsandbox_mode = \"workspace-write\"\n\n# sandbox\n[sandbox_workspace_write]\nnetwork_access = true\n",
		},
		{
			name: "key added to a table goes before the next header",
			in:   "[mcp_servers.latchgate]\ncommand = \"x\"\n\n[mcp_servers.latchgate.env]\nA = \"b\"\n",
			edit: set(config.IntValue(330), "mcp_servers", "latchgate", "tool_timeout_sec"),
			want: "[mcp_servers.latchgate]\ncommand = \"x\"\ntool_timeout_sec = 330\n\n[mcp_servers.latchgate.env]\nA = \"b\"\n",
		},
		{
			name: "key added to a table with no keys goes under its header",
			in:   "[mcp_servers.latchgate] # ours\n# nothing yet\n[tui]\n",
			edit: set(config.StringValue("x"), "mcp_servers", "latchgate", "command"),
			want: "[mcp_servers.latchgate] # ours\ncommand = \"x\"\n# nothing yet\n[tui]\n",
		},
		{
			name: "key added to a super-table gets its own header",
			in:   "[mcp_servers.a]\ncommand = \"a\"\n\n[tui]\n",
			edit: set(config.BoolValue(true), "mcp_servers", "strict"),
			want: "[mcp_servers.a]\ncommand = \"a\"\n\n[mcp_servers]\nstrict = true\n\n[tui]\n",
		},
		{
			name: "strings are escaped",
			in:   "",
			edit: set(config.StringValue("a\"b\\c\nd\te\x01\x7f é 'q'"), "k"),
			want: "k = \"a\\\"b\\\\c\\nd\\te\\u0001\\u007F é 'q'\"\n",
		},
		{
			name: "keys are quoted when they must be",
			in:   "",
			edit: set(config.IntValue(1), "a.b", "", "c d", "é", "ok-key_1"),
			want: "[\"a.b\".\"\".\"c d\".\"é\"]\nok-key_1 = 1\n",
		},
		{
			name: "a literal string stays literal when it can",
			in:   "command = '/opt/x' # where\n",
			edit: set(config.StringValue(`C:\bin\lg.exe`), "command"),
			want: "command = 'C:\\bin\\lg.exe' # where\n",
		},
		{
			name: "a literal string becomes basic when it must",
			in:   "command = '/opt/x'\n",
			edit: set(config.StringValue("it's"), "command"),
			want: "command = \"it's\"\n",
		},
		{
			name: "numbers are written as JSON writes them",
			in:   "a = 0x10\n",
			edit: set(config.MustJSON(`{"i": -7, "f": 1.5, "e": 2e10, "z": 0}`), "n"),
			want: "a = 0x10\n\n[n]\ni = -7\nf = 1.5\ne = 2e10\nz = 0\n",
		},
		{
			name: "an equal number in another style is left alone",
			in:   "[n]\na = 1_000 # thousand\nb = 0x10\nc = 1e3\n",
			edit: set(config.MustJSON(`{"a": 1000, "b": 16, "c": 1000}`), "n"),
			same: true,
		},
		{
			name: "a scalar replaced by a table becomes an inline table",
			in:   "[mcp_servers]\nlatchgate = \"off\"\n",
			edit: setEntry,
			want: "[mcp_servers]\nlatchgate = { command = \"latchgate-mcp\", args = [\"serve\", \"--gate-url\", \"http://127.0.0.1:3000\"], " +
				"env = { LATCHGATE_AGENT_ID = \"codex\" }, tool_timeout_sec = 330 }\n",
		},
		{
			name: "a table replaced by a scalar: its sections go, the key is added anew",
			in:   "[mcp_servers.latchgate]\ncommand = \"x\"\n\n[mcp_servers.latchgate.env]\nA = \"b\"\n\n[tui]\n",
			edit: set(config.StringValue("off"), "mcp_servers", "latchgate"),
			want: "[tui]\n\n[mcp_servers]\nlatchgate = \"off\"\n",
		},
		{
			name: "a table of dotted keys emptied becomes {} (its parent went with it)",
			in:   "a.b.c = 1\na.b.d = 2\nx = 1\n",
			edit: set(config.ObjectValue(), "a", "b"),
			want: "x = 1\n\n[a]\nb = {}\n",
		},
		{
			name: "a table of dotted keys emptied becomes {}",
			in:   "a.b.c = 1\na.x = 2\n",
			edit: set(config.ObjectValue(), "a", "b"),
			want: "a.x = 2\na.b = {}\n",
		},
		{
			name: "a super-table emptied becomes {}",
			in:   "x = 1\n\n[a.b]\nc = 1\n",
			edit: set(config.ObjectValue(), "a"),
			want: "x = 1\na = {}\n",
		},
		{
			name: "a table with a header emptied keeps its header",
			in:   "[a]\nc = 1 # one\n# end\n",
			edit: set(config.ObjectValue(), "a"),
			want: "[a]\n# end\n",
		},
		{
			name: "a multi-line inline table (TOML 1.1) gets a line",
			in:   "mcp_servers = {\n  other = { command = \"x\" }, # c\n}\n",
			edit: set(config.StringValue("v"), "mcp_servers", "k"),
			want: "mcp_servers = {\n  other = { command = \"x\" }, # c\n  k = \"v\",\n}\n",
		},
		{
			name: "a table in an inline table, through a dotted key in it",
			in:   "mcp_servers = { latchgate.command = \"x\" }\n",
			edit: set(config.IntValue(330), "mcp_servers", "latchgate", "tool_timeout_sec"),
			want: "mcp_servers = { latchgate.command = \"x\", latchgate.tool_timeout_sec = 330 }\n",
		},
		{
			name: "an empty object is written {}",
			in:   "[mcp_servers.latchgate]\ncommand = \"x\"\n",
			edit: set(config.ObjectValue(), "mcp_servers", "latchgate", "env"),
			want: "[mcp_servers.latchgate]\ncommand = \"x\"\nenv = {}\n",
		},
	})
}

// TestSetTrust writes Codex's project trust, [projects."<dir>"]
// trust_level, in each form the file may already have.
func TestSetTrust(t *testing.T) {
	t.Parallel()
	runEdits(t, []editCase{
		{
			name: "no projects yet",
			in:   "model = \"o3\"\n",
			edit: setTrust,
			want: "model = \"o3\"\n\n[projects.\"/home/me/my proj\"]\ntrust_level = \"trusted\"\n",
		},
		{
			name: "after the other projects",
			in:   "[projects.\"/a\"]\ntrust_level = \"trusted\"\n\n[tui]\nx = 1\n",
			edit: setTrust,
			want: "[projects.\"/a\"]\ntrust_level = \"trusted\"\n\n[projects.\"/home/me/my proj\"]\ntrust_level = \"trusted\"\n\n[tui]\nx = 1\n",
		},
		{
			name: "the table is there, written with a literal key",
			in:   "[projects.'/home/me/my proj']\ntrust_level = \"untrusted\" # for now\n",
			edit: setTrust,
			want: "[projects.'/home/me/my proj']\ntrust_level = \"trusted\" # for now\n",
		},
		{
			name: "the table is there without the key",
			in:   "[projects.\"/home/me/my proj\"]\n\n[projects.\"/b\"]\n",
			edit: setTrust,
			want: "[projects.\"/home/me/my proj\"]\ntrust_level = \"trusted\"\n\n[projects.\"/b\"]\n",
		},
		{
			name: "already trusted",
			in:   "[projects]\n\"/home/me/my proj\" = { trust_level = \"trusted\" }\n",
			edit: setTrust,
			same: true,
		},
		{
			name: "inline tables under [projects]",
			in:   "[projects]\n\"/a\" = { trust_level = \"trusted\" }\n",
			edit: setTrust,
			want: "[projects]\n\"/a\" = { trust_level = \"trusted\" }\n\"/home/me/my proj\" = { trust_level = \"trusted\" }\n",
		},
		{
			name: "dotted keys at the top level",
			in:   "projects.\"/home/me/my proj\".trust_level = \"untrusted\"\nprojects.\"/a\".trust_level = \"trusted\"\n",
			edit: setTrust,
			want: "projects.\"/home/me/my proj\".trust_level = \"trusted\"\nprojects.\"/a\".trust_level = \"trusted\"\n",
		},
		{
			name: "dotted siblings at the top level",
			in:   "projects.\"/a\".trust_level = \"trusted\"\n",
			edit: setTrust,
			want: "projects.\"/a\".trust_level = \"trusted\"\nprojects.\"/home/me/my proj\".trust_level = \"trusted\"\n",
		},
	})
}

// TestDelete removes entries and keys written in each form.
func TestDelete(t *testing.T) {
	t.Parallel()
	runEdits(t, []editCase{
		{
			name: "table with sub-tables; comment above the header and the next table stay",
			in: "[mcp_servers.a]\ncommand = \"a\"\n\n# ours\n[mcp_servers.latchgate]\ncommand = \"x\"\n# args = []\n\n" +
				"[mcp_servers.latchgate.env]\nA = \"b\"\n\n[[mcp_servers.latchgate.tools]]\nname = \"t\"\n\n# the TUI\n[tui]\n",
			edit: delEntry,
			want: "[mcp_servers.a]\ncommand = \"a\"\n\n# ours\n\n# the TUI\n[tui]\n",
		},
		{
			name: "the parent header the user wrote stays",
			in:   "[mcp_servers]\n\n[mcp_servers.latchgate]\ncommand = \"x\"\n",
			edit: delEntry,
			want: "[mcp_servers]\n",
		},
		{
			name: "last table in a file without a final newline",
			in:   "model = \"o3\"\n\n[mcp_servers.latchgate]\ncommand = \"x\"",
			edit: delEntry,
			want: "model = \"o3\"",
		},
		{
			name: "first table in the file",
			in:   "[mcp_servers.latchgate]\ncommand = \"x\"\n\n[tui]\n",
			edit: delEntry,
			want: "[tui]\n",
		},
		{
			name: "dotted keys and a sub-table under them",
			in: "mcp_servers.latchgate.command = \"x\" # ours\nmodel = \"o3\"\nmcp_servers.latchgate.args = []\n" +
				"mcp_servers.other.command = \"y\"\n\n[mcp_servers.latchgate.env]\nA = \"b\"\n",
			edit: delEntry,
			want: "model = \"o3\"\nmcp_servers.other.command = \"y\"\n",
		},
		{
			name: "inline member, first of two",
			in:   "mcp_servers = { latchgate = { command = \"x\" }, other = {} }\n",
			edit: delEntry,
			want: "mcp_servers = { other = {} }\n",
		},
		{
			name: "inline member, last of two",
			in:   "mcp_servers = { other = {}, latchgate = { command = \"x\" } }\n",
			edit: delEntry,
			want: "mcp_servers = { other = {} }\n",
		},
		{
			name: "inline members written as dotted keys",
			in:   "mcp_servers = { latchgate.command = \"x\", other = {}, latchgate.args = [] }\n",
			edit: delEntry,
			want: "mcp_servers = { other = {} }\n",
		},
		{
			name: "only inline member",
			in:   "mcp_servers = {latchgate = { command = \"x\" }}\n",
			edit: delEntry,
			want: "mcp_servers = {}\n",
		},
		{
			name: "key between blank lines closes up",
			in:   "a = 1\n\nsandbox_mode = \"x\"\n\nb = 2\n",
			edit: del("sandbox_mode"),
			want: "a = 1\n\nb = 2\n",
		},
		{
			name: "key in a table, with its comment",
			in:   "[projects.\"/a\"]\ntrust_level = \"trusted\" # yes\nother = 1\n",
			edit: del("projects", "/a", "trust_level"),
			want: "[projects.\"/a\"]\nother = 1\n",
		},
		{
			name: "the user's header stays when its last key goes",
			in:   "[projects.\"/a\"]\ntrust_level = \"trusted\"\n",
			edit: del("projects", "/a", "trust_level"),
			want: "[projects.\"/a\"]\n",
		},
		{
			name: "array of tables, whole",
			in:   "[[mcp_servers.latchgate]]\ncommand = \"x\"\n\n[[mcp_servers.latchgate]]\ncommand = \"y\"\n[mcp_servers.latchgate.env]\n",
			edit: delEntry,
			want: "",
		},
		{
			name: "absent",
			in:   "[mcp_servers.a]\ncommand = \"a\"\n",
			edit: delEntry,
			same: true,
		},
		{
			name: "CRLF",
			in:   "a = 1\r\n\r\n[mcp_servers.latchgate]\r\ncommand = \"x\"\r\n\r\n[b]\r\n",
			edit: delEntry,
			want: "a = 1\r\n\r\n[b]\r\n",
		},
	})
}

// roundTripLayouts are files a delete after a fresh set must give back
// byte for byte.
var roundTripLayouts = []string{
	"",
	"\n\n",
	"  ",
	"\xEF\xBB\xBF ",
	"\xEF\xBB\xBF\n\n",
	"\n ",
	"x = 1\n\n# end",
	"model = \"o3\"\n",
	"model = \"o3\"",
	"# Codex\n",
	codexConfig,
	"[mcp_servers]\n",
	"[mcp_servers]\n\n[tui]\n",
	"[mcp_servers.a]\ncommand = \"a\"\n# about tui\n[tui]\n",
	"[mcp_servers.a]\ncommand = \"a\"\n\n[projects.\"/x\"]\ntrust_level = \"trusted\"\n\n[mcp_servers.b]\ncommand = \"b\"",
	"mcp_servers.other.command = \"x\"\nmodel = \"o3\"\n",
	"[mcp_servers]\nother.command = \"x\"\n\n[tui]\n",
	"[mcp_servers]\nother = { command = \"x\" }\n",
	"mcp_servers = { other = { command = \"x\" } }\n",
	"projects.\"/a\".trust_level = \"trusted\"\n",
	"[projects]\n\"/a\" = { trust_level = \"trusted\" }\n",
	"[projects.\"/a\"]\ntrust_level = \"trusted\"\n\n[tui]\nx = 1\n",
	"a = 1\r\n\r\n[b]\r\nc = 2\r\n",
	"\xEF\xBB\xBFa = 1\n",
	"# Codex\n\n# sandbox\n[sandbox_workspace_write]\nnetwork_access = true\n",
	"model = \"o3\"\n\n\n[tui]\n",
}

// TestDeleteAfterSetRestores is the exact form of the invariant doctest
// checks loosely: install then uninstall gives back the file.
func TestDeleteAfterSetRestores(t *testing.T) {
	t.Parallel()
	paths := []struct {
		v    config.Value
		path []string
	}{
		{entry, []string{"mcp_servers", "latchgate"}},
		{trusted, []string{"projects", "/home/me/my proj", "trust_level"}},
		{config.StringValue("read-only"), []string{"sandbox_mode"}},
		{config.IntValue(330), []string{"mcp_servers", "other", "tool_timeout_sec"}},
	}
	for _, in := range roundTripLayouts {
		for _, p := range paths {
			d, err := Parse([]byte(in))
			if err != nil {
				t.Fatalf("parse %q: %v", in, err)
			}
			if _, ok := d.Get(p.path...); ok {
				continue
			}
			if changed, err := d.Set(p.v, p.path...); err != nil || !changed {
				t.Errorf("set %v in %q: changed=%v err=%v", p.path, in, changed, err)
				continue
			}
			mid := string(d.Bytes())
			if changed, err := d.Delete(p.path...); err != nil || !changed {
				t.Errorf("delete %v in %q: changed=%v err=%v", p.path, in, changed, err)
				continue
			}
			if got := string(d.Bytes()); got != in {
				t.Errorf("set then delete %v:\nin:    %q\nmid:   %q\nafter: %q", p.path, in, mid, got)
			}
		}
	}
}

func TestAddRemoveSet(t *testing.T) {
	t.Parallel()
	add := func(s string, path ...string) edit {
		return func(d *Document) (bool, error) { return d.AddToSet(s, path...) }
	}
	remove := func(s string, path ...string) edit {
		return func(d *Document) (bool, error) { return d.RemoveFromSet(s, path...) }
	}
	runEdits(t, []editCase{
		{
			name: "inline array",
			in:   "env_vars = [\"HOME\"] # forwarded\n",
			edit: add("XDG_RUNTIME_DIR", "env_vars"),
			want: "env_vars = [\"HOME\", \"XDG_RUNTIME_DIR\"] # forwarded\n",
		},
		{
			name: "empty array",
			in:   "env_vars = []\n",
			edit: add("A", "env_vars"),
			want: "env_vars = [\"A\"]\n",
		},
		{
			name: "multi-line array with a comment after the last item",
			in:   "[s]\nenv_vars = [\n  \"HOME\", # one\n  \"PATH\" # two\n]\n",
			edit: add("A\"B", "s", "env_vars"),
			want: "[s]\nenv_vars = [\n  \"HOME\", # one\n  \"PATH\", # two\n  \"A\\\"B\"\n]\n",
		},
		{
			name: "multi-line array with a trailing comma",
			in:   "env_vars = [\n\t\"HOME\",\n]\n",
			edit: add("A", "env_vars"),
			want: "env_vars = [\n\t\"HOME\",\n\t\"A\",\n]\n",
		},
		{
			name: "empty array with a comment inside",
			in:   "env_vars = [ # none yet\n]\n",
			edit: add("A", "env_vars"),
			want: "env_vars = [ # none yet\n  \"A\"\n]\n",
		},
		{
			name: "already there, in a literal string",
			in:   "env_vars = ['A']\n",
			edit: add("A", "env_vars"),
			same: true,
		},
		{
			name: "missing: created in its table",
			in:   "[mcp_servers.latchgate]\ncommand = \"x\"\n\n[tui]\n",
			edit: add("XDG_RUNTIME_DIR", "mcp_servers", "latchgate", "env_vars"),
			want: "[mcp_servers.latchgate]\ncommand = \"x\"\nenv_vars = [\"XDG_RUNTIME_DIR\"]\n\n[tui]\n",
		},
		{
			name: "remove from inline, every copy",
			in:   "a = [\"x\", \"A\", \"y\", 'A']\n",
			edit: remove("A", "a"),
			want: "a = [\"x\", \"y\"]\n",
		},
		{
			name: "remove the last of a multi-line array keeps the comment",
			in:   "a = [\n  \"x\", # keep\n  \"A\"\n]\n",
			edit: remove("A", "a"),
			want: "a = [\n  \"x\" # keep\n]\n",
		},
		{
			name: "remove the only item",
			in:   "a = [ \"A\" ]\n",
			edit: remove("A", "a"),
			want: "a = []\n",
		},
		{
			name: "remove what is not there",
			in:   "a = [\"x\"]\n",
			edit: remove("A", "a"),
			same: true,
		},
	})
}

func TestGet(t *testing.T) {
	t.Parallel()
	in := `# pieces everywhere
top = 0x1F
mcp_servers.a.command = "a"
f = +1_000.5
when = 1979-05-27T07:32:00Z
inf = -inf

[mcp_servers.b]
args = ['x', "y"]
env = { K = "v", n.m = 1 }

[mcp_servers.a.env]
X = """
two
lines"""

[[mcp_servers.list]]
name = "one"
[[mcp_servers.list]]
name = "two"
`
	d, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := d.Get()
	if !ok {
		t.Fatal("no top level")
	}
	gj, _ := got.MarshalJSON()
	want := `{"top":31,"mcp_servers":{"a":{"command":"a","env":{"X":"two\nlines"}},"b":{"args":["x","y"],` +
		`"env":{"K":"v","n":{"m":1}}},"list":[{"name":"one"},{"name":"two"}]},"f":1000.5,` +
		`"when":"1979-05-27T07:32:00Z","inf":"-inf"}`
	if diff := cmp.Diff(want, string(gj)); diff != "" {
		t.Errorf("Get() (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		path []string
		want string
	}{
		{[]string{"mcp_servers", "b", "env", "n", "m"}, "1"},
		{[]string{"mcp_servers", "list", config.Where("name", "two")}, `{"name":"two"}`},
		{[]string{"mcp_servers", "a", "env"}, `{"X":"two\nlines"}`},
	} {
		v, ok := d.Get(tt.path...)
		vj, _ := v.MarshalJSON()
		if !ok || string(vj) != tt.want {
			t.Errorf("Get(%q) = %s, %v; want %s", tt.path, vj, ok, tt.want)
		}
	}
	for _, path := range [][]string{
		{"missing"},
		{"top", "x"},
		{"mcp_servers", "list", "name"},
		{"mcp_servers", "list", config.Where("name", "three")},
	} {
		if v, ok := d.Get(path...); ok {
			vj, _ := v.MarshalJSON()
			t.Errorf("Get(%q) = %s, want nothing", path, vj)
		}
	}
}

// TestRefusals: paths through values and arrays of tables, and values
// TOML cannot hold, are refused and leave the bytes alone.
func TestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		edit     edit
		pathErr  bool
		contains string
	}{
		{"servers is a number", "mcp_servers = 3\n", setEntry, true, "mcp_servers is a number, not a table"},
		{"servers is a string, delete", "mcp_servers = \"x\"\n", delEntry, true, "not a table"},
		{"servers is an array", "mcp_servers = [1]\n", setEntry, true, "is an array, not a table"},
		{"servers is an array of tables", "[[mcp_servers]]\nname = \"x\"\n", setEntry, true, "array of tables"},
		{"set an array of tables", "[[mcp_servers.latchgate]]\ncommand = \"x\"\n", setEntry, true, "array of tables"},
		{"where on a table", "[mcp_servers]\n", set(trusted, "mcp_servers", config.Where("name", "x")), true, "searched"},
		{"projects is a string", "projects = \"x\"\n", setTrust, true, "projects is a string"},
		{"add to a string", "a = \"x\"\n", func(d *Document) (bool, error) { return d.AddToSet("y", "a") }, true, "a is a string, not an array"},
		{"add to a table", "[a]\n", func(d *Document) (bool, error) { return d.AddToSet("y", "a") }, true, "a is a table, not an array"},
		{"null", "", set(config.MustJSON(`{"a": null}`), "x"), false, "set x: TOML has no null"},
		{"huge integer", "", set(config.MustJSON(`99999999999999999999`), "x"), false, "does not fit"},
		{"huge float", "", set(config.MustJSON(`1e999`), "x"), false, "does not fit"},
		{"deep null", "", set(config.ListValue(config.ObjectValue(config.M("a", config.MustJSON(`[null]`)))), "x"), false, "TOML has no null"},
		{"key not UTF-8", "", set(config.ObjectValue(config.M("a\xff", config.IntValue(1))), "x"), false, "a key is not valid UTF-8"},
		{"string not UTF-8", "", set(config.StringList("ok", "\xff"), "x"), false, "a string is not valid UTF-8"},
		{"empty path", "", set(trusted), false, "set the top level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			changed, err := tt.edit(d)
			if err == nil || changed {
				t.Fatalf("changed=%v err=%v, want a refusal", changed, err)
			}
			var pe *config.PathError
			if errors.As(err, &pe) != tt.pathErr {
				t.Errorf("error %q (%T): PathError=%v, want %v", err, err, !tt.pathErr, tt.pathErr)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
			if got := string(d.Bytes()); got != tt.in {
				t.Errorf("bytes changed to %q", got)
			}
		})
	}
}

// TestSyntaxErrors: malformed files are refused with where the problem
// is, including what go-toml's unstable parser lets through and only its
// decoder catches.
func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        string
		line, col int
		contains  string
	}{
		{"value missing", "a = 1\nb =\n", 2, 4, "start of value"},
		{"unclosed header", "[mcp_servers\ncommand = 1\n", 1, 13, "expected ']'"},
		{"unclosed string", "a = 1\n\nb = \"x\n", 3, 7, "basic strings cannot have new lines"},
		{"duplicate key", "a = 1\na = 2\n", 2, 1, "already defined"},
		{"duplicate table", "[mcp_servers.x]\nc = 1\n\n[mcp_servers.x]\n", 4, 2, "already exists"},
		{"table after dotted keys", "a.b = 1\n[a]\n", 2, 2, "table a already exists"},
		{"dotted keys into a header table", "[a.b]\nc = 1\n[a]\nb.d = 1\n", 4, 1, "already defined"},
		{"extending an inline table", "a = { x = 1 }\n[a.y]\n", 2, 2, "inline table"},
		{"leading zero", "a = 01\n", 1, 5, "leading zero"},
		{"impossible date", "a = 1979-13-01\n", 1, 10, "date"},
		{"bare carriage return", "a = 1\rb = 2\n", 1, 6, "newline"},
		{"key with an escape in the message", "\"\\u001b[31m\" = 1\n\"\\u001b[31m\" = 2\n", 2, 1, `\u001b[31m`},
		{"top-level array", "[1, 2]\n", 1, 3, "expected ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.in))
			var se *config.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want a *config.SyntaxError", err, err)
			}
			if se.Line != tt.line || se.Column != tt.col {
				t.Errorf("at %d:%d (%v), want %d:%d", se.Line, se.Column, se.Msg, tt.line, tt.col)
			}
			if !strings.Contains(se.Msg, tt.contains) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.contains)
			}
			if strings.ContainsFunc(se.Msg, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("message %q has control characters", se.Msg)
			}
		})
	}
}

// TestEmptyInput: nothing but blanks is an empty table.
func TestEmptyInput(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", " ", "\n\r\n\t\n", "\xEF\xBB\xBF"} {
		d, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("parse %q: %v", in, err)
		}
		v, ok := d.Get()
		if !ok || v.Kind() != config.Object || v.Len() != 0 {
			t.Errorf("Get() of %q = %v, %v", in, v, ok)
		}
		if d.Format() != config.TOML {
			t.Errorf("Format() = %q", d.Format())
		}
		if !bytes.Equal(d.Bytes(), []byte(in)) {
			t.Errorf("Bytes() = %q, want %q", d.Bytes(), in)
		}
	}
}

// TestNotes: the Note/Notes pair works through config.Document.
func TestNotes(t *testing.T) {
	t.Parallel()
	var d config.Document
	doc, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	d = doc
	d.Note("moved %s", "x")
	if diff := cmp.Diff([]string{"moved x"}, d.Notes()); diff != "" {
		t.Error(diff)
	}
}

// TestSyntaxErrorsPastDecodeLimit: in files too big for go-toml's decoder
// to be asked (decodeLimit), parse's own checks refuse what it would.
func TestSyntaxErrorsPastDecodeLimit(t *testing.T) {
	t.Parallel()
	big := string(bigCodexConfig(2 * decodeLimit))
	lines := strings.Count(big, "\n")
	tests := []struct {
		name, tail string
		col        int
		contains   string
	}{
		{"table defined twice", "[mcp_servers.server-3]\n", 2, "table mcp_servers.server-3 already exists"},
		{"key defined twice", "notifications = false\n", 1, "key notifications is already defined"},
		{"impossible date", "[x]\nd = 2023-02-29\n", 13, "impossible date"},
		{"integer too large", "[x]\nn = 0x8000000000000000\n", 5, "does not fit in 64 bits"},
		{"dotted keys into a table with a header", "[mcp_servers]\nserver-1.x = 1\n", 1, "key server-1 is already defined"},
		{"duplicate key in an inline table in an array", "[x]\na = [{ b = 1, b = 2 }]\n", 15, "key b is already defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := big + tt.tail
			_, err := Parse([]byte(in))
			var se *config.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *config.SyntaxError", err)
			}
			if wantLine := lines + strings.Count(tt.tail, "\n"); se.Line != wantLine || se.Column != tt.col {
				t.Errorf("at %d:%d, want %d:%d", se.Line, se.Column, wantLine, tt.col)
			}
			if !strings.Contains(se.Msg, tt.contains) {
				t.Errorf("message %q does not contain %q", se.Msg, tt.contains)
			}
		})
	}
}
