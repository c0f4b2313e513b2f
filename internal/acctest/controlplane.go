// Package acctest owns the local test environment shared by the acceptance
// tests and `make demo`: a real control plane (etcd and kube-apiserver built
// from their Go modules) with its PKI, a KMS v2 plugin, moto's server with
// kubeharden's EKS extension, a fault-injecting proxy in front of the API
// server, and the helpers the tests share (API server metrics, unique names,
// error patterns, temporary directories).
package acctest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ControlPlane is a running etcd and kube-apiserver on loopback.
type ControlPlane struct {
	// Dir holds the PKI, the kubeconfig, the data and the logs. It is removed by Stop.
	Dir            string
	KubeconfigPath string
	Host           string
	EtcdEndpoint   string
	PKI            *PKI
	REST           *rest.Config
	Clientset      kubernetes.Interface

	procs []*exec.Cmd
	logs  []string
}

// Options tune a control plane.
type Options struct {
	// ExtraAPIServerArgs are appended to kube-apiserver's flags, e.g.
	// "--encryption-provider-config=/path".
	ExtraAPIServerArgs []string
	// Dir is where to keep files; a new temporary folder when empty.
	Dir string
	// Logf receives progress lines; os.Stderr when nil.
	Logf func(format string, args ...any)
}

// RepoRoot finds the repository's top folder from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module github.com/kubeharden/terraform-provider-kubeharden\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (a go.mod of module github.com/kubeharden/terraform-provider-kubeharden) above the working directory")
		}
		dir = parent
	}
}

// BinDir is where the control plane binaries are: $KUBEHARDEN_BIN_DIR, or bin/ at the repository root.
func BinDir() (string, error) {
	if d := os.Getenv("KUBEHARDEN_BIN_DIR"); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin"), nil
}

var buildOnce sync.Once
var buildErr error

// EnsureBinaries builds etcd and kube-apiserver when they are missing or
// stale (tools/controlplane/build.sh keeps a stamp), printing progress.
func EnsureBinaries() error {
	buildOnce.Do(func() {
		root, err := RepoRoot()
		if err != nil {
			buildErr = err
			return
		}
		bin, err := BinDir()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("bash", filepath.Join(root, "tools", "controlplane", "build.sh"))
		cmd.Env = append(os.Environ(), "KUBEHARDEN_BIN_DIR="+bin)
		cmd.Stdout = os.Stderr
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			buildErr = fmt.Errorf("building the control plane (tools/controlplane/build.sh): %w", err)
		}
	})
	return buildErr
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartControlPlane starts etcd and kube-apiserver on free loopback ports
// and waits until the API server is ready.
func StartControlPlane(ctx context.Context, o Options) (*ControlPlane, error) {
	logf := o.Logf
	if logf == nil {
		logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	if err := EnsureBinaries(); err != nil {
		return nil, err
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = TempDir("kubeharden-cp-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	cp := &ControlPlane{Dir: dir}
	ok := false
	defer func() {
		if !ok {
			cp.Stop()
		}
	}()
	if cp.PKI, err = newPKI(); err != nil {
		return nil, err
	}
	// The API server's client certificate towards kubelets (the node
	// proxy), which the fake kubelets of FakeNode verify.
	kubeletClientCert, kubeletClientKey, err := cp.PKI.Issue("kube-apiserver-kubelet-client", nil, nil, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		"ca.crt": cp.PKI.CACertPEM, "apiserver.crt": cp.PKI.ServingCert, "apiserver.key": cp.PKI.ServingKey,
		"sa.pub": cp.PKI.SAPublicKey, "sa.key": cp.PKI.SAPrivateKey,
		"kubelet-client.crt": kubeletClientCert, "kubelet-client.key": kubeletClientKey,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return nil, err
		}
	}

	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = FreePort(); err != nil {
			return nil, err
		}
	}
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	cp.EtcdEndpoint = clientURL
	cp.Host = fmt.Sprintf("https://127.0.0.1:%d", ports[2])

	start := time.Now()
	if err := cp.spawn(filepath.Join(bin, "etcd"), "etcd",
		"--name=default",
		"--data-dir="+filepath.Join(dir, "etcd-data"),
		"--listen-client-urls="+clientURL,
		"--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL,
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	); err != nil {
		return nil, err
	}
	args := []string{
		"--etcd-servers=" + clientURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", ports[2]),
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--tls-cert-file=" + filepath.Join(dir, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(dir, "apiserver.key"),
		"--client-ca-file=" + filepath.Join(dir, "ca.crt"),
		"--service-account-key-file=" + filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		"--service-cluster-ip-range=10.96.0.0/24",
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		// Kubelets (the fake ones of FakeNode) serve certificates of the
		// test CA, which the node proxy verifies, and get the API server's
		// client certificate.
		"--kubelet-certificate-authority=" + filepath.Join(dir, "ca.crt"),
		"--kubelet-client-certificate=" + filepath.Join(dir, "kubelet-client.crt"),
		"--kubelet-client-key=" + filepath.Join(dir, "kubelet-client.key"),
	}
	args = append(args, o.ExtraAPIServerArgs...)
	if err := cp.spawn(filepath.Join(bin, "kube-apiserver"), "kube-apiserver", args...); err != nil {
		return nil, err
	}

	cp.KubeconfigPath = filepath.Join(dir, "kubeconfig")
	if err := cp.writeKubeconfig(); err != nil {
		return nil, err
	}
	if cp.REST, err = clientcmd.BuildConfigFromFlags("", cp.KubeconfigPath); err != nil {
		return nil, err
	}
	cp.REST.QPS, cp.REST.Burst = 200, 400
	if cp.Clientset, err = kubernetes.NewForConfig(cp.REST); err != nil {
		return nil, err
	}
	if err := cp.waitReady(ctx, 90*time.Second); err != nil {
		return nil, err
	}
	logf("control plane: kube-apiserver ready at %s in %s (files in %s)", cp.Host, time.Since(start).Round(time.Millisecond), dir)
	ok = true
	return cp, nil
}

func (cp *ControlPlane) spawn(path, name string, args ...string) error {
	logPath := filepath.Join(cp.Dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout = f
	cmd.Stderr = f
	// The processes die with the test binary even when it is killed.
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { _ = cmd.Wait(); f.Close() }()
	cp.procs = append(cp.procs, cmd)
	cp.logs = append(cp.logs, logPath)
	return nil
}

func (cp *ControlPlane) writeKubeconfig() error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: cp.Host, CertificateAuthorityData: cp.PKI.CACertPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cp.PKI.AdminCert, ClientKeyData: cp.PKI.AdminKey}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "admin"}
	cfg.CurrentContext = "local"
	return clientcmd.WriteToFile(*cfg, cp.KubeconfigPath)
}

