package acctest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ownerFile holds the PID of the process that made a harness folder.
const ownerFile = ".kubeharden-owner"

// TempDir makes a folder under the system's temporary folder, named with
// prefix, for files that outlive one test (a control plane, moto, a built
// provider). It records the PID of this process in it, and first removes
// the folders of the same prefix whose recorded process is gone: a test
// binary killed by `go test -timeout` cannot clean up after itself, and an
// etcd data folder holds tens of megabytes.
func TempDir(prefix string) (string, error) {
	sweepStale(prefix)
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// sweepStale removes the folders made by TempDir with prefix whose owner
// process no longer exists. Folders without an owner file are left alone.
func sweepStale(prefix string) {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range matches {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if processGone(pid) {
			_ = os.RemoveAll(dir)
		}
	}
}

// processGone reports whether no process has the PID (signal 0 probes
// without sending anything; EPERM means it exists as another user).
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
