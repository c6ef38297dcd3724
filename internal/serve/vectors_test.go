package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/gate"
)

// The protocol vectors live with internal/gate (a copy of the shared
// gate-vectors.json); serve checks its own parts of them.
func loadVector(t *testing.T, key string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "gate", "testdata", "gate-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	raw, ok := all[key]
	if !ok {
		t.Fatalf("no %q vectors", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", key, err)
	}
}

func TestAnnotationVectors(t *testing.T) {
	t.Parallel()
	var v struct {
		Verbs []string `json:"destructive_verbs"`
		Cases []struct {
			ActionID string          `json:"action_id"`
			Risk     string          `json:"risk_level"`
			Detail   json.RawMessage `json:"detail"`
			Expect   map[string]bool `json:"expect"`
			Note     string          `json:"note"`
		} `json:"cases"`
	}
	loadVector(t, "tool_annotation_derivation", &v)
	if !cmp.Equal(v.Verbs, destructiveVerbs) {
		t.Errorf("destructive verbs = %v, want %v", destructiveVerbs, v.Verbs)
	}
	check := func(name, actionID, risk string, detail json.RawMessage, want map[string]bool) {
		t.Helper()
		var d *gate.ActionDetail
		if len(detail) > 0 && string(detail) != "null" {
			d = &gate.ActionDetail{}
			if err := json.Unmarshal(detail, d); err != nil {
				t.Fatal(err)
			}
		}
		a := deriveAnnotations(actionID, risk, d)
		got := map[string]bool{}
		if a.ReadOnly != nil {
			got["readOnlyHint"] = *a.ReadOnly
		}
		if a.Destructive != nil {
			got["destructiveHint"] = *a.Destructive
		}
		if a.OpenWorld != nil {
			got["openWorldHint"] = *a.OpenWorld
		}
		if want == nil {
			want = map[string]bool{}
		}
		if !cmp.Equal(got, want) {
			t.Errorf("%s: annotations = %v, want %v", name, got, want)
		}
		if (a.mcp() == nil) != (len(want) == 0) {
			t.Errorf("%s: annotations object present = %v", name, a.mcp() != nil)
		}
	}
	reads := 0
	for i, c := range v.Cases {
		if strings.Contains(c.Note, "every destructive verb") {
			for _, verb := range v.Verbs {
				detail := strings.ReplaceAll(string(c.Detail), "<verb>", verb)
				got := deriveAnnotations(c.ActionID, c.Risk, mustDetail(t, detail))
				if got.Destructive == nil || !*got.Destructive {
					t.Errorf("case %d verb %s: not destructive", i, verb)
				}
			}
			continue
		}
		want := c.Expect
		if d := mustDetailOrNil(t, c.Detail); d != nil && d.DeclaredSideEffects != nil && len(*d.DeclaredSideEffects) > 0 &&
			onlyReads(*d.DeclaredSideEffects) && want != nil && !want["destructiveHint"] {
			// gate-protocol §10 G13: an action whose side effects are all
			// reads is read-only (the Rust adapter, which the vectors
			// record, says false).
			want["readOnlyHint"] = true
			reads++
		}
		check(c.ActionID, c.ActionID, c.Risk, c.Detail, want)
	}
	if reads == 0 {
		t.Error("no vector with only *_read side effects: the G13 rule is untested")
	}
	// Reads and writes together are not read-only; a destructive read is
	// not either.
	for _, tc := range []struct {
		effects string
		want    bool
	}{
		{`["http_read"]`, true},
		{`["fs_read","http_read"]`, true},
		{`["http_read","http_write"]`, false},
		{`["http_reader"]`, false},
		{`["purge_read"]`, false},
		{`[]`, true},
	} {
		a := deriveAnnotations("x", "low", mustDetail(t, `{"declared_side_effects":`+tc.effects+`}`))
		if a.ReadOnly == nil {
			t.Errorf("side effects %s: readOnlyHint not set, want %v", tc.effects, tc.want)
		} else if *a.ReadOnly != tc.want {
			t.Errorf("side effects %s: readOnlyHint = %v, want %v", tc.effects, *a.ReadOnly, tc.want)
		}
	}
}

func mustDetailOrNil(t *testing.T, raw json.RawMessage) *gate.ActionDetail {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return mustDetail(t, string(raw))
}

func mustDetail(t *testing.T, s string) *gate.ActionDetail {
	t.Helper()
	d := &gate.ActionDetail{}
	if err := json.Unmarshal([]byte(s), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDescriptionVectors(t *testing.T) {
	t.Parallel()
	var v struct {
		Cases []struct {
			Args        []json.RawMessage `json:"args"`
			Contains    []string          `json:"contains"`
			NotContains []string          `json:"not_contains"`
		} `json:"cases"`
		Full string `json:"full_example_hybrid"`
	}
	loadVector(t, "tool_description", &v)
	var hybrid string
	for i, c := range v.Cases {
		var version, risk string
		_ = json.Unmarshal(c.Args[1], &version)
		_ = json.Unmarshal(c.Args[2], &risk)
		var d *gate.ActionDetail
		if string(c.Args[3]) != "null" {
			d = mustDetail(t, string(c.Args[3]))
		}
		got := describe(version, risk, d)
		for _, s := range c.Contains {
			if !strings.Contains(got, s) {
				t.Errorf("case %d: description lacks %q:\n%s", i, s, got)
			}
		}
		for _, s := range c.NotContains {
			if strings.Contains(got, s) {
				t.Errorf("case %d: description has %q:\n%s", i, s, got)
			}
		}
		if d != nil && d.Database != nil && d.Database.Mode == "hybrid" {
			hybrid = got
		}
	}
	if hybrid != v.Full {
		t.Errorf("hybrid description:\n%s\nwant\n%s", hybrid, v.Full)
	}
}

// TestErrorCodeVectors checks the mapping against the vectors, except
// where gate-protocol §10 (G12) asks us to differ from the Rust adapter.
func TestErrorCodeVectors(t *testing.T) {
	t.Parallel()
	var v struct {
		Direct map[string]string `json:"direct"`
		Cases  [][3]any          `json:"cases"`
		Real   [][3]any          `json:"what_the_real_gate_emits_and_resulting_rust_code"`
	}
	loadVector(t, "gate_error_code_mapping", &v)
	for code, want := range v.Direct {
		if got := mapGateCode(code, 400); got != want {
			t.Errorf("mapGateCode(%s) = %s, want %s", code, got, want)
		}
	}
	for _, c := range v.Cases {
		code, status, want := c[0].(string), int(c[1].(float64)), c[2].(string)
		if got := mapGateCode(code, status); got != want {
			t.Errorf("mapGateCode(%s, %d) = %s, want %s", code, status, got, want)
		}
	}
	// The Rust mis-mappings, corrected.
	fixed := map[string]string{
		"schema_violation":         codeSchemaValidation,
		"action_not_registered":    codePolicyDenied,
		"action_digest_mismatch":   codePolicyDenied,
		"budget_session_not_found": codeBudgetExhausted,
		"rate_limited":             codeRateLimited,
		"action_execution_failed":  codeSandboxError,
		"grant_consumed":           codeConflict,
		"conflict":                 codeConflict,
	}
	for _, c := range v.Real {
		code, status, rust := c[0].(string), int(c[1].(float64)), c[2].(string)
		want := strings.Fields(rust)[0]
		if f, ok := fixed[code]; ok {
			want = f
		}
		if got := mapGateCode(code, status); got != want {
			t.Errorf("real gate %s (%d) = %s, want %s", code, status, got, want)
		}
	}
	if got := mapGateCode("something_new", 429); got != codeRateLimited {
		t.Errorf("unknown 429 = %s, want rate_limited", got)
	}
}

func TestSuccessOutputVectors(t *testing.T) {
	t.Parallel()
	var v struct {
		Cases []struct {
			Output    json.RawMessage `json:"output"`
			ReceiptID string          `json:"receipt_id"`
			Full      bool            `json:"is_fully_successful"`
			Text      string          `json:"text"`
		} `json:"cases"`
	}
	loadVector(t, "success_output_format", &v)
	for i, c := range v.Cases {
		if got := successText(c.Output, c.ReceiptID, c.Full); got != c.Text {
			t.Errorf("case %d: %q, want %q", i, got, c.Text)
		}
	}
}

func TestStructuredErrorVectors(t *testing.T) {
	t.Parallel()
	var v struct {
		Codes    []string          `json:"codes"`
		Examples []json.RawMessage `json:"examples"`
	}
	loadVector(t, "structured_tool_error", &v)
	for _, ex := range v.Examples {
		var te toolError
		if err := json.Unmarshal(ex, &te); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(&te)
		var a, b any
		_ = json.Unmarshal(got, &a)
		_ = json.Unmarshal(ex, &b)
		if !cmp.Equal(a, b) {
			t.Errorf("round trip %s = %s", ex, got)
		}
		// Field order code, message, action_id, trace_id, approval_id.
		if !strings.HasPrefix(string(got), `{"code":`) {
			t.Errorf("field order: %s", got)
		}
	}
	known := map[string]bool{}
	for _, c := range gateCodes {
		known[c] = true
	}
	for _, c := range v.Codes {
		if c != codePendingApproval && !known[c] {
			t.Errorf("code %s is never produced from a gate error", c)
		}
	}
}

func TestBackoffVectors(t *testing.T) {
	t.Parallel()
	var v struct {
		Base map[string]int `json:"base_seconds_by_attempt"`
	}
	loadVector(t, "reconnect_backoff", &v)
	for attempt := 1; attempt <= 8; attempt++ {
		key := string(rune('0' + attempt))
		if attempt >= 6 {
			key = "6+"
		}
		base := v.Base[key]
		j := max(base/4, 1)
		lo, hi := max(base-j, 1), base+j
		// intn returning 0 and n-1 gives the two jitter extremes.
		if got := backoff(attempt, func(int) int { return 0 }); got.Seconds() != float64(lo) {
			t.Errorf("backoff(%d) low = %v, want %ds", attempt, got, lo)
		}
		if got := backoff(attempt, func(n int) int { return n - 1 }); got.Seconds() != float64(hi) {
			t.Errorf("backoff(%d) high = %v, want %ds", attempt, got, hi)
		}
		for i := 0; i < 50; i++ {
			if s := backoff(attempt, newHealth(nil).intn).Seconds(); s < 1 || s > 40 {
				t.Errorf("backoff(%d) = %vs outside [1,40]", attempt, s)
			}
		}
	}
}
