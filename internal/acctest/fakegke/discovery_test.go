package fakegke

import (
	"encoding/json"
	"strings"
	"testing"

	container "google.golang.org/api/container/v1"
)

func loadForTest(t testing.TB) *Discovery {
	t.Helper()
	d, err := LoadDiscovery()
	if err != nil {
		t.Fatalf("loading the discovery document: %v", err)
	}
	return d
}

func TestLoadDiscovery(t *testing.T) {
	d := loadForTest(t)
	if !strings.HasSuffix(d.Path, "container/v1/container-api.json") || !strings.Contains(d.Path, "google.golang.org/api@") {
		t.Errorf("read from %q, not from the google.golang.org/api module", d.Path)
	}
	for _, id := range served {
		if d.Method(id) == nil {
			t.Errorf("the discovery document has no method %s", id)
		}
	}
}

// TestCheckRejectsBadResponse proves the checker catches what a careless
// fake (or client) would send.
func TestCheckRejectsBadResponse(t *testing.T) {
	d := loadForTest(t)
	cases := []struct {
		name, ref, body string
		dir             Direction
		want            string
	}{
		{"unknown field", "Cluster", `{"name":"c","encryption":{}}`, Response, `Cluster: unknown field "encryption"`},
		{"unknown nested field", "Cluster", `{"databaseEncryption":{"state":"ENCRYPTED","key":"k"}}`, Response, `Cluster.databaseEncryption: unknown field "key"`},
		{"wrong type string", "Cluster", `{"name":42}`, Response, `Cluster.name: the number 42 is not a string`},
		{"wrong type integer", "Cluster", `{"currentNodeCount":"3"}`, Response, `Cluster.currentNodeCount: "3" is not an integer`},
		{"fractional integer", "Cluster", `{"currentNodeCount":1.5}`, Response, `Cluster.currentNodeCount: 1.5 is not an integer`},
		{"int32 overflow", "Cluster", `{"currentNodeCount":4294967296}`, Response, `out of the int32 range`},
		{"wrong type boolean", "Cluster", `{"enableKubernetesAlpha":"true"}`, Response, `Cluster.enableKubernetesAlpha: "true" is not a boolean`},
		{"wrong type array", "Cluster", `{"nodePools":{"name":"a"}}`, Response, `Cluster.nodePools: an object is not an array`},
		{"wrong type object", "Cluster", `{"databaseEncryption":"ENCRYPTED"}`, Response, `Cluster.databaseEncryption: "ENCRYPTED" is not an object`},
		{"bad enum", "Cluster", `{"status":"HAPPY"}`, Response, `Cluster.status: "HAPPY" is not one of`},
		{"bad nested enum", "Operation", `{"status":"DONE","operationType":"ENCRYPT"}`, Response, `Operation.operationType: "ENCRYPT" is not one of`},
		{"bad enum in array item", "Cluster", `{"nodePools":[{"name":"a","status":"SLEEPING"}]}`, Response, `Cluster.nodePools[0].status: "SLEEPING" is not one of`},
		{"null", "Cluster", `{"name":null}`, Response, `Cluster.name: null`},
		{"bad datetime", "OperationError", `{"timestamp":"yesterday"}`, Response, `OperationError.timestamp: "yesterday" is not an RFC 3339 timestamp`},
		{"not JSON", "Cluster", `{`, Response, `not JSON`},
		{"output-only field in a request", "UpdateClusterRequest", `{"update":{"desiredDatabaseEncryption":{"state":"ENCRYPTED","currentState":"CURRENT_STATE_ENCRYPTED"}}}`, Request, `currentState: output-only field sent in a request`},
		{"map values are checked", "Cluster", `{"resourceLabels":{"team":7}}`, Response, `Cluster.resourceLabels["team"]: the number 7 is not a string`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := d.Check(c.ref, []byte(c.body), c.dir)
			if len(got) == 0 {
				t.Fatalf("Check(%s, %s) found nothing; want %q", c.ref, c.body, c.want)
			}
			if !strings.Contains(strings.Join(got, "\n"), c.want) {
				t.Fatalf("Check(%s, %s) = %q; want a message containing %q", c.ref, c.body, got, c.want)
			}
		})
	}
}

func TestCheckInt64AsString(t *testing.T) {
	d := loadForTest(t)
	// Any schema of the document with an int64 field (Google sends int64
	// as a JSON string) will do; the document has several.
	var schemaName, int64Field string
	for sname, sc := range d.Schemas {
		for name, p := range sc.Properties {
			if p.Type == "string" && p.Format == "int64" && (schemaName == "" || sname+name < schemaName+int64Field) {
				schemaName, int64Field = sname, name
			}
		}
	}
	if int64Field == "" {
		t.Fatal("the discovery document has no int64 field at all; the loader must be broken")
	}
	if got := d.Check(schemaName, []byte(`{"`+int64Field+`":"12"}`), Response); len(got) != 0 {
		t.Errorf("%s.%s: an int64 in a string was rejected: %v", schemaName, int64Field, got)
	}
	if got := d.Check(schemaName, []byte(`{"`+int64Field+`":12}`), Response); len(got) == 0 {
		t.Errorf("%s.%s: an int64 as a JSON number was accepted", schemaName, int64Field)
	}
	if got := d.Check(schemaName, []byte(`{"`+int64Field+`":"twelve"}`), Response); len(got) == 0 {
		t.Errorf("%s.%s: a non-numeric int64 string was accepted", schemaName, int64Field)
	}
}

