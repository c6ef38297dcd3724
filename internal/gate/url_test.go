package gate

import (
	"strings"
	"testing"
)

func TestNormalizeHTU(t *testing.T) {
	v := loadVectors(t)
	if len(v.HTU.Cases) == 0 {
		t.Fatal("no htu_normalization vectors")
	}
	for _, c := range v.HTU.Cases {
		got, err := NormalizeHTU(c.Input)
		if c.Normalised == nil {
			if err == nil {
				t.Errorf("NormalizeHTU(%q) = %q, want error", c.Input, got)
			}
			continue
		}
		if err != nil || got != *c.Normalised {
			t.Errorf("NormalizeHTU(%q) = %q, %v; want %q", c.Input, got, err, *c.Normalised)
		}
	}
}

func TestValidateBaseURL(t *testing.T) {
	ok := map[string]string{
		"http://localhost:3000":    "http://localhost:3000",
		"http://localhost:3000/":   "http://localhost:3000",
		"https://gate.example/x//": "https://gate.example/x",
		" http://127.0.0.1 ":       "http://127.0.0.1",
		"HTTP://[::1]:3000":        "HTTP://[::1]:3000",
	}
	for in, want := range ok {
		got, err := ValidateBaseURL(in)
		if err != nil || got != want {
			t.Errorf("ValidateBaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "localhost:3000", "ftp://host", "http://", "http://:3000",
		"http://h:99999", "http://u:p@host", "http://host/?a=1", "http://host/#f", "unix:///tmp/s",
		// hardening: port 0, blanks and control characters inside, an
		// empty port, an absurd length
		"http://127.0.0.1:0", "http://127.0.0.1:00", "http://local host:3000", "http://localhost:3000/a b",
		"http://localhost\t:3000", "http://h:", "http://h/\x1b[2J",
		"http://h/" + strings.Repeat("a", 3000)} {
		if got, err := ValidateBaseURL(in); err == nil {
			t.Errorf("ValidateBaseURL(%q) = %q, want error", in, got)
		}
	}
}

// TestValidateBaseURLCredentials checks a URL with credentials is refused
// with a hint to use the gate's real authentication, and that no error
// repeats the password (errors end up in IDE logs).
func TestValidateBaseURLCredentials(t *testing.T) {
	for _, in := range []string{"http://user:s3cret-pw@localhost:3000", "https://s3cret-pw@gate.example",
		"http://user:s3cret-pw@local host", "http://user:s3cret-pw@h:0", "http://user:s3cret-pw@h:99999"} {
		_, err := ValidateBaseURL(in)
		if err == nil {
			t.Errorf("ValidateBaseURL(%q) accepted credentials", in)
			continue
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("error repeats the password: %v", err)
		}
		if !strings.Contains(in, " ") && !strings.Contains(in, ":0") && !strings.Contains(in, ":99999") {
			if h := Hint(err); !strings.Contains(h, "DPoP") || !strings.Contains(h, "--tls-cert") {
				t.Errorf("%q: hint %q does not lead to the gate's real auth", in, h)
			}
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://localhost:3000":                  "http://localhost:3000",
		"https://gate.example/base":              "https://gate.example/base",
		"http://user:pw@localhost:3000/x":        "http://xxxxx@localhost:3000/x",
		"http://tok@host":                        "http://xxxxx@host",
		"https://h/p?token=abc&x=1":              "https://h/p?token=xxxxx&x=xxxxx",
		"https://h/p#access_token=abc":           "https://h/p#xxxxx",
		"http://user:pw@local host:3000/x":       "http://xxxxx@local host:3000/x",
		"http://u:p@h:3000/%zz?secret=1":         "http://xxxxx@h:3000/%zz?xxxxx",
		"not a url at all":                       "not a url at all",
		"http://u:p@[::1]:3000":                  "http://xxxxx@[::1]:3000",
		"http://a@b@host/":                       "http://xxxxx@host/",
		"unix:///run/user/1000/latchgate/g.sock": "unix:///run/user/1000/latchgate/g.sock",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
