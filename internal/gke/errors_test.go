package gke

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/googleapi"
)

func apiErr(code int, status, msg string) error {
	body := fmt.Sprintf(`{"error":{"code":%d,"message":%q,"status":%q}}`, code, msg, status)
	return fmt.Errorf("wrapped: %w", &googleapi.Error{Code: code, Message: msg, Body: body})
}

func TestIsConcurrentOperation(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{apiErr(400, "FAILED_PRECONDITION", "Cluster is running incompatible operation operation-1."), true},
		{apiErr(400, "FAILED_PRECONDITION", "Operation operation-2 is currently upgrading cluster prod. Please wait and try again once it is done."), true},
		{apiErr(400, "FAILED_PRECONDITION", "The Kubernetes Engine service agent cannot use key k."), false},
		{apiErr(400, "INVALID_ARGUMENT", "Another operation is running."), false},
		{apiErr(409, "ABORTED", "operation conflict"), false},
		{&googleapi.Error{Code: 400, Message: "Cluster is running incompatible operation operation-1.", Errors: []googleapi.ErrorItem{{Reason: "failedPrecondition"}}}, true},
		{fmt.Errorf("plain"), false},
	}
	for _, c := range cases {
		if got := IsConcurrentOperation(c.err); got != c.want {
			t.Errorf("IsConcurrentOperation(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	call := GetClusterCall("projects/p/locations/l/clusters/c")
	cases := []struct {
		err           error
		summary, want string
	}{
		{apiErr(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."), "Google Credentials Rejected", "google.access_token"},
		{apiErr(403, "PERMISSION_DENIED", "Permission 'container.clusters.get' denied"), "Google Permission Denied", "container.clusters.get"},
		{apiErr(404, "NOT_FOUND", "Not found: projects/p/locations/l/clusters/c."), "GKE Cluster Not Found", "HTTP 404 NOT_FOUND: Not found"},
		{apiErr(500, "INTERNAL", "boom"), "Kubernetes Engine API Error", "HTTP 500 INTERNAL: boom"},
		{ErrUnknownConfig, "Google Connection Not Yet Known", "clusters.get"},
		{&StateError{Detail: "GKE reports CURRENT_STATE_ENCRYPTION_ERROR"}, "GKE Secrets Encryption Error", "cryptoKeyEncrypterDecrypter"},
	}
	for _, c := range cases {
		summary, detail := Describe(call, c.err)
		if summary != c.summary || !strings.Contains(detail, c.want) {
			t.Errorf("Describe(%v) = %q, %q; want %q with %q", c.err, summary, detail, c.summary, c.want)
		}
	}
}

// TestDescribeHungGetCluster: a clusters.get to an endpoint that never
// answers ends at the context's deadline with a TimeoutError that names the
// call and says the time limit was reached; as a read, it does not claim a
// change may be in progress, nor quote the deadline as the API's answer.
func TestDescribeHungGetCluster(t *testing.T) {
	hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hung.Close()
	c, err := NewLazy(Config{AccessToken: "test", ContainerEndpoint: hung.URL + "/"}, false).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	name := ClusterName("p", "europe-west1", "prod")
	_, err = c.GetCluster(ctx, name)
	var toErr *TimeoutError
	if !errors.As(err, &toErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v (%T), want a *TimeoutError wrapping the deadline", err, err)
	}
	summary, detail := Describe(GetClusterCall(name), err)
	if summary != "GKE Call Timed Out" {
		t.Errorf("summary %q", summary)
	}
	want := `The call clusters.get "projects/p/locations/europe-west1/clusters/prod" did not finish before its time limit was reached.`
	if !strings.Contains(detail, want) || !strings.Contains(detail, "timeouts.read") {
		t.Errorf("detail lacks %q and timeouts.read:\n%s", want, detail)
	}
	for _, unwanted := range []string{"in progress", "last answer", "context deadline exceeded"} {
		if strings.Contains(detail, unwanted) {
			t.Errorf("detail says %q:\n%s", unwanted, detail)
		}
	}
}
