package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fakeAnthropic is a loopback stand-in for the Anthropic Messages API,
// for clients that can only show an MCP server connecting during a
// headless turn (clients.md §3.17). It answers POST /v1/messages,
// streamed or not: when the request offers a tool whose name is callName,
// the first answer calls it with callArgs, and once a tool result comes
// back (or when there is no such tool) it answers with text.
type fakeAnthropic struct {
	URL      string
	callName string
	callArgs string

	modelLog
}

func newFakeAnthropic(t *testing.T, callName, callArgs string) *fakeAnthropic {
	f := &fakeAnthropic{callName: callName, callArgs: callArgs}
	f.URL = serveFake(t, f.serve)
	return f
}

func (f *fakeAnthropic) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/v1/messages") {
		http.Error(w, `{"type":"error","error":{"type":"not_found_error","message":"not found"}}`, http.StatusNotFound)
		return
	}
	var req struct {
		Stream bool `json:"stream"`
		Tools  []struct {
			Name string `json:"name"`
		} `json:"tools"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"type":"error","error":{"type":"invalid_request_error","message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	var names []string
	offered := false
	for _, t := range req.Tools {
		names = append(names, t.Name)
		offered = offered || t.Name == f.callName
	}
	answered := false
	for _, m := range req.Messages {
		var blocks []struct {
			Type    string          `json:"type"`
			Content json.RawMessage `json:"content"`
		}
		if json.Unmarshal(m.Content, &blocks) != nil {
			continue
		}
		for _, b := range blocks {
			if b.Type == "tool_result" {
				answered = true
				f.result(string(b.Content))
			}
		}
	}
	f.offer(names)

	block := map[string]any{"type": "text", "text": "done"}
	stop := "end_turn"
	if offered && !answered && f.callName != "" {
		block = map[string]any{"type": "tool_use", "id": "toolu_01", "name": f.callName, "input": json.RawMessage(f.callArgs)}
		stop = "tool_use"
	}
	msg := map[string]any{"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-fake",
		"content": []any{block}, "stop_reason": stop, "stop_sequence": nil,
		"usage": map[string]int{"input_tokens": 1, "output_tokens": 1}}
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(msg) // an error means the client hung up: no one is left to answer
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	event := func(name string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	}
	start := map[string]any{}
	for k, v := range msg {
		start[k] = v
	}
	start["content"], start["stop_reason"] = []any{}, nil
	event("message_start", map[string]any{"type": "message_start", "message": start})
	if block["type"] == "tool_use" {
		event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "tool_use", "id": block["id"], "name": block["name"], "input": map[string]any{}}})
		event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "input_json_delta", "partial_json": f.callArgs}})
	} else {
		event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "text", "text": ""}})
		event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": "done"}})
	}
	event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	event("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]int{"output_tokens": 1}})
	event("message_stop", map[string]any{"type": "message_stop"})
}
