package serve

import (
	"math/rand/v2"
	"sync"
	"time"
)

// backoff returns the wait before reconnection attempt n (1-based): a base
// of min(2^(n-1), 30) seconds with integer jitter of ±max(base/4, 1)
// seconds, never under a second. Jitter keeps many servers (one per IDE
// window) from hammering a restarting gate in step.
func backoff(attempt int, intn func(int) int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	base := 30
	if attempt <= 5 {
		base = 1 << (attempt - 1)
	}
	j := max(base/4, 1)
	s := base + intn(2*j+1) - j
	if s < 1 {
		s = 1
	}
	return time.Duration(s) * time.Second
}

// health is the reconnection state machine: healthy, or reconnecting with
// an attempt count and the time of the next background probe. Only
// transport failures (the gate not answering) count; an HTTP error means
// the gate is up.
type health struct {
	mu        sync.Mutex
	now       func() time.Time
	intn      func(int) int
	healthy   bool
	attempt   int
	nextRetry time.Time
	lastErr   string
}

func newHealth(now func() time.Time) *health {
	return &health{now: now, intn: rand.IntN, healthy: true}
}

// failure records a transport failure and returns the wait before the
// next probe, and whether this failure ended a healthy period.
func (h *health) failure(err error) (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	wasHealthy := h.healthy
	h.healthy = false
	h.attempt++
	d := backoff(h.attempt, h.intn)
	h.nextRetry = h.now().Add(d)
	if err != nil {
		h.lastErr = err.Error()
	}
	return d, wasHealthy
}

// success records that the gate answered; it reports whether this ended
// a reconnecting period.
func (h *health) success() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	was := !h.healthy
	h.healthy, h.attempt, h.lastErr = true, 0, ""
	return was
}

type healthState struct {
	Healthy   bool
	Attempt   int
	NextRetry time.Duration // from now; zero when healthy or due
	LastErr   string
}

func (h *health) state() healthState {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := healthState{Healthy: h.healthy, Attempt: h.attempt, LastErr: h.lastErr}
	if !h.healthy {
		if d := h.nextRetry.Sub(h.now()); d > 0 {
			st.NextRetry = d
		}
	}
	return st
}
