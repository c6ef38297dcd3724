package cli

import (
	"context"
	"fmt"
	"io"
	"time"
)

// spinFrames are drawn in turn while something slow runs.
var spinFrames = []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

// spin runs f, showing title with a spinner on w while it runs when
// animate is set (a terminal, not accessible mode), and title once
// otherwise. It reads no input, so it cannot steal a key from the next
// question.
func spin(ctx context.Context, w io.Writer, animate bool, title string, f func()) {
	if !animate {
		fmt.Fprintln(w, title)
		f()
		return
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(80 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r%c %s", spinFrames[i%len(spinFrames)], title)
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[2K")
				return
			case <-ctx.Done():
				fmt.Fprint(w, "\r\x1b[2K")
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	<-stopped
}
