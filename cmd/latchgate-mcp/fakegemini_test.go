package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fakeGemini is a loopback stand-in for the Gemini API, for "gemini -p"
// (clients.md §3.17: GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY). It
// answers generateContent and streamGenerateContent: when the request
// declares the function callName, the first answer calls it with
// callArgs; once its response comes back (or when it is not declared) it
// answers with text.
type fakeGemini struct {
	URL      string
	callName string
	callArgs string

	modelLog
}

func newFakeGemini(t *testing.T, callName, callArgs string) *fakeGemini {
	f := &fakeGemini{callName: callName, callArgs: callArgs}
	f.URL = serveFake(t, f.serve)
	return f
}

func (f *fakeGemini) serve(w http.ResponseWriter, r *http.Request) {
	stream := strings.HasSuffix(r.URL.Path, ":streamGenerateContent")
	if r.Method != http.MethodPost || !stream && !strings.HasSuffix(r.URL.Path, ":generateContent") {
		if strings.HasSuffix(r.URL.Path, ":countTokens") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"totalTokens": 1}`)
			return
		}
		http.Error(w, `{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}`, http.StatusNotFound)
		return
	}
	var req struct {
		Contents []struct {
			Parts []struct {
				FunctionResponse json.RawMessage `json:"functionResponse"`
			} `json:"parts"`
		} `json:"contents"`
		Tools []struct {
			FunctionDeclarations []struct {
				Name string `json:"name"`
			} `json:"functionDeclarations"`
		} `json:"tools"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, `{"error":{"code":400,"message":"bad json","status":"INVALID_ARGUMENT"}}`, http.StatusBadRequest)
		return
	}
	var names []string
	for _, t := range req.Tools {
		for _, d := range t.FunctionDeclarations {
			names = append(names, d.Name)
		}
	}
	answered := false
	for _, c := range req.Contents {
		for _, p := range c.Parts {
			if p.FunctionResponse != nil {
				answered = true
				f.result(string(p.FunctionResponse))
			}
		}
	}
	offered := false
	for _, n := range names {
		offered = offered || n == f.callName
	}
	if len(names) > 0 {
		f.offer(names)
	}
	part := map[string]any{"text": "done"}
	if offered && !answered && f.callName != "" {
		part = map[string]any{"functionCall": map[string]any{"name": f.callName, "args": json.RawMessage(f.callArgs)}}
	}
	resp, _ := json.Marshal(map[string]any{
		"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{part}}, "finishReason": "STOP", "index": 0}},
		"usageMetadata": map[string]int{"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
		"modelVersion":  "gemini-fake",
	})
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(resp) // an error means the client hung up: no one is left to answer
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprintf(w, "data: %s\n\n", resp)
}
