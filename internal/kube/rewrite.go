package kube

import (
	"context"
	"errors"
	"fmt"
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
	"k8s.io/client-go/restmapper"
)

// RewriteFieldManager names the writer of storage rewrites in managedFields.
const RewriteFieldManager = "kubeharden-storage-rewrite"

// ResourceNamePattern is what a resource of a storage rewrite may be:
// "secrets", "deployments.apps", "widgets.example.com" (no wildcard, no
// subresource, lower case).
var ResourceNamePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// RewriteTarget is a resource resolved through discovery.
type RewriteTarget struct {
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

// ResolveResources maps resource names ("secrets", "deployments.apps") to
// what the API server serves, through discovery and a RESTMapper, and checks
// that each can be listed and updated. Resolution errors are returned as
// *ResolveError, one per bad name; err is a discovery failure.
func ResolveResources(dc discovery.DiscoveryInterface, names []string) (targets []RewriteTarget, bad []*ResolveError, err error) {
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, nil, err
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
		targets = append(targets, RewriteTarget{Name: name, GVR: gvr, Namespaced: res.Namespaced})
	}
	return targets, bad, nil
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

// RewriteResult counts what a storage rewrite did.
type RewriteResult struct {
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

// RewriteOptions tune a rewrite.
type RewriteOptions struct {
	// PageSize is the list page size; 500 when 0.
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
// Transient (throttling, 5xx, a connection broken mid-request). Repeating
// an update is safe: it carries a resourceVersion precondition, so an
// update that did land makes the repeat answer 409, and the fresh copy is
// written again unchanged.
func retryObject(err error) bool {
	return apierrors.IsConflict(err) || Transient(err)
}

// Rewrite writes every object of t back through the API, page by page,
// across all namespaces. Each update carries the listed object's
// resourceVersion as a precondition, so an object changed since the list is
// never overwritten with older content: the API server answers 409, the
// object is read again, and the fresh copy is written. Per-object failures
// are counted in res; the returned error is a failure of the rewrite as a
// whole (a list call, or the context), naming the call.
func Rewrite(ctx context.Context, dyn dynamic.Interface, t RewriteTarget, o RewriteOptions, res *RewriteResult) error {
	if o.PageSize == 0 {
		o.PageSize = 500
	}
	if o.Workers == 0 {
		o.Workers = 8
	}
	backoff := rewriteBackoff
	if o.Backoff != nil {
		backoff = *o.Backoff
	}
	ri := dyn.Resource(t.GVR)
	var mu sync.Mutex
	record := func(delta *int64, failure string) {
		mu.Lock()
		defer mu.Unlock()
		*delta++
		if failure != "" && len(res.Failures) < maxFailures {
			res.Failures = append(res.Failures, failure)
		}
	}
	listOp := Op{Verb: "list", Group: t.GVR.Group, Resource: t.GVR.Resource}
	opts := metav1.ListOptions{Limit: o.PageSize}
	for restarts := 0; ; {
		var list *unstructured.UnstructuredList
		err := Retry(ctx, listOp, func(ctx context.Context) error {
			var err error
			list, err = ri.List(ctx, opts)
			return err
		})
		if apierrors.IsResourceExpired(err) && restarts < 3 {
			// The continue token outlived etcd's compaction: start over. Objects
			// already rewritten are written again, which changes nothing.
			restarts++
			opts.Continue = ""
			continue
		}
		if err != nil {
			return &CallError{Op: listOp, Err: err}
		}
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
					fatalOnce.Do(func() { fatal = &CallError{Op: op, Err: err} })
				default:
					summary, detail := Describe(op, err)
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
			return &CallError{Op: listOp, Err: err}
		}
		if list.GetContinue() == "" {
			return nil
		}
		opts.Continue = list.GetContinue()
	}
}

type outcome int

const (
	outcomeFailed outcome = iota
	outcomeRewritten
	outcomeSkipped
)

// rewriteOne updates obj with its resourceVersion as the precondition; on a
// conflict it reads the object again and retries with the fresh copy.
func rewriteOne(ctx context.Context, dyn dynamic.Interface, t RewriteTarget, obj *unstructured.Unstructured, backoff wait.Backoff) (outcome, Op, error) {
	ns := ""
	if t.Namespaced {
		ns = obj.GetNamespace()
	}
	ri := dyn.Resource(t.GVR).Namespace(ns)
	op := Op{Verb: "update", Group: t.GVR.Group, Resource: t.GVR.Resource, Namespace: ns, Name: obj.GetName()}
	current := obj
	// Not client-go's retry.OnError: it returns nil when a non-retriable
	// error wraps context.DeadlineExceeded and no retriable error came
	// first, which would count a timed-out update as rewritten.
	var err error
	attempts := max(backoff.Steps, 1) // Step() counts Steps down
	for attempt := 1; ; attempt++ {
		_, err = ri.Update(ctx, current, metav1.UpdateOptions{FieldManager: RewriteFieldManager})
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

// CallError is the failure of one API call.
type CallError struct {
	Op  Op
	Err error
}

func (e *CallError) Error() string { return e.Op.String() + ": " + e.Err.Error() }
func (e *CallError) Unwrap() error { return e.Err }

// DescribeCall is Describe for an error that may be a *CallError.
func DescribeCall(fallback Op, err error) (summary, detail string) {
	var ce *CallError
	if errors.As(err, &ce) {
		return Describe(ce.Op, ce.Err)
	}
	return Describe(fallback, err)
}
