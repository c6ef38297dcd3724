package filelock

import (
	"context"
	"testing"
	"time"
)

func TestLockExcludes(t *testing.T) {
	dir := t.TempDir()
	l1, err := Acquire(context.Background(), dir, "/home/u/.claude.json")
	if err != nil {
		t.Fatal(err)
	}
	// Another file is not blocked.
	other, err := Acquire(context.Background(), dir, "/home/u/.mcp.json")
	if err != nil {
		t.Fatal(err)
	}
	other.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, dir, "/home/u/.claude.json"); err == nil {
		t.Fatal("a second lock on the same file was granted")
	}
	got := make(chan error, 1)
	go func() {
		l2, err := Acquire(context.Background(), dir, "/home/u/.claude.json")
		if err == nil {
			l2.Unlock()
		}
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	l1.Unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting lock was not granted after Unlock")
	}
}
