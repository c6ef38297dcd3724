package serve

import (
	"errors"
	"testing"
	"time"
)

func TestHealthStateMachine(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	h := newHealth(clk.now)
	h.intn = func(n int) int { return n / 2 } // no jitter
	if st := h.state(); !st.Healthy || st.Attempt != 0 {
		t.Fatalf("initial state = %+v", st)
	}
	var waits []time.Duration
	for i := 0; i < 7; i++ {
		w, first := h.failure(errors.New("refused"))
		if first != (i == 0) {
			t.Errorf("failure %d reported first = %v", i+1, first)
		}
		waits = append(waits, w)
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i, w := range want {
		if waits[i] != w*time.Second {
			t.Errorf("wait after failure %d = %v, want %v", i+1, waits[i], w*time.Second)
		}
	}
	st := h.state()
	if st.Healthy || st.Attempt != 7 || st.NextRetry != 30*time.Second || st.LastErr != "refused" {
		t.Errorf("state = %+v", st)
	}
	clk.advance(31 * time.Second)
	if st := h.state(); st.NextRetry != 0 {
		t.Errorf("next retry after it passed = %v, want 0 (due)", st.NextRetry)
	}
	if !h.success() {
		t.Error("success after failures did not report a recovery")
	}
	if h.success() {
		t.Error("success when healthy reported a recovery")
	}
	if st := h.state(); !st.Healthy || st.Attempt != 0 || st.LastErr != "" {
		t.Errorf("state after recovery = %+v", st)
	}
}
