package gatetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadManifests(t *testing.T) {
	actions, err := LoadManifests(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range actions {
		ids = append(ids, a.ID)
	}
	if diff := cmp.Diff([]string{"db_orders", "fs_read", "gmail_send", "http_fetch"}, ids); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	fetch := actions[3]
	var schema map[string]any
	if err := json.Unmarshal(fetch.RequestSchema, &schema); err != nil {
		t.Fatal(err)
	}
	url := schema["properties"].(map[string]any)["url"].(map[string]any)
	if url["maxLength"] != float64(2048) || url["format"] != "uri" {
		t.Errorf("schema url = %v", url)
	}
	want := Action{
		ID: "http_fetch", Version: "1.0.0", RiskLevel: "low", ProviderModuleDigest: "builtin:http_api",
		RequestSchema: fetch.RequestSchema, MaxRequestBytes: 65536, MaxResponseBytes: 1048576,
		ResourceLimits: ResourceLimits{Fuel: 5000000, MemoryMB: 128, TimeoutSeconds: 30, MaxIOCalls: 10},
		EgressProfile:  "proxy_allowlist", AllowedDomains: []string{"httpbin.org", "*.wikipedia.org"},
		DeclaredSideEffects: []string{"http_read"}, VerifierKind: "http_status", Tags: []string{"agent", "research"},
	}
	if diff := cmp.Diff(want, fetch); diff != "" {
		t.Errorf("http_fetch (-want +got):\n%s", diff)
	}
	if !actions[2].HasResponseSchema || actions[0].DatabaseMode != "hybrid" || actions[0].RequestSchema != nil || actions[1].EgressProfile != "none" {
		t.Errorf("actions = %+v", actions)
	}
}

func TestParseManifestErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"not_yaml", "action_id: [", "yaml"},
		{"no_id", "version: 1.0.0\nrisk_level: low\n", "missing action_id"},
		{"bad_id", "action_id: Http-Fetch\nversion: 1.0.0\nrisk_level: low\n", "invalid action_id"},
		{"no_version", "action_id: a\nrisk_level: low\n", "missing version"},
		{"bad_risk", "action_id: a\nversion: 1.0.0\nrisk_level: extreme\n", "invalid risk_level"},
		{"bad_schema", "action_id: a\nversion: 1.0.0\nrisk_level: low\nio:\n  request_schema:\n    type: 5\n", "request_schema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadManifestsErrors(t *testing.T) {
	dir := t.TempDir()
	m := "action_id: a\nversion: 1.0.0\nrisk_level: low\n"
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadManifests(dir); err != nil || len(got) != 1 {
		t.Fatalf("LoadManifests = %v, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.yml"), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifests(dir); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := LoadManifests(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing dir accepted")
	}
	if _, err := New(Options{Actions: []Action{{ID: "a"}, {ID: "a"}}}); err == nil {
		t.Error("duplicate Actions accepted")
	}
	if _, err := New(Options{PublicBaseURL: "localhost:3000"}); err == nil {
		t.Error("public base url without scheme accepted")
	}
}

// generatedActions builds n actions in code, for benchmark-size
// registries.
func generatedActions(n int) []Action {
	risks := []string{"low", "medium", "high", "critical"}
	out := make([]Action, n)
	for i := range out {
		out[i] = Action{
			ID:            fmt.Sprintf("gen_action_%03d", i),
			Version:       "1.0.0",
			RiskLevel:     risks[i%len(risks)],
			RequestSchema: json.RawMessage(`{"type":"object","required":["q"],"additionalProperties":false,"properties":{"q":{"type":"string","maxLength":256}}}`),
			EgressProfile: "none",
		}
	}
	return out
}

func TestGeneratedRegistry(t *testing.T) {
	g := StartTCP(t, Options{Actions: generatedActions(200)})
	c := newClient(t, g, nil)
	list := c.mustSend("GET", "/v1/actions", nil, nil).json(t)["actions"].([]any)
	if len(list) != 200 || list[0].(map[string]any)["action_id"] != "gen_action_000" || list[199].(map[string]any)["action_id"] != "gen_action_199" {
		t.Errorf("list has %d actions", len(list))
	}
	c.issueLease()
	if r := c.execute("gen_action_004", `{"q":"x"}`); r.status != 200 {
		t.Errorf("execute: %d %s", r.status, r.body)
	}
}
