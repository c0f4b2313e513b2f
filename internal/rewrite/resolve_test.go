package rewrite

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// discoveryServer serves the legacy (non-aggregated) discovery documents of
// a core group with secrets, and events that cannot be updated.
func discoveryServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api":
			writeJSON(w, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}})
		case "/apis":
			writeJSON(w, metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}})
		case "/api/v1":
			writeJSON(w, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList"}, GroupVersion: "v1", APIResources: []metav1.APIResource{
				{Name: "secrets", Namespaced: true, Kind: "Secret", Verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"}},
				{Name: "events", Namespaced: true, Kind: "Event", Verbs: []string{"create", "get", "list"}},
			}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestResolve(t *testing.T) {
	srv := discoveryServer(t)
	targets, bad, err := Resolve(context.Background(), &rest.Config{Host: srv.URL, QPS: -1}, []string{"secrets", "events", "widgets.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 || targets[0].Name != "secrets" || targets[0].GVR.Version != "v1" || !targets[0].Namespaced {
		t.Errorf("targets %+v, want secrets in v1", targets)
	}
	if len(bad) != 2 || bad[0].Index != 1 || !strings.Contains(bad[0].Reason, "[update]") || bad[1].Index != 2 || !strings.Contains(bad[1].Reason, "serves no such resource") {
		for _, b := range bad {
			t.Log(b)
		}
		t.Errorf("%d resolve errors, want events (no update) and widgets.example.com (not served)", len(bad))
	}
}

// TestResolveDiscoveryHonoursTheDeadline: an API server that never answers
// discovery fails Resolve when ctx ends, with an error naming discovery,
// rather than hanging the plan.
func TestResolveDiscoveryHonoursTheDeadline(t *testing.T) {
	hung := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hung:
		}
	}))
	defer srv.Close()
	defer close(hung) // before srv.Close, which waits for the handlers
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	_, _, err := Resolve(ctx, &rest.Config{Host: srv.URL, QPS: -1}, []string{"secrets"})
	took := time.Since(start)
	if err == nil {
		t.Fatal("Resolve succeeded against a server that never answers")
	}
	if took > deadline+2*time.Second {
		t.Errorf("Resolve returned after %s, long past the %s deadline", took, deadline)
	}
	var ce *kube.CallError
	if !errors.As(err, &ce) || ce.Op != DiscoveryOp {
		t.Errorf("error %q does not name the discovery call", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q is not a deadline error", err)
	}
	if !strings.HasPrefix(err.Error(), "get /apis (API discovery): ") {
		t.Errorf("error %q does not start with the call", err)
	}
	summary, detail := kube.Describe(kube.Op{Verb: "get", Resource: "discovery"}, err)
	if summary != "Kubernetes API Call Timed Out" || !strings.Contains(detail, "get /apis (API discovery)") {
		t.Errorf("described as %q: %s", summary, detail)
	}
}

// TestResolveDiscoveryHonoursCancel: cancelling ctx (Terraform interrupted)
// ends a hung discovery too, not only a deadline.
func TestResolveDiscoveryHonoursCancel(t *testing.T) {
	hung := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hung:
		}
	}))
	defer srv.Close()
	defer close(hung)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, _, err := Resolve(ctx, &rest.Config{Host: srv.URL, QPS: -1}, []string{"secrets"})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Resolve still running 10s after its context was cancelled")
	}
}
