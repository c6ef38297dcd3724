package jsondoc

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// TestAddRemoveItem covers object elements of a list used as a set (Claude
// Code's allowedMcpServers): where they go, that an equal one (keys in
// another order) is not added twice, and that removing the element gives
// back the exact original bytes.
func TestAddRemoveItem(t *testing.T) {
	pin := config.ObjectValue(config.M("serverCommand", config.StringList("/bin/lg", "serve")))
	tests := []struct {
		name, in, want string
		path           []string
	}{
		{
			name: "new list in a new parent",
			in:   "{\n  \"model\": \"x\"\n}\n",
			path: []string{"allowedMcpServers"},
			want: "{\n  \"model\": \"x\",\n  \"allowedMcpServers\": [\n    {\n      \"serverCommand\": [\n        \"/bin/lg\",\n        \"serve\"\n      ]\n    }\n  ]\n}\n",
		},
		{
			name: "multi-line list of objects",
			in:   "{\n  \"allowedMcpServers\": [\n    {\n      \"serverName\": \"gh\"\n    }\n  ]\n}\n",
			path: []string{"allowedMcpServers"},
			want: "{\n  \"allowedMcpServers\": [\n    {\n      \"serverName\": \"gh\"\n    },\n    {\n      \"serverCommand\": [\n        \"/bin/lg\",\n        \"serve\"\n      ]\n    }\n  ]\n}\n",
		},
		{
			name: "empty list",
			in:   "{\n  \"allowedMcpServers\": []\n}\n",
			path: []string{"allowedMcpServers"},
			want: "{\n  \"allowedMcpServers\": [\n    {\n      \"serverCommand\": [\n        \"/bin/lg\",\n        \"serve\"\n      ]\n    }\n  ]\n}\n",
		},
		{
			name: "one-line list",
			in:   `{"allowedMcpServers": [{"serverName": "gh"}]}`,
			path: []string{"allowedMcpServers"},
			want: `{"allowedMcpServers": [{"serverName": "gh"}, {"serverCommand": ["/bin/lg", "serve"]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := Parse([]byte(tt.in), true)
			if err != nil {
				t.Fatal(err)
			}
			if changed, err := config.AddItem(d, pin, tt.path...); err != nil || !changed {
				t.Fatalf("AddItem: changed %v, err %v", changed, err)
			}
			if diff := cmp.Diff(tt.want, string(d.Bytes())); diff != "" {
				t.Errorf("after AddItem (-want +got):\n%s", diff)
			}
			if !config.HasItem(d, pin, tt.path...) {
				t.Error("HasItem does not find the element added")
			}
			// The same object with its keys reordered is already there.
			again := config.ObjectValue(pin.Members()...)
			if changed, err := config.AddItem(d, again, tt.path...); err != nil || changed {
				t.Errorf("second AddItem: changed %v, err %v", changed, err)
			}
			if changed, err := config.RemoveItem(d, pin, tt.path...); err != nil || !changed {
				t.Fatalf("RemoveItem: changed %v, err %v", changed, err)
			}
			if tt.name == "new list in a new parent" {
				// The emptied list is the caller's to delete.
				if _, err := d.Delete(tt.path...); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.in, string(d.Bytes())); diff != "" {
				t.Errorf("after RemoveItem (-original +got):\n%s", diff)
			}
		})
	}
}

// TestItemNotAList refuses to add to something that is not a list.
func TestItemNotAList(t *testing.T) {
	t.Parallel()
	d, err := Parse([]byte(`{"allowedMcpServers": {"a": 1}}`), true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = config.AddItem(d, config.ObjectValue(config.M("serverName", config.StringValue("x"))), "allowedMcpServers")
	if err == nil || err.Error() != "allowedMcpServers is an object, not an array" {
		t.Errorf("err = %v", err)
	}
}
