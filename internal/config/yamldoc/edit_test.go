package yamldoc

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// entry is a short server entry, so expected texts stay readable.
var entry = config.ObjectValue(
	config.M("command", config.StringValue("latchgate-mcp")),
	config.M("args", config.StringList("serve", "--gate-url", "http://127.0.0.1:3000")),
)

// item is entry in Continue's list form.
var item = config.ObjectValue(append([]config.Member{config.M("name", config.StringValue("latchgate"))}, entry.Members()...)...)

var lg = config.Where("name", "latchgate")

type edit func(*Document) (bool, error)

func set(v config.Value, path ...string) edit {
	return func(d *Document) (bool, error) { return d.Set(v, path...) }
}

func del(path ...string) edit {
	return func(d *Document) (bool, error) { return d.Delete(path...) }
}

func add(s string, path ...string) edit {
	return func(d *Document) (bool, error) { return d.AddToSet(s, path...) }
}

func remove(s string, path ...string) edit {
	return func(d *Document) (bool, error) { return d.RemoveFromSet(s, path...) }
}

type editCase struct {
	name  string
	in    string
	edit  edit
	want  string
	notes []string
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
			got := string(d.Bytes())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("text (-want +got):\n%s\ngot:\n%s", diff, got)
			}
			if changed != (tt.want != tt.in) {
				t.Errorf("changed = %v", changed)
			}
			if diff := cmp.Diff(tt.notes, d.Notes()); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
			// Whatever the edit wrote must parse again, and a second
			// run of the same edit changes nothing.
			d2, err := Parse([]byte(got))
			if err != nil {
				t.Fatalf("output does not parse: %v", err)
			}
			if changed, err := tt.edit(d2); err != nil || changed || string(d2.Bytes()) != got {
				t.Errorf("second run: changed=%v err=%v\n%s", changed, err, d2.Bytes())
			}
		})
	}
}

const entryLines = `    command: latchgate-mcp
    args:
      - serve
      - --gate-url
      - http://127.0.0.1:3000
`

