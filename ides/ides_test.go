package ides

import "testing"

func TestJoin(t *testing.T) {
	tests := []struct {
		goos string
		elem []string
		want string
	}{
		{"windows", []string{`C:\Users\u\`, "AppData/Roaming", "Code"}, `C:\Users\u\AppData\Roaming\Code`},
		{"windows", []string{`C:\Users\u`, "", ".cursor", "mcp.json"}, `C:\Users\u\.cursor\mcp.json`},
		{"darwin", []string{"/Users/u/", "Library", "Application Support"}, "/Users/u/Library/Application Support"},
		{"linux", []string{"/home/u", ".config", "Code - Insiders", "User"}, "/home/u/.config/Code - Insiders/User"},
	}
	for _, tt := range tests {
		if got := Join(Env{GOOS: tt.goos}, tt.elem...); got != tt.want {
			t.Errorf("Join(%s, %q) = %q, want %q", tt.goos, tt.elem, got, tt.want)
		}
	}
}

func TestParseScope(t *testing.T) {
	for in, want := range map[string]Scope{"user": ScopeUser, "Workspace": ScopeProject, "project": ScopeProject, " local ": ScopeLocal, "team": "team"} {
		if got := ParseScope(in); got != want {
			t.Errorf("ParseScope(%q) = %q, want %q", in, got, want)
		}
	}
}
