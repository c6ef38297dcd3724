package gate

import "testing"

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
		"http://h:99999", "http://u:p@host", "http://host/?a=1", "http://host/#f", "unix:///tmp/s"} {
		if got, err := ValidateBaseURL(in); err == nil {
			t.Errorf("ValidateBaseURL(%q) = %q, want error", in, got)
		}
	}
}