func (cp *ControlPlane) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		for i, p := range cp.procs {
			if p.ProcessState != nil {
				return fmt.Errorf("%s exited early (%s); last lines of its log:\n%s", filepath.Base(p.Path), p.ProcessState, tail(cp.logs[i], 30))
			}
		}
		body, err := cp.Clientset.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && string(body) == "ok" {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver was not ready within %s: %w; last lines of its log:\n%s", timeout, last, tail(cp.logs[len(cp.logs)-1], 30))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Stop ends both processes and removes the control plane's files.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		if p.Process == nil {
			continue
		}
		_ = p.Process.Signal(syscall.SIGTERM)
		deadline := time.Now().Add(10 * time.Second)
		for p.ProcessState == nil && time.Now().Before(deadline) {
			if err := p.Process.Signal(syscall.Signal(0)); err != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = p.Process.Kill()
	}
	cp.procs = nil
	if cp.Dir != "" && os.Getenv("KUBEHARDEN_KEEP_CP_FILES") == "" {
		_ = os.RemoveAll(cp.Dir)
	}
}

// ProviderConfig is the provider block that connects to this control plane
// as a cluster administrator.
func (cp *ControlPlane) ProviderConfig() string {
	return fmt.Sprintf(`
provider "kubeharden" {
  kubernetes {
    config_path = %q
  }
}
`, cp.KubeconfigPath)
}

// CreateNamespace creates a namespace with the given labels and, since no
// controller-manager runs here, its "default" ServiceAccount, without which
// pods are rejected.
func (cp *ControlPlane) CreateNamespace(ctx context.Context, name string, labels map[string]string) error {
	_, err := cp.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %q: %w", name, err)
	}
	_, err = cp.Clientset.CoreV1().ServiceAccounts(name).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the default ServiceAccount of %q: %w", name, err)
	}
	return nil
}

// LogTail returns the last lines of kube-apiserver's log, for test failures.
func (cp *ControlPlane) LogTail(n int) string {
	if len(cp.logs) == 0 {
		return ""
	}
	return tail(cp.logs[len(cp.logs)-1], n)
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// DeleteNamespace deletes a namespace and waits until it is gone. No
// namespace controller runs here, so it finalizes the namespace itself
// (objects inside are left in storage, which tests do not look at).
func (cp *ControlPlane) DeleteNamespace(ctx context.Context, name string) error {
	nsc := cp.Clientset.CoreV1().Namespaces()
	if err := nsc.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		ns, err := nsc.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(ns.Spec.Finalizers) > 0 {
			ns.Spec.Finalizers = nil
			if _, err := nsc.Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %q still exists: %w", name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
