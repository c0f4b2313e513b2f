package encryptionconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// FileMode is the mode of the written file: the configuration names the KMS
// sockets, and kube-apiserver (root) is its only reader.
const FileMode fs.FileMode = 0o600

// DirMode is the mode of parent directories that WriteFile creates. Existing
// directories are left as they are.
const DirMode fs.FileMode = 0o700

// afterTempCreate is called with the temporary file's name right after it is
// created, before anything is written; tests use it to check its mode.
var afterTempCreate = func(string) {}

// WriteFile replaces the file at path with data atomically: a temporary file
// in the same directory, created with mode 0600 from its first instant,
// written and fsynced, then renamed over path, and the directory fsynced. A
// reader (kube-apiserver's reload loop) sees the old file or the new one,
// never a part, and a crash leaves one of the two. When path is a symbolic
// link, its target is replaced. On any error the old file is left intact.
// ctx is checked before the rename, the point of no return.
func WriteFile(ctx context.Context, path string, data []byte) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory; remove it or choose another path", target)
	} else if errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("cannot write %s: a part of the directory %s is a regular file, not a directory", target, filepath.Dir(target))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checking %s: %w", target, err)
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("creating the directory %s: %w", dir, err)
	}
	// os.CreateTemp opens with O_CREATE|O_EXCL and mode 0600, so the file is
	// never readable by others, not even before the Chmod below (which only
	// guards against a future change of that default).
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return fmt.Errorf("creating a temporary file in %s: %w", dir, err)
	}
	tmp := f.Name()
	afterTempCreate(tmp)
	committed := false
	defer func() {
		if !committed {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(FileMode); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("flushing %s to disk: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("writing %s was interrupted before the file was replaced (the old file is intact): %w", target, err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("replacing %s: %w", target, err)
	}
	committed = true
	// Without a sync of the directory the rename itself may be lost on a
	// power failure.
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		_ = d.Close()
		if err != nil {
			return fmt.Errorf("flushing the directory %s to disk: %w", dir, err)
		}
	}
	return nil
}

// resolve follows a symbolic link at path, so the link's target is written
// rather than the link replaced by a file.
func resolve(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		// Not there yet, or not a link: the path itself is written (and
		// any real problem with it surfaces when it is).
		return path, nil //nolint:nilerr // see above
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("%s is a symbolic link that cannot be followed: %w", path, err)
	}
	return target, nil
}

// ErrIsDir is the error of ReadFile when a directory is in place of the
// file.
var ErrIsDir = errors.New("a directory is in place of the file")

// ReadFile reads the file at path, following a symbolic link as WriteFile
// does. A missing file is an error that matches fs.ErrNotExist, and a
// directory at path is ErrIsDir: for the caller, both mean the file is
// gone. The read runs in a goroutine so that a hung file system (a stale
// network mount) ends at ctx's deadline; the abandoned read finishes or
// fails on its own.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			ch <- result{nil, ErrIsDir}
			return
		}
		b, err := os.ReadFile(path)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("reading %s did not finish in time: %w", path, ctx.Err())
	}
}

// RemoveFile removes the file at path; a file already gone is not an error.
func RemoveFile(path string) error {
	if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory, not the file kubeharden wrote; it is left in place", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}
