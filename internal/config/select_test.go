package config_test

import (
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/jsondoc"
)

func TestSelect(t *testing.T) {
	patterns := [][]string{{"mcpServers"}, {"projects", "*", "mcpServers"}}
	tests := []struct{ name, in, want string }{
		{"servers only", `{"numStartups": 3, "mcpServers": {"a": {"command": "x"}}, "projects": {"/p": {"history": [1, 2], "mcpServers": {"b": {}}}, "/q": {"history": []}}}`,
			`{"mcpServers":{"a":{"command":"x"}},"projects":{"/p":{"mcpServers":{"b":{}}}}}`},
		{"nothing there", `{"other": 1}`, `{}`},
		{"projects with no servers left out", `{"mcpServers": {}, "projects": {"/p": {"mcpServers": {}}, "/q": {"mcpServers": {"b": {}}}, "/r": {"mcpServers": { }}}}`,
			`{"mcpServers":{},"projects":{"/q":{"mcpServers":{"b":{}}}}}`},
		{"wrong type kept for the schema", `{"projects": []}`, `{"projects":[]}`},
		{"project with a wrong servers type", `{"projects": {"/p": {"mcpServers": 5}}}`, `{"projects":{"/p":{"mcpServers":5}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := jsondoc.Parse([]byte(tt.in), true)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := config.Select(doc, patterns)
			got, _ := v.MarshalJSON()
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
