package jsondoc

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchgate-ai/latchgate-mcp/internal/fixtures"
)

// scanResult is everything a scan hands on: the top-level value, the
// error with its offset, and the member tables.
type scanResult struct {
	Start, End int
	Err        string
	ErrOff     int
	Tables     map[int]objectInfo
}

var scanResultCmp = cmp.AllowUnexported(objectInfo{}, memberInfo{})

// diffResults is cmp.Diff(want, got), after a quicker check: cmp is slow
// on the tables of a large file.
func diffResults(want, got scanResult) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return cmp.Diff(want, got, scanResultCmp)
}

func resultOf(sc *scanner, start, end int, err error) scanResult {
	r := scanResult{Start: start, End: end, ErrOff: -1, Tables: sc.tables}
	if err != nil {
		r.Err = err.Error()
		var se *syntaxError
		if errors.As(err, &se) {
			r.ErrOff = se.off
		}
	}
	return r
}

// scanMode is one of the scanner's settings, as a fuzz input picks it.
type scanMode struct {
	strict, noTrailing bool
	keepDepth          int
}

func modeOf(b byte) scanMode {
	return scanMode{strict: b%3 == 0, noTrailing: b%3 == 1, keepDepth: int(b/3) % 5}
}

func (m scanMode) scanner(src []byte) *scanner {
	return &scanner{src: src, strict: m.strict, noTrailing: m.noTrailing, keepDepth: m.keepDepth}
}

func sequentialScan(src []byte, m scanMode) scanResult {
	sc := m.scanner(src)
	start, end, err := sc.validateSequential()
	return resultOf(sc, start, end, err)
}

// splitScan scans src with a helper started at split, wherever that is,
// and returns the result and how many claims the scanner took.
func splitScan(src []byte, m scanMode, split int) (scanResult, int) {
	sc := m.scanner(src)
	stop := sc.startHelper(split)
	start, end, err := sc.validateSequential()
	stop()
	return resultOf(sc, start, end, err), sc.claims.taken
}

// helperClaims runs the helper from split to its end and returns every
// claim it made.
func helperClaims(src []byte, m scanMode, split int) []claim {
	sc := m.scanner(src)
	sc.startHelper(split)
	var all []claim
	for chunk := range sc.claims.ch {
		all = append(all, chunk...)
	}
	return all
}

// FuzzParallelMatchesSequential checks the two-core scan against the
// sequential one, for a helper started anywhere (not only at a newline,
// and in JSONC too): same value, same error at the same offset, same
// tables. It also checks each claim the helper makes, also those the
// scanner never asks for, against a sequential scan of that value alone.
func FuzzParallelMatchesSequential(f *testing.F) {
	for _, s := range []string{
		"{\n  \"a\": 1,\n  \"b\": [1, 2, {\"c\": {\"d\": {}}}],\n  \"e\": \"x\\u00e9\\n\"\n}",
		"{\"p\": {\n\"/x\": {\"h\": [{\"d\": \"1\"},\n{\"d\": \"2\"}]},\n\"/y\": {\"h\": []}\n}, \"u\": \"z\"}",
		"{\"a\": [\n1,\n2,\n]}", "{\"a\": 1,\n}", "// c\n{\"a\": /* x\n{\"b\": 1} */ 2,\n\"c\": {\"d\": 3}\n}",
		"{\"a\": \"raw\nnewline\"}", "{\"a\":\n tru}", "[\n[[[[[[1]]]]]]\n]", "{\"a\": {\"b\": {\"c\": {\"d\": 1\n}}}}",
		"{\"k\": 1\n\"j\": 2}", "{\"k\"\n: 1}", "\n\n{\"a\": {\"b\": 1}}\n", "{\"a\": 1}\n{}", "{\"a\": [1\n,2]}\n/",
	} {
		for _, split := range []uint16{0, 1, 5, 9, 17, 30} {
			f.Add([]byte(s), split, byte(split))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint16, mode byte) {
		if bytes.Count(in, []byte("[")) > 1000 || bytes.Count(in, []byte("{")) > 1000 {
			return // keep the fuzzer fast; depth has a test of its own
		}
		m := modeOf(mode)
		at := int(split) % (len(in) + 1)
		want := sequentialScan(in, m)
		got, _ := splitScan(in, m, at)
		if diff := diffResults(want, got); diff != "" {
			t.Fatalf("split at %d, mode %+v, input %q (-sequential +split):\n%s", at, m, in, diff)
		}
		if nl := bytes.IndexByte(in[at:], '\n'); nl >= 0 {
			got, _ := splitScan(in, m, at+nl)
			if diff := diffResults(want, got); diff != "" {
				t.Fatalf("split at newline %d, mode %+v, input %q (-sequential +split):\n%s", at+nl, m, in, diff)
			}
		}
		for _, c := range helperClaims(in, m, at) {
			checkClaim(t, in, m, c)
		}
	})
}

