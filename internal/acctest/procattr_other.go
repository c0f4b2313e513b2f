//go:build !linux

package acctest

import "syscall"

// childProcAttr puts a child process in its own process group. Only Linux
// can make it die with its parent; elsewhere Stop and TempDir's sweep of
// folders left by dead test binaries are what clean up.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
