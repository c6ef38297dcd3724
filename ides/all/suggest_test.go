package all

import (
	"strings"
	"testing"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/ides"
)

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"claude", []string{"claude-code"}},
		{"Claude Code", []string{"claude-code"}},
		{"claude-cod", []string{"claude-code"}},
		{"cursr", []string{"cursor"}},
		{"curser", []string{"cursor"}},
		{"cursor-ide", []string{"cursor"}},
		{"vsc", []string{"vscode", "vscode-insiders"}},
		{"vs", []string{"vscode", "vscode-insiders"}},
		{"vscod", []string{"vscode", "vscode-insiders"}}, // a typo of one, the start of both
		{"vscode-insider", []string{"vscode-insiders"}},
		{"code-insider", []string{"vscode-insiders"}},
		{"visual-studio-code", []string{"vscode"}}, // the alias "code", with words added
		{"xcode", nil},          // one letter from the alias "code", but another product
		{"claude-desktop", nil}, // another product, not Claude Code
		{"emacs", nil},
		{"notepad", nil},
		{"", nil},
		{"c", nil},
	}
	for _, tt := range tests {
		if got := Suggest(tt.in); !cmp.Equal(tt.want, got) {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fake is an adapter for a client the registry may gain.
type fake struct{ id, name string }

func (f fake) ID() string                                     { return f.id }
func (f fake) DisplayName() string                            { return f.name }
func (fake) Scopes() []ides.Scope                             { return []ides.Scope{ides.ScopeUser} }
func (fake) Target(ides.Env, ides.Scope) (ides.Target, error) { return ides.Target{}, nil }
func (fake) Entry(ides.ServerSpec) (config.Value, error)      { return config.Value{}, nil }

// TestSuggestFromTheList checks that suggestions come from the adapter
// list, not from names written into Suggest: "claude" leads to every
// adapter named claude-something, in display order.
func TestSuggestFromTheList(t *testing.T) {
	t.Parallel()
	// The fakes stand in for adapters the registry does not have yet.
	list := Adapters()
	for _, f := range []fake{{"claude-desktop", "Claude Desktop"}, {"gemini-cli", "Gemini CLI"}} {
		if _, err := Lookup(f.id); err != nil {
			list = append(list, f)
		}
	}
	for in, want := range map[string][]string{
		"claude":         {"claude-code", "claude-desktop"},
		"claude-desktop": {"claude-desktop"},
		"claude-destop":  {"claude-desktop"},
		"gemini":         {"gemini-cli"},
		"gemeni-cli":     {"gemini-cli"},
	} {
		if got := suggest(in, list); !cmp.Equal(want, got) {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookupSuggests(t *testing.T) {
	t.Parallel()
	// The suggestions grow with the adapters (claude-desktop joins
	// claude-code): the test pins what must be there.
	for in, want := range map[string]string{
		"claude":  `unknown IDE "claude": did you mean claude-code`,
		"vsc":     `unknown IDE "vsc": did you mean vscode or vscode-insiders? (supported: ` + supported() + `)`,
		"notepad": `unknown IDE "notepad" (supported: ` + supported() + `)`,
	} {
		_, err := Lookup(in)
		if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "(supported: "+supported()+")") {
			t.Errorf("Lookup(%q) error = %v\nwant %s", in, err, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"cursor", "cursr", 1}, {"kitten", "sitting", 3}, {"vscode", "vscode", 0},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
