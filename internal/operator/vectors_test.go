package operator_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/latchgate-ai/latchgate-mcp/internal/operator"
)

// vectors is the part of gate-vectors.json these tests read.
type vectors struct {
	ApprovalIDs struct {
		Accept []string `json:"accept"`
		Reject []string `json:"reject"`
	} `json:"approval_id_validation_operator"`
	ResourceIDs struct {
		Accept []string `json:"accept"`
		Reject []string `json:"reject"`
	} `json:"resource_id_validation_operator"`
	Reasons struct {
		Max   int `json:"max_bytes"`
		Cases []struct {
			Input  string `json:"input"`
			Repeat *struct {
				Char  string `json:"char"`
				Count int    `json:"count"`
			} `json:"input_repeat"`
			Output   string `json:"output"`
			OutBytes int    `json:"output_len_bytes"`
			OutChars int    `json:"output_chars"`
			Max      int    `json:"max_bytes"`
		} `json:"cases"`
	} `json:"deny_reason_sanitization"`
	Keys struct {
		Keys map[string]struct {
			JKT    string `json:"jkt_thumbprint_rfc7638"`
			PKCS8  string `json:"pem_pkcs8"`
			SEC1   string `json:"pem_sec1"`
			Public struct {
				X string `json:"x"`
			} `json:"jwk_public"`
		} `json:"keys"`
	} `json:"keys"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	b, err := os.ReadFile("../gate/testdata/gate-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func TestApprovalIDVectors(t *testing.T) {
	v := loadVectors(t)
	for _, id := range v.ApprovalIDs.Accept {
		if err := operator.ValidateApprovalID(id); err != nil {
			t.Errorf("%q refused: %v", id, err)
		}
	}
	for _, id := range v.ApprovalIDs.Reject {
		if err := operator.ValidateApprovalID(id); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
}

// TestResourceIDVectors: every id the Rust rule accepts is accepted and
// every id it rejects is rejected, except that ':' is allowed (G10).
func TestResourceIDVectors(t *testing.T) {
	v := loadVectors(t)
	for _, id := range append(v.ResourceIDs.Accept, "dev:anonymous", "uid:1000") {
		if err := operator.ValidateResourceID("agent_id", id); err != nil {
			t.Errorf("%q refused: %v", id, err)
		}
	}
	for _, id := range v.ResourceIDs.Reject {
		if err := operator.ValidateResourceID("agent_id", id); err == nil {
			t.Errorf("%q accepted", id)
		}
	}
}

func TestDenyReasonVectors(t *testing.T) {
	v := loadVectors(t)
	if v.Reasons.Max != operator.MaxReasonBytes {
		t.Errorf("max %d, vectors say %d", operator.MaxReasonBytes, v.Reasons.Max)
	}
	for _, c := range v.Reasons.Cases {
		in := c.Input
		if c.Repeat != nil {
			in = strings.Repeat(c.Repeat.Char, c.Repeat.Count)
		}
		if c.Max != 0 && c.Max != operator.MaxReasonBytes {
			continue // a case for another limit (the gate's 500-byte one)
		}
		got := operator.SanitizeReason(in)
		switch {
		case c.Output == "unchanged":
			if got != in {
				t.Errorf("SanitizeReason(%.40q) changed it to %.40q", in, got)
			}
		case c.Output != "":
			if got != c.Output {
				t.Errorf("SanitizeReason(%.40q) = %.40q, want %.40q", in, got, c.Output)
			}
		}
		if c.OutBytes != 0 && len(got) != c.OutBytes {
			t.Errorf("SanitizeReason(%.40q): %d bytes, want %d", in, len(got), c.OutBytes)
		}
		if c.OutChars != 0 && utf8.RuneCountInString(got) != c.OutChars {
			t.Errorf("SanitizeReason(%.40q): %d characters, want %d", in, utf8.RuneCountInString(got), c.OutChars)
		}
	}
	// The newline case at the gate's own limit gives the same text.
	if got := operator.SanitizeReason("line1\nline2"); got != "line1 line2" {
		t.Errorf("newline: %q", got)
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain text, ünïcode", 0, "plain text, ünïcode"},
		{"\x1b[31mred\x1b[0m", 0, `\x1b[31mred\x1b[0m`},
		{"line\nbreak\ttab\r", 0, `line\nbreak\ttab\r`},
		{"bell\a del\x7f c1\u009b", 0, `bell\x07 del\x7f c1\u009b`},
		{"evil\u202egnp.exe", 0, `evil\u202egnp.exe`},
		{"zero\u200bwidth", 0, `zero\u200bwidth`},
		{"bad \xff byte", 0, `bad \xff byte`},
		{"abcdef", 4, "abcd…"},
		{"\x1b\x1b", 5, `\x1b…`},
	} {
		if got := operator.Clean(c.in, c.max); got != c.want {
			t.Errorf("Clean(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestLoadKeyVectorsAndPermissions(t *testing.T) {
	v := loadVectors(t)
	dir := t.TempDir()
	k := v.Keys.Keys["rfc7517_a2"]
	for name, pemText := range map[string]string{"pkcs8": k.PKCS8, "sec1": k.SEC1} {
		p := filepath.Join(dir, name+".pem")
		must(t, os.WriteFile(p, []byte(pemText), 0o600))
		key, warn, err := operator.LoadKey(p)
		if err != nil || len(warn) != 0 || key.Thumbprint() != k.JKT {
			t.Errorf("%s: thumbprint %v, warnings %v, err %v", name, key, warn, err)
		}
	}
	if runtime.GOOS == "windows" {
		return
	}
	p := filepath.Join(dir, "loose.pem")
	must(t, os.WriteFile(p, []byte(k.PKCS8), 0o600))
	must(t, os.Chmod(p, 0o644))
	_, _, err := operator.LoadKey(p)
	var pe *operator.PermissionError
	if !errors.As(err, &pe) || !strings.Contains(pe.Hint(), "chmod 600") {
		t.Errorf("world-readable key: %v", err)
	}
	must(t, os.Chmod(p, 0o640))
	if _, warn, err := operator.LoadKey(p); err != nil || len(warn) != 1 || !strings.Contains(warn[0], "group") {
		t.Errorf("group-readable key: %v, %v", warn, err)
	}
	tok := filepath.Join(dir, "token")
	must(t, os.WriteFile(tok, []byte("key-ops-0123\nignored\n"), 0o604))
	must(t, os.Chmod(tok, 0o604))
	if _, _, err := operator.LoadToken(tok); !errors.As(err, &pe) {
		t.Errorf("world-readable token: %v", err)
	}
	must(t, os.Chmod(tok, 0o600))
	if got, _, err := operator.LoadToken(tok); err != nil || got != "key-ops-0123" {
		t.Errorf("token = %q, %v", got, err)
	}
	for name, body := range map[string]string{"empty": "\n", "space": "key ops\n"} {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte(body), 0o600))
		if _, _, err := operator.LoadToken(p); err == nil {
			t.Errorf("%s token accepted", name)
		}
	}
	if _, _, err := operator.LoadKey(filepath.Join(dir, "missing.pem")); err == nil || !strings.Contains(err.Error(), "read operator key") {
		t.Errorf("missing key: %v", err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "enc.pem"), []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600))
	if _, _, err := operator.LoadKey(filepath.Join(dir, "enc.pem")); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted key: %v", err)
	}
}

func TestSafeJSON(t *testing.T) {
	b, err := operator.MarshalSafe(map[string]string{"a": "esc\x1b[2J c1\u009b bidi\u202e nl\n <html>"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "a": "esc\u001b[2J c1\u009b bidi\u202e nl\n <html>"
}`
	if string(b) != want {
		t.Errorf("MarshalSafe = %s", b)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil || back["a"] != "esc\x1b[2J c1\u009b bidi\u202e nl\n <html>" {
		t.Errorf("round trip: %q, %v", back, err)
	}
}
