package main

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// modelLog records what a fake model API (fakeAnthropic, fakeGemini,
// fakeResponses) was sent: the tool names each request offered, and the
// result of each tool call that came back. The fakes embed it; the
// client under test calls them from its own goroutines, so it locks.
type modelLog struct {
	mu      sync.Mutex
	tools   [][]string
	results []string
}

// offer records the tool names one request offered.
func (l *modelLog) offer(names []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tools = append(l.tools, names)
}

// result records the result of one tool call.
func (l *modelLog) result(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results = append(l.results, s)
}

// offered returns the tool names of every request so far.
func (l *modelLog) offered() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]string(nil), l.tools...)
}

// toolResults returns the result of every tool call so far.
func (l *modelLog) toolResults() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.results...)
}

// serveFake serves h on loopback for the rest of the test and returns
// its base URL.
func serveFake(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
