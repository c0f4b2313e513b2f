package fakegke

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	container "google.golang.org/api/container/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

func client(t *testing.T, s *Server) *container.Service {
	t.Helper()
	svc, err := container.NewService(context.Background(), option.WithEndpoint(s.URL), option.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test"})))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

const key1 = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k1"

func seed(s *Server) string {
	s.AddCluster("p", "europe-west1", &container.Cluster{
		Name: "prod", CurrentMasterVersion: "1.36.3-gke.100",
		NodePools: []*container.NodePool{{Name: "default", Version: "1.36.3-gke.100", Config: &container.NodeConfig{ImageType: "COS_CONTAINERD"}}},
	})
	return Name("p", "europe-west1", "prod")
}

func apiError(t *testing.T, err error) (int, string) {
	t.Helper()
	var gerr *googleapi.Error
	if !errors.As(err, &gerr) {
		t.Fatalf("error %v (%T) is not a *googleapi.Error", err, err)
	}
	return gerr.Code, gerr.Body
}

func TestServerGetAndList(t *testing.T) {
	s := Start(t)
	name := seed(s)
	svc := client(t, s)
	c, err := svc.Projects.Locations.Clusters.Get(name).Do()
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "RUNNING" || c.DatabaseEncryption.State != "DECRYPTED" || c.NodePools[0].Config.ImageType != "COS_CONTAINERD" {
		t.Errorf("unexpected cluster %+v", c)
	}
	for _, parent := range []string{"projects/p/locations/europe-west1", "projects/p/locations/-"} {
		list, err := svc.Projects.Locations.Clusters.List(parent).Do()
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Clusters) != 1 || list.Clusters[0].Name != "prod" {
			t.Errorf("list %s = %+v", parent, list.Clusters)
		}
	}
	list, err := svc.Projects.Locations.Clusters.List("projects/p/locations/us-east1").Do()
	if err != nil || len(list.Clusters) != 0 {
		t.Errorf("list of another location = %+v, %v", list, err)
	}
	_, err = svc.Projects.Locations.Clusters.Get(Name("p", "europe-west1", "gone")).Do()
	code, body := apiError(t, err)
	if code != 404 || !strings.Contains(body, `"status":"NOT_FOUND"`) || !strings.Contains(body, "Not found: projects/p/locations/europe-west1/clusters/gone") {
		t.Errorf("missing cluster: %d %s", code, body)
	}
}

func TestServerUpdateLifecycle(t *testing.T) {
	s := Start(t)
	name := seed(s)
	svc := client(t, s)
	req := &container.UpdateClusterRequest{Name: name, Update: &container.ClusterUpdate{
		DesiredDatabaseEncryption: &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: key1},
	}}
	op, err := svc.Projects.Locations.Clusters.Update(name, req).Do()
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != "PENDING" || op.OperationType != "UPDATE_CLUSTER" || strings.Contains(op.Name, "/") {
		t.Errorf("new operation %+v", op)
	}
	// Another update while it runs is refused.
	_, err = svc.Projects.Locations.Clusters.Update(name, req).Do()
	code, body := apiError(t, err)
	if code != 400 || !strings.Contains(body, `"status":"FAILED_PRECONDITION"`) || !strings.Contains(body, op.Name) {
		t.Errorf("concurrent update: %d %s", code, body)
	}
	opName := "projects/p/locations/europe-west1/operations/" + op.Name
	var statuses []string
	for range 5 {
		got, err := svc.Projects.Locations.Operations.Get(opName).Do()
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, got.Status)
		if got.Status == "DONE" {
			if got.Error != nil || got.EndTime == "" {
				t.Errorf("finished operation %+v", got)
			}
			break
		}
	}
	// The refused update counted as one request: RUNNING, then DONE.
	if strings.Join(statuses, ",") != "RUNNING,DONE" {
		t.Errorf("operation statuses = %v", statuses)
	}
	c := s.Cluster("p", "europe-west1", "prod")
	if c.DatabaseEncryption.State != "ENCRYPTED" || c.DatabaseEncryption.KeyName != key1 || c.DatabaseEncryption.CurrentState != "CURRENT_STATE_ENCRYPTED" || c.Status != "RUNNING" {
		t.Errorf("after the update: %+v, status %s", c.DatabaseEncryption, c.Status)
	}
	if s.Calls(MethodUpdateCluster) != 2 || s.Errors("FAILED_PRECONDITION") != 1 {
		t.Errorf("calls %d, FAILED_PRECONDITION %d", s.Calls(MethodUpdateCluster), s.Errors("FAILED_PRECONDITION"))
	}
}

func TestServerFailedOperation(t *testing.T) {
	s := Start(t)
	name := seed(s)
	s.SetPollsToDone(1)
	s.FailNextOperation(t, "p", "europe-west1", "prod", "Cloud KMS key is disabled.")
	svc := client(t, s)
	op, err := svc.Projects.Locations.Clusters.Update(name, &container.UpdateClusterRequest{Update: &container.ClusterUpdate{
		DesiredDatabaseEncryption: &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: key1},
	}}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Cluster("p", "europe-west1", "prod"); c.DatabaseEncryption.CurrentState != "CURRENT_STATE_ENCRYPTION_PENDING" || c.Status != "RECONCILING" {
		t.Errorf("while running: %+v, %s", c.DatabaseEncryption, c.Status)
	}
	got, err := svc.Projects.Locations.Operations.Get("projects/p/locations/europe-west1/operations/" + op.Name).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "DONE" || got.Error == nil || got.Error.Message != "Cloud KMS key is disabled." {
		t.Errorf("failed operation %+v", got)
	}
	c := s.Cluster("p", "europe-west1", "prod")
	if c.DatabaseEncryption.State != "DECRYPTED" || c.DatabaseEncryption.CurrentState != "CURRENT_STATE_DECRYPTED" || c.DatabaseEncryption.KeyName != "" {
		t.Errorf("the cluster changed: %+v", c.DatabaseEncryption)
	}
}

