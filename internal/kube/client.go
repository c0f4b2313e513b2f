package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/lazy"
)

// Client is a connected set of clients for one API server.
type Client struct {
	REST      *rest.Config
	Clientset kubernetes.Interface
	Dynamic   dynamic.Interface
	Discovery discovery.DiscoveryInterface

	versionMu sync.Mutex
	version   *version.Info
}

// ServerVersion returns the API server's version (GET /version), asking
// until one call succeeds per process. Transient errors are retried within
// ctx, and ctx bounds the call, unlike client-go's discovery client.
func (c *Client) ServerVersion(ctx context.Context) (*version.Info, error) {
	c.versionMu.Lock()
	defer c.versionMu.Unlock()
	if c.version != nil {
		return c.version, nil
	}
	info := &version.Info{}
	err := Retry(ctx, Op{Verb: "get", Resource: "version"}, func(ctx context.Context) error {
		body, err := c.Discovery.RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
		if err != nil {
			return err
		}
		if err := json.Unmarshal(body, info); err != nil {
			return fmt.Errorf("parsing the server version: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.version = info
	return info, nil
}

// ErrUnknownConfig is returned by Lazy.Get when the kubernetes block holds
// values that are only known after apply (a cluster created in the same run).
var ErrUnknownConfig = errors.New("the kubernetes block of the provider depends on values that are not known until apply")

// Lazy builds the Client on first use, so a configuration that never touches
// Kubernetes never needs a kubeconfig. It is safe for concurrent use.
type Lazy = lazy.Client[*Client]

// NewLazy returns a Lazy for cfg. When unknown is true the configuration is
// not final yet, and Get fails with ErrUnknownConfig.
func NewLazy(cfg Config, unknown bool) *Lazy {
	return lazy.New(func(ctx context.Context) (*Client, error) { return NewClient(ctx, cfg) }, unknown, ErrUnknownConfig)
}

// NewClient builds clients from cfg. API warnings are routed to the
// WarningRecorder in the request's context (see WithWarningRecorder) and
// otherwise logged; client-side throttling waits are logged.
func NewClient(ctx context.Context, cfg Config) (*Client, error) {
	rc, err := cfg.RESTConfig()
	if err != nil {
		return nil, err
	}
	rc.WarningHandlerWithContext = warningRouter{}
	rc.RateLimiter = &loggingRateLimiter{RateLimiter: flowcontrol.NewTokenBucketRateLimiter(rc.QPS, rc.Burst), qps: rc.QPS, burst: rc.Burst}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client: %w", err)
	}
	dc, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes dynamic client: %w", err)
	}
	tflog.Debug(ctx, "Kubernetes client configured", map[string]any{"host": rc.Host, "qps": rc.QPS, "burst": rc.Burst})
	return &Client{REST: rc, Clientset: cs, Dynamic: dc, Discovery: cs.Discovery()}, nil
}

// loggingRateLimiter reports client-side throttling through tflog, so a slow
// apply shows where the time went.
type loggingRateLimiter struct {
	flowcontrol.RateLimiter
	qps   float32
	burst int
}

func (l *loggingRateLimiter) Wait(ctx context.Context) error {
	start := time.Now()
	err := l.RateLimiter.Wait(ctx)
	if d := time.Since(start); d > 50*time.Millisecond {
		tflog.Debug(ctx, "Waited for the client-side rate limit (raise kubernetes.qps / kubernetes.burst to go faster)",
			map[string]any{"wait": d.String(), "qps": l.qps, "burst": l.burst})
	}
	return err
}
