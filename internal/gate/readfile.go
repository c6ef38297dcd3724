package gate

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxPEMFile bounds a TLS file: a system CA bundle is about 200 KB.
const maxPEMFile = 4 << 20

// readRegularFile reads a small file named by the user, refusing anything
// but a regular file of at most max bytes. A FIFO would block the read
// until some writer came along, and /dev/zero (or a link to it) would
// never end: "serve" would hang at startup or grow without bound, with the
// IDE showing only a server that never answers. The file is opened without
// blocking (where the platform allows) and its type checked on the open
// descriptor, so a file swapped for a FIFO after a check cannot block us.
func readRegularFile(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fileKind(fi.Mode()))
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d a PEM file can need", path, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is more than the %d bytes a PEM file can need", path, max)
	}
	return data, nil
}

// fileKind names a file type for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "type " + m.Type().String()
}
