package acctest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMotoPythonMissing checks that a machine without moto gets told what
// to install, rather than a skipped test.
func TestMotoPythonMissing(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	t.Setenv("KUBEHARDEN_PYTHON", "")
	_, err := motoPython()
	if err == nil || !strings.Contains(err.Error(), "pip install 'moto[server]'") || !strings.Contains(err.Error(), "moto_server is not on PATH") {
		t.Fatalf("motoPython() = %v, want an error that says to pip install 'moto[server]'", err)
	}

	// A moto_server script whose python cannot import moto.
	script := filepath.Join(empty, "moto_server")
	if err := os.WriteFile(script, []byte("#!/nonexistent/python3\nprint('moto')\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = motoPython()
	if err == nil || !strings.Contains(err.Error(), "pip install 'moto[server]'") || !strings.Contains(err.Error(), "moto_server is at "+script) {
		t.Fatalf("motoPython() = %v, want an error naming %s and saying what to install", err, script)
	}
}
