// Package yamldoc edits YAML configuration files (Continue's
// ~/.continue/config.yaml, Hermes' ~/.hermes/config.yaml, Goose's
// ~/.config/goose/config.yaml) without reformatting them.
//
// gopkg.in/yaml.v3 reads the file into a node tree, which gives where each
// node starts but not where it ends, so this package works out the byte
// spans it needs from the text itself (the end of a scalar from its
// quoting, of a flow collection from its brackets, of a block collection
// from its last leaf) and splices new text into the original bytes. Every
// byte outside the edited entry (comments, anchors, quoting, flow style,
// indentation, line ends, document markers) is kept.
//
// Every edit is checked before it is accepted: the new text is parsed
// again and must decode to exactly the old data with the one change made.
// A span worked out wrongly therefore becomes an error, never a damaged
// file.
package yamldoc
