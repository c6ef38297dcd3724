package doctor

import (
	"fmt"
	"io"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/internal/textsafe"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
)

// Status is the outcome of one check.
type Status string

// The statuses, from good to bad. Only Error makes [Report.HasErrors]
// true (and "doctor" exit 1): a warning names something that may bite
// later but does not keep the tools from showing up now.
const (
	OK    Status = "ok"
	Warn  Status = "warn"
	Error Status = "error"
)

// The sections checks are grouped in, in report order.
const (
	SectionBinary        = "binary"
	SectionConfiguration = "configuration"
	SectionEnforcement   = "enforcement"
	SectionGate          = "gate"
	SectionHandshake     = "handshake"
	SectionOperator      = "operator"
)

// sectionTitles are the headings of the text report.
var sectionTitles = map[string]string{
	SectionBinary:        "Binary",
	SectionConfiguration: "Configuration",
	SectionEnforcement:   "Enforcement",
	SectionGate:          "Gate",
	SectionHandshake:     "Handshake",
	SectionOperator:      "Operator",
}

// sectionOrder ranks sections for the report.
var sectionOrder = map[string]int{SectionBinary: 0, SectionConfiguration: 1, SectionEnforcement: 2, SectionGate: 3, SectionHandshake: 4, SectionOperator: 5}

// Check is the result of one check. The JSON field names are a stable
// interface for scripts (schemas/doctor-report.schema.json).
type Check struct {
	Section string `json:"section"`
	// ID names the kind of check, e.g. "config.approval"; stable across
	// releases so scripts can match on it.
	ID string `json:"id"`
	// Subject is what was checked, e.g. "Claude Code user ~/.claude.json"
	// or a gate address; "" for checks about the whole machine.
	Subject string `json:"subject,omitempty"`
	Status  Status `json:"status"`
	// Message says what was found, in one line.
	Message string `json:"message"`
	// Hint says what to do about a warn or error, in one line.
	Hint string `json:"hint,omitempty"`
	// Fixable is set when --fix can apply the hint.
	Fixable bool `json:"fixable,omitempty"`
	// Detail holds longer evidence, e.g. a failed server's stderr.
	Detail string `json:"detail,omitempty"`
	// DurationMS is how long the check took, for checks that talk to
	// something (the gate, a server process).
	DurationMS *int64 `json:"duration_ms,omitempty"`
}

// Fix is one safe repair Run found: file edits for merge, applied with
// the same plan and diff as install.
type Fix struct {
	// Description says what the fix does, for the confirmation prompt.
	Description string
	Edits       []merge.FileEdit
	Notes       []ides.Note
}

// Summary counts checks by status.
type Summary struct {
	OK    int `json:"ok"`
	Warn  int `json:"warn"`
	Error int `json:"error"`
}

// Report is the result of [Run].
type Report struct {
	// Version is the version of this latchgate-mcp.
	Version string `json:"version"`
	// Name is the server entry name checked.
	Name    string  `json:"name"`
	Checks  []Check `json:"checks"`
	Summary Summary `json:"summary"`
	// DurationMS is the wall-clock time of the whole run.
	DurationMS int64 `json:"duration_ms"`
	// Fixes are the safe fixes found; they are not part of the JSON
	// report, only their checks are (Fixable).
	Fixes []Fix `json:"-"`
	// Unfixable says, for problems --fix would repair but cannot now,
	// why not and what command would (not part of the JSON report).
	Unfixable []string `json:"-"`
}

// HasErrors reports whether any check failed.
func (r *Report) HasErrors() bool {
	for _, c := range r.Checks {
		if c.Status == Error {
			return true
		}
	}
	return false
}

// add records c, counting it in the summary.
func (r *Report) add(c Check) {
	r.Checks = append(r.Checks, c)
	switch c.Status {
	case OK:
		r.Summary.OK++
	case Warn:
		r.Summary.Warn++
	case Error:
		r.Summary.Error++
	}
}

// WriteText writes the report for people: one heading per section, one
// line per check with its hint below, then the summary.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	section := ""
	for _, c := range r.Checks {
		if c.Section != section {
			if section != "" {
				b.WriteByte('\n')
			}
			section = c.Section
			title := sectionTitles[section]
			if title == "" {
				title = section
			}
			b.WriteString(title + "\n")
		}
		// Messages carry text from files and the gate: control
		// characters in it are shown escaped, never sent to the terminal.
		line := textsafe.Quote(c.Message)
		if c.Subject != "" {
			line = textsafe.Quote(c.Subject) + ": " + line
		}
		if c.DurationMS != nil {
			line += fmt.Sprintf(" (%dms)", *c.DurationMS)
		}
		fmt.Fprintf(&b, "  %-5s %s\n", c.Status, line)
		if c.Hint != "" && c.Status != OK {
			fix := ""
			if c.Fixable {
				fix = " [--fix]"
			}
			fmt.Fprintf(&b, "        hint: %s%s\n", textsafe.Quote(c.Hint), fix)
		}
		if c.Detail != "" && c.Status != OK {
			for _, l := range strings.Split(strings.TrimRight(c.Detail, "\n"), "\n") {
				fmt.Fprintf(&b, "        | %s\n", textsafe.Quote(l))
			}
		}
	}
	if len(r.Checks) > 0 {
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d ok, %d warning(s), %d error(s)\n", r.Summary.OK, r.Summary.Warn, r.Summary.Error)
	_, err := io.WriteString(w, b.String())
	return err
}
