package tomldoc

import (
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// resolve walks path from the top. It returns the deepest node found and
// how many segments it matched. Walking into a value that is not a table
// is a *config.PathError. For edits (edit true), so is walking into an
// array of tables or using a [config.Where] segment: the sections of one
// element of [[a]] cannot be told from another's by their headers, so
// they are only read, or deleted whole.
func (p *parsed) resolve(path []string, edit bool) (*tnode, int, error) {
	t := p.root
	for i, seg := range path {
		if field, value, ok := config.ParseWhere(seg); ok {
			if edit || t.kind != nodeArray {
				return t, i, &config.PathError{Path: path[:i], Msg: "cannot be searched by " + field + " here: only arrays of tables are, and only to read"}
			}
			var found *tnode
			for _, e := range t.elems {
				if c := e.child(field); c != nil && c.kind == nodeValue && c.v.kind == unstable.String && c.v.text == value {
					found = e
				}
			}
			if found == nil {
				return t, i, nil
			}
			t = found
			continue
		}
		switch t.kind {
		case nodeArray:
			return t, i, &config.PathError{Path: path[:i], Msg: "is an array of tables, not a table"}
		case nodeValue:
			return t, i, &config.PathError{Path: path[:i], Msg: "is " + kindName(t.v) + ", not a table"}
		}
		c := t.child(seg)
		if c == nil {
			return t, i, nil
		}
		t = c
	}
	return t, len(path), nil
}

func kindName(v *val) string {
	switch v.kind {
	case unstable.String:
		return "a string"
	case unstable.Bool:
		return "a boolean"
	case unstable.Integer, unstable.Float:
		return "a number"
	case unstable.Array:
		return "an array"
	case unstable.InlineTable:
		return "an inline table"
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return "a date or time"
	}
	return "a value"
}

// Get implements config.Document. Tables read as objects with their
// members in file order, wherever the pieces are written (a header,
// dotted keys, inline tables); arrays of tables as lists of objects;
// integers and floats as number text in JSON syntax (0x1F reads as 31,
// 1_000 as 1000); inf, nan and dates and times as strings of their text.
func (d *Document) Get(path ...string) (config.Value, bool) {
	t, n, err := d.resolve(path, false)
	if err != nil || n < len(path) {
		return config.Value{}, false
	}
	return t.value(), true
}

func (t *tnode) value() config.Value {
	switch t.kind {
	case nodeArray:
		items := make([]config.Value, len(t.elems))
		for i, e := range t.elems {
			items[i] = e.value()
		}
		return config.ListValue(items...)
	case nodeValue:
		return t.v.value()
	}
	members := make([]config.Member, len(t.children))
	for i, c := range t.children {
		members[i] = config.M(c.name, c.value())
	}
	return config.ObjectValue(members...)
}

func (v *val) value() config.Value {
	switch v.kind {
	case unstable.String:
		return config.StringValue(v.text)
	case unstable.Bool:
		return config.BoolValue(v.text == "true")
	case unstable.Integer:
		n, err := strconv.ParseInt(strings.TrimPrefix(v.text, "+"), 0, 64)
		if err != nil {
			// Validated at parse; keep the text rather than lose it.
			return config.StringValue(v.text)
		}
		return config.IntValue(n)
	case unstable.Float:
		return floatValue(v.text)
	case unstable.Array:
		items := make([]config.Value, len(v.items))
		for i, x := range v.items {
			items[i] = x.value()
		}
		return config.ListValue(items...)
	case unstable.InlineTable:
		// An inline table in an array has no node in the tree: build one.
		t := &tnode{kind: nodeTable, def: defInline, v: v, expr: -1}
		b := &builder{}
		for _, m := range v.members {
			if b.inlineMember(t, m) != nil {
				break // validated at parse
			}
		}
		return t.value()
	}
	return config.StringValue(v.text)
}

// floatValue turns a TOML float into JSON number text: no '+', no '_'.
// inf and nan have no JSON form and read as strings ("inf", "-inf",
// "nan").
func floatValue(text string) config.Value {
	s := strings.ReplaceAll(strings.TrimPrefix(text, "+"), "_", "")
	switch strings.TrimPrefix(s, "-") {
	case "inf":
		return config.StringValue(s)
	case "nan":
		return config.StringValue("nan")
	}
	if v, err := config.NumberValue(s); err == nil {
		return v
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if v, err := config.NumberValue(strconv.FormatFloat(f, 'g', -1, 64)); err == nil {
			return v
		}
	}
	return config.StringValue(text)
}
