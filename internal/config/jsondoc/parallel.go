package jsondoc

import (
	"bytes"
	"errors"
	"runtime/debug"
	"sync/atomic"
)

// A large file is scanned on two cores. The scanner itself stays the one
// sequential scanner: it runs over the whole file on the calling
// goroutine, from the start, and is the only one to report errors. A
// helper goroutine starts at a newline near the middle and validates,
// one after another, the values it finds there (with the same code,
// s.value), and hands each over as a claim: "the value at offset p ends
// at e, holds no error, nests n deep and has these member tables". When
// the scanner reaches a value that starts at a claimed offset, it takes
// the claim instead of scanning the value again.
//
// A claim does not depend on where the helper started: value(p) reads
// only the text from p on, so what it finds at p is what the scanner
// would find there, whatever the helper took the bytes before p for. A
// split inside a string or a block comment only means that the scanner
// meets no claims at its offsets (or fewer), and scans those values
// itself. In valid strict JSON a raw newline is never inside a string,
// so a split there is between tokens and the helper's claims are the
// very values the scanner meets. Errors never come from the helper: it
// stops at the first one it meets, and the scanner finds it in its turn,
// with the message and offset it always gives.

// parallelFrom is the size from which validate scans on two cores (if
// the program may run on two). Below it, starting a goroutine and handing
// values over costs more than it saves. Tests lower it.
var parallelFrom = 1 << 20

const (
	// claimChunk and chunkSpan bound a chunk of claims handed over at
	// once (a count, and the bytes of text they cover); claimQueue bounds
	// the chunks waiting. The queue is larger than a split of any file
	// needs when its values are more than a few hundred bytes, so the
	// helper does not wait on the scanner; a file of many small values at
	// the split level fills it, and then the helper waits, holding at
	// most claimQueue*claimChunk claims.
	claimChunk = 512
	chunkSpan  = 256 << 10
	claimQueue = 256
	// keptBudget bounds the members the helper keeps for tables, as a
	// fraction of the file (one member per keptBudget bytes): it keeps
	// some tables the scanner then finds too deep to need (it does not
	// know the depth its values sit at), and a file of many small objects
	// deep down could otherwise make it keep a table for each.
	keptBudget = 64
	// maxResyncs bounds how often the helper takes up again after an
	// error (see produce), so that a broken file cannot keep it busy.
	maxResyncs = 8
)

// claim is a value the helper validated.
type claim struct {
	start, end int
	// deepest is the deepest nesting inside the value, counting the
	// value itself as 1 if it is a container (0 for a scalar).
	deepest int
	// recorded is the local depth down to which kept holds every object:
	// the value itself is at local depth 1.
	recorded int
	kept     []keptObject
}

// keptObject is an object's table found by the helper, with its depth
// below the claimed value (1 for the value itself).
type keptObject struct {
	depth int
	info  objectInfo
}

// claims is the scanner's side of a split: the chunks as they arrive.
type claims struct {
	from   int // the split: no claim starts before it
	ch     <-chan []claim
	chunk  []claim
	next   int
	closed bool
	taken  int // claims the scanner took, for tests
}

// helper is the helper goroutine's side of a split.
type helper struct {
	kept     []keptObject
	members  int
	budget   int
	overflow bool
	quit     atomic.Bool
}

// splitPoint returns where the helper starts: the first newline from the
// middle on, or -1 if there is none.
func splitPoint(src []byte) int {
	mid := len(src) / 2
	nl := bytes.IndexByte(src[mid:], '\n')
	if nl < 0 {
		return -1
	}
	return mid + nl
}

// startHelper starts the helper at offset from and returns the function
// that stops it and waits for it to end, which must be called before the
// scanner returns: the caller may change src once the scan is over.
func (s *scanner) startHelper(from int) (stop func()) {
	ch := make(chan []claim, claimQueue)
	quit := make(chan struct{})
	done := make(chan struct{})
	h := &helper{budget: max(len(s.src)/keptBudget, 256)}
	w := &scanner{src: s.src, strict: s.strict, noTrailing: s.noTrailing,
		keepDepth: max(s.keepDepth-1, 0), helper: h}
	s.claims = &claims{from: from, ch: ch}
	go func() {
		defer close(done)
		defer close(ch)
		// src may be a mapped file (safeio.MapLargeFiles) that another
		// program cuts short meanwhile: a read past its new end faults.
		// Here that only ends the helper; the scanner reads the same
		// text on its own goroutine, meets the fault there, and its
		// caller reports it (or reads the file again).
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				if _, fault := r.(interface{ Addr() uintptr }); !fault {
					panic(r)
				}
			}
		}()
		w.produce(from, ch, quit)
	}()
	return func() {
		h.quit.Store(true)
		close(quit)
		<-done
	}
}

