package config

import (
	"encoding/json"
	"fmt"
)

// Format is the syntax of a configuration file.
type Format string

// The formats the engine can edit losslessly.
const (
	// JSON is strict JSON: comments and trailing commas are refused, and
	// never written (Claude Code's ~/.claude.json rejects them).
	JSON Format = "json"
	// JSONC is JSON with comments and trailing commas (VS Code, Zed).
	JSONC Format = "jsonc"
	// JSONComments is JSON with // and /* */ comments but no trailing
	// commas: the dialect of clients that strip comments and hand the
	// rest to JavaScript's JSON.parse, which stops at a trailing comma.
	// Such a file is refused with the comma's line and column, never
	// written.
	JSONComments Format = "json-comments"
	// TOML is TOML 1.0 (Codex).
	TOML Format = "toml"
	// YAML is YAML 1.2 as gopkg.in/yaml.v3 reads it (Continue, Goose, Hermes).
	YAML Format = "yaml"
)

// SyntaxError is a file that does not parse as its format, at a position.
// Line and Column count from 1; Column counts bytes.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// PathError says that something on the way to an edited member is not what
// it must be: a list where a table or object is needed, say. The file is
// refused rather than reshaped.
type PathError struct {
	Path []string
	Msg  string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("%s %s", DisplayPath(e.Path), e.Msg)
}

// DisplayPath shows a path as users read it: mcpServers.latchgate,
// projects["/home/me/x"].mcpServers, mcpServers[name=latchgate].
func DisplayPath(path []string) string {
	if len(path) == 0 {
		return "the top level"
	}
	var out []byte
	for i, k := range path {
		if field, val, ok := ParseWhere(k); ok {
			out = fmt.Appendf(out, "[%s=%s]", field, val)
			continue
		}
		if isIdentifier(k) {
			if i > 0 {
				out = append(out, '.')
			}
			out = append(out, k...)
			continue
		}
		q, _ := json.Marshal(k)
		out = fmt.Appendf(out, "[%s]", q)
	}
	return string(out)
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
