package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeModel is an OpenAI-compatible chat completions API on loopback
// (fakeAnthropic, beside it, speaks the Messages API),
// for headless runs of real clients (clients.md §3.17): it records the
// tools each request offers and answers with text, or, when Call names a
// tool the client offers, with one call of it and then text once the
// tool's result comes back.
type fakeModel struct {
	srv *httptest.Server
	// Call is the tool to call and its JSON arguments; "" answers "ok".
	Call, CallArgs string

	mu       sync.Mutex
	requests []modelRequest
}

// modelRequest is what one chat completions request carried.
type modelRequest struct {
	Tools       []string
	ToolResults []string // the content of role "tool" messages
}

func newFakeModel(t *testing.T) *fakeModel {
	m := &fakeModel{}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

// BaseURL is the API's base URL, ending in /v1.
func (m *fakeModel) BaseURL() string { return m.srv.URL + "/v1" }

// Requests returns the chat requests so far.
func (m *fakeModel) Requests() []modelRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]modelRequest(nil), m.requests...)
}

// Offered reports whether any request offered tool name.
func (m *fakeModel) Offered(name string) bool {
	for _, r := range m.Requests() {
		for _, t := range r.Tools {
			if t == name {
				return true
			}
		}
	}
	return false
}

func (m *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet { // model lists
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","data":[{"id":"fake-model","object":"model","owned_by":"test"}]}`)
		return
	}
	var req struct {
		Stream bool `json:"stream"`
		Tools  []struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		} `json:"tools"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var rec modelRequest
	for _, t := range req.Tools {
		rec.Tools = append(rec.Tools, t.Function.Name)
	}
	for _, msg := range req.Messages {
		if msg.Role == "tool" {
			rec.ToolResults = append(rec.ToolResults, string(msg.Content))
		}
	}
	m.mu.Lock()
	m.requests = append(m.requests, rec)
	m.mu.Unlock()

	call := m.Call != "" && len(rec.ToolResults) == 0 && strings.Contains(" "+strings.Join(rec.Tools, " ")+" ", " "+m.Call+" ")
	delta := map[string]any{"role": "assistant", "content": "ok"}
	message := map[string]any{"role": "assistant", "content": "ok"}
	finish := "stop"
	if call {
		tc := []map[string]any{{"index": 0, "id": "call_1", "type": "function",
			"function": map[string]any{"name": m.Call, "arguments": m.CallArgs}}}
		delta = map[string]any{"role": "assistant", "content": nil, "tool_calls": tc}
		message = map[string]any{"role": "assistant", "content": nil, "tool_calls": tc}
		finish = "tool_calls"
	}
	usage := map[string]any{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		// A failed write is the client's problem to report.
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "created": 1, "model": "fake-model",
			"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": finish}}, "usage": usage})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	for _, chunk := range []map[string]any{
		{"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": nil}}},
		{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": finish}}, "usage": usage},
	} {
		chunk["id"], chunk["object"], chunk["created"], chunk["model"] = "c1", "chat.completion.chunk", 1, "fake-model"
		data, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\n\n", data)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}
