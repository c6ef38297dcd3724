//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package prompter

import "golang.org/x/sys/unix"

// keepOutputProcessing turns output processing (OPOST, ONLCR) back on
// after term.MakeRaw. Bubble Tea maps "\n" to "\r\n" itself only when it
// put the terminal in raw mode; runTerminal does that instead (the form
// reads a pipe), so without this every line of the form would start where
// the one above it ended.
func keepOutputProcessing(fd int) error {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return err
	}
	t.Oflag |= unix.OPOST | unix.ONLCR
	return unix.IoctlSetTermios(fd, ioctlSetTermios, t)
}
