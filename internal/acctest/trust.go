package acctest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// certFileEnv is the variable crypto/x509 reads, once, on the first use of
// the system pool, to find the roots it trusts.
const certFileEnv = "SSL_CERT_FILE"

// systemBundles are the files crypto/x509 tries on Linux, in its order.
var systemBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// The process-wide CA that Main makes trusted. Set before m.Run, read-only
// afterwards.
var (
	trustCA   *PKI
	trustFile string
	trustErr  = errNoTrust
)

// setUpTrust makes one CA for the test binary, in a folder of its own that
// the returned cleanup removes (see SetUpTrust).
func setUpTrust() (cleanup func(), err error) {
	dir, err := TempDir("kubeharden-trust-")
	if err != nil {
		return nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	if _, _, err := SetUpTrust(dir); err != nil {
		cleanup()
		return nil, err
	}
	return cleanup, nil
}

// SetUpTrust makes one CA for the process, writes it with the system roots
// (or those of an SSL_CERT_FILE already set) to dir/ca-bundle.pem, and
// points SSL_CERT_FILE at it, so every client of the process, and the
// Terraform CLI it starts, trusts the local HTTPS fakes through the
// ordinary system pool: no client is told to trust anything else, and
// nothing skips verification. It must run before anything loads the system
// pool, which crypto/x509 does once per process: it checks that the pool it
// gets trusts the CA, and fails otherwise. It returns the CA, to sign the
// fakes' serving certificates (PKI.ServingTLS), and the bundle's path, for
// processes that do not inherit this one's environment. acctest.Main calls
// it for test binaries; a program that starts fakes for other processes
// (localenv) calls it first thing.
func SetUpTrust(dir string) (ca *PKI, bundleFile string, err error) {
	ca, err = newCA()
	if err != nil {
		return nil, "", err
	}
	var bundle bytes.Buffer
	bundle.Write(ca.CACertPEM)
	sources := systemBundles
	if f := os.Getenv(certFileEnv); f != "" {
		sources = []string{f}
	}
	for _, f := range sources {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		bundle.WriteString("\n")
		bundle.Write(b)
		break
	}
	file := filepath.Join(dir, "ca-bundle.pem")
	if err := os.WriteFile(file, bundle.Bytes(), 0o600); err != nil {
		return nil, "", err
	}
	if err := os.Setenv(certFileEnv, file); err != nil {
		return nil, "", err
	}
	if err := checkTrusted(ca); err != nil {
		return nil, "", err
	}
	trustCA, trustFile, trustErr = ca, file, nil
	return ca, file, nil
}

// checkTrusted verifies a certificate of ca against the system pool.
func checkTrusted(ca *PKI) error {
	certPEM, _, err := ca.Issue("kubeharden-trust-check", nil, []string{"localhost"}, nil, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return fmt.Errorf("loading the system roots: %w", err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
		return fmt.Errorf("the system roots do not trust the test CA (were they loaded before %s was set?): %w", certFileEnv, err)
	}
	return nil
}

var errNoTrust = errors.New("the test binary did not start through acctest.Main, so no test CA is trusted: add func TestMain(m *testing.M) { os.Exit(acctest.Main(m)) } to the package")

// TestCA returns the CA that Main made trusted through SSL_CERT_FILE, to
// sign the serving certificates of local HTTPS servers (see
// PKI.ServingTLS). It fails the test when the binary did not start
// through Main.
func TestCA(t testing.TB) *PKI {
	t.Helper()
	if trustErr != nil {
		t.Fatal(trustErr)
	}
	return trustCA
}

// CAFile returns the path of the bundle SSL_CERT_FILE names: the test CA
// followed by the system roots. Child processes inherit the variable; give
// the path explicitly to a tool that does not read it.
func CAFile(t testing.TB) string {
	t.Helper()
	if trustErr != nil {
		t.Fatal(trustErr)
	}
	return trustFile
}
