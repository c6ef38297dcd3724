package schemas

import (
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func TestEverySchemaResolves(t *testing.T) {
	names := Names()
	if len(names) != 6 {
		t.Fatalf("Names() = %v, want 6 schemas", names)
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
		{"claude project", ClaudeProject, `{"mcpServers":{"latchgate":{"type":"stdio","command":"latchgate-mcp","args":["serve"],"env":{"A":"b"}}}}`, ""},
		{"claude project remote", ClaudeProject, `{"mcpServers":{"web":{"type":"http","url":"https://x"}}}`, ""},
		{"claude project servers key", ClaudeProject, `{"servers":{}}`, "mcpServers"},
		{"claude project servers not object", ClaudeProject, `{"mcpServers":[]}`, "does not match"},
		{"claude project env number", ClaudeProject, `{"mcpServers":{"a":{"command":"x","env":{"N":1}}}}`, "does not match"},
		{"claude project url without type", ClaudeProject, `{"mcpServers":{"a":{"url":"https://x"}}}`, "does not match"},
		{"claude state", ClaudeState, `{"numStartups":3,"mcpServers":{"a":{"command":"x"}},"projects":{"/p":{"mcpServers":{"b":{"command":"y"}},"allowedTools":[]}}}`, ""},
		{"claude state bad local entry", ClaudeState, `{"projects":{"/p":{"mcpServers":{"b":{"args":["no command"]}}}}}`, "does not match"},
		{"cursor", Cursor, `{"mcpServers":{"latchgate":{"command":"/bin/x","args":[],"env":{"X":"${env:X}"}}}}`, ""},
		{"cursor unknown field", Cursor, `{"mcpServers":{"latchgate":{"command":"/bin/x","cwd":"."}}}`, "does not match"},
		{"vscode jsonc", VSCode, "{\n  // c\n  \"servers\": {\"a\": {\"type\": \"stdio\", \"command\": \"x\", \"env\": {\"N\": 1, \"M\": null},},},\n  \"inputs\": [{\"type\": \"promptString\", \"id\": \"tok\", \"password\": true}],\n}", ""},
		{"vscode bad input", VSCode, `{"servers":{},"inputs":[{"id":"x","type":"secret"}]}`, "does not match"},
		{"vscode args not strings", VSCode, `{"servers":{"a":{"command":"x","args":[1]}}}`, "does not match"},
		{"not json", VSCode, `{"servers":`, "parse"},
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

func TestFor(t *testing.T) {
	tests := []struct {
		id    string
		scope ides.Scope
		want  string
	}{
		{"claude-code", ides.ScopeUser, ClaudeState},
		{"claude-code", ides.ScopeLocal, ClaudeState},
		{"claude-code", ides.ScopeProject, ClaudeProject},
		{"cursor", ides.ScopeProject, Cursor},
		{"vscode-insiders", ides.ScopeUser, VSCode},
		{"zed", ides.ScopeUser, ""},
	}
	for _, tt := range tests {
		if got := For(tt.id, ides.Target{Scope: tt.scope}); got != tt.want {
			t.Errorf("For(%s, %s) = %q, want %q", tt.id, tt.scope, got, tt.want)
		}
	}
}
