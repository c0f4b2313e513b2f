package gke_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	container "google.golang.org/api/container/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakegke"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
)

const (
	project  = "p"
	location = "europe-west1"
	key1     = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k1"
)

var fast = gke.Timing{PollInterval: time.Millisecond, RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond}

// setup starts a fake with one cluster and a client of it.
func setup(t *testing.T) (*fakegke.Server, *gke.Client, string) {
	t.Helper()
	s := fakegke.Start(t)
	s.AddCluster(project, location, &container.Cluster{Name: "prod"})
	c, err := gke.NewLazy(gke.Config{AccessToken: "test", ContainerEndpoint: s.URL, Timing: fast}, false).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s, c, gke.ClusterName(project, location, "prod")
}

func encrypt(key string) *container.DatabaseEncryption {
	return &container.DatabaseEncryption{State: gke.StateEncrypted, KeyName: key}
}

func TestSetDatabaseEncryption(t *testing.T) {
	t.Parallel()
	s, c, name := setup(t)
	cl, err := c.SetDatabaseEncryption(context.Background(), name, encrypt(key1))
	if err != nil {
		t.Fatal(err)
	}
	if cl.DatabaseEncryption.State != gke.StateEncrypted || cl.DatabaseEncryption.KeyName != key1 || cl.DatabaseEncryption.CurrentState != "CURRENT_STATE_ENCRYPTED" {
		t.Errorf("returned %+v", cl.DatabaseEncryption)
	}
	if n := s.Calls(fakegke.MethodGetOperation); n != fakegke.DefaultPollsToDone {
		t.Errorf("%d operation polls, want %d (PENDING -> RUNNING -> DONE)", n, fakegke.DefaultPollsToDone)
	}
	cl, err = c.SetDatabaseEncryption(context.Background(), name, &container.DatabaseEncryption{State: gke.StateDecrypted})
	if err != nil {
		t.Fatal(err)
	}
	if cl.DatabaseEncryption.State != gke.StateDecrypted {
		t.Errorf("after decrypting: %+v", cl.DatabaseEncryption)
	}
}

func TestSetDatabaseEncryptionOperationError(t *testing.T) {
	t.Parallel()
	s, c, name := setup(t)
	s.FailNextOperation(t, project, location, "prod", "Cloud KMS key projects/p/.../k1 is disabled.")
	_, err := c.SetDatabaseEncryption(context.Background(), name, encrypt(key1))
	var opErr *gke.OperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("error %v (%T), want *gke.OperationError", err, err)
	}
	for _, want := range []string{"UPDATE_CLUSTER", "is disabled", "code 9", name} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	summary, detail := gke.Describe(gke.UpdateClusterCall(name), err)
	if summary != "GKE Operation Failed" || !strings.Contains(detail, "is disabled") {
		t.Errorf("Describe = %q, %q", summary, detail)
	}
	if got := s.Cluster(project, location, "prod").DatabaseEncryption; got.State != gke.StateDecrypted {
		t.Errorf("the cluster changed: %+v", got)
	}
}

// TestUpdateRetriesConcurrentOperation: a 400 FAILED_PRECONDITION because
// another operation runs is retried until that operation finishes.
func TestUpdateRetriesConcurrentOperation(t *testing.T) {
	t.Parallel()
	s, c, name := setup(t)
	s.StartOperation(t, project, location, "prod", "UPGRADE_MASTER", 4, nil)
	cl, err := c.SetDatabaseEncryption(context.Background(), name, encrypt(key1))
	if err != nil {
		t.Fatal(err)
	}
	if cl.DatabaseEncryption.KeyName != key1 {
		t.Errorf("returned %+v", cl.DatabaseEncryption)
	}
	if n := s.Errors("FAILED_PRECONDITION"); n != 3 {
		t.Errorf("%d FAILED_PRECONDITION answers, want 3", n)
	}
}

