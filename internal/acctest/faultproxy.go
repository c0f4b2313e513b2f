package acctest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// FaultKind is what a FaultProxy rule does to a matching request.
type FaultKind int

const (
	// Latency delays the request, then forwards it.
	Latency FaultKind = iota
	// Status answers with Fault.Status (and Retry-After when set) without forwarding.
	Status
	// Reset forwards nothing and breaks the connection after a partial response.
	Reset
	// Hang holds the request until the client gives up.
	Hang
	// Before runs Fault.Before (e.g. a concurrent writer that makes the
	// request's resourceVersion stale, for a real 409), then forwards.
	Before
)

// Fault describes one injected fault.
type Fault struct {
	Kind       FaultKind
	Status     int           // for Status
	RetryAfter string        // for Status, e.g. "1"
	Delay      time.Duration // for Latency
	Before     func(*http.Request)
	// Body, for Status, replaces the Kubernetes Status body, e.g. with
	// ARM's {"error":{"code":...,"message":...}} in front of the fake ARM.
	Body string
	// Times is how many matching requests get the fault; 0 means all.
	Times int
}

// Rule is a programmed fault and how often it fired.
type Rule struct {
	method string
	path   *regexp.Regexp
	fault  Fault
	mu     sync.Mutex
	hits   int
}

// Hits is how many requests the rule faulted.
func (r *Rule) Hits() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits
}

// Kind names the rule's fault for reports: "429", "503", "reset", "hang",
// "latency" or "before".
func (r *Rule) Kind() string {
	switch r.fault.Kind {
	case Latency:
		return "latency"
	case Status:
		return fmt.Sprint(r.fault.Status)
	case Reset:
		return "reset"
	case Hang:
		return "hang"
	default:
		return "before"
	}
}

// HitsByKind sums the hits of rules per Kind, for the figures a test logs.
func HitsByKind(rules []*Rule) map[string]int {
	out := map[string]int{}
	for _, r := range rules {
		out[r.Kind()] += r.Hits()
	}
	return out
}

func (r *Rule) take(req *http.Request) bool {
	if r.method != "" && r.method != req.Method {
		return false
	}
	if !r.path.MatchString(req.URL.Path) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fault.Times > 0 && r.hits >= r.fault.Times {
		return false
	}
	r.hits++
	return true
}

// FaultProxy is a reverse proxy on 127.0.0.1 between the provider and an
// API, which injects programmed faults: over TLS in front of a control
// plane's kube-apiserver (forwarding as the cluster administrator, with its
// own client certificate), or over HTTP in front of moto or the fake GKE.
type FaultProxy struct {
	URL       string
	cp        *ControlPlane
	srv       *httptest.Server
	mu        sync.Mutex
	rules     []*Rule
	counts    map[string]int
	closed    chan struct{}
	closeOnce sync.Once
}

// NewFaultProxy starts a proxy in front of cp. Stop it with Close.
func NewFaultProxy(cp *ControlPlane) (*FaultProxy, error) {
	target, err := url.Parse(cp.Host)
	if err != nil {
		return nil, err
	}
	clientCert, err := tls.X509KeyPair(cp.PKI.AdminCert, cp.PKI.AdminKey)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cp.PKI.CACertPEM)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{clientCert}, MinVersion: tls.VersionTLS12}}
	p := &FaultProxy{cp: cp, counts: map[string]int{}, closed: make(chan struct{})}
	srv := httptest.NewUnstartedServer(p.handler(rp))
	// HTTP/1.1 only, so a connection can be hijacked and reset.
	srv.EnableHTTP2 = false
	cert, err := tls.X509KeyPair(cp.PKI.ServingCert, cp.PKI.ServingKey)
	if err != nil {
		return nil, err
	}
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	p.srv = srv
	p.URL = srv.URL
	return p, nil
}

// NewHTTPFaultProxy starts a proxy on 127.0.0.1 in front of target (moto,
// the fake GKE, the fake ARM), with the same rules: plain HTTP, or HTTPS
// when target is (the fake ARM), with a certificate of the test CA and
// trusting target through the system roots that acctest.Main extended.
// The Host header is kept, so URLs the target builds from it (ARM's
// Azure-AsyncOperation) lead back through the proxy. Point the provider's
// endpoint at URL. Stop it with Close.
func NewHTTPFaultProxy(target string) (*FaultProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &FaultProxy{counts: map[string]int{}, closed: make(chan struct{})}
	if u.Scheme != "https" {
		p.srv = httptest.NewServer(p.handler(rp))
		p.URL = p.srv.URL
		return p, nil
	}
	if trustErr != nil {
		return nil, trustErr
	}
	cert, err := trustCA.ServingTLS("fault-proxy")
	if err != nil {
		return nil, err
	}
	srv := httptest.NewUnstartedServer(p.handler(rp))
	// HTTP/1.1 only, so a connection can be hijacked and reset.
	srv.EnableHTTP2 = false
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	p.srv = srv
	p.URL = srv.URL
	return p, nil
}

