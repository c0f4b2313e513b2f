package kube

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

// fakePods serves n pods in pages, the continue token being the index of
// the next pod, and fails calls as its hooks say.
type fakePods struct {
	n     int
	calls []metav1.ListOptions
	// fail, when set, may fail the call with these options.
	fail func(call int, opts metav1.ListOptions) error
}

func (f *fakePods) list(_ context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	f.calls = append(f.calls, opts)
	if f.fail != nil {
		if err := f.fail(len(f.calls), opts); err != nil {
			return nil, err
		}
	}
	start, _ := strconv.Atoi(opts.Continue)
	end := min(start+int(opts.Limit), f.n)
	l := &corev1.PodList{}
	for i := start; i < end; i++ {
		l.Items = append(l.Items, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i)}})
	}
	if end < f.n {
		l.Continue = strconv.Itoa(end)
	}
	return l, nil
}

func fastRetries(t *testing.T) {
	saved := retryBackoff
	t.Cleanup(func() { retryBackoff = saved })
	retryBackoff = wait.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 100, Cap: time.Millisecond}
}

var podsOp = Op{Verb: "list", Resource: "pods", Namespace: "a"}

func collect(f *fakePods, o PageOptions) ([]string, error) {
	var names []string
	err := ListAll(context.Background(), podsOp, o, f.list, func(l *corev1.PodList) error {
		for _, p := range l.Items {
			names = append(names, p.Name)
		}
		return nil
	})
	return names, err
}

func TestListAllPages(t *testing.T) {
	f := &fakePods{n: 1234}
	names, err := collect(f, PageOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1234 || names[0] != "p-0" || names[1233] != "p-1233" {
		t.Errorf("got %d pods", len(names))
	}
	want := []metav1.ListOptions{{Limit: 500}, {Limit: 500, Continue: "500"}, {Limit: 500, Continue: "1000"}}
	if fmt.Sprint(f.calls) != fmt.Sprint(want) {
		t.Errorf("calls %v, want %v", f.calls, want)
	}
	f = &fakePods{n: 0}
	if names, err := collect(f, PageOptions{PageSize: 7}); err != nil || len(names) != 0 || len(f.calls) != 1 || f.calls[0].Limit != 7 {
		t.Errorf("empty list: %v, %v after calls %v", names, err, f.calls)
	}
}

// TestListAllRetriesAPage: a transient error repeats the same page, with the
// same continue token.
func TestListAllRetriesAPage(t *testing.T) {
	fastRetries(t)
	f := &fakePods{n: 25, fail: func(call int, _ metav1.ListOptions) error {
		if call == 2 || call == 3 {
			return apierrors.NewServiceUnavailable("down")
		}
		return nil
	}}
	names, err := collect(f, PageOptions{PageSize: 10})
	if err != nil || len(names) != 25 {
		t.Fatalf("got %d pods, %v", len(names), err)
	}
	if got := fmt.Sprint(f.calls); got != fmt.Sprint([]metav1.ListOptions{{Limit: 10}, {Limit: 10, Continue: "10"}, {Limit: 10, Continue: "10"}, {Limit: 10, Continue: "10"}, {Limit: 10, Continue: "20"}}) {
		t.Errorf("calls %s", got)
	}
}

func TestListAllErrorNamesTheCall(t *testing.T) {
	denied := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no"))
	f := &fakePods{n: 25, fail: func(call int, _ metav1.ListOptions) error {
		if call == 2 {
			return denied
		}
		return nil
	}}
	_, err := collect(f, PageOptions{PageSize: 10})
	var ce *CallError
	if !errors.As(err, &ce) || ce.Op != podsOp || !apierrors.IsForbidden(err) {
		t.Fatalf("got %v, want a *CallError for %s wrapping the 403", err, podsOp)
	}
	if summary, detail := Describe(Op{Verb: "get", Resource: "other"}, err); summary != "Kubernetes Permission Denied" || !strings.Contains(detail, `verbs: ["list"]`) {
		t.Errorf("described as %q: %s", summary, detail)
	}
	boom := errors.New("boom")
	err = ListAll(context.Background(), podsOp, PageOptions{}, (&fakePods{n: 3}).list, func(*corev1.PodList) error { return boom })
	if !errors.Is(err, boom) || errors.As(err, &ce) {
		t.Errorf("an error of page came back as %v", err)
	}
}

// TestListAllExpiredContinue: a 410 on a continue token fails the list
// unless RestartExpired allows starting over, and then only that often.
func TestListAllExpiredContinue(t *testing.T) {
	expireSecond := func(call int, opts metav1.ListOptions) error {
		if call == 2 {
			return apierrors.NewResourceExpired("too old")
		}
		return nil
	}
	f := &fakePods{n: 25, fail: expireSecond}
	if _, err := collect(f, PageOptions{PageSize: 10}); !apierrors.IsResourceExpired(err) || len(f.calls) != 2 {
		t.Errorf("without restarts: %v after %d calls, want the 410 after 2", err, len(f.calls))
	}
	f = &fakePods{n: 25, fail: expireSecond}
	names, err := collect(f, PageOptions{PageSize: 10, RestartExpired: 3})
	if err != nil || len(names) != 35 { // the first page is seen twice
		t.Errorf("with restarts: %d pods, %v; want 35", len(names), err)
	}
	f = &fakePods{n: 25, fail: func(_ int, opts metav1.ListOptions) error {
		if opts.Continue != "" {
			return apierrors.NewResourceExpired("too old")
		}
		return nil
	}}
	if _, err := collect(f, PageOptions{PageSize: 10, RestartExpired: 3}); !apierrors.IsResourceExpired(err) || len(f.calls) != 8 {
		t.Errorf("always expiring: %v after %d calls, want the 410 after 8 (4 first pages, 4 expired)", err, len(f.calls))
	}
}
