// Package fakearm is a fake Azure Resource Manager (managed clusters of
// Microsoft.ContainerService, the api-version of armcontainerservice v6)
// and Entra ID token endpoint, over HTTPS on 127.0.0.1, for tests of the
// AKS resources with the real azidentity and armcontainerservice clients:
// no AKS emulator exists. Its certificate is signed by the test CA that
// acctest.Main makes trusted through SSL_CERT_FILE, so the package's tests
// (and any package that starts it) need TestMain to be acctest.Main.
//
// Every managed-cluster body received or sent round-trips through
// armcontainerservice.ManagedCluster; a field the model does not know is
// refused with 400 and fails the test. ETags, If-Match (412), the
// Azure-AsyncOperation long-running operations and ARM's error bodies
// behave as ARM documents them.
package fakearm

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// APIVersion is the api-version armcontainerservice v6.6.0 sends; the fake
// refuses any other.
const APIVersion = "2025-02-01"

// DefaultPollsToDone is how many polls of its status an operation answers
// InProgress before it ends.
const DefaultPollsToDone = 2

// ResourceType is the ARM type of a managed cluster.
const ResourceType = "Microsoft.ContainerService/managedClusters"

// Counts are the requests the fake received, by kind.
type Counts struct {
	Get    int // GETs of a managed cluster
	Put    int // PUTs of a managed cluster, refused ones included
	Writes int // PUTs accepted (an operation started)
	Poll   int // GETs of an operation's status
	Token  int // token requests, refused ones included
}

// Server is a fake ARM and Entra ID. Its methods are safe for concurrent
// use by the test and the provider.
type Server struct {
	// TenantID, ClientID and ClientSecret are a registered client
	// (service principal) that may call ARM.
	TenantID, ClientID, ClientSecret string

	http *httptest.Server
	url  string

	mu          sync.Mutex
	subs        map[string]*subscription // by lower-case ID
	secrets     map[string]string        // lower-case tenant + "/" + client ID -> secret
	tokens      map[string]time.Time     // access token -> expiry
	ops         map[string]*operation    // by ID
	pollsToDone int
	failNext    *armError
	throttle    int
	retryAfter  string
	beforePut   func()
	counts      Counts
	violations  []string
	onViolation func(string)
}

type subscription struct {
	id     string
	groups map[string]*group // by lower-case name
}

type group struct {
	name     string
	clusters map[string]*cluster // by lower-case name
}

type cluster struct {
	sub, rg string
	mc      *armcontainerservice.ManagedCluster
	op      *operation // the running operation, if any
}

type operation struct {
	id      string
	cl      *cluster
	polls   int
	need    int
	status  string // InProgress, Succeeded, Failed
	fail    *armError
	pending *armcontainerservice.ManagedCluster // applied when it succeeds
	start   time.Time
	end     time.Time
}

type armError struct{ Code, Message string }

// Options configure a fake made with New.
type Options struct {
	// CA signs the fake's serving certificate; its clients must trust it
	// (see acctest.SetUpTrust). Required.
	CA *acctest.PKI
	// OnViolation, when set, is called with each request or body that
	// breaks the armcontainerservice model, as it arrives (Violations
	// returns them all too).
	OnViolation func(string)
}

// Start starts a fake for the test, signed by the test CA (acctest.TestCA),
// with one registered client (TenantID, ClientID, ClientSecret) and no
// subscription until AddCluster or AddResourceGroup. When the test ends
// the fake stops, and every body that broke the armcontainerservice model
// fails the test.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New(Options{CA: acctest.TestCA(t)})
	if err != nil {
		t.Fatalf("fake ARM: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.Violations() {
			t.Errorf("fake ARM: %s", v)
		}
	})
	return s
}

