package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
)

// CgroupVersionMetric is the kubelet's gauge of its host's cgroup version (1
// or 2), in k8s.io/kubernetes pkg/kubelet/metrics (subsystem "kubelet",
// name "cgroup_version", set at kubelet start-up).
const CgroupVersionMetric = "kubelet_cgroup_version"

// NodeProxyOp is the call a node-proxy metrics read is authorized as: get
// on the nodes/proxy subresource.
var NodeProxyOp = Op{Verb: "get", Resource: "nodes/proxy"}

// maxMetricsBytes bounds what is read of one kubelet's /metrics. A kubelet
// with many pods serves a few MiB.
const maxMetricsBytes = 64 << 20

// NodeCgroup is what one kubelet said about its cgroup version.
type NodeCgroup struct {
	// Version is 1 or 2; 0 when it is not known.
	Version int
	// Forbidden is true when the API server refused the caller get on
	// nodes/proxy.
	Forbidden bool
	// Err says why Version is not known.
	Err error
}

// NodeCgroupVersions reads the kubelet_cgroup_version gauge of each named
// node through the API server's node proxy (GET
// /api/v1/nodes/<name>/proxy/metrics), at most parallel nodes at a time, each
// read bounded by perNode (and by ctx). The results are in the order of
// names. No call is retried: a node that does not answer in time is unknown.
func NodeCgroupVersions(ctx context.Context, cs kubernetes.Interface, names []string, parallel int, perNode time.Duration) []NodeCgroup {
	out := make([]NodeCgroup, len(names))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = NodeCgroup{Err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			out[i] = nodeCgroupVersion(ctx, cs, name, perNode)
		}()
	}
	wg.Wait()
	return out
}

func nodeCgroupVersion(ctx context.Context, cs kubernetes.Interface, name string, timeout time.Duration) NodeCgroup {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := cs.CoreV1().RESTClient().Get().Resource("nodes").Name(name).SubResource("proxy").Suffix("metrics").Stream(ctx)
	if err != nil {
		if proxyForbidden(err) {
			return NodeCgroup{Forbidden: true, Err: err}
		}
		if ctx.Err() != nil {
			return NodeCgroup{Err: fmt.Errorf("the kubelet did not answer within %s: %w", timeout, err)}
		}
		return NodeCgroup{Err: err}
	}
	defer body.Close()
	v, err := ParseCgroupVersion(io.LimitReader(body, maxMetricsBytes))
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("the kubelet did not answer within %s: %w", timeout, err)
	}
	return NodeCgroup{Version: v, Err: err}
}

// proxyForbidden tells the API server's refusal of nodes/proxy from a 403
// that the kubelet itself sent back through the proxy (its own
// authorization of the API server's client certificate).
func proxyForbidden(err error) bool {
	var se apierrors.APIStatus
	if !apierrors.IsForbidden(err) || !errors.As(err, &se) {
		return false
	}
	return strings.Contains(se.Status().Message, `"nodes/proxy"`)
}

// ParseCgroupVersion finds the kubelet_cgroup_version gauge in a kubelet's
// /metrics (Prometheus text format) and returns 1 or 2.
func ParseCgroupVersion(r io.Reader) (int, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return 0, fmt.Errorf("parsing the kubelet's metrics: %w", err)
	}
	mf, ok := families[CgroupVersionMetric]
	if !ok {
		return 0, fmt.Errorf("the kubelet's metrics have no %s (an alpha metric, which older kubelets do not report)", CgroupVersionMetric)
	}
	if mf.GetType() != dto.MetricType_GAUGE || len(mf.GetMetric()) != 1 {
		return 0, fmt.Errorf("the kubelet's %s is not one gauge", CgroupVersionMetric)
	}
	switch v := mf.GetMetric()[0].GetGauge().GetValue(); v {
	case 1, 2:
		return int(v), nil
	default:
		return 0, fmt.Errorf("the kubelet's %s is %v, neither 1 nor 2", CgroupVersionMetric, v)
	}
}