func TestUpdateTimesOutBehindAnotherOperation(t *testing.T) {
	t.Parallel()
	s, c, name := setup(t)
	s.StartOperation(t, project, location, "prod", "UPGRADE_MASTER", 1<<30, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.SetDatabaseEncryption(ctx, name, encrypt(key1))
	var toErr *gke.TimeoutError
	if !errors.As(err, &toErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v (%T), want a *gke.TimeoutError wrapping the deadline", err, err)
	}
	for _, want := range []string{"clusters.update", "another operation on the cluster to finish", "FAILED_PRECONDITION", "incompatible operation"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if summary, _ := gke.Describe(gke.UpdateClusterCall(name), err); summary != "GKE Call Timed Out" {
		t.Errorf("Describe summary %q", summary)
	}
}

func TestWaitOperationHonoursDeadline(t *testing.T) {
	t.Parallel()
	s, c, name := setup(t)
	s.SetPollsToDone(1 << 30)
	op, err := c.UpdateCluster(context.Background(), name, &container.ClusterUpdate{DesiredDatabaseEncryption: encrypt(key1)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c.WaitOperation(ctx, name, op)
	var toErr *gke.TimeoutError
	if !errors.As(err, &toErr) {
		t.Fatalf("error %v (%T), want *gke.TimeoutError", err, err)
	}
	for _, want := range []string{"operations.get", "projects/p/locations/europe-west1/operations/" + op.Name, "UPDATE_CLUSTER", "last status RUNNING"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestWaitEncryptionSettled: a *_PENDING state is polled until it settles.
func TestWaitEncryptionSettled(t *testing.T) {
	t.Parallel()
	s, c, name := setup(t)
	s.UpdateCluster(t, project, location, "prod", func(cl *container.Cluster) {
		cl.DatabaseEncryption = &container.DatabaseEncryption{State: gke.StateEncrypted, KeyName: key1, CurrentState: "CURRENT_STATE_ENCRYPTION_PENDING"}
	})
	s.StartOperation(t, project, location, "prod", "UPDATE_CLUSTER", 3, func(cl *container.Cluster) {
		cl.DatabaseEncryption.CurrentState = "CURRENT_STATE_ENCRYPTED"
	})
	cl, err := c.WaitEncryptionSettled(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if cl.DatabaseEncryption.CurrentState != "CURRENT_STATE_ENCRYPTED" {
		t.Errorf("returned %+v", cl.DatabaseEncryption)
	}
	if n := s.Calls(fakegke.MethodGetCluster); n != 3 {
		t.Errorf("%d cluster reads, want 3", n)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	_, c, _ := setup(t)
	name := gke.ClusterName(project, location, "gone")
	_, err := c.GetCluster(context.Background(), name)
	if !gke.IsNotFound(err) {
		t.Fatalf("error %v is not a not-found", err)
	}
	summary, detail := gke.Describe(gke.GetClusterCall(name), err)
	if summary != "GKE Cluster Not Found" || !strings.Contains(detail, name) || !strings.Contains(detail, "HTTP 404 NOT_FOUND") {
		t.Errorf("Describe = %q, %q", summary, detail)
	}
	_, err = c.UpdateCluster(context.Background(), name, &container.ClusterUpdate{DesiredDatabaseEncryption: encrypt(key1)})
	if !gke.IsNotFound(err) {
		t.Errorf("update of a missing cluster: %v", err)
	}
}

func TestMissingCredentialsOnFirstUse(t *testing.T) {
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/adc.json")
	l := gke.NewLazy(gke.Config{ContainerEndpoint: "http://127.0.0.1:1/"}, false)
	// Building the Lazy needs nothing; the first use fails, clearly.
	_, err := l.Get(context.Background())
	var cfgErr *gke.ConfigError
	if !errors.As(err, &cfgErr) || !strings.Contains(err.Error(), "no Google credentials") {
		t.Fatalf("error %v (%T)", err, err)
	}
	summary, _ := gke.Describe(gke.GetClusterCall("x"), err)
	if summary != "Invalid Google Provider Configuration" {
		t.Errorf("summary %q", summary)
	}
}

func TestCredentialsType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ creds, want string }{
		{`{"type":"something_else"}`, `the key's "type" is "something_else"`},
		{`{not json`, "not a JSON key file"},
		{"/nonexistent/key.json", `"/nonexistent/key.json" cannot be read`},
	} {
		_, err := gke.NewLazy(gke.Config{Credentials: c.creds}, false).Get(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "google.credentials") {
			t.Errorf("credentials %q: error %v, want %q", c.creds, err, c.want)
		}
	}
}

func TestUnknownConfig(t *testing.T) {
	t.Parallel()
	l := gke.NewLazy(gke.Config{Project: "p"}, true)
	if _, err := l.Get(context.Background()); !errors.Is(err, gke.ErrUnknownConfig) {
		t.Errorf("error %v", err)
	}
	if p, unknown := l.Project(); p != "p" || !unknown {
		t.Errorf("Project() = %q, %v", p, unknown)
	}
}
