package acctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestTempDirSweepsFoldersOfDeadProcesses: a folder whose owner exited is
// removed by the next TempDir of the same prefix; a live owner's folder,
// and a folder without an owner file, stay.
func TestTempDirSweepsFoldersOfDeadProcesses(t *testing.T) {
	prefix := "kubeharden-sweep-test-" + strconv.Itoa(os.Getpid()) + "-"
	t.Cleanup(func() {
		matches, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
		for _, m := range matches {
			_ = os.RemoveAll(m)
		}
	})
	// A process that has exited: its PID is free.
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	mk := func(owner string) string {
		dir, err := os.MkdirTemp("", prefix) //nolint:usetesting // the sweep looks in the system's temporary folder
		if err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	dead := mk(strconv.Itoa(done.Process.Pid))
	live := mk(strconv.Itoa(os.Getppid()))
	unowned := mk("")
	fresh, err := TempDir(prefix)
	if err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{dead: false, live: true, unowned: true, fresh: true} {
		_, err := os.Stat(dir)
		if exists := err == nil; exists != want {
			t.Errorf("%s: exists=%v, want %v", dir, exists, want)
		}
	}
	b, err := os.ReadFile(filepath.Join(fresh, ownerFile))
	if err != nil || string(b) != strconv.Itoa(os.Getpid()) {
		t.Errorf("owner file %q, %v; want this process's PID", b, err)
	}
}
