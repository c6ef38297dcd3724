package serve

import (
	"log/slog"
	"sync/atomic"
	"testing"
)

// tWriter sends log lines to t.Log while the test runs; background
// goroutines that log after it ends are silenced instead of panicking.
type tWriter struct {
	t    *testing.T
	done *atomic.Bool
}

func (w tWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(string(p))
	}
	return len(p), nil
}

func testLogger(t *testing.T) *slog.Logger {
	done := &atomic.Bool{}
	t.Cleanup(func() { done.Store(true) })
	return slog.New(slog.NewTextHandler(tWriter{t, done}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