// TestCheckAcceptsClientTypes: what the generated Go types marshal passes.
func TestCheckAcceptsClientTypes(t *testing.T) {
	d := loadForTest(t)
	c := &container.Cluster{
		Name: "prod", Status: "RUNNING", CurrentMasterVersion: "1.36.3-gke.100", Endpoint: "203.0.113.10",
		CurrentNodeCount: 3, ReleaseChannel: &container.ReleaseChannel{Channel: "REGULAR"},
		ResourceLabels: map[string]string{"team": "a"},
		DatabaseEncryption: &container.DatabaseEncryption{
			State: "ENCRYPTED", KeyName: "projects/p/locations/l/keyRings/r/cryptoKeys/k", CurrentState: "CURRENT_STATE_ENCRYPTED",
			LastOperationErrors: []*container.OperationError{{ErrorMessage: "x", Timestamp: "2026-01-02T03:04:05.123Z"}},
		},
		NodePools: []*container.NodePool{{Name: "a", Version: "1.36.3-gke.100", InitialNodeCount: 3, Config: &container.NodeConfig{ImageType: "COS_CONTAINERD", DiskSizeGb: 100}}},
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Check("Cluster", b, Response); len(got) != 0 {
		t.Errorf("a valid cluster was rejected: %v", got)
	}
	req, _ := json.Marshal(&container.UpdateClusterRequest{Name: "projects/p/locations/l/clusters/c", Update: &container.ClusterUpdate{
		DesiredDatabaseEncryption: &container.DatabaseEncryption{State: "ENCRYPTED", KeyName: "projects/p/locations/l/keyRings/r/cryptoKeys/k"},
	}})
	if got := d.Check("UpdateClusterRequest", req, Request); len(got) != 0 {
		t.Errorf("a valid update request was rejected: %v", got)
	}
}

func TestCheckQuery(t *testing.T) {
	d := loadForTest(t)
	m := d.Method(MethodGetCluster)
	if got := d.CheckQuery(m, map[string][]string{"alt": {"json"}, "prettyPrint": {"false"}}); len(got) != 0 {
		t.Errorf("the Go client's query was rejected: %v", got)
	}
	for _, q := range []map[string][]string{
		{"verbose": {"1"}},
		{"alt": {"xml"}},
		{"prettyPrint": {"maybe"}},
		{"alt": {"json", "json"}},
	} {
		if got := d.CheckQuery(m, q); len(got) == 0 {
			t.Errorf("query %v was accepted", q)
		}
	}
}

func TestMatch(t *testing.T) {
	d := loadForTest(t)
	cases := []struct {
		id, method, path string
		want             map[string]string
	}{
		{MethodGetCluster, "GET", "/v1/projects/p/locations/l/clusters/c", map[string]string{"name": "projects/p/locations/l/clusters/c"}},
		{MethodUpdateCluster, "PUT", "/v1/projects/p/locations/l/clusters/c", map[string]string{"name": "projects/p/locations/l/clusters/c"}},
		{MethodListClusters, "GET", "/v1/projects/p/locations/-/clusters", map[string]string{"parent": "projects/p/locations/-"}},
		{MethodGetOperation, "GET", "/v1/projects/p/locations/l/operations/operation-1", map[string]string{"name": "projects/p/locations/l/operations/operation-1"}},
		{MethodGetCluster, "GET", "/v1/projects/p/locations/l/clusters/c/nodePools/a", nil},
		{MethodGetCluster, "PUT", "/v1/projects/p/locations/l/clusters/c", nil},
		{MethodGetOperation, "GET", "/v1/projects/p/locations/l/clusters/c", nil},
	}
	for _, c := range cases {
		got, ok := d.Method(c.id).Match(c.method, c.path)
		if ok != (c.want != nil) {
			t.Errorf("%s.Match(%s %s) = %v, want %v", c.id, c.method, c.path, ok, c.want != nil)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s.Match(%s %s)[%s] = %q, want %q", c.id, c.method, c.path, k, got[k], v)
			}
		}
	}
}

func FuzzCheck(f *testing.F) {
	d := loadForTest(f)
	for _, s := range []string{`{}`, `{"name":"c","status":"RUNNING"}`, `{"nodePools":[{"config":{"imageType":"COS"}}]}`, `[1,2]`, `null`, `{"currentNodeCount":1e400}`, `{"resourceLabels":{"":null}}`} {
		f.Add("Cluster", s)
	}
	f.Add("Operation", `{"status":"DONE","error":{"code":9,"details":[{"@type":"x"}]}}`)
	f.Add("NoSuchSchema", `{}`)
	f.Fuzz(func(t *testing.T, ref, body string) {
		// Any input yields messages, never a panic; a body that passes
		// decodes into the Go type of a known schema.
		got := d.Check(ref, []byte(body), Response)
		if len(got) == 0 && ref == "Cluster" {
			var c container.Cluster
			if err := json.Unmarshal([]byte(body), &c); err != nil {
				t.Fatalf("Check accepted %q, which the Go client cannot decode: %v", body, err)
			}
		}
	})
}