// TestSetMapping covers the map form (Hermes' mcp_servers, Goose's
// extensions): where a new entry goes, what stays around it.
func TestSetMapping(t *testing.T) {
	runEdits(t, []editCase{
		{
			name: "after the other servers, before what follows",
			in:   "mcp_servers:\n  a:\n    command: x\nmodel: y\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a:\n    command: x\n  latchgate:\n" + entryLines + "model: y\n",
		},
		{
			name: "commented-out servers stay above, a comment for the next key stays below",
			in:   "mcp_servers:\n  a:\n    command: x # beside\n  # b:\n  #   command: y\n\n# Model\nmodel: y\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a:\n    command: x # beside\n  # b:\n  #   command: y\n  latchgate:\n" + entryLines +
				"\n# Model\nmodel: y\n",
		},
		{
			name: "servers before and after ours: an update stays in place",
			in:   "mcp_servers:\n  a: {command: x}\n  latchgate:\n    command: old\n  b: {command: y}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a: {command: x}\n  latchgate:\n    command: latchgate-mcp\n    args:\n      - serve\n      - --gate-url\n      - http://127.0.0.1:3000\n  b: {command: y}\n",
		},
		{
			name: "an existing entry keeps the user's comments, style and order",
			in: "mcp_servers:\n  # ours\n  latchgate: # installed by latchgate-mcp\n    args: [serve] # flow stays flow\n" +
				"    # the binary:\n    command: \"old\" # pinned\n    cwd: /tmp\n  other: {command: x}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  # ours\n  latchgate: # installed by latchgate-mcp\n" +
				"    args: [serve, --gate-url, \"http://127.0.0.1:3000\"] # flow stays flow\n" +
				"    # the binary:\n    command: \"latchgate-mcp\" # pinned\n  other: {command: x}\n",
		},
		{
			name: "4-space indentation",
			in:   "mcp_servers:\n    a:\n        command: x\n        args:\n            - y\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n    a:\n        command: x\n        args:\n            - y\n    latchgate:\n        command: latchgate-mcp\n" +
				"        args:\n            - serve\n            - --gate-url\n            - http://127.0.0.1:3000\n",
		},
		{
			name: "sequences not indented under their key",
			in:   "mcp_servers:\n  a:\n    args:\n    - y\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a:\n    args:\n    - y\n  latchgate:\n    command: latchgate-mcp\n    args:\n    - serve\n    - --gate-url\n    - http://127.0.0.1:3000\n",
		},
		{
			name: "CRLF line ends",
			in:   "mcp_servers:\r\n  a:\r\n    command: x\r\nmodel: y\r\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\r\n  a:\r\n    command: x\r\n  latchgate:\r\n" + strings.ReplaceAll(entryLines, "\n", "\r\n") + "model: y\r\n",
		},
		{
			name: "no final newline stays without one",
			in:   "mcp_servers:\n  a:\n    command: x",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a:\n    command: x\n  latchgate:\n" + strings.TrimSuffix(entryLines, "\n"),
		},
		{
			name: "missing parent created at the end, after the last comment",
			in:   "model: y\n# the end\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "model: y\n# the end\nmcp_servers:\n  latchgate:\n" + entryLines,
		},
		{
			name: "empty file",
			in:   "",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  latchgate:\n" + entryLines,
		},
		{
			name: "comment-only file keeps its comments",
			in:   "# Hermes config\n\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "# Hermes config\nmcp_servers:\n  latchgate:\n" + entryLines + "\n",
		},
		{
			name: "null parent is filled, its comments stay",
			in:   "mcp_servers: # none yet\n  # a: {command: x}\nmodel: y\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers: # none yet\n  # a: {command: x}\n  latchgate:\n" + entryLines + "model: y\n",
		},
		{
			name: "empty flow parent becomes block",
			in:   "mcp_servers: {} # none yet\nmodel: y\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers: # none yet\n  latchgate:\n" + entryLines + "model: y\n",
		},
		{
			name: "non-empty flow parent gets the entry in flow style",
			in:   "mcp_servers: {a: {command: x}}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers: {a: {command: x}, latchgate: {command: latchgate-mcp, args: [serve, --gate-url, \"http://127.0.0.1:3000\"]}}\n",
		},
		{
			name: "multi-line flow parent gets the entry on its own line",
			in:   "mcp_servers: {\n  a: {command: x}, # one\n}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers: {\n  a: {command: x}, # one\n  latchgate: {command: latchgate-mcp, args: [serve, --gate-url, \"http://127.0.0.1:3000\"]},\n}\n",
		},
		{
			name: "flow top level",
			in:   "{model: y}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "{model: y, mcp_servers: {latchgate: {command: latchgate-mcp, args: [serve, --gate-url, \"http://127.0.0.1:3000\"]}}}\n",
		},
		{
			name: "an empty flow parent with spaces inside stays flow",
			in:   "mcp_servers: { } # none yet\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers: { latchgate: {command: latchgate-mcp, args: [serve, --gate-url, \"http://127.0.0.1:3000\"]}} # none yet\n",
		},
		{
			name: "an empty flow parent over lines gets the entry on its own line",
			in:   "mcp_servers: {\n  # none yet\n}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers: {\n  # none yet\n  latchgate: {command: latchgate-mcp, args: [serve, --gate-url, \"http://127.0.0.1:3000\"]}\n}\n",
		},
		{
			name: "an anchored null parent keeps its anchor",
			in:   "mcp_servers: &m ~\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers: &m\n  latchgate:\n" + entryLines,
		},
		{
			name: "a flow key without a value gets one",
			in:   "{mcp_servers, b: 1}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "{mcp_servers: {latchgate: {command: latchgate-mcp, args: [serve, --gate-url, \"http://127.0.0.1:3000\"]}}, b: 1}\n",
		},
		{
			name: "anchors, aliases and merge keys elsewhere stay",
			in:   "defaults: &d\n  timeout: 30\nmcp_servers:\n  a:\n    <<: *d\n    command: x\n  b: &b {command: y}\nc: *b\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "defaults: &d\n  timeout: 30\nmcp_servers:\n  a:\n    <<: *d\n    command: x\n  b: &b {command: y}\n  latchgate:\n" + entryLines + "c: *b\n",
		},
		{
			name: "document markers stay",
			in:   "--- # config\nmcp_servers:\n  a: {command: x}\n...\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "--- # config\nmcp_servers:\n  a: {command: x}\n  latchgate:\n" + entryLines + "...\n",
		},
		{
			name: "a block scalar's comment-like lines are its content",
			in:   "mcp_servers:\n  a:\n    script: |\n      # not a comment\n      echo hi\n  # a comment\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a:\n    script: |\n      # not a comment\n      echo hi\n  # a comment\n  latchgate:\n" + entryLines,
		},
		{
			name: "a file ending in a block scalar without a line break: the entry goes before the last one",
			in:   "mcp_servers:\n  a:\n    script: |\n      echo hi",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  latchgate:\n" + entryLines + "  a:\n    script: |\n      echo hi",
		},
		{
			name: "explicit keys indent from their indicator",
			in:   "? mcp_servers\n: a: 1\n? other\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "? mcp_servers\n: a: 1\n  latchgate:\n" + entryLines + "? other\n",
		},
		{
			name: "members removed up to the end of a file without a line break",
			in:   "mcp_servers:\n  latchgate:\n    type: stdio\n    cwd: /tmp",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  latchgate:\n" + strings.TrimSuffix(entryLines, "\n"),
		},
		{
			name: "equal value is a no-op, whatever the style",
			in:   "mcp_servers:\n  latchgate: {args: ['serve', \"--gate-url\", http://127.0.0.1:3000], command: latchgate-mcp}\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  latchgate: {args: ['serve', \"--gate-url\", http://127.0.0.1:3000], command: latchgate-mcp}\n",
		},
		{
			name: "a scalar keeps its quoting",
			in:   "a:\n  s: 'old' # c\n  d: \"old\"\n  p: old\n",
			edit: set(config.MustJSON(`{"s":"it's","d":"new","p":"yes"}`), "a"),
			want: "a:\n  s: 'it''s' # c\n  d: \"new\"\n  p: \"yes\"\n",
		},
		{
			name: "replacing a value of another kind",
			in:   "mcp_servers:\n  latchgate: disabled # was off\nmodel: y\n",
			edit: set(entry, "mcp_servers", "latchgate"),
			want: "mcp_servers:\n  latchgate: # was off\n" + entryLines + "model: y\n",
		},
	})
}

// TestSetList covers Continue's list form: mcpServers: [{name: x, ...}].
func TestSetList(t *testing.T) {
	runEdits(t, []editCase{
		{
			name: "appended after the other items",
			in:   "name: Local\nversion: 1.0.0\nmcpServers:\n  - name: a\n    command: x\nmodels: []\n",
			edit: set(item, "mcpServers", lg),
			want: "name: Local\nversion: 1.0.0\nmcpServers:\n  - name: a\n    command: x\n  - name: latchgate\n    command: latchgate-mcp\n" +
				"    args:\n      - serve\n      - --gate-url\n      - http://127.0.0.1:3000\nmodels: []\n",
		},
		{
			name: "name put first when the entry lacks it",
			in:   "mcpServers:\n- name: a\n  command: x\n",
			edit: set(entry, "mcpServers", lg),
			want: "mcpServers:\n- name: a\n  command: x\n- name: latchgate\n  command: latchgate-mcp\n  args:\n  - serve\n  - --gate-url\n  - http://127.0.0.1:3000\n",
		},
		{
			name: "existing item updated in place, comments kept",
			in:   "mcpServers:\n  - name: latchgate # ours\n    type: stdio\n    command: old\n  - name: b\n    command: y\n",
			edit: set(item, "mcpServers", lg),
			want: "mcpServers:\n  - name: latchgate # ours\n    command: latchgate-mcp\n    args:\n      - serve\n      - --gate-url\n      - http://127.0.0.1:3000\n  - name: b\n    command: y\n",
		},
		{
			name: "a member on the dash line that goes rewrites the item",
			in:   "mcpServers:\n  - type: stdio\n    name: latchgate\n    command: old\n",
			edit: set(item, "mcpServers", lg),
			want: "mcpServers:\n  - name: latchgate\n    command: latchgate-mcp\n    args:\n      - serve\n      - --gate-url\n      - http://127.0.0.1:3000\n",
		},
		{
			name: "empty flow list becomes block",
			in:   "name: Local\nmcpServers: []\n",
			edit: set(item, "mcpServers", lg),
			want: "name: Local\nmcpServers:\n  - name: latchgate\n    command: latchgate-mcp\n    args:\n      - serve\n      - --gate-url\n      - http://127.0.0.1:3000\n",
		},
		{
			name: "non-empty flow list gets a flow item",
			in:   "mcpServers: [{name: a, command: x}]\n",
			edit: set(item, "mcpServers", lg),
			want: "mcpServers: [{name: a, command: x}, {name: latchgate, command: latchgate-mcp, args: [serve, --gate-url, \"http://127.0.0.1:3000\"]}]\n",
		},
		{
			name: "missing list created",
			in:   "name: Local\nversion: 1.0.0\nschema: v1\n",
			edit: set(item, "mcpServers", lg),
			want: "name: Local\nversion: 1.0.0\nschema: v1\nmcpServers:\n  - name: latchgate\n    command: latchgate-mcp\n" +
				"    args:\n      - serve\n      - --gate-url\n      - http://127.0.0.1:3000\n",
		},
		{
			name: "a member of an item",
			in:   "mcpServers:\n  - name: latchgate\n    command: x\n  - name: b\n",
			edit: set(config.MustJSON(`{"A":"1"}`), "mcpServers", lg, "env"),
			want: "mcpServers:\n  - name: latchgate\n    command: x\n    env:\n      A: \"1\"\n  - name: b\n",
		},
		{
			name: "an argument added to an item's list",
			in:   "mcpServers:\n  - name: latchgate\n    args: [serve]\n",
			edit: add("--verbose", "mcpServers", lg, "args"),
			want: "mcpServers:\n  - name: latchgate\n    args: [serve, --verbose]\n",
		},
		{
			name: "a member of a missing item creates the item, named",
			in:   "mcpServers:\n  - name: b\n",
			edit: set(config.StringValue("x"), "mcpServers", lg, "command"),
			want: "mcpServers:\n  - name: b\n  - name: latchgate\n    command: x\n",
		},
		{
			name:  "a second item of the same name is removed",
			in:    "mcpServers:\n  - name: latchgate\n    command: latchgate-mcp\n  - name: b\n  - name: latchgate\n    command: old\n",
			edit:  set(config.MustJSON(`{"name":"latchgate","command":"latchgate-mcp"}`), "mcpServers", lg),
			want:  "mcpServers:\n  - name: latchgate\n    command: latchgate-mcp\n  - name: b\n",
			notes: []string{"removed a second [name=latchgate] entry from mcpServers"},
		},
	})
}

// TestDelete covers removals.
func TestDelete(t *testing.T) {
	runEdits(t, []editCase{
		{
			name: "the entry and the comments indented under it go, the one above stays",
			in:   "mcp_servers:\n  a: 1\n  # about ours\n  latchgate:\n    command: x\n    # env: {}\n\n  # about b\n  b: 2\n",
			edit: del("mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a: 1\n  # about ours\n\n  # about b\n  b: 2\n",
		},
		{
			name: "the last entry leaves {}",
			in:   "mcp_servers:\n  latchgate:\n    command: x\nmodel: y\n",
			edit: del("mcp_servers", "latchgate"),
			want: "mcp_servers: {}\nmodel: y\n",
		},
		{
			name: "the last item leaves [] before the comment",
			in:   "mcpServers: # servers\n  - name: latchgate\n",
			edit: del("mcpServers", lg),
			want: "mcpServers: [] # servers\n",
		},
		{
			name: "every item of the name",
			in:   "mcpServers:\n- name: latchgate\n- name: b\n- {name: latchgate, command: x}\n",
			edit: del("mcpServers", lg),
			want: "mcpServers:\n- name: b\n",
		},
		{
			name: "from a flow mapping",
			in:   "mcp_servers: {a: 1, latchgate: {command: x}, b: 2}\n",
			edit: del("mcp_servers", "latchgate"),
			want: "mcp_servers: {a: 1, b: 2}\n",
		},
		{
			name: "the last of a flow mapping",
			in:   "mcp_servers: {a: 1, latchgate: {command: x}}\n",
			edit: del("mcp_servers", "latchgate"),
			want: "mcp_servers: {a: 1}\n",
		},
		{
			name: "the last entry after a block scalar at the end of a file keeps the scalar's line break",
			in:   "a: |\n  x\nlatchgate: 1",
			edit: del("latchgate"),
			want: "a: |\n  x\n",
		},
		{
			name: "absent is no change",
			in:   "mcp_servers:\n  a: 1\n",
			edit: del("mcp_servers", "latchgate"),
			want: "mcp_servers:\n  a: 1\n",
		},
		{
			name: "a top-level key",
			in:   "a: 1\nlatchgate: 2\nb: 3\n",
			edit: del("latchgate"),
			want: "a: 1\nb: 3\n",
		},
		{
			name: "the last line of a file without a final newline",
			in:   "a: 1\nlatchgate: 2",
			edit: del("latchgate"),
			want: "a: 1",
		},
	})
}

// TestSets covers AddToSet and RemoveFromSet.
func TestSets(t *testing.T) {
	runEdits(t, []editCase{
		{
			name: "add to a block list",
			in:   "a:\n  trust:\n    - x # first\n  b: 1\n",
			edit: add("latchgate", "a", "trust"),
			want: "a:\n  trust:\n    - x # first\n    - latchgate\n  b: 1\n",
		},
		{
			name: "add to a flow list",
			in:   "trust: [x]\n",
			edit: add("latchgate", "trust"),
			want: "trust: [x, latchgate]\n",
		},
		{
			name: "add to an empty flow list",
			in:   "trust: []\n",
			edit: add("latchgate", "trust"),
			want: "trust:\n  - latchgate\n",
		},
		{
			name: "add creates the list",
			in:   "a: 1\n",
			edit: add("yes", "trust"),
			want: "a: 1\ntrust:\n  - \"yes\"\n",
		},
		{
			name: "add what is there",
			in:   "trust: [x, 'latchgate']\n",
			edit: add("latchgate", "trust"),
			want: "trust: [x, 'latchgate']\n",
		},
		{
			name: "remove every copy",
			in:   "trust:\n  - latchgate\n  - x\n  - latchgate\n",
			edit: remove("latchgate", "trust"),
			want: "trust:\n  - x\n",
		},
		{
			name: "remove the last leaves []",
			in:   "trust:\n  - latchgate\nb: 1\n",
			edit: remove("latchgate", "trust"),
			want: "trust: []\nb: 1\n",
		},
		{
			name: "remove from a flow list",
			in:   "trust: [x, latchgate]\n",
			edit: remove("latchgate", "trust"),
			want: "trust: [x]\n",
		},
	})
}

// TestDeleteRestores checks the promise install and uninstall rely on: a
// delete after a fresh set gives back the original bytes exactly.
func TestDeleteRestores(t *testing.T) {
	inputs := []string{
		continueConfig,
		hermesConfig,
		gooseConfig,
		"mcp_servers:\n  a:\n    command: x\n  # b:\n  #   command: y\n\n# Model\nmodel: y\n",
		"mcp_servers: {}\n",
		"mcp_servers: {} # none\nmodel: y\n",
		"mcpServers: []\n",
		"mcpServers: [] # none\n",
		"mcp_servers: {a: {command: x}}\n",
		"mcp_servers: {\n  a: {command: x}, # one\n}\n",
		"mcpServers: [{name: a}]\n",
		"mcp_servers:\n    a:\n        command: x\n",
		"mcpServers:\n- name: a\n",
		"mcp_servers:\r\n  a:\r\n    command: x\r\n",
		"mcp_servers:\n  a:\n    command: x",
		"mcpServers:\n  - name: a",
		"\xEF\xBB\xBFmcp_servers:\n  a: 1\n",
		"--- # config\nmcp_servers:\n  a: {command: x}\n...\n",
		"defaults: &d {timeout: 30}\nmcp_servers:\n  a:\n    <<: *d\n",
		"mcpServers: [ ]\nmcp_servers: { }\n",
		"mcpServers: [\n  # none yet\n]\nmcp_servers: {\n}\n",
		"mcpServers: &s []\nmcp_servers: &m {}\n",
	}
	for _, in := range inputs {
		for _, path := range [][]string{{"mcp_servers", "latchgate"}, {"extensions", "latchgate"}, {"mcpServers", lg}} {
			v := entry
			if path[1] == lg {
				v = item
			}
			d, err := Parse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := d.Get(path...); ok {
				continue
			}
			isParent := func() bool { _, ok := d.Get(path[0]); return ok }()
			if changed, err := d.Set(v, path...); err != nil || !changed {
				t.Fatalf("set %v: changed=%v err=%v\n%s", path, changed, err, in)
			}
			if changed, err := d.Delete(path...); err != nil || !changed {
				t.Fatalf("delete %v: changed=%v err=%v", path, changed, err)
			}
			want := in
			if !isParent {
				// A parent the set created stays, empty.
				empty := " {}"
				if path[1] == lg {
					empty = " []"
				}
				want = strings.TrimSuffix(in, "\n") + "\n" + path[0] + ":" + empty + "\n"
				if !strings.HasSuffix(in, "\n") {
					want = strings.TrimSuffix(want, "\n")
				}
				if strings.HasSuffix(in, "\r\n") {
					want = strings.TrimSuffix(in, "\r\n") + "\r\n" + path[0] + ":" + empty + "\r\n"
				}
				if strings.HasSuffix(in, "...\n") {
					want = strings.TrimSuffix(in, "...\n") + path[0] + ":" + empty + "\n...\n"
				}
			}
			if got := string(d.Bytes()); got != want {
				t.Errorf("%v: after set and delete:\n%q\nwant:\n%q", path, got, want)
			}
		}
	}
}

// TestRealFiles edits the real shapes: where the entry lands in each
// client's file, in its style.
func TestRealFiles(t *testing.T) {
	goose := config.MustJSON(`{"args":["serve","--gate-url","http://127.0.0.1:3000"],"cmd":"latchgate-mcp","enabled":true,` +
		`"envs":{"LATCHGATE_AGENT_ID":"goose"},"name":"latchgate","timeout":300,"type":"stdio"}`)
	after := func(in, anchor, added string) string {
		if !strings.Contains(in, anchor) {
			t.Fatalf("fixture lacks %q", anchor)
		}
		return strings.Replace(in, anchor, anchor+added, 1)
	}
	runEdits(t, []editCase{
		{
			name: "Continue",
			in:   continueConfig,
			edit: set(item, "mcpServers", lg),
			want: after(continueConfig, "GITHUB_PERSONAL_ACCESS_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n",
				"  - name: latchgate\n    command: latchgate-mcp\n    args:\n      - serve\n      - --gate-url\n      - http://127.0.0.1:3000\n"),
		},
		{
			name: "Hermes",
			in:   hermesConfig,
			edit: set(entry, "mcp_servers", "latchgate"),
			want: after(hermesConfig, "  #   args: [\"-y\", \"@modelcontextprotocol/server-github\"]\n", "  latchgate:\n"+entryLines),
		},
		{
			name: "Goose",
			in:   gooseConfig,
			edit: set(goose, "extensions", "latchgate"),
			want: after(gooseConfig, "    type: stdio\n", "  latchgate:\n    args:\n    - serve\n    - --gate-url\n    - http://127.0.0.1:3000\n"+
				"    cmd: latchgate-mcp\n    enabled: true\n    envs:\n      LATCHGATE_AGENT_ID: goose\n    name: latchgate\n    timeout: 300\n    type: stdio\n"),
		},
		{
			name: "Goose, updating our entry in place",
			in:   after(gooseConfig, "    type: stdio\n", "  latchgate:\n    cmd: old\n    enabled: false # off for now\n    name: latchgate\n"),
			edit: set(goose, "extensions", "latchgate"),
			want: after(gooseConfig, "    type: stdio\n", "  latchgate:\n    cmd: latchgate-mcp\n    enabled: true # off for now\n    name: latchgate\n"+
				"    args:\n    - serve\n    - --gate-url\n    - http://127.0.0.1:3000\n    envs:\n      LATCHGATE_AGENT_ID: goose\n    timeout: 300\n    type: stdio\n"),
		},
	})
}
