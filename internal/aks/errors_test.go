package aks

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeAzure answers the token endpoint (with a good or a bad secret) and
// managedClusters.get with ARM's error bodies, over TLS as the SDK needs.
func fakeAzure(t *testing.T, hang bool) (*httptest.Server, Config) {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/openid-configuration"):
			tenant := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]
			_, _ = w.Write([]byte(`{"token_endpoint":"` + srv.URL + `/` + tenant + `/oauth2/v2.0/token","issuer":"` + srv.URL + `/` + tenant + `/v2.0",` +
				`"authorization_endpoint":"` + srv.URL + `/` + tenant + `/oauth2/v2.0/authorize"}`))
		case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
			_ = r.ParseForm()
			if r.PostForm.Get("client_secret") != "good" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x","error_codes":[7000215]}`))
				return
			}
			_, _ = w.Write([]byte(`{"token_type":"Bearer","expires_in":3600,"access_token":"tok"}`))
		case hang:
			<-r.Context().Done()
		case strings.Contains(r.URL.Path, "/subscriptions/nosub/"):
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"SubscriptionNotFound","message":"The subscription 'nosub' could not be found."}}`))
		case strings.Contains(r.URL.Path, "/resourceGroups/norg/"):
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"ResourceGroupNotFound","message":"Resource group 'norg' could not be found."}}`))
		case strings.Contains(r.URL.Path, "/managedClusters/forbidden"):
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":{"code":"AuthorizationFailed","message":"does not have authorization to perform action"}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"ResourceNotFound","message":"The Resource was not found."}}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, Config{
		SubscriptionID: "sub", TenantID: "tenant", ClientID: "app", ClientSecret: "good",
		ResourceManagerEndpoint: srv.URL, AuthorityHost: srv.URL + "/",
		Transport: srv.Client(),
	}
}

func TestDescribe(t *testing.T) {
	_, cfg := fakeAzure(t, false)
	cases := []struct {
		secret         string
		ref            ClusterRef
		summary, wants string
	}{
		{"good", ClusterRef{"sub", "rg", "missing"}, "AKS Cluster Not Found", `managedClusters.get "sub/rg/missing": no managed cluster "missing" in resource group "rg"`},
		{"good", ClusterRef{"sub", "norg", "c"}, "Azure Resource Group Not Found", `resource group "norg" was not found`},
		{"good", ClusterRef{"nosub", "rg", "c"}, "Azure Subscription Not Found", `subscription "nosub" was not found`},
		{"good", ClusterRef{"sub", "rg", "forbidden"}, "Azure Permission Denied", ReadClusterAction},
		{"bad", ClusterRef{"sub", "rg", "c"}, "Azure Authentication Failed", "(AADSTS7000215): AADSTS7000215: Invalid client secret provided.\n\nThe client secret is wrong or has expired: set a valid one in azure.client_secret (or ARM_CLIENT_SECRET)"},
	}
	for _, c := range cases {
		cfg := cfg
		cfg.ClientSecret = c.secret
		cl, err := NewLazy(cfg, false).Get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.GetCluster(context.Background(), c.ref)
		if err == nil {
			t.Fatalf("GetCluster(%v) succeeded", c.ref)
		}
		summary, detail := Describe(GetClusterCall(c.ref), err)
		if summary != c.summary || !strings.Contains(detail, c.wants) {
			t.Errorf("Describe(%v) = %q, %q; want %q with %q", c.ref, summary, detail, c.summary, c.wants)
		}
	}
}

func TestDescribeHang(t *testing.T) {
	_, cfg := fakeAzure(t, true)
	cl, err := NewLazy(cfg, false).Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	ref := ClusterRef{"sub", "rg", "prod"}
	_, err = cl.GetCluster(ctx, ref)
	summary, detail := Describe(GetClusterCall(ref), err)
	if summary != "AKS Call Timed Out" || !strings.Contains(detail, `managedClusters.get "sub/rg/prod"`) || !strings.Contains(detail, "timeouts.read") {
		t.Errorf("Describe(%v) = %q, %q", err, summary, detail)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{ClientSecret: "s", ClientID: "a"}, "azure.tenant_id (ARM_TENANT_ID)"},
		{Config{ClientSecret: "s", TenantID: "t"}, "azure.client_id (ARM_CLIENT_ID)"},
		{Config{ResourceManagerEndpoint: "http://127.0.0.1:1"}, "azure.endpoints.resource_manager"},
		{Config{AuthorityHost: "not a url"}, "azure.endpoints.active_directory"},
	}
	for _, c := range cases {
		_, err := NewLazy(c.cfg, false).Get(context.Background())
		summary, detail := Describe(GetClusterCall(ClusterRef{"s", "r", "n"}), err)
		if summary != "Invalid Azure Provider Configuration" || !strings.Contains(detail, c.want) {
			t.Errorf("%+v: Describe = %q, %q; want %q", c.cfg, summary, detail, c.want)
		}
	}
	_, err := NewLazy(Config{}, true).Get(context.Background())
	if summary, _ := Describe(GetClusterCall(ClusterRef{}), err); summary != "Azure Connection Not Yet Known" {
		t.Errorf("unknown config: %q", summary)
	}
}

func TestCloudConfig(t *testing.T) {
	c, err := cloudConfig(Config{ResourceManagerEndpoint: "https://management.usgovcloudapi.net/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ActiveDirectoryAuthorityHost != "https://login.microsoftonline.us/" {
		t.Errorf("the government endpoint kept authority %q", c.ActiveDirectoryAuthorityHost)
	}
}