// New starts a fake outside a test (Start is the test's way), with one
// registered client (TenantID, ClientID, ClientSecret) and no subscription
// until AddCluster or AddResourceGroup. Stop it with Close.
func New(opts Options) (*Server, error) {
	if opts.CA == nil {
		return nil, fmt.Errorf("fake ARM: Options.CA is required")
	}
	cert, err := opts.CA.ServingTLS("fake-arm")
	if err != nil {
		return nil, err
	}
	s := &Server{
		TenantID:     newGUID(),
		ClientID:     newGUID(),
		ClientSecret: "fake~" + randomHex(16),
		subs:         map[string]*subscription{},
		secrets:      map[string]string{},
		tokens:       map[string]time.Time{},
		ops:          map[string]*operation{},
		pollsToDone:  DefaultPollsToDone,
		onViolation:  opts.OnViolation,
	}
	s.AddClient(s.TenantID, s.ClientID, s.ClientSecret)
	s.http = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.http.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s.http.StartTLS()
	s.url = s.http.URL + "/"
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// URL is the base URL of both ARM and the Entra ID authority host, with a
// trailing slash, e.g. "https://127.0.0.1:41234/".
func (s *Server) URL() string { return s.url }

// Cloud is the cloud configuration that points azidentity and the ARM
// clients at the fake (use it with DisableInstanceDiscovery). The audience
// is the public cloud's, which the fake accepts as ARM would.
func (s *Server) Cloud() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: s.url,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: s.url, Audience: "https://management.core.windows.net/"},
		},
	}
}

// ProviderConfig is a provider block whose azure block signs in as the
// registered client and reaches ARM and Entra ID at the fake.
func (s *Server) ProviderConfig(subscriptionID string) string {
	return s.ProviderConfigWithSecret(subscriptionID, s.ClientSecret)
}

// ProviderConfigWithSecret is ProviderConfig signing in with secret, which
// may be a wrong one.
func (s *Server) ProviderConfigWithSecret(subscriptionID, secret string) string {
	return fmt.Sprintf(`
provider "kubeharden" {
  azure {
    subscription_id = %q
    tenant_id       = %q
    client_id       = %q
    client_secret   = %q
    endpoints {
      resource_manager = %q
      active_directory = %q
    }
  }
}
`, subscriptionID, s.TenantID, s.ClientID, secret, s.url, s.url)
}

// AddClient registers another client, in a tenant of its own or not.
func (s *Server) AddClient(tenant, clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[strings.ToLower(tenant)+"/"+strings.ToLower(clientID)] = secret
}

// Violations returns what broke the armcontainerservice model so far.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Requests returns the requests received so far, by kind.
func (s *Server) Requests() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// SetPollsToDone sets how many polls the next operations answer
// InProgress before they end (at least 0).
func (s *Server) SetPollsToDone(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollsToDone = max(n, 0)
}

// FailNextOperation makes the next operation end Failed with ARM error
// code and message; the cluster keeps its content, in provisioningState
// Failed, as AKS leaves it.
func (s *Server) FailNextOperation(code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = &armError{Code: code, Message: message}
}

// Throttle makes the next n ARM requests answer 429
// (SubscriptionRequestsThrottled) with Retry-After: retryAfter seconds.
func (s *Server) Throttle(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle, s.retryAfter = n, fmt.Sprint(retryAfter)
}

// BeforeNextPut runs f once, when the next PUT of a cluster arrives and
// before the fake looks at it: a concurrent writer between the client's
// GET and its PUT (f may call UpdateCluster, so the PUT's If-Match is
// stale).
func (s *Server) BeforeNextPut(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beforePut = f
}

// ID is the ARM ID of a managed cluster.
func ID(sub, rg, name string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/" + ResourceType + "/" + name
}

// AddResourceGroup adds an empty resource group (and its subscription).
func (s *Server) AddResourceGroup(sub, rg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.group(sub, rg)
}

// group returns the resource group, making it and its subscription when
// missing. Callers hold s.mu.
func (s *Server) group(sub, rg string) *group {
	sb := s.subs[strings.ToLower(sub)]
	if sb == nil {
		sb = &subscription{id: sub, groups: map[string]*group{}}
		s.subs[strings.ToLower(sub)] = sb
	}
	g := sb.groups[strings.ToLower(rg)]
	if g == nil {
		g = &group{name: rg, clusters: map[string]*cluster{}}
		sb.groups[strings.ToLower(rg)] = g
	}
	return g
}

