package textsafe

import (
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "latchgate-mcp serve --gate-url http://127.0.0.1:3000", "latchgate-mcp serve --gate-url http://127.0.0.1:3000"},
		{"letters and paths", `héllo 日本 🎉 C:\Users\me "q"`, `héllo 日本 🎉 C:\Users\me "q"`},
		{"OSC 52 clipboard write", "run\x1b]52;c;ZWNobyBldmls\x07", `run\x1b]52;c;ZWNobyBldmls\x07`},
		{"CSI 2J clear screen", "\x1b[2J\x1b[Hok", `\x1b[2J\x1b[Hok`},
		{"line breaks", "a\r\nb\tc", `a\r\nb\tc`},
		{"DEL and NUL", "a\x7fb\x00", `a\x7fb\x00`},
		{"C1 CSI", "a\u009b2Jb", `a\u009b2Jb`},
		{"bidi override", "evil\u202eexe.txt", `evil\u202eexe.txt`},
		{"bidi isolate and zero width", "a\u2066b\u200bc\ufeff", `a\u2066b\u200bc\ufeff`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"tag character", "a\U000e0041", `a\U000e0041`},
		{"raw 8-bit CSI byte", "a\x9b2J", `a\x9b2J`},
		{"truncated UTF-8", "ab\xe6\x97", `ab\xe6\x97`},
		{"replacement character itself", "a\ufffdb", "a\ufffdb"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("%s: Quote(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestMultiline(t *testing.T) {
	t.Parallel()
	in := "error: no config\n\tat line 3\r\x1b[2Jhidden"
	want := "error: no config\n\tat line 3\\r\\x1b[2Jhidden"
	if got := Multiline(in); got != want {
		t.Errorf("Multiline = %q, want %q", got, want)
	}
}

func TestArgv(t *testing.T) {
	t.Parallel()
	args := []string{"latchgate-mcp", "serve", "", "two words", "it's", "\x1b]52;c;ZXZpbA==\x07", "a\u202eb", `back\slash`, "x\xffy"}
	want := `latchgate-mcp serve '' 'two words' 'it'\''s' $'\x1b]52;c;ZXZpbA==\x07' $'a\u202eb' 'back\slash' $'x\xffy'`
	if got := Argv(args); got != want {
		t.Fatalf("Argv = %s\nwant   %s", got, want)
	}
	// What is shown is what runs: bash reads the words back byte for
	// byte. (Skipped where there is no bash.)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	out, err := exec.Command(bash, "-c", `for a in `+Argv(args[1:])+`; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"); strings.Join(got, "|") != strings.Join(args[1:], "|") {
		t.Errorf("bash read back %q, want %q", got, args[1:])
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "a\u202eb", "\xff", "\r\n\t", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			q         string
			keepLines bool
		}{{Quote(s), false}, {Word(s), false}, {Multiline(s), true}} {
			if !utf8.ValidString(c.q) {
				t.Fatalf("invalid UTF-8 out of %q: %q", s, c.q)
			}
			for _, r := range c.q {
				if Unsafe(r) && !(c.keepLines && (r == '\n' || r == '\t')) {
					t.Fatalf("unsafe %U left in %q (from %q)", r, c.q, s)
				}
			}
		}
		if firstUnsafe(s, false) < 0 && Quote(s) != s {
			t.Fatalf("safe text changed: %q -> %q", s, Quote(s))
		}
	})
}
