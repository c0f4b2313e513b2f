// Package rewrite owns the storage rewrite: resolving resource names
// through API discovery, writing every object of a resource back through the
// API with resourceVersion preconditions (so that each is stored again with
// the current encryption write provider), and waiting, before that, for the
// API server to report that it has loaded a given encryption configuration.
package rewrite

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// FieldManager names the writer of storage rewrites in managedFields.
const FieldManager = "kubeharden-storage-rewrite"

// ResourceNamePattern is what a resource of a storage rewrite may be:
// "secrets", "deployments.apps", "widgets.example.com" (no wildcard, no
// subresource, lower case).
var ResourceNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// Target is a resource resolved through discovery.
type Target struct {
	// Name is the name the user gave, e.g. "secrets".
	Name       string
	GVR        schema.GroupVersionResource
	Namespaced bool
}

// ResolveError says why a resource name cannot be rewritten.
type ResolveError struct {
	Index  int
	Name   string
	Reason string
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("resources[%d] %q: %s", e.Index, e.Name, e.Reason)
}

// DiscoveryOp names API discovery in errors: the GETs of /api, /apis and,
// on servers without aggregated discovery, of each group version.
var DiscoveryOp = kube.Op{Verb: "get", Resource: "/apis (API discovery)"}

// Resolve maps resource names ("secrets", "deployments.apps") to what the
// API server serves, through discovery and a RESTMapper, and checks that
// each can be listed and updated. Resolution errors are returned as
// *ResolveError, one per bad name; err is a discovery failure, a
// *kube.CallError naming DiscoveryOp.
//
// Every discovery request is bound to ctx (its deadline and its
// cancellation), which client-go's discovery client, taking no context,
// does not do by itself.
func Resolve(ctx context.Context, rc *rest.Config, names []string) (targets []Target, bad []*ResolveError, err error) {
	dc, err := discoveryClient(ctx, rc)
	if err != nil {
		return nil, nil, &kube.CallError{Op: DiscoveryOp, Err: err}
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, nil, &kube.CallError{Op: DiscoveryOp, Err: err}
	}
	// A failing aggregated API (metrics-server down) leaves its group out;
	// the others are still usable.
	mapper := restmapper.NewDiscoveryRESTMapper(groups)
	for i, name := range names {
		gr := schema.ParseGroupResource(name)
		gvr, err := mapper.ResourceFor(gr.WithVersion(""))
		if err != nil {
			bad = append(bad, &ResolveError{i, name, fmt.Sprintf("the API server serves no such resource (%v); use the plural name, with its group when it is not core, e.g. \"secrets\" or \"deployments.apps\"", err)})
			continue
		}
		res, ok := findAPIResource(groups, gvr)
		if !ok {
			bad = append(bad, &ResolveError{i, name, "discovery does not describe " + gvr.String()})
			continue
		}
		var missing []string
		for _, verb := range []string{"list", "get", "update"} {
			if !slices.Contains(res.Verbs, verb) {
				missing = append(missing, verb)
			}
		}
		if len(missing) > 0 {
			bad = append(bad, &ResolveError{i, name, fmt.Sprintf("%s does not support %v, so its objects cannot be rewritten", gvr.GroupResource(), missing)})
			continue
		}
		targets = append(targets, Target{Name: name, GVR: gvr, Namespaced: res.Namespaced})
	}
	return targets, bad, nil
}

// discoveryClient returns a discovery client for rc whose every HTTP request
// carries ctx, so that ctx's deadline and cancellation end a hung request
// (the transport drops the connection) with ctx's error. Without a
// deadline, client-go's discovery default of 32s bounds each request.
func discoveryClient(ctx context.Context, rc *rest.Config) (*discovery.DiscoveryClient, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := rest.CopyConfig(rc)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return ctxTransport{ctx: ctx, next: rt} })
	return discovery.NewDiscoveryClientForConfig(cfg)
}

// ctxTransport sends every request with ctx, whatever context its caller
// gave it (client-go's discovery uses context.TODO()).
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(t.ctx))
}

func findAPIResource(groups []*restmapper.APIGroupResources, gvr schema.GroupVersionResource) (metav1.APIResource, bool) {
	for _, g := range groups {
		if g.Group.Name != gvr.Group {
			continue
		}
		for _, r := range g.VersionedResources[gvr.Version] {
			if r.Name == gvr.Resource {
				return r, true
			}
		}
	}
	return metav1.APIResource{}, false
}

// Result counts what a storage rewrite did.
type Result struct {
	// Rewritten objects were written back and accepted by the API server.
	// The API server skips the storage write of an object already stored with
	// the current write key, and rewrites one read with an older key.
	Rewritten int64
	// Skipped objects were deleted between the list and their update.
	Skipped int64
	// Failed objects could not be written; Failures describes the first ones.
	Failed   int64
	Failures []string
}

// maxFailures bounds the failures kept for the diagnostic.
const maxFailures = 20

