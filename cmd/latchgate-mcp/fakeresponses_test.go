package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fakeResponses is a loopback stand-in for the OpenAI Responses API, for
// "codex exec" (clients.md §3.17: a model provider with base_url and
// wire_api = "responses"). It answers POST /v1/responses with a stream:
// when the request offers the tool callName (a function, or a function in
// a namespace tool, named "namespace/function"), the first answer calls it
// with callArgs; once its output comes back (or when it is not offered) it
// answers with text.
type fakeResponses struct {
	URL      string
	callName string
	callArgs string

	modelLog
}

func newFakeResponses(t *testing.T, callName, callArgs string) *fakeResponses {
	f := &fakeResponses{callName: callName, callArgs: callArgs}
	f.URL = serveFake(t, f.serve)
	return f
}

type responsesTool struct {
	Type  string          `json:"type"`
	Name  string          `json:"name"`
	Tools []responsesTool `json:"tools"`
}

func (f *fakeResponses) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/responses") {
		http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		return
	}
	var req struct {
		Tools []responsesTool `json:"tools"`
		Input []struct {
			Type   string          `json:"type"`
			Output json.RawMessage `json:"output"`
		} `json:"input"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	var names []string
	for _, t := range req.Tools {
		if t.Type == "namespace" {
			for _, s := range t.Tools {
				names = append(names, t.Name+"/"+s.Name)
			}
			continue
		}
		if t.Name == "" {
			names = append(names, t.Type) // web_search
			continue
		}
		names = append(names, t.Name)
	}
	answered := false
	for _, in := range req.Input {
		if in.Type == "function_call_output" {
			answered = true
			f.result(string(in.Output))
		}
	}
	f.offer(names)
	offered := false
	for _, n := range names {
		offered = offered || n == f.callName
	}

	item := map[string]any{"type": "message", "role": "assistant", "id": "msg_1",
		"content": []any{map[string]any{"type": "output_text", "text": "done"}}}
	if offered && !answered && f.callName != "" {
		item = map[string]any{"type": "function_call", "id": "fc_1", "call_id": "call_1", "arguments": f.callArgs}
		if ns, name, ok := strings.Cut(f.callName, "/"); ok {
			item["namespace"], item["name"] = ns, name
		} else {
			item["name"] = f.callName
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for _, ev := range []map[string]any{
		{"type": "response.created", "response": map[string]any{"id": "resp_1"}},
		{"type": "response.output_item.done", "item": item},
		{"type": "response.completed", "response": map[string]any{"id": "resp_1",
			"usage": map[string]any{"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}}},
	} {
		b, _ := json.Marshal(ev)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev["type"], b)
	}
}
