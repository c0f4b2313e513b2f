// Package fakekubelet is a stand-in for a kubelet's HTTPS server, for the
// tests that read kubelets through the API server's node proxy: it serves
// /metrics in the Prometheus text format with the kubelet's own metric
// names, and authenticates its clients by certificate as a kubelet with
// --client-ca-file does. The control plane of the tests runs no kubelet,
// and a kubelet needs a container runtime and a real host to start.
package fakekubelet

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Behaviour is what the fake kubelet's /metrics answers.
type Behaviour struct {
	// CgroupVersion is the value of kubelet_cgroup_version (1 or 2); 0
	// leaves the gauge out, as an older kubelet does.
	CgroupVersion int
	// Hang holds every request until the client gives up or the kubelet is
	// closed.
	Hang bool
}

// Kubelet is one fake kubelet serving on a listener.
type Kubelet struct {
	// Addr is where it listens.
	Addr *net.TCPAddr
	srv  *http.Server
	done chan struct{}
	once sync.Once

	mu       sync.Mutex
	requests int
}

// Serve starts a fake kubelet on l with serving certificate cert, accepting
// only clients whose certificate clientCAs signed.
func Serve(l net.Listener, cert tls.Certificate, clientCAs *x509.CertPool, b Behaviour) *Kubelet {
	k := &Kubelet{Addr: l.Addr().(*net.TCPAddr), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.requests++
		k.mu.Unlock()
		if b.Hang {
			select {
			case <-r.Context().Done():
			case <-k.done:
			}
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write([]byte(MetricsText(b.CgroupVersion)))
	})
	k.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    clientCAs,
			MinVersion:   tls.VersionTLS12,
		},
	}
	go func() { _ = k.srv.ServeTLS(l, "", "") }()
	return k
}

// Requests is how many /metrics requests reached the kubelet.
func (k *Kubelet) Requests() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.requests
}

// Close stops the kubelet and releases hanging requests.
func (k *Kubelet) Close() {
	k.once.Do(func() {
		close(k.done)
		_ = k.srv.Close()
	})
}

// MetricsText is the kubelet's /metrics body: a few of its gauges, with the
// HELP and TYPE lines of k8s.io/kubernetes pkg/kubelet/metrics (ALPHA
// metrics carry "[ALPHA] " before their help, as component-base writes it),
// and kubelet_cgroup_version when cgroupVersion is not 0.
func MetricsText(cgroupVersion int) string {
	text := "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox\n" +
		"# TYPE kubelet_running_pods gauge\n" +
		"kubelet_running_pods 3\n"
	if cgroupVersion != 0 {
		text += "# HELP kubelet_cgroup_version [ALPHA] cgroup version on the hosts.\n" +
			"# TYPE kubelet_cgroup_version gauge\n" +
			fmt.Sprintf("kubelet_cgroup_version %d\n", cgroupVersion)
	}
	return text + "# HELP kubelet_node_name [ALPHA] The node's name. The count is always 1.\n" +
		"# TYPE kubelet_node_name gauge\n" +
		"kubelet_node_name{node=\"fake\"} 1\n"
}
