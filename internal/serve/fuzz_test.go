package serve

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// FuzzBuildEntry feeds arbitrary gate data (a request schema, an action
// detail, a version string) and tool arguments to the derivation of a
// tool: it must never crash (a $ref loop used to overflow the stack when
// arguments were checked), and what it offers must be a clean object
// schema with a clean, capped description.
func FuzzBuildEntry(f *testing.F) {
	seeds := []string{`{"type":"object"}`, `{"type":"object","additionalProperties":true}`, `{"type":"string"}`, `[]`, `null`,
		`{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}}}`, expSchema(6),
		`{"type":"object","properties":{"a":{"type":"string","description":"\u001b[2J"}}}`}
	for _, s := range loopSchemas {
		seeds = append(seeds, s)
	}
	for _, a := range fixtureActions() {
		if a.RequestSchema != nil {
			seeds = append(seeds, string(a.RequestSchema))
		}
	}
	details := []string{``, `{"declared_side_effects":["http_read"],"egress":"none","resource_limits":{"timeout_seconds":30}}`,
		`{"database":{"mode":"strict","statements":[{"id":"s\u001b","operation":"select","tables":["t"],"param_count":2}]}}`}
	for i, s := range seeds {
		f.Add([]byte(s), []byte(details[i%len(details)]), "1.0.0", []byte(`{"kids":[{"kids":[]}],"x":1,"a":"b"}`))
	}
	f.Fuzz(func(t *testing.T, schema, detailJSON []byte, version string, args []byte) {
		var detail *gate.ActionDetail
		if len(detailJSON) > 0 {
			var d gate.ActionDetail
			if json.Unmarshal(detailJSON, &d) == nil {
				detail = &d
			}
		}
		var raw json.RawMessage
		if len(schema) > 0 {
			raw = schema
		}
		e, err := buildEntry(gate.ActionSummary{ActionID: "fuzz_tool", Version: version, RiskLevel: "low"}, detail, raw, time.Minute)
		if err != nil {
			return
		}
		if !toolNameRE.MatchString(e.tool.Name) {
			t.Fatalf("tool name %q", e.tool.Name)
		}
		if len(e.tool.Description) > MaxDescriptionBytes || !utf8.ValidString(e.tool.Description) {
			t.Fatalf("description of %d bytes (cap %d), valid UTF-8 %v", len(e.tool.Description), MaxDescriptionBytes, utf8.ValidString(e.tool.Description))
		}
		for _, r := range e.tool.Description {
			if isStrippedControl(r) {
				t.Fatalf("control character %U in the description", r)
			}
		}
		offered, ok := e.tool.InputSchema.(json.RawMessage)
		if !ok {
			t.Fatalf("input schema is %T", e.tool.InputSchema)
		}
		var top map[string]any
		if err := json.Unmarshal(offered, &top); err != nil || top["type"] != "object" {
			t.Fatalf("offered schema %s is not an object schema", offered)
		}
		if strings.ContainsAny(string(offered), "\x1b\x07") {
			t.Fatalf("control character in the offered schema %q", offered)
		}
		if _, err := json.Marshal(e.tool); err != nil {
			t.Fatalf("marshal tool: %v", err)
		}
		// Checking arguments must not crash, whatever the schema.
		_, _ = checkArguments(args, e)
	})
}
