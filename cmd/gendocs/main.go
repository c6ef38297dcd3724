// Command gendocs writes latchgate-mcp's man pages and shell completions
// into a directory, for the release archives (.goreleaser.yaml's before
// hook): go run ./cmd/gendocs [--date RFC3339] DIR. They come from the
// same command tree the binary runs, so they cannot drift from its flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/latchgate-ai/latchgate-mcp/internal/cli"
	"github.com/latchgate-ai/latchgate-mcp/internal/gendocs"
)

func main() {
	date := flag.String("date", "", "date for the man pages, RFC 3339 (default: the build date, else now)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gendocs [--date RFC3339] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	d := *date
	if d == "" {
		d = cli.BuildInfo().Date
	}
	err := gendocs.Write(cli.NewRootCommand(), gendocs.Options{Dir: flag.Arg(0), Date: d, Source: "latchgate-mcp " + cli.Version()})
	var de *gendocs.DateError
	switch {
	case errors.As(err, &de):
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}