func TestServerRejectsBadUpdates(t *testing.T) {
	s := Start(t)
	name := seed(s)
	svc := client(t, s)
	for _, de := range []*container.DatabaseEncryption{
		{State: "ENCRYPTED"},
		{State: "ENCRYPTED", KeyName: "projects/p/keys/k"},
		{State: "UNKNOWN"},
	} {
		_, err := svc.Projects.Locations.Clusters.Update(name, &container.UpdateClusterRequest{Update: &container.ClusterUpdate{DesiredDatabaseEncryption: de}}).Do()
		code, body := apiError(t, err)
		if code != 400 || !strings.Contains(body, "INVALID_ARGUMENT") {
			t.Errorf("update %+v: %d %s", de, code, body)
		}
	}
	_, err := svc.Projects.Locations.Clusters.Update(Name("p", "europe-west1", "gone"), &container.UpdateClusterRequest{Update: &container.ClusterUpdate{
		DesiredDatabaseEncryption: &container.DatabaseEncryption{State: "DECRYPTED"},
	}}).Do()
	if code, _ := apiError(t, err); code != 404 {
		t.Errorf("update of a missing cluster: %d", code)
	}
}

// TestServerRejectsBadResponse proves the fake refuses to send what the
// discovery document does not allow: it answers 500 and records why.
func TestServerRejectsBadResponse(t *testing.T) {
	d := loadForTest(t)
	cases := []struct {
		name   string
		mutate func(map[string]any)
		want   string
	}{
		{"unknown field", func(m map[string]any) { m["secretsEncryption"] = "on" }, `unknown field "secretsEncryption"`},
		{"wrong type", func(m map[string]any) { m["currentNodeCount"] = "three" }, `Cluster.currentNodeCount: "three" is not an integer`},
		{"bad enum", func(m map[string]any) {
			m["databaseEncryption"].(map[string]any)["state"] = "SORT_OF_ENCRYPTED"
		}, `Cluster.databaseEncryption.state: "SORT_OF_ENCRYPTED" is not one of`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServer(d)
			defer s.Close()
			name := seed(s)
			s.mutate = func(_ string, m map[string]any) { c.mutate(m) }
			_, err := client(t, s).Projects.Locations.Clusters.Get(name).Do()
			code, body := apiError(t, err)
			if code != 500 || !strings.Contains(body, "INTERNAL") {
				t.Errorf("answer %d %s; want 500 INTERNAL", code, body)
			}
			v := strings.Join(s.Violations(), "\n")
			if !strings.Contains(v, c.want) || !strings.Contains(v, MethodGetCluster+" response") {
				t.Errorf("violations %q; want one containing %q", v, c.want)
			}
		})
	}
}

// TestServerRejectsBadRequest: a request body or query the discovery
// document does not allow is a violation too.
func TestServerRejectsBadRequest(t *testing.T) {
	s := newServer(loadForTest(t))
	defer s.Close()
	name := seed(s)
	svc := client(t, s)
	_, err := svc.Projects.Locations.Clusters.Update(name, &container.UpdateClusterRequest{Update: &container.ClusterUpdate{
		DesiredDatabaseEncryption: &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: key1, CurrentState: "CURRENT_STATE_ENCRYPTED"},
	}}).Do()
	if code, _ := apiError(t, err); code != 500 {
		t.Errorf("answer %d, want 500", code)
	}
	_, err = svc.Projects.Locations.Clusters.Get(name).Fields("name").Do()
	if err != nil {
		t.Errorf("fields is a global parameter: %v", err)
	}
	_, err = svc.Projects.Locations.Clusters.Get(name).ProjectId("p").Do()
	if err != nil {
		t.Errorf("projectId is a parameter of clusters.get: %v", err)
	}
	v := strings.Join(s.Violations(), "\n")
	if !strings.Contains(v, "currentState: output-only field sent in a request") {
		t.Errorf("violations %q", v)
	}
	if n := len(s.Violations()); n != 1 {
		t.Errorf("%d violations, want 1: %q", n, v)
	}
}

func TestServerRequiresToken(t *testing.T) {
	s := Start(t)
	name := seed(s)
	svc, err := container.NewService(context.Background(), option.WithEndpoint(s.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Projects.Locations.Clusters.Get(name).Do()
	if code, body := apiError(t, err); code != 401 || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Errorf("without a token: %d %s", code, body)
	}
}

func TestStartOperationBlocksUpdates(t *testing.T) {
	s := Start(t)
	name := seed(s)
	s.StartOperation(t, "p", "europe-west1", "prod", "UPGRADE_MASTER", 3, func(c *container.Cluster) { c.CurrentMasterVersion = "1.36.4-gke.200" })
	svc := client(t, s)
	req := &container.UpdateClusterRequest{Update: &container.ClusterUpdate{DesiredDatabaseEncryption: &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: key1}}}
	refused := 0
	for range 5 {
		_, err := svc.Projects.Locations.Clusters.Update(name, req).Do()
		if err == nil {
			break
		}
		if code, _ := apiError(t, err); code != 400 {
			t.Fatalf("answer %d", code)
		}
		refused++
	}
	if refused != 2 {
		t.Errorf("%d updates refused, want 2 (the third request finishes the upgrade)", refused)
	}
	if v := s.Cluster("p", "europe-west1", "prod").CurrentMasterVersion; v != "1.36.4-gke.200" {
		t.Errorf("the upgrade did not apply: %s", v)
	}
}
