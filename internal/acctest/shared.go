package acctest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
)

var (
	sharedMu  sync.Mutex
	sharedCP  *ControlPlane
	sharedErr error
	cleanups  []func()
)

// Main runs a package's tests and stops the shared environment afterwards.
// Use it as TestMain: func TestMain(m *testing.M) { os.Exit(acctest.Main(m)) }.
// Nothing is started unless TF_ACC is set, and then only what a test asks for.
//
// Before any test runs, Main makes one CA for the process and sets
// SSL_CERT_FILE to a bundle of it and the system roots (see TestCA): Go
// reads that variable once, on the first use of the system pool, so it is
// set here, first, and never by a test. When that fails (a platform whose
// verifier ignores SSL_CERT_FILE), only the tests that need the CA fail.
func Main(m *testing.M) int {
	untrust, err := setUpTrust()
	if err != nil {
		trustErr = fmt.Errorf("arranging trust of the test CA: %w", err)
	} else {
		defer untrust()
	}
	code := m.Run()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	cleanups = nil
	return code
}

// OnExit registers f to run when Main ends (after every test).
func OnExit(f func()) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	cleanups = append(cleanups, f)
}

// PreCheck fails or skips a test that needs the acceptance environment:
// without TF_ACC the test is skipped, as terraform-plugin-testing does.
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC=1 (make testacc)")
	}
}

// SharedControlPlane returns the package's control plane, starting it on the
// first call. It is stopped when Main ends.
func SharedControlPlane(t testing.TB) *ControlPlane {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC=1 (make testacc)")
	}
	sharedMu.Lock()
	if sharedCP == nil && sharedErr == nil {
		sharedCP, sharedErr = StartControlPlane(context.Background(), Options{})
		if sharedErr == nil {
			cp := sharedCP
			cleanups = append(cleanups, cp.Stop)
		}
	}
	cp, err := sharedCP, sharedErr
	sharedMu.Unlock()
	if err != nil {
		t.Fatalf("the local control plane did not start: %v", err)
	}
	return cp
}

// UniqueName returns a DNS-1123 label unique within the run, for objects of
// tests that run in parallel on the shared control plane.
func UniqueName(prefix string) string {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	nameCounter++
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid()%10000, nameCounter)
}

var nameCounter int

// ErrorText returns a pattern for ExpectError that matches text however the
// Terraform CLI wraps its lines: each run of spaces may be any whitespace.
func ErrorText(text string) *regexp.Regexp {
	parts := strings.Fields(text)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, `\s+`))
}
