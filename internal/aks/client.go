// Package aks is a thin layer over the Azure SDK for Go
// (armcontainerservice): building the managed-clusters client lazily from
// the provider's azure block, with the credential that block selects, and
// describing its errors. The node pool to container runtime table lives in
// containerruntime; this package never imports the Kubernetes client.
package aks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/lazy"
)

// Config is the provider's azure block.
type Config struct {
	SubscriptionID string
	TenantID       string
	ClientID       string
	ClientSecret   string
	// ResourceManagerEndpoint and AuthorityHost override the public cloud's
	// (sovereign clouds, emulators).
	ResourceManagerEndpoint string
	AuthorityHost           string
	// UserAgent is appended to the SDK's own User-Agent.
	UserAgent string
	// Transport replaces the HTTP client of every call, for tests; nil in
	// the provider.
	Transport policy.Transporter
}

// ErrUnknownConfig is returned when the azure block is not known until apply.
var ErrUnknownConfig = errors.New("the azure block of the provider depends on values that are not known until apply")

// ConfigError is a problem with the provider's azure block, found when the
// client is first built.
type ConfigError struct {
	Attribute string // e.g. "azure.tenant_id"
	Env       string // the environment variable that can set it, if any
	Detail    string
}

func (e *ConfigError) Error() string {
	s := e.Attribute
	if e.Env != "" {
		s += " (" + e.Env + ")"
	}
	return s + ": " + e.Detail
}

// Client is a configured AKS client: one credential, and a managed-clusters
// client per subscription (the SDK binds a client to one).
type Client struct {
	// SubscriptionID is the provider's default subscription, may be empty.
	SubscriptionID string
	credential     azcore.TokenCredential
	options        *arm.ClientOptions

	mu       sync.Mutex
	clusters map[string]*armcontainerservice.ManagedClustersClient
}

// Lazy builds the Client on first use, so configurations that never use AKS
// never need Azure credentials. It is safe for concurrent use.
type Lazy struct {
	*lazy.Client[*Client]
	subscriptionID string
}

// NewLazy returns a Lazy for cfg. When unknown is true the configuration is
// not final yet, and Get fails with ErrUnknownConfig.
func NewLazy(cfg Config, unknown bool) *Lazy {
	return &Lazy{
		Client:         lazy.New(func(context.Context) (*Client, error) { return newClient(cfg) }, unknown, ErrUnknownConfig),
		subscriptionID: cfg.SubscriptionID,
	}
}

// SubscriptionID returns the provider's default subscription without
// building a client, and whether the azure block is unknown until apply.
func (l *Lazy) SubscriptionID() (id string, unknown bool) {
	return l.subscriptionID, !l.Known()
}

// knownClouds are the clouds recognized by their Resource Manager endpoint:
// a sovereign cloud's endpoint brings its own token audience and authority.
var knownClouds = []cloud.Configuration{cloud.AzurePublic, cloud.AzureGovernment, cloud.AzureChina}

// cloudConfig is the cloud of c: the public cloud, or the one whose Resource
// Manager endpoint c names, with c's overrides. An endpoint no known cloud
// has (an emulator, Azure Stack) keeps the public cloud's token audience.
func cloudConfig(c Config) (cloud.Configuration, error) {
	base := cloud.AzurePublic
	if c.ResourceManagerEndpoint != "" {
		if err := checkURL(c.ResourceManagerEndpoint); err != nil {
			return cloud.Configuration{}, &ConfigError{Attribute: "azure.endpoints.resource_manager", Detail: err.Error()}
		}
		for _, k := range knownClouds {
			if sameURL(k.Services[cloud.ResourceManager].Endpoint, c.ResourceManagerEndpoint) {
				base = k
			}
		}
	}
	rm := base.Services[cloud.ResourceManager]
	if c.ResourceManagerEndpoint != "" {
		rm.Endpoint = c.ResourceManagerEndpoint
	}
	out := cloud.Configuration{
		ActiveDirectoryAuthorityHost: base.ActiveDirectoryAuthorityHost,
		Services:                     map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: rm},
	}
	if c.AuthorityHost != "" {
		if err := checkURL(c.AuthorityHost); err != nil {
			return cloud.Configuration{}, &ConfigError{Attribute: "azure.endpoints.active_directory", Detail: err.Error()}
		}
		out.ActiveDirectoryAuthorityHost = c.AuthorityHost
	}
	return out, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("%q is not an https:// URL (Azure SDK credentials are sent over HTTPS only)", s)
	}
	return nil
}

