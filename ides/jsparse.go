package ides

import (
	"bytes"
	"io"
	"os"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Clients written in JavaScript often read their settings with
// JSON.parse, after stripping comments (config.JSONComments): a trailing
// comma, a byte order mark or an empty file then stops them. The format
// refuses trailing commas; these helpers cover the other two, which a
// lossless editor would otherwise keep.

var utf8BOM = []byte("\xEF\xBB\xBF")

// RefuseBOM runs edits and fails, with the position, if they changed a
// file that starts with a byte order mark: writing it back would keep
// the mark, and client would stop at it. A file the edits leave alone is
// not our business. Removing the mark ourselves would change a byte
// outside our entry without the user seeing why; the error says which
// byte, and removing it is one keystroke.
func RefuseBOM(client string, edits ...merge.Edit) merge.Edit {
	return func(doc config.Document) (bool, error) {
		changed := false
		for _, e := range edits {
			c, err := e(doc)
			if err != nil {
				return changed, err
			}
			changed = changed || c
		}
		if changed && bytes.HasPrefix(doc.Bytes(), utf8BOM) {
			return false, &config.SyntaxError{Line: 1, Column: 1, Msg: "the file starts with a byte order mark (U+FEFF), which " +
				client + " cannot read (it hands the text to JSON.parse); remove it and run again"}
		}
		return changed, nil
	}
}

// JSONParseTrouble says why a client that reads path with JSON.parse
// would refuse it as it is now: a byte order mark, or nothing but
// whitespace. "" when neither applies or the file is absent; syntax
// errors are the format's to report.
func JSONParseTrouble(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	// Whitespace-only files are small; a large file is not empty.
	head, _ := io.ReadAll(io.LimitReader(f, 4096))
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		return "it starts with a byte order mark (U+FEFF)"
	case len(head) < 4096 && len(bytes.TrimSpace(head)) == 0:
		return "it is empty"
	}
	return ""
}
