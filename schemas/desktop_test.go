package schemas

import (
	"strings"
	"testing"
)

// TestValidateDesktopClients: each client's schema takes what the client
// takes and refuses what it refuses (or ignores).
func TestValidateDesktopClients(t *testing.T) {
	t.Parallel()
	const (
		desktop  = "claude-desktop-config.schema.json"
		windsurf = "windsurf-mcp.schema.json"
		zed      = "zed-settings.schema.json"
		cline    = "cline-mcp-settings.schema.json"
		roo      = "roo-code-mcp.schema.json"
		agy      = "antigravity-mcp.schema.json"
		openclaw = "openclaw-config.schema.json"
	)
	tests := []struct {
		name, schema, doc string
		wantErr           string // "" means valid
	}{
		{"desktop", desktop, `{"mcpServers":{"a":{"command":"/bin/a","args":["x"],"env":{"K":"v"}}},"preferences":{"menuBarEnabled":true}}`, ""},
		{"desktop no servers", desktop, `{"globalShortcut":"Alt+Space"}`, ""},
		{"desktop relative cwd", desktop, `{"mcpServers":{"a":{"command":"a","cwd":"."}}}`, "does not match"},
		{"desktop absolute cwd", desktop, `{"mcpServers":{"a":{"command":"a","cwd":"/srv"}}}`, ""},
		{"desktop windows cwd", desktop, `{"mcpServers":{"a":{"command":"a","cwd":"C:\\srv"}}}`, ""},
		{"desktop remote", desktop, `{"mcpServers":{"a":{"url":"https://x"}}}`, "does not match"},
		{"windsurf", windsurf, `{"mcpServers":{"a":{"command":"a","disabled":true,"disabledTools":["t"]},"r":{"serverUrl":"https://x","headers":{"A":"b"}}}}`, ""},
		{"windsurf env number", windsurf, `{"mcpServers":{"a":{"command":"a","env":{"N":1}}}}`, "does not match"},
		{"windsurf neither", windsurf, `{"mcpServers":{"a":{"disabled":false}}}`, "does not match"},
		{"zed settings", zed, "// zed\n{\"theme\": \"One Dark\", \"context_servers\": {\"a\": {\"command\": \"a\", \"args\": [], \"env\": null, \"timeout\": 330,}, " +
			"\"old\": {\"command\": {\"path\": \"p\", \"args\": [\"x\"]}, \"settings\": {}}, \"ext\": {\"settings\": {\"k\": 1}}, " +
			"\"web\": {\"url\": \"https://x\", \"headers\": {}, \"oauth\": {\"client_id\": \"c\"}}},}", ""},
		{"zed timeout string", zed, `{"context_servers":{"a":{"command":"a","timeout":"330"}}}`, "does not match"},
		{"zed args numbers", zed, `{"context_servers":{"a":{"command":"a","args":[1]}}}`, "does not match"},
		{"zed old shape without path", zed, `{"context_servers":{"a":{"command":{"args":[]}}}}`, "does not match"},
		{"cline", cline, `{"mcpServers":{"a":{"type":"stdio","command":"a","timeout":330,"autoApprove":[]},"r":{"type":"streamableHttp","url":"https://x"}}}`, ""},
		{"cline no mcpServers", cline, `{}`, "does not match"},
		{"cline timeout zero", cline, `{"mcpServers":{"a":{"command":"a","timeout":0}}}`, "does not match"},
		{"roo", roo, `{"mcpServers":{"a":{"type":"stdio","command":"a","timeout":330,"alwaysAllow":["t"]},"r":{"type":"streamable-http","url":"https://x"}}}`, ""},
		{"roo stdio with url", roo, `{"mcpServers":{"a":{"command":"a","url":"https://x"}}}`, "does not match"},
		{"roo url without type", roo, `{"mcpServers":{"r":{"url":"https://x"}}}`, "does not match"},
		{"roo timeout too long", roo, `{"mcpServers":{"a":{"command":"a","timeout":4000}}}`, "does not match"},
		{"roo empty command", roo, `{"mcpServers":{"a":{"command":""}}}`, "does not match"},
		{"antigravity", agy, `{"mcpServers":{"a":{"command":"a","args":[]},"r":{"serverUrl":"https://x"}}}`, ""},
		{"antigravity empty command", agy, `{"mcpServers":{"a":{"command":""}}}`, "does not match"},
		{"openclaw", openclaw, `{"gateway":{"mode":"local"},"mcp":{"sessionIdleTtlMs":0,"servers":{"a":{"command":"a","args":[],"env":{"N":1,"B":true},"requestTimeoutMs":330000,"enabled":false,` +
			`"toolFilter":{"include":["x_*"]},"codex":{"agents":["main"],"defaultToolsApprovalMode":"approve"}}}}}`, ""},
		{"openclaw unknown mcp key", openclaw, `{"mcp":{"servers":{},"timeout":1}}`, "does not match"},
		{"openclaw timeout zero", openclaw, `{"mcp":{"servers":{"a":{"command":"a","requestTimeoutMs":0}}}}`, "does not match"},
		{"openclaw bad agent id", openclaw, `{"mcp":{"servers":{"a":{"command":"a","codex":{"agents":["-x"]}}}}}`, "does not match"},
		{"openclaw empty tool filter", openclaw, `{"mcp":{"servers":{"a":{"command":"a","toolFilter":{"include":[]}}}}}`, "does not match"},
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