func sameURL(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/"))
}

func newClient(c Config) (*Client, error) {
	cc, err := cloudConfig(c)
	if err != nil {
		return nil, err
	}
	opts := azcore.ClientOptions{Cloud: cc, Transport: c.Transport}
	if c.UserAgent != "" {
		// The SDK keeps 24 characters of an application ID.
		opts.Telemetry.ApplicationID = strings.TrimPrefix(c.UserAgent, "terraform-provider-")
	}
	// Instance discovery asks login.microsoftonline.com whether the
	// authority is a known one: an overridden authority is not.
	noDiscovery := c.AuthorityHost != ""
	var cred azcore.TokenCredential
	if c.ClientSecret != "" {
		if c.TenantID == "" {
			return nil, &ConfigError{Attribute: "azure.tenant_id", Env: "ARM_TENANT_ID", Detail: "a client secret is set, and a service principal's secret needs its tenant ID"}
		}
		if c.ClientID == "" {
			return nil, &ConfigError{Attribute: "azure.client_id", Env: "ARM_CLIENT_ID", Detail: "a client secret is set, and a service principal's secret needs its application (client) ID"}
		}
		cred, err = azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, c.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: noDiscovery})
	} else {
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: opts, DisableInstanceDiscovery: noDiscovery, TenantID: c.TenantID,
		})
	}
	if err != nil {
		return nil, &ConfigError{Attribute: "azure", Detail: fmt.Sprintf("building the Azure credential: %v", err)}
	}
	return &Client{
		SubscriptionID: c.SubscriptionID,
		credential:     cred,
		options:        &arm.ClientOptions{ClientOptions: opts},
		clusters:       map[string]*armcontainerservice.ManagedClustersClient{},
	}, nil
}

// ManagedClusters returns the managed-clusters client of subscription,
// built on first use.
func (c *Client) ManagedClusters(subscriptionID string) (*armcontainerservice.ManagedClustersClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if mc, ok := c.clusters[subscriptionID]; ok {
		return mc, nil
	}
	mc, err := armcontainerservice.NewManagedClustersClient(subscriptionID, c.credential, c.options)
	if err != nil {
		return nil, fmt.Errorf("building the managed-clusters client: %w", err)
	}
	c.clusters[subscriptionID] = mc
	return mc, nil
}

// ClusterRef names one managed cluster.
type ClusterRef struct {
	SubscriptionID, ResourceGroup, Name string
}

func (r ClusterRef) String() string { return r.SubscriptionID + "/" + r.ResourceGroup + "/" + r.Name }

// ID is the cluster's ARM resource ID.
func (r ClusterRef) ID() string {
	return "/subscriptions/" + r.SubscriptionID + "/resourceGroups/" + r.ResourceGroup +
		"/providers/Microsoft.ContainerService/managedClusters/" + r.Name
}

// GetCluster reads a managed cluster (managedClusters.get).
func (c *Client) GetCluster(ctx context.Context, r ClusterRef) (*armcontainerservice.ManagedCluster, error) {
	mc, err := c.ManagedClusters(r.SubscriptionID)
	if err != nil {
		return nil, err
	}
	resp, err := mc.Get(ctx, r.ResourceGroup, r.Name, nil)
	if err != nil {
		return nil, err
	}
	return &resp.ManagedCluster, nil
}
