//go:build unix

package procgroup

import (
	"errors"
	"os/exec"
	"syscall"
)

// Set makes cmd, once started, the leader of a new process group, and
// makes a cancelled context (exec.CommandContext) kill the whole group.
// Call it before Start.
func Set(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if cmd.Cancel != nil { // made by exec.CommandContext
		cmd.Cancel = func() error { return Kill(cmd) }
	}
}

// Kill sends SIGKILL to cmd's process group: the command and everything
// it started that is still in the group. It may be called after the
// command exited (its children may live on); a group with no process left
// is not an error.
func Kill(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
