// Package formats knows every format the engine edits, so that nothing
// above it (merge, the adapters) has to: it opens a file's bytes as the
// config.Document of the format its adapter names.
package formats

import (
	"fmt"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/jsondoc"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/tomldoc"
	"github.com/latchgate-ai/latchgate-mcp/internal/config/yamldoc"
)

// Parse opens data as a document of format f. Empty or whitespace-only
// data is an empty document, as a file just created by touch should be.
// A syntax error is a *config.SyntaxError with its line and column.
func Parse(f config.Format, data []byte) (config.Document, error) {
	switch f {
	case config.JSON, "":
		return jsondoc.Parse(data, true)
	case config.JSONC:
		return jsondoc.Parse(data, false)
	case config.TOML:
		return tomldoc.Parse(data)
	case config.YAML:
		return yamldoc.Parse(data)
	case config.JSONComments:
		return jsondoc.ParseFormat(data, config.JSONComments)
	}
	return nil, fmt.Errorf("no editor for the %s format", f)
}
