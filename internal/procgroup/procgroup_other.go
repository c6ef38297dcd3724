//go:build !unix

package procgroup

import "os/exec"

// Set has nothing to add where there are no process groups: a cancelled
// context kills the process.
func Set(cmd *exec.Cmd) {}

// Kill kills the process.
func Kill(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