// checkClaim checks a claim against a sequential scan of the claimed
// value alone, as the value of a member at depth 1.
func checkClaim(t *testing.T, src []byte, m scanMode, c claim) {
	t.Helper()
	sc := m.scanner(src)
	end, err := sc.value(c.start, 1)
	if err != nil || end != c.end {
		t.Fatalf("claim %+v: a sequential scan ends at %d, error %v, input %q", c, end, err, src)
	}
	kept := map[int]objectInfo{}
	for _, k := range c.kept {
		if 1+k.depth <= m.keepDepth {
			kept[k.info.start] = k.info
		}
	}
	if m.keepDepth-1 > c.recorded || len(kept) == 0 && sc.tables == nil {
		return // the claim does not stand where tables are kept
	}
	if diff := cmp.Diff(sc.tables, kept, scanResultCmp); diff != "" {
		t.Fatalf("claim at %d: tables differ (-sequential +claim):\n%s", c.start, diff)
	}
}

// claudeJSON is the fixture in the size the tests use: large enough for
// several chunks of claims and a table index on each side of the split.
func claudeJSON(t *testing.T) []byte {
	t.Helper()
	return fixtures.ClaudeJSON(3 << 20)
}

// TestParallelLargeFile scans Claude Code's file, and broken and
// commented versions of it, on two cores, and checks that the result is
// the sequential one, and that the scanner took the helper's work where
// the text allows.
func TestParallelLargeFile(t *testing.T) {
	t.Parallel()
	data := claudeJSON(t)
	split := splitPoint(data)
	// A place in the second half, inside a string of the history.
	late := split + bytes.Index(data[split:], []byte(`"display": "`)) + len(`"display": "`) + 3
	early := bytes.Index(data, []byte(`"display": "`)) + len(`"display": "`) + 3
	with := func(at int, s string) []byte {
		return append(append(append([]byte(nil), data[:at]...), s...), data[at:]...)
	}
	strict := scanMode{strict: true, keepDepth: 3}
	jsonc := scanMode{noTrailing: true, keepDepth: 3}
	tests := []struct {
		name      string
		src       []byte
		mode      scanMode
		wantErr   string
		wantTaken bool // the scanner took claims
		at        int  // where the helper starts, if not at splitPoint
	}{
		{"as written", data, strict, "", true, 0},
		{"kept nothing", data, scanMode{strict: true}, "", true, 0},
		{"kept deep", data, scanMode{strict: true, keepDepth: 6}, "", true, 0},
		{"JSONC", data, jsonc, "", true, 0},
		{"control character late", with(late, "\t"), strict, `invalid control character '\t' in string`, true, 0},
		{"control character early", with(early, "\x01"), strict, `invalid control character '\x01' in string`, false, 0},
		{"trailing comma late", with(late-len(`"display": "`)-3, `"x": 1,}`), strict, "trailing commas are not allowed", true, 0},
		{"comment late, strict", with(split, "/* c */"), strict, "comments are not allowed", false, 0},
		{"comment late, JSONC", with(split, "/* c */"), jsonc, "", true, 0},
		// The helper starts inside a block comment: what it finds there
		// is no value the scanner meets.
		{"split in a comment", with(split, "/* {\"x\": 1}\n{\"y\": [2]}\n\"z\" */"), jsonc, "", true, split + len(`/* {"x": 1}`)},
		// Or inside a string: it finds the values after it in the end.
		{"split in a string", data, strict, "", true, late},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := sequentialScan(tt.src, tt.mode)
			if !strings.Contains(want.Err, tt.wantErr) || (tt.wantErr == "") != (want.Err == "") {
				t.Fatalf("sequential scan: error %q, want %q", want.Err, tt.wantErr)
			}
			at := tt.at
			if at == 0 {
				at = splitPoint(tt.src)
			}
			got, taken := splitScan(tt.src, tt.mode, at)
			if diff := diffResults(want, got); diff != "" {
				t.Fatalf("(-sequential +split):\n%s", diff)
			}
			if (taken > 0) != tt.wantTaken {
				t.Errorf("the scanner took %d claims, want some: %v", taken, tt.wantTaken)
			}
			if tt.wantErr == "" && tt.mode.keepDepth == 3 && len(got.Tables) < 100 {
				t.Errorf("%d tables, want one for each project", len(got.Tables))
			}
		})
	}
}

