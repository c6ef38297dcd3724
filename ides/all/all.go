// Package all is the registry of IDE adapters. It lives apart from
// package ides so that adapters can import ides without a cycle.
package all

import (
	"fmt"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
)

// Adapters returns every supported IDE, in display order.
func Adapters() []ides.Adapter {
	return []ides.Adapter{claudecode.Adapter{}}
}

// aliases maps other names people type to adapter IDs.
var aliases = map[string]string{"claudecode": "claude-code", "claude_code": "claude-code"}

// Lookup finds the adapter whose ID is id.
func Lookup(id string) (ides.Adapter, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if a, ok := aliases[id]; ok {
		id = a
	}
	var ids []string
	for _, a := range Adapters() {
		if a.ID() == id {
			return a, nil
		}
		ids = append(ids, a.ID())
	}
	return nil, fmt.Errorf("unknown IDE %q (supported: %s)", id, strings.Join(ids, ", "))
}
