// Package config is the format-neutral model of a client's configuration
// file: the [Format] a file is written in, an ordered [Value] tree for the
// entries we write and read back, and the [Document] interface that every
// format's lossless editor implements.
//
// It imports no format. Each format lives in its own package
// (internal/config/jsondoc, tomldoc, yamldoc) and internal/config/formats
// knows them all, so nothing above the engine needs to know whether a file
// is JSON, TOML or YAML: adapters say which format a file is and what path
// inside it holds the servers; the engine parses, edits and writes.
package config