// produce validates the values from pos on, at the level it starts at
// and any level it reaches by closing brackets, and sends them as claims.
// It passes over punctuation without checking where it stands: that is
// the scanner's part.
func (w *scanner) produce(pos int, ch chan<- []claim, quit <-chan struct{}) {
	src, h := w.src, w.helper
	var chunk []claim
	chunkFrom := pos
	send := func() bool {
		select {
		case ch <- chunk:
		case <-quit:
			return false
		}
		chunk, chunkFrom = nil, pos
		return true
	}
	resyncs := 0
	for {
		var err error
		start := pos
		if pos, err = w.space(pos); err == nil && pos >= len(src) {
			break
		}
		end := pos
		recorded := w.keepDepth
		if err == nil {
			switch src[pos] {
			case ',', ':', '}', ']':
				pos++
				continue
			}
			h.kept, w.deepest = nil, 0
			end, err = w.value(pos, 0)
		}
		if h.quit.Load() {
			return
		}
		if err != nil {
			// The helper may have started inside a string or a
			// comment: take up again at the next line (or stop, for a
			// file that is not valid after all).
			var se *syntaxError
			if resyncs++; resyncs > maxResyncs || !errors.As(err, &se) {
				break
			}
			pos = max(se.off, start+1)
			nl := bytes.IndexByte(src[min(pos, len(src)):], '\n')
			if nl < 0 {
				break
			}
			pos += nl
			continue
		}
		c := claim{start: pos, end: end, deepest: w.deepest, recorded: recorded, kept: h.kept}
		if h.overflow {
			// Tables were dropped during this value: it can stand
			// only where no table is needed, and nothing after it
			// gets tables (the helper's keepDepth is now 0).
			c.recorded, c.kept = 0, nil
		}
		chunk = append(chunk, c)
		pos = end
		if len(chunk) >= claimChunk || pos-chunkFrom >= chunkSpan {
			if !send() {
				return
			}
		}
	}
	if len(chunk) > 0 {
		send()
	}
}

// keep records the table of an object the helper found, or, once the
// helper has kept its budget, stops recording tables.
func (h *helper) keep(w *scanner, depth int, obj objectInfo) {
	h.kept = append(h.kept, keptObject{depth: depth, info: obj})
	h.members += len(obj.members) + 1
	if h.members > h.budget {
		h.overflow = true
		w.keepDepth = 0
	}
}

// claimed returns the end of the value at pos if the helper claimed it
// and its claim stands at depth (the depth value would be called with),
// and then adds the claim's tables to the scanner's. It waits for the
// helper when its claims have not reached pos yet.
func (s *scanner) claimed(pos, depth int) (int, bool) {
	cl := s.claims
	for {
		for cl.next < len(cl.chunk) {
			c := &cl.chunk[cl.next]
			if c.start < pos {
				cl.next++
				continue
			}
			if c.start > pos {
				return 0, false
			}
			cl.next++
			// The value must not nest too deep where it stands, and
			// the helper must have kept every table the scanner keeps.
			if depth+c.deepest > maxDepth || s.keepDepth-depth > c.recorded {
				return 0, false
			}
			for _, k := range c.kept {
				if depth+k.depth <= s.keepDepth {
					if s.tables == nil {
						s.tables = map[int]objectInfo{}
					}
					s.tables[k.info.start] = k.info
				}
			}
			cl.taken++
			return c.end, true
		}
		if cl.closed {
			return 0, false
		}
		chunk, ok := <-cl.ch
		if !ok {
			cl.closed = true
			return 0, false
		}
		cl.chunk, cl.next = chunk, 0
	}
}

// helperDepth tracks the deepest nesting in the helper's value, and stops
// the helper when the scanner is done (after an error before the split,
// say): it checks at each container, so it stops within one container's
// worth of plain text.
func (w *scanner) helperDepth(pos, depth int) error {
	if w.helper.quit.Load() {
		return w.errorf(pos, "scan stopped")
	}
	w.deepest = max(w.deepest, depth)
	return nil
}
