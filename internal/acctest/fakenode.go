package acctest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakekubelet"
)

// FakeNode creates the Node object node (its name, labels and status as
// given) and a fake kubelet for it in the shared network namespace, and
// points the node's status.addresses (one InternalIP) and
// status.daemonEndpoints.kubeletEndpoint.Port at that kubelet, so that the
// API server's node proxy reaches it as it would a real one, over HTTPS with
// a serving certificate of the test CA for the namespace's address (which
// kube-apiserver verifies: --kubelet-certificate-authority). The node and
// the kubelet are removed when the test ends.
func (cp *ControlPlane) FakeNode(t testing.TB, node *corev1.Node, b fakekubelet.Behaviour) *fakekubelet.Kubelet {
	t.Helper()
	ns := SharedNetNS(t)
	l, err := ns.Listen()
	if err != nil {
		t.Fatalf("listening in the test network namespace: %v", err)
	}
	addr := l.Addr().(*net.TCPAddr)
	// Only the namespace's own address may ever be a node's kubelet.
	if !addr.IP.Equal(ns.NSIP) {
		l.Close()
		t.Fatalf("the fake kubelet listens on %s, not on the namespace's address %s", addr, ns.NSIP)
	}
	certPEM, keyPEM, err := cp.PKI.Issue(node.Name, nil, []string{node.Name}, []net.IP{ns.NSIP}, x509.ExtKeyUsageServerAuth)
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cp.PKI.CACertPEM)
	k := fakekubelet.Serve(l, cert, pool, b)
	t.Cleanup(k.Close)

	ctx := context.Background()
	status := *node.Status.DeepCopy()
	created, err := cp.Clientset.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: *node.ObjectMeta.DeepCopy(), Spec: *node.Spec.DeepCopy()}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating node %q: %v", node.Name, err)
	}
	t.Cleanup(func() {
		_ = cp.Clientset.CoreV1().Nodes().Delete(context.Background(), node.Name, metav1.DeleteOptions{})
	})
	created.Status = status
	created.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ns.NSIP.String()}}
	created.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(addr.Port)
	if _, err := cp.Clientset.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("updating the status of node %q: %v", node.Name, err)
	}
	return k
}
