package gate

import "github.com/latchgate-ai/latchgate-mcp/internal/safeio"

// maxPEMFile bounds a TLS file: a system CA bundle is about 200 KB.
const maxPEMFile = 4 << 20

// readRegularFile reads a small file named by the user, refusing anything
// but a regular file of at most max bytes (safeio.ReadFile): a FIFO would
// block the read until some writer came along, and /dev/zero (or a link to
// it) would never end, so "serve" would hang at startup or grow without
// bound, with the IDE showing only a server that never answers.
func readRegularFile(path string, max int64) ([]byte, error) {
	return safeio.ReadFile(path, max)
}