// handler applies the first matching rule, then forwards through rp.
func (p *FaultProxy) handler(rp *httputil.ReverseProxy) http.Handler {
	rp.FlushInterval = -1
	rp.ErrorHandler = func(w http.ResponseWriter, req *http.Request, err error) {
		// A client that gave up (a hang that ended, a killed provider) is
		// what the tests cause; anything else is worth a line.
		if !errors.Is(err, context.Canceled) {
			log.Printf("fault proxy: %s %s: %v", req.Method, req.URL.Path, err)
		}
		w.WriteHeader(http.StatusBadGateway)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p.mu.Lock()
		p.counts[req.Method+" "+req.URL.Path]++
		var rule *Rule
		for _, r := range p.rules {
			if r.take(req) {
				rule = r
				break
			}
		}
		p.mu.Unlock()
		if rule != nil {
			switch rule.fault.Kind {
			case Latency:
				time.Sleep(rule.fault.Delay)
			case Status:
				if rule.fault.RetryAfter != "" {
					w.Header().Set("Retry-After", rule.fault.RetryAfter)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rule.fault.Status)
				if rule.fault.Body != "" {
					_, _ = io.WriteString(w, rule.fault.Body)
					return
				}
				fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected fault: HTTP %d","code":%d}`, rule.fault.Status, rule.fault.Status)
				return
			case Reset:
				hj, ok := w.(http.Hijacker)
				if !ok {
					panic("the fault proxy cannot hijack the connection")
				}
				conn, buf, err := hj.Hijack()
				if err != nil {
					return
				}
				_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":")
				_ = buf.Flush()
				nc := conn
				if tc, ok := conn.(*tls.Conn); ok {
					nc = tc.NetConn()
				}
				if tcp, ok := nc.(*net.TCPConn); ok {
					_ = tcp.SetLinger(0) // RST, not FIN
				}
				_ = conn.Close()
				return
			case Hang:
				// Reading the whole body lets the server notice when the
				// client closes the connection.
				_, _ = io.Copy(io.Discard, req.Body)
				select {
				case <-req.Context().Done():
				case <-p.closed:
				}
				return
			case Before:
				rule.fault.Before(req)
			}
		}
		rp.ServeHTTP(w, req)
	})
}

// Add programs a fault for requests with method (any when "") whose path
// matches the regular expression.
func (p *FaultProxy) Add(method, pathRE string, f Fault) *Rule {
	r := &Rule{method: method, path: regexp.MustCompile(pathRE), fault: f}
	p.mu.Lock()
	p.rules = append(p.rules, r)
	p.mu.Unlock()
	return r
}

// Clear removes every rule.
func (p *FaultProxy) Clear() {
	p.mu.Lock()
	p.rules = nil
	p.mu.Unlock()
}

// Count is how many requests with method and exact path the proxy saw.
func (p *FaultProxy) Count(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[method+" "+path]
}

// Close stops the proxy, ending the requests it holds. It may be called
// more than once (a test's watchdog and its cleanup).
func (p *FaultProxy) Close() {
	p.closeOnce.Do(func() {
		close(p.closed)
		p.srv.Close()
	})
}

// ProviderConfig connects the provider through the proxy, trusting the
// control plane's CA and presenting the administrator's certificate (which
// the proxy does not check; it forwards with its own). Each extra line,
// such as "qps = 200", is added to the kubernetes block.
func (p *FaultProxy) ProviderConfig(extra ...string) string {
	lines := ""
	for _, l := range extra {
		lines += "    " + l + "\n"
	}
	return fmt.Sprintf(`
provider "kubeharden" {
  kubernetes {
    host                   = %q
    cluster_ca_certificate = %q
    client_certificate     = %q
    client_key             = %q
%s  }
}
`, p.URL, string(p.cp.PKI.CACertPEM), string(p.cp.PKI.AdminCert), string(p.cp.PKI.AdminKey), lines)
}
