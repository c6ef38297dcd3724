package cli

import (
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
)

// Factory holds what commands need from the outside world. Commands take
// their dependencies from it instead of reaching for globals, so tests can
// swap any of them.
type Factory struct {
	IO *iostreams.IOStreams
}

// NewFactory returns the Factory for a real run.
func NewFactory(io *iostreams.IOStreams) *Factory {
	return &Factory{IO: io}
}