// AddCluster adds a copy of c, named *c.Name, in the subscription and
// resource group (made when missing). Unset read-only fields get what AKS
// would report: id, type, an ETag, location westeurope, provisioningState
// Succeeded, powerState Running, currentKubernetesVersion (from
// kubernetesVersion), sku Base/Free, and per agent pool
// currentOrchestratorVersion, provisioningState and powerState.
func (s *Server) AddCluster(sub, rg string, c armcontainerservice.ManagedCluster) {
	if c.Name == nil || *c.Name == "" {
		panic("fakearm.AddCluster: the cluster needs a Name")
	}
	mc := clone(&c)
	mc.ID = to.Ptr(ID(sub, rg, *mc.Name))
	mc.Type = to.Ptr(ResourceType)
	mc.ETag = to.Ptr(newGUID())
	if mc.Location == nil {
		mc.Location = to.Ptr("westeurope")
	}
	if mc.SKU == nil {
		mc.SKU = &armcontainerservice.ManagedClusterSKU{Name: to.Ptr(armcontainerservice.ManagedClusterSKUNameBase), Tier: to.Ptr(armcontainerservice.ManagedClusterSKUTierFree)}
	}
	if mc.Properties == nil {
		mc.Properties = &armcontainerservice.ManagedClusterProperties{}
	}
	p := mc.Properties
	if p.ProvisioningState == nil {
		p.ProvisioningState = to.Ptr("Succeeded")
	}
	if p.PowerState == nil {
		p.PowerState = &armcontainerservice.PowerState{Code: to.Ptr(armcontainerservice.CodeRunning)}
	}
	if p.CurrentKubernetesVersion == nil {
		p.CurrentKubernetesVersion = p.KubernetesVersion
	}
	for _, ap := range p.AgentPoolProfiles {
		if ap.CurrentOrchestratorVersion == nil {
			ap.CurrentOrchestratorVersion = ap.OrchestratorVersion
		}
		if ap.ProvisioningState == nil {
			ap.ProvisioningState = to.Ptr("Succeeded")
		}
		if ap.PowerState == nil {
			ap.PowerState = &armcontainerservice.PowerState{Code: to.Ptr(armcontainerservice.CodeRunning)}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.group(sub, rg).clusters[strings.ToLower(*mc.Name)] = &cluster{sub: sub, rg: rg, mc: mc}
}

// lookup returns the cluster or nil. Callers hold s.mu.
func (s *Server) lookup(sub, rg, name string) *cluster {
	sb := s.subs[strings.ToLower(sub)]
	if sb == nil {
		return nil
	}
	g := sb.groups[strings.ToLower(rg)]
	if g == nil {
		return nil
	}
	return g.clusters[strings.ToLower(name)]
}

// Cluster returns a copy of a cluster as the fake holds it, or nil.
func (s *Server) Cluster(sub, rg, name string) *armcontainerservice.ManagedCluster {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.lookup(sub, rg, name)
	if cl == nil {
		return nil
	}
	return clone(cl.mc)
}

// UpdateCluster changes a cluster behind the client's back and gives it a
// new ETag. It fails the test when the cluster does not exist.
func (s *Server) UpdateCluster(t testing.TB, sub, rg, name string, f func(*armcontainerservice.ManagedCluster)) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.lookup(sub, rg, name)
	if cl == nil {
		t.Fatalf("fake ARM: no cluster %s", ID(sub, rg, name))
		return
	}
	f(cl.mc)
	cl.mc.ETag = to.Ptr(newGUID())
}

// DeleteCluster removes a cluster, as if deleted outside Terraform.
func (s *Server) DeleteCluster(sub, rg, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sb := s.subs[strings.ToLower(sub)]; sb != nil {
		if g := sb.groups[strings.ToLower(rg)]; g != nil {
			delete(g.clusters, strings.ToLower(name))
		}
	}
}

func (s *Server) violation(msg string) {
	s.mu.Lock()
	s.violations = append(s.violations, msg)
	f := s.onViolation
	s.mu.Unlock()
	if f != nil {
		f(msg)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newGUID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
