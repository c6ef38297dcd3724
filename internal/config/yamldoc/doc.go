// Package yamldoc edits YAML configuration files (the MCP settings of
// Continue, Hermes and Goose, say) without reformatting them.
//
// gopkg.in/yaml.v3 reads the file into a node tree, which gives where each
// node starts but not where it ends, so this package works out the byte
// spans it needs from the text itself (the end of a scalar from its
// quoting, of a flow collection from its brackets, of a block collection
// from its last leaf, of an entry from the comment lines indented under
// it) and splices new text into the original bytes. Every byte outside
// the edited entry (comments, anchors, quoting, flow style, indentation,
// line ends, document markers) is kept.
//
// Every edit is checked before it is accepted: the new text is parsed
// again and must decode, as yaml.v3 decodes it, to exactly the old data
// with the one change made. A span worked out wrongly therefore becomes an
// error and an unchanged document, never a damaged file.
//
// Choices, and why:
//
//   - A file with more than one document is refused: Continue, Hermes and
//     Goose each read one and fail on a second, so there is no right one
//     to edit.
//   - An empty flow collection ("mcpServers: []") becomes a block one when
//     an entry goes in, and a block collection whose last entry goes
//     becomes "{}" or "[]" again, so uninstall gives back the original
//     bytes. A non-empty flow collection gets the entry in flow style.
//   - A null parent ("mcp_servers:" with nothing under it) is filled, as
//     the clients treat it as empty.
//   - Repeated keys are refused when the file is read, as yaml.v3 (and so
//     Goose and Continue) refuse them; repeated list items chosen by
//     config.Where are all removed by Delete, and the extra ones by Set.
//   - Get resolves aliases and merge keys (<<) as yaml.v3 does. An edit
//     that would also change what an alias elsewhere refers to, or that
//     goes through a key a merge key provides, is refused with a
//     *config.PathError rather than applied in a way that changes more
//     than the entry.
//   - Line breaks other than "\n" and "\r\n" (a lone CR, U+0085, U+2028,
//     U+2029) are refused: yaml.v3 counts them as lines, and positions
//     would disagree.
package yamldoc
