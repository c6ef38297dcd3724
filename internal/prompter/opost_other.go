//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package prompter

// keepOutputProcessing does nothing where runTerminal is not used.
func keepOutputProcessing(int) error { return nil }
