// Package textsafe makes text that came from a file or from the gate safe
// to print on a terminal.
//
// A repository's .mcp.json, an IDE's settings or a gate's action
// description can carry escape sequences: OSC 52 writes the clipboard,
// CSI 2J clears the screen, a carriage return or U+202E (right-to-left
// override) makes the text shown differ from the text that runs. We print
// such text in list, doctor and error messages, so every character a
// terminal could act on is written as a visible escape (\x1b, \u202e) and
// everything else is left as it is: a path with spaces, non-Latin letters
// or a backslash reads as the user wrote it.
//
// Escaped: the C0 controls and DEL, the C1 controls, the Unicode format
// characters (category Cf: bidirectional overrides and isolates,
// zero-width characters, the byte order mark), the line and paragraph
// separators, and bytes that are not UTF-8 (a lone 0x9b is CSI to a
// terminal in an 8-bit mode).
package textsafe
