package fakearm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

func TestMain(m *testing.M) { os.Exit(acctest.Main(m)) }

const (
	sub  = "00000000-0000-0000-0000-0000000000aa"
	rg   = "rg-prod"
	key1 = "https://vault-prod.vault.azure.net/keys/etcd/0123abcd"
)

func credential(t *testing.T, s *Server, tenant, clientID, secret string) azcore.TokenCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(tenant, clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            policy.ClientOptions{Cloud: s.Cloud()},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func clientWith(t *testing.T, s *Server, cred azcore.TokenCredential) *armcontainerservice.ManagedClustersClient {
	t.Helper()
	c, err := armcontainerservice.NewManagedClustersClient(sub, cred, &arm.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud: s.Cloud(),
		Retry: policy.RetryOptions{RetryDelay: 10 * time.Millisecond},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func client(t *testing.T, s *Server) *armcontainerservice.ManagedClustersClient {
	return clientWith(t, s, credential(t, s, s.TenantID, s.ClientID, s.ClientSecret))
}

func seed(s *Server) {
	s.AddCluster(sub, rg, armcontainerservice.ManagedCluster{
		Name: to.Ptr("prod"),
		Properties: &armcontainerservice.ManagedClusterProperties{
			KubernetesVersion: to.Ptr("1.33.2"),
			AgentPoolProfiles: []*armcontainerservice.ManagedClusterAgentPoolProfile{{
				Name: to.Ptr("system"), Mode: to.Ptr(armcontainerservice.AgentPoolModeSystem),
				OSType: to.Ptr(armcontainerservice.OSTypeLinux), OSSKU: to.Ptr(armcontainerservice.OSSKUAzureLinux),
				OrchestratorVersion: to.Ptr("1.33.2"), NodeImageVersion: to.Ptr("AKSAzureLinux-V3gen2-202511.07.0"),
			}},
		},
	})
}

var ctx = context.Background()

func responseError(t *testing.T, err error) *azcore.ResponseError {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not an *azcore.ResponseError", err, err)
	}
	return re
}

func TestGetWithClientSecret(t *testing.T) {
	s := Start(t)
	seed(s)
	c := client(t, s)
	for range 2 {
		got, err := c.Get(ctx, rg, "prod", nil)
		if err != nil {
			t.Fatal(err)
		}
		p := got.Properties
		if *got.ID != ID(sub, rg, "prod") || *p.ProvisioningState != "Succeeded" || *p.CurrentKubernetesVersion != "1.33.2" ||
			*p.PowerState.Code != armcontainerservice.CodeRunning || *p.AgentPoolProfiles[0].CurrentOrchestratorVersion != "1.33.2" ||
			*got.ETag == "" || *got.SKU.Tier != armcontainerservice.ManagedClusterSKUTierFree {
			t.Errorf("unexpected cluster %+v", got)
		}
	}
	// The token is cached: one token request for two GETs.
	if n := s.Requests(); n.Token != 1 || n.Get != 2 || n.Put != 0 {
		t.Errorf("requests %+v", n)
	}
}

func TestAuthenticationErrors(t *testing.T) {
	s := Start(t)
	seed(s)
	_, err := clientWith(t, s, credential(t, s, s.TenantID, s.ClientID, "wrong")).Get(ctx, rg, "prod", nil)
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || !strings.Contains(err.Error(), "AADSTS7000215") || afe.RawResponse.StatusCode != 401 {
		t.Errorf("wrong secret: %v", err)
	}
	_, err = clientWith(t, s, credential(t, s, "11111111-1111-1111-1111-111111111111", s.ClientID, s.ClientSecret)).Get(ctx, rg, "prod", nil)
	if err == nil || !strings.Contains(err.Error(), "AADSTS90002") {
		t.Errorf("unknown tenant: %v", err)
	}
	_, err = clientWith(t, s, credential(t, s, s.TenantID, "22222222-2222-2222-2222-222222222222", s.ClientSecret)).Get(ctx, rg, "prod", nil)
	if err == nil || !strings.Contains(err.Error(), "AADSTS700016") {
		t.Errorf("unknown client: %v", err)
	}
	// ARM itself: no token, then a token the fake did not issue.
	u := s.URL() + "subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.ContainerService/managedClusters/prod?api-version=" + APIVersion
	for token, code := range map[string]string{"": "AuthenticationFailed", "Bearer forged": "InvalidAuthenticationToken"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(b), `"code":"`+code+`"`) {
			t.Errorf("token %q: %d %s", token, resp.StatusCode, b)
		}
	}
	if s.Requests().Get != 0 {
		t.Errorf("unauthenticated GETs reached the cluster: %+v", s.Requests())
	}
}

func TestNotFound(t *testing.T) {
	s := Start(t)
	seed(s)
	s.AddResourceGroup(sub, "rg-empty")
	c := client(t, s)
	for _, tc := range []struct {
		c              *armcontainerservice.ManagedClustersClient
		rg, name, code string
	}{
		{c, rg, "gone", "ResourceNotFound"},
		{c, "rg-empty", "prod", "ResourceNotFound"},
		{c, "rg-none", "prod", "ResourceGroupNotFound"},
	} {
		_, err := tc.c.Get(ctx, tc.rg, tc.name, nil)
		if re := responseError(t, err); re.StatusCode != 404 || re.ErrorCode != tc.code {
			t.Errorf("%s/%s: %d %s", tc.rg, tc.name, re.StatusCode, re.ErrorCode)
		}
	}
	other, err := armcontainerservice.NewManagedClustersClient("99999999-0000-0000-0000-000000000000", credential(t, s, s.TenantID, s.ClientID, s.ClientSecret), &arm.ClientOptions{ClientOptions: policy.ClientOptions{Cloud: s.Cloud()}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Get(ctx, rg, "prod", nil)
	if re := responseError(t, err); re.StatusCode != 404 || re.ErrorCode != "SubscriptionNotFound" {
		t.Errorf("unknown subscription: %d %s", re.StatusCode, re.ErrorCode)
	}
}

func poll() *runtime.PollUntilDoneOptions {
	return &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond}
}

func enableKMS(mc *armcontainerservice.ManagedCluster) {
	mc.Properties.SecurityProfile = &armcontainerservice.ManagedClusterSecurityProfile{AzureKeyVaultKms: &armcontainerservice.AzureKeyVaultKms{
		Enabled: to.Ptr(true), KeyID: to.Ptr(key1), KeyVaultNetworkAccess: to.Ptr(armcontainerservice.KeyVaultNetworkAccessTypesPublic),
	}}
}

func TestReadModifyWrite(t *testing.T) {
	s := Start(t)
	seed(s)
	c := client(t, s)
	got, err := c.Get(ctx, rg, "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	mc := got.ManagedCluster
	enableKMS(&mc)
	poller, err := c.BeginCreateOrUpdate(ctx, rg, "prod", mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if err != nil {
		t.Fatal(err)
	}
	// While it runs the cluster is Updating, unchanged, and refuses
	// another write.
	during := s.Cluster(sub, rg, "prod")
	if *during.Properties.ProvisioningState != "Updating" || during.Properties.SecurityProfile != nil || *during.ETag == *mc.ETag {
		t.Errorf("during the operation: %+v", during.Properties)
	}
	_, err = c.BeginCreateOrUpdate(ctx, rg, "prod", mc, nil)
	if re := responseError(t, err); re.StatusCode != 409 || re.ErrorCode != "OperationNotAllowed" {
		t.Errorf("write during the operation: %d %s", re.StatusCode, re.ErrorCode)
	}
	res, err := poller.PollUntilDone(ctx, poll())
	if err != nil {
		t.Fatal(err)
	}
	kms := res.Properties.SecurityProfile.AzureKeyVaultKms
	if *res.Properties.ProvisioningState != "Succeeded" || *kms.KeyID != key1 || !*kms.Enabled || *res.ETag == *during.ETag {
		t.Errorf("result %+v", res.Properties)
	}
	if n := s.Requests(); n.Writes != 1 || n.Put != 2 || n.Poll != DefaultPollsToDone+1 {
		t.Errorf("requests %+v", n)
	}
	// Create: 201, Creating, then Succeeded.
	mc.ID, mc.ETag = nil, nil
	created, err := c.BeginCreateOrUpdate(ctx, rg, "staging", mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfNoneMatch: to.Ptr("*")})
	if err != nil {
		t.Fatal(err)
	}
	res, err = created.PollUntilDone(ctx, poll())
	if err != nil || *res.Name != "staging" || *res.ID != ID(sub, rg, "staging") || *res.Properties.ProvisioningState != "Succeeded" {
		t.Errorf("create: %+v, %v", res, err)
	}
}

func TestStaleETag(t *testing.T) {
	s := Start(t)
	seed(s)
	c := client(t, s)
	got, err := c.Get(ctx, rg, "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.BeforeNextPut(func() {
		s.UpdateCluster(t, sub, rg, "prod", func(mc *armcontainerservice.ManagedCluster) {
			mc.Tags = map[string]*string{"owner": to.Ptr("someone-else")}
		})
	})
	mc := got.ManagedCluster
	enableKMS(&mc)
	_, err = c.BeginCreateOrUpdate(ctx, rg, "prod", mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if re := responseError(t, err); re.StatusCode != 412 || re.ErrorCode != "PreconditionFailed" {
		t.Errorf("stale ETag: %d %s", re.StatusCode, re.ErrorCode)
	}
	if n := s.Requests(); n.Writes != 0 || n.Put != 1 {
		t.Errorf("requests %+v", n)
	}
	if after := s.Cluster(sub, rg, "prod"); after.Properties.SecurityProfile != nil || *after.Tags["owner"] != "someone-else" {
		t.Errorf("the concurrent change was lost: %+v", after)
	}
}

func TestFailedOperation(t *testing.T) {
	s := Start(t)
	seed(s)
	s.SetPollsToDone(0)
	s.FailNextOperation("KeyVaultKeyNotFound", "The key etcd/0123abcd was not found in vault-prod.")
	c := client(t, s)
	got, err := c.Get(ctx, rg, "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	mc := got.ManagedCluster
	enableKMS(&mc)
	poller, err := c.BeginCreateOrUpdate(ctx, rg, "prod", mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if err != nil {
		t.Fatal(err)
	}
	_, err = poller.PollUntilDone(ctx, poll())
	re := responseError(t, err)
	if re.ErrorCode != "KeyVaultKeyNotFound" || !strings.Contains(err.Error(), "was not found in vault-prod") {
		t.Errorf("failed operation: %v", err)
	}
	after := s.Cluster(sub, rg, "prod")
	if *after.Properties.ProvisioningState != "Failed" || after.Properties.SecurityProfile != nil {
		t.Errorf("after the failure: %+v", after.Properties)
	}
}

func TestInvalidKMS(t *testing.T) {
	s := Start(t)
	seed(s)
	c := client(t, s)
	got, err := c.Get(ctx, rg, "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	mc := got.ManagedCluster
	enableKMS(&mc)
	mc.Properties.SecurityProfile.AzureKeyVaultKms.KeyID = to.Ptr("https://vault-prod.vault.azure.net/keys/etcd")
	_, err = c.BeginCreateOrUpdate(ctx, rg, "prod", mc, nil)
	if re := responseError(t, err); re.StatusCode != 400 || re.ErrorCode != "InvalidParameter" || !strings.Contains(err.Error(), "keyId") {
		t.Errorf("versionless key: %v", err)
	}
}

func TestThrottle(t *testing.T) {
	s := Start(t)
	seed(s)
	s.Throttle(1, 1)
	start := time.Now()
	if _, err := client(t, s).Get(ctx, rg, "prod", nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("the retry did not wait for Retry-After: %v", d)
	}
}

// A body with a field the model does not know is refused, recorded and
// reported to OnViolation.
func TestUnknownFieldRejected(t *testing.T) {
	reported := make(chan string, 10)
	s, err := New(Options{CA: acctest.TestCA(t), OnViolation: func(v string) { reported <- v }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seed(s)
	tok, err := credential(t, s, s.TenantID, s.ClientID, s.ClientSecret).GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.core.windows.net//.default"}})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"location":"westeurope","properties":{"kubernetesVersion":"1.33.2","securityProfile":{"azureKeyVaultKms":{"enabled":true,"keyId":"` + key1 + `","rotationPolicy":"auto"}}}}`
	req, _ := http.NewRequest(http.MethodPut, s.URL()+"subscriptions/"+sub+"/resourceGroups/"+rg+"/providers/Microsoft.ContainerService/managedClusters/prod?api-version="+APIVersion, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "properties.securityProfile.azureKeyVaultKms.rotationPolicy") {
		t.Errorf("unknown field: %d %s", resp.StatusCode, b)
	}
	if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0], "rotationPolicy") {
		t.Errorf("violations %q", v)
	}
	if len(reported) != 1 || !strings.Contains(<-reported, "rotationPolicy") {
		t.Error("OnViolation was not called once with the unknown field")
	}
	if s.Requests().Writes != 0 {
		t.Error("the body with an unknown field was written")
	}
}

func TestCheckModel(t *testing.T) {
	ok := `{"location":"x","tags":{"a":"b"},"properties":{"agentPoolProfiles":[{"name":"p","osSKU":"Ubuntu"}],"addonProfiles":{"omsagent":{"enabled":true,"config":{"k":"v"}}},"dnsPrefix":null}}`
	if _, err := checkModel([]byte(ok)); err != nil {
		t.Errorf("known fields refused: %v", err)
	}
	bad := `{"location":"x","properties":{"agentPoolProfiles":[{"name":"p","containerRuntime":"docker"}]},"extra":1}`
	_, err := checkModel([]byte(bad))
	if err == nil || !strings.Contains(err.Error(), "extra, properties.agentPoolProfiles[].containerRuntime") {
		t.Errorf("unknown fields: %v", err)
	}
}

// Behind the HTTPS fault proxy: a 429 with ARM's body is retried, and the
// operation is polled through the proxy too (its URL is built from Host).
func TestThroughFaultProxy(t *testing.T) {
	s := Start(t)
	seed(s)
	p, err := acctest.NewHTTPFaultProxy(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Add(http.MethodGet, `/managedClusters/prod$`, acctest.Fault{Kind: acctest.Status, Status: 429, RetryAfter: "0", Times: 1,
		Body: `{"error":{"code":"SubscriptionRequestsThrottled","message":"injected"}}`})
	polls := p.Add(http.MethodGet, `/operations/[^/]+$`, acctest.Fault{Kind: acctest.Latency})
	cfg := s.Cloud()
	rm := cfg.Services[cloud.ResourceManager]
	rm.Endpoint = p.URL
	cfg.Services[cloud.ResourceManager] = rm
	c, err := armcontainerservice.NewManagedClustersClient(sub, credential(t, s, s.TenantID, s.ClientID, s.ClientSecret), &arm.ClientOptions{ClientOptions: policy.ClientOptions{
		Cloud: cfg, Retry: policy.RetryOptions{RetryDelay: 10 * time.Millisecond},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, rg, "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	mc := got.ManagedCluster
	enableKMS(&mc)
	poller, err := c.BeginCreateOrUpdate(ctx, rg, "prod", mc, &armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := poller.PollUntilDone(ctx, poll()); err != nil {
		t.Fatal(err)
	}
	// The throttled GET never reached the fake.
	if n := s.Requests(); n.Get != 2 || n.Poll != DefaultPollsToDone+1 || polls.Hits() != n.Poll {
		t.Errorf("requests %+v, polls through the proxy %d", n, polls.Hits())
	}
	if n := p.Count(http.MethodGet, "/subscriptions/"+sub+"/resourceGroups/"+rg+"/providers/Microsoft.ContainerService/managedClusters/prod"); n != 3 {
		t.Errorf("GETs through the proxy: %d", n)
	}
}