// TestParallelDepth: a claim of a deep value stands only where the value
// does not nest too deep, counting the depth it sits at.
func TestParallelDepth(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{maxDepth - 2, maxDepth - 1, maxDepth} {
		// The helper starts inside the outer array, before the inner one,
		// which is one level deep at the split and depth levels inside.
		src := []byte("[\n" + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n]")
		m := scanMode{strict: true}
		want := sequentialScan(src, m)
		got, _ := splitScan(src, m, 1)
		if diff := diffResults(want, got); diff != "" {
			t.Fatalf("depth %d (-sequential +split):\n%s", depth, diff)
		}
		if wantErr := depth+1 > maxDepth; (want.Err != "") != wantErr {
			t.Fatalf("depth %d: error %q", depth, want.Err)
		}
	}
}

// TestParallelKeptBudget: when the helper's tables outgrow its budget,
// the scanner scans the values that need tables itself, and the tables
// are still all there.
func TestParallelKeptBudget(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("{\"a\": [\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "{\"x\": {\"y\": %d}},\n", i)
	}
	b.WriteString("{}],\n\"b\": {\"c\": {\"d\": 1}}}")
	src := []byte(b.String())
	m := scanMode{strict: true, keepDepth: 3}
	want := sequentialScan(src, m)
	got, taken := splitScan(src, m, splitPoint(src))
	if diff := diffResults(want, got); diff != "" {
		t.Fatalf("(-sequential +split):\n%s", diff)
	}
	if taken == 0 {
		t.Error("the scanner took no claims")
	}
	if want.Tables[bytes.Index(src, []byte(`{"c"`))].members == nil {
		t.Error("no table for b's value")
	}
}

// TestValidateSplitsLargeFiles: validate uses a helper from parallelFrom
// on, and stops it before returning. (Not parallel: it lowers
// parallelFrom.)
func TestValidateSplitsLargeFiles(t *testing.T) {
	old := parallelFrom
	t.Cleanup(func() { parallelFrom = old })
	src := []byte("{\n  \"a\": {\"b\": 1},\n  \"c\": [1, 2],\n  \"d\": {\"e\": {\"f\": {}}}\n}")
	m := scanMode{strict: true, keepDepth: 3}
	want := sequentialScan(src, m)
	for _, from := range []int{len(src) + 1, len(src), 0} {
		parallelFrom = from
		sc := m.scanner(src)
		start, end, err := sc.validate()
		if diff := diffResults(want, resultOf(sc, start, end, err)); diff != "" {
			t.Fatalf("parallelFrom %d (-sequential +validate):\n%s", from, diff)
		}
		split := from <= len(src) && runtime.GOMAXPROCS(0) > 1
		if (sc.claims != nil) != split || split && sc.claims.taken == 0 {
			t.Fatalf("parallelFrom %d: claims %+v", from, sc.claims)
		}
	}
}

// TestParseLargeFileOnTwoCores: Parse, the entry point, finds the same
// top-level value and tables in a large file on two cores as on one,
// and lookups in the tables work. (Not parallel: it changes
// parallelFrom.)
func TestParseLargeFileOnTwoCores(t *testing.T) {
	old := parallelFrom
	t.Cleanup(func() { parallelFrom = old })
	data := claudeJSON(t)
	parallelFrom = len(data) + 1
	one, err := Parse(data, true)
	if err != nil {
		t.Fatal(err)
	}
	parallelFrom = 0
	two, err := Parse(data, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffResults(scanResult{Start: one.root.start, End: one.root.end, Tables: one.tables},
		scanResult{Start: two.root.start, End: two.root.end, Tables: two.tables}); diff != "" {
		t.Fatalf("(-one core +two):\n%s", diff)
	}
	// A project from the second half has its table.
	last := bytes.LastIndex(data, []byte(`"/home/dev/src/project-`))
	name, err := stringAt(data, last, last+bytes.IndexByte(data[last+1:], '"')+2)
	if err != nil {
		t.Fatal(err)
	}
	p, n, err := two.lookup([]string{"projects", name})
	if err != nil || n != 2 || p.kind != '{' || p.start < splitPoint(data) {
		t.Fatalf("lookup projects[%q]: %+v, %d, %v", name, p, n, err)
	}
	if _, ok := two.tables[p.start]; !ok {
		t.Fatalf("no table for projects[%q]", name)
	}
	if v, n, err := two.lookup([]string{"projects", name, "lastCost"}); err != nil || n != 3 || v.kind != '0' {
		t.Fatalf("lookup projects[%q].lastCost: %+v, %d, %v", name, v, n, err)
	}
}
