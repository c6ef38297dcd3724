package schemas

import (
	"strings"
	"testing"
)

func TestEverySchemaResolves(t *testing.T) {
	names := Names()
	if len(names) < 5 {
		t.Fatalf("Names() = %v, want at least 5 schemas", names)
	}
	for _, n := range names {
		if _, err := resolved(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, schema, doc string
		wantErr           string // "" means valid
	}{
		{"claude project", "claude-code-mcp.schema.json", `{"mcpServers":{"latchgate":{"type":"stdio","command":"latchgate-mcp","args":["serve"],"env":{"A":"b"}}}}`, ""},
		{"claude project remote", "claude-code-mcp.schema.json", `{"mcpServers":{"web":{"type":"http","url":"https://x"}}}`, ""},
		{"claude project servers key", "claude-code-mcp.schema.json", `{"servers":{}}`, "mcpServers"},
		{"claude project servers not object", "claude-code-mcp.schema.json", `{"mcpServers":[]}`, "does not match"},
		{"claude project env number", "claude-code-mcp.schema.json", `{"mcpServers":{"a":{"command":"x","env":{"N":1}}}}`, "does not match"},
		{"claude project url without type", "claude-code-mcp.schema.json", `{"mcpServers":{"a":{"url":"https://x"}}}`, "does not match"},
		{"claude state", "claude-code-state.schema.json", `{"numStartups":3,"mcpServers":{"a":{"command":"x"}},"projects":{"/p":{"mcpServers":{"b":{"command":"y"}},"allowedTools":[]}}}`, ""},
		{"claude state bad local entry", "claude-code-state.schema.json", `{"projects":{"/p":{"mcpServers":{"b":{"args":["no command"]}}}}}`, "does not match"},
		{"cursor", "cursor-mcp.schema.json", `{"mcpServers":{"latchgate":{"command":"/bin/x","args":[],"env":{"X":"${env:X}"}}}}`, ""},
		{"cursor unknown field", "cursor-mcp.schema.json", `{"mcpServers":{"latchgate":{"command":"/bin/x","cwd":"."}}}`, "does not match"},
		{"vscode jsonc", "vscode-mcp.schema.json", "{\n  // c\n  \"servers\": {\"a\": {\"type\": \"stdio\", \"command\": \"x\", \"env\": {\"N\": 1, \"M\": null},},},\n  \"inputs\": [{\"type\": \"promptString\", \"id\": \"tok\", \"password\": true}],\n}", ""},
		{"vscode bad input", "vscode-mcp.schema.json", `{"servers":{},"inputs":[{"id":"x","type":"secret"}]}`, "does not match"},
		{"vscode args not strings", "vscode-mcp.schema.json", `{"servers":{"a":{"command":"x","args":[1]}}}`, "does not match"},
		{"not json", "vscode-mcp.schema.json", `{"servers":`, "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.schema, []byte(tt.doc))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Validate accepted %s", tt.doc)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}