// Options tune a rewrite.
type Options struct {
	// PageSize is the list page size; kube.DefaultPageSize (500) when 0.
	PageSize int64
	// Workers is the number of concurrent updates; 8 when 0.
	Workers int
	// Backoff bounds the retries of one object (conflicts, 429, 5xx, broken
	// connections); rewriteBackoff when nil.
	Backoff *wait.Backoff
	// AfterUpdate, when set, is called after each object is handled; tests use it to interrupt a rewrite.
	AfterUpdate func()
}

// rewriteBackoff spaces the attempts of one object's update: 9 attempts
// over about 10s, so a burst of throttling or a restarting API server does
// not fail objects, while an object that keeps failing does not hold the
// rewrite for long.
var rewriteBackoff = wait.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 9, Cap: 3 * time.Second}

// retryObject reports errors worth another attempt at one object: a
// conflict (the object is read again first), and the transient errors of
// kube.Transient (throttling, 5xx, a connection broken mid-request). Repeating
// an update is safe: it carries a resourceVersion precondition, so an
// update that did land makes the repeat answer 409, and the fresh copy is
// written again unchanged.
func retryObject(err error) bool {
	return apierrors.IsConflict(err) || kube.Transient(err)
}

// Run writes every object of t back through the API, page by page, across
// all namespaces. Each update carries the listed object's resourceVersion as
// a precondition, so an object changed since the list is never overwritten
// with older content: the API server answers 409, the object is read again,
// and the fresh copy is written. Per-object failures are counted in res; the
// returned error is a failure of the rewrite as a whole (a list call, or the
// context), a *kube.CallError naming the call.
func Run(ctx context.Context, dyn dynamic.Interface, t Target, o Options, res *Result) error {
	if o.Workers == 0 {
		o.Workers = 8
	}
	backoff := rewriteBackoff
	if o.Backoff != nil {
		backoff = *o.Backoff
	}
	var mu sync.Mutex
	record := func(delta *int64, failure string) {
		mu.Lock()
		defer mu.Unlock()
		*delta++
		if failure != "" && len(res.Failures) < maxFailures {
			res.Failures = append(res.Failures, failure)
		}
	}
	listOp := kube.Op{Verb: "list", Group: t.GVR.Group, Resource: t.GVR.Resource}
	// A continue token that outlived etcd's compaction starts the list over:
	// objects already rewritten are written again, which changes nothing.
	pages := kube.PageOptions{PageSize: o.PageSize, RestartExpired: 3}
	return kube.ListAll(ctx, listOp, pages, dyn.Resource(t.GVR).List, func(list *unstructured.UnstructuredList) error {
		sem := make(chan struct{}, o.Workers)
		var wg sync.WaitGroup
		var fatal error
		var fatalOnce sync.Once
		for i := range list.Items {
			obj := &list.Items[i]
			if ctx.Err() != nil {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				outcome, op, err := rewriteOne(ctx, dyn, t, obj, backoff)
				switch {
				case outcome == outcomeRewritten:
					record(&res.Rewritten, "")
				case outcome == outcomeSkipped:
					record(&res.Skipped, "")
				case ctx.Err() != nil:
					fatalOnce.Do(func() { fatal = &kube.CallError{Op: op, Err: err} })
				default:
					summary, detail := kube.Describe(op, err)
					record(&res.Failed, summary+": "+detail)
				}
				if o.AfterUpdate != nil {
					o.AfterUpdate()
				}
			}()
		}
		wg.Wait()
		if fatal != nil {
			return fatal
		}
		if err := ctx.Err(); err != nil {
			return &kube.CallError{Op: listOp, Err: err}
		}
		return nil
	})
}

type outcome int

const (
	outcomeFailed outcome = iota
	outcomeRewritten
	outcomeSkipped
)

// rewriteOne updates obj with its resourceVersion as the precondition; on a
// conflict it reads the object again and retries with the fresh copy.
func rewriteOne(ctx context.Context, dyn dynamic.Interface, t Target, obj *unstructured.Unstructured, backoff wait.Backoff) (outcome, kube.Op, error) {
	ns := ""
	if t.Namespaced {
		ns = obj.GetNamespace()
	}
	ri := dyn.Resource(t.GVR).Namespace(ns)
	op := kube.Op{Verb: "update", Group: t.GVR.Group, Resource: t.GVR.Resource, Namespace: ns, Name: obj.GetName()}
	current := obj
	// Not client-go's retry.OnError: it returns nil when a non-retriable
	// error wraps context.DeadlineExceeded and no retriable error came
	// first, which would count a timed-out update as rewritten.
	var err error
	attempts := max(backoff.Steps, 1) // Step() counts Steps down
	for attempt := 1; ; attempt++ {
		_, err = ri.Update(ctx, current, metav1.UpdateOptions{FieldManager: FieldManager})
		if apierrors.IsConflict(err) {
			fresh, gerr := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
			if gerr != nil {
				op.Verb, err = "get", gerr
			} else {
				op.Verb, current = "update", fresh
			}
		}
		if err == nil || !retryObject(err) || ctx.Err() != nil || attempt >= attempts {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff.Step()):
		}
	}
	switch {
	case err == nil:
		return outcomeRewritten, op, nil
	case apierrors.IsNotFound(err):
		return outcomeSkipped, op, nil
	default:
		return outcomeFailed, op, err
	}
}
