//go:build unix

package encryptionconfig

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func setUmask(m int) int { return syscall.Umask(m) }

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "encryption-config.yaml")
	var tempModes []fs.FileMode
	afterTempCreate = func(name string) {
		fi, err := os.Stat(name)
		if err != nil {
			t.Errorf("stat of the temporary file: %v", err)
			return
		}
		tempModes = append(tempModes, fi.Mode().Perm())
	}
	t.Cleanup(func() { afterTempCreate = func(string) {} })
	// A permissive umask must not widen anything.
	old := setUmask(0)
	t.Cleanup(func() { setUmask(old) })

	for _, content := range []string{"first\n", "second, longer content\n"} {
		if err := WriteFile(context.Background(), path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("content = %q, %v; want %q", got, err, content)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != FileMode {
			t.Errorf("file mode %o, want %o", fi.Mode().Perm(), FileMode)
		}
	}
	for _, m := range tempModes {
		if m != FileMode {
			t.Errorf("the temporary file was created with mode %o, want %o from its first instant", m, FileMode)
		}
	}
	if len(tempModes) != 2 {
		t.Errorf("saw %d temporary files, want 2", len(tempModes))
	}
	for _, d := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b")} {
		fi, _ := os.Stat(d)
		if fi.Mode().Perm() != DirMode {
			t.Errorf("%s has mode %o, want %o", d, fi.Mode().Perm(), DirMode)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileErrorsLeaveOldFileIntact(t *testing.T) {
	dir := t.TempDir()
	// A directory where the file should be.
	asDir := filepath.Join(dir, "config.yaml")
	if err := os.Mkdir(asDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), asDir, []byte("x")); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("WriteFile onto a directory: %v", err)
	}
	// A path under a regular file.
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), filepath.Join(regular, "config.yaml"), []byte("x")); err == nil || !strings.Contains(err.Error(), "is a regular file, not a directory") {
		t.Errorf("WriteFile under a regular file: %v", err)
	}
	// A cancelled context stops before the rename: the old file stays.
	path := filepath.Join(dir, "kept.yaml")
	if err := WriteFile(context.Background(), path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteFile(ctx, path, []byte("new")); err == nil || !strings.Contains(err.Error(), "old file is intact") {
		t.Errorf("WriteFile with a cancelled context: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("old file changed to %q", b)
	}
	if b, _ := os.ReadFile(regular); string(b) != "keep" {
		t.Errorf("regular file changed to %q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestWriteFileFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(context.Background(), link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&fs.ModeSymlink == 0 {
		t.Error("the symbolic link was replaced by a file")
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
}

func TestRemoveFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := RemoveFile(path); err != nil {
		t.Fatal(err)
	}
	if err := RemoveFile(path); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
	if err := RemoveFile(dir); err == nil {
		t.Error("RemoveFile removed a directory")
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := WriteFile(context.Background(), path, []byte("doc")); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(context.Background(), path); err != nil || string(b) != "doc" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(context.Background(), link); err != nil || string(b) != "doc" {
		t.Errorf("ReadFile through a link = %q, %v", b, err)
	}
	if _, err := ReadFile(context.Background(), filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := ReadFile(context.Background(), dir); !errors.Is(err, ErrIsDir) {
		t.Errorf("a directory: %v, want ErrIsDir", err)
	}
}

// TestReadFileHonoursTheDeadline: a read that blocks (here a FIFO with no
// writer, as a hung network mount would) ends at the context's deadline.
func TestReadFileHonoursTheDeadline(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := ReadFile(ctx, fifo)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not finish in time") {
		t.Errorf("got %v, want a read that did not finish in time", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("ReadFile returned after %s", took)
	}
	// Release the abandoned read.
	if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
		_ = w.Close()
	}
}
