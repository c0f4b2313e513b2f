package acctest

import "syscall"

// childProcAttr makes a child process die with the test binary, even when
// the binary is killed, and puts it in its own process group.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
