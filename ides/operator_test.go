package ides_test

import (
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/formats"
)

func TestListItems(t *testing.T) {
	t.Parallel()
	deny := ides.ListItem{Key: []string{"permissions", "deny"}, Value: config.StringValue("mcp__x")}
	server := ides.ListItem{Key: []string{"deniedMcpServers"}, Value: config.MustJSON(`{"serverName": "x"}`)}
	tests := []struct {
		name    string
		item    ides.ListItem
		add     bool
		in      string
		want    string
		changed bool
		err     string
	}{
		{"add string to absent list", deny, true, `{}`, `{"permissions":{"deny":["mcp__x"]}}`, true, ""},
		{"add object to absent list", server, true, `{"a": 1}`, `{"a":1,"deniedMcpServers":[{"serverName":"x"}]}`, true, ""},
		{"object there in another key order", ides.ListItem{Key: []string{"l"}, Value: config.MustJSON(`{"a": 1, "b": 2}`)}, true,
			`{"l": [{"b": 2, "a": 1}]}`, `{"l":[{"b":2,"a":1}]}`, false, ""},
		{"object appended", server, true, `{"deniedMcpServers": [{"serverName": "y"}]}`,
			`{"deniedMcpServers":[{"serverName":"y"},{"serverName":"x"}]}`, true, ""},
		{"not a list", server, true, `{"deniedMcpServers": {"serverName": "x"}}`, "", false, "deniedMcpServers is an object, not a list"},
		{"remove keeps the others", server, false, `{"deniedMcpServers": [{"serverName": "y"}, {"serverName": "x"}]}`,
			`{"deniedMcpServers":[{"serverName":"y"}]}`, true, ""},
		{"remove the last: the list and empty parents go", deny, false, `{"model": "m", "permissions": {"deny": ["mcp__x"]}}`,
			`{"model":"m"}`, true, ""},
		{"remove the last: a parent with other keys stays", deny, false, `{"permissions": {"allow": [], "deny": ["mcp__x"]}}`,
			`{"permissions":{"allow":[]}}`, true, ""},
		{"remove absent", deny, false, `{"permissions": {"deny": ["Bash"]}}`, `{"permissions":{"deny":["Bash"]}}`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := formats.Parse(config.JSON, []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			edit := ides.RemoveItem(tt.item)
			if tt.add {
				edit = ides.AddItem(tt.item)
			}
			changed, err := edit(doc)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := doc.Get()
			b, _ := got.MarshalJSON()
			if string(b) != tt.want || changed != tt.changed {
				t.Errorf("got %s (changed %v), want %s (changed %v)", b, changed, tt.want, tt.changed)
			}
			if tt.add && !ides.ItemPresent(doc, tt.item) {
				t.Errorf("the item is not present after AddItem")
			}
		})
	}
}
