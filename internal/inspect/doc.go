// Package inspect reads IDE configuration files the way their IDEs do and
// says what the latchgate entry in each amounts to: whether the file
// parses and matches its schema, whether the entry is there, which gate it
// reaches, and what the client will do with it (Claude Code's scope
// shadowing and project approval). "list" prints it and "doctor" judges
// it, from this one implementation.
package inspect
