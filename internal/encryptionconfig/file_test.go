//go:build unix

package encryptionconfig

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
