// Package provider implements the kubeharden Terraform provider: its
// configuration, resources and data sources.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

var (
	_ provider.ProviderWithFunctions     = &KubehardenProvider{}
	_ provider.ProviderWithListResources = &KubehardenProvider{}
	_ provider.ProviderWithActions       = &KubehardenProvider{}
)

// KubehardenProvider is the provider implementation.
type KubehardenProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &KubehardenProvider{version: version} }
}

// ProviderData is handed to every resource and data source. Each client is
// built on first use.
type ProviderData struct {
	Version string
	Kube    *kube.Lazy
	// Namespaces serves namespace reads of this process from one LIST.
	Namespaces *kube.NamespaceSnapshot
	AWS        *eks.Lazy
	Google     *gke.Lazy
	Azure      *aks.Lazy

	// PodSecurityClaims are the namespaces the pod security resources of
	// this run label, so that a second one for a namespace is a plan error.
	PodSecurityClaims *psaClaims
}

type providerModel struct {
	Kubernetes *kubernetesModel `tfsdk:"kubernetes"`
	AWS        *awsModel        `tfsdk:"aws"`
	Google     *googleModel     `tfsdk:"google"`
	Azure      *azureModel      `tfsdk:"azure"`
}

type kubernetesModel struct {
	ConfigPath           types.String `tfsdk:"config_path"`
	ConfigContext        types.String `tfsdk:"config_context"`
	Host                 types.String `tfsdk:"host"`
	ClusterCACertificate types.String `tfsdk:"cluster_ca_certificate"`
	Token                types.String `tfsdk:"token"`
	ClientCertificate    types.String `tfsdk:"client_certificate"`
	ClientKey            types.String `tfsdk:"client_key"`
	Insecure             types.Bool   `tfsdk:"insecure"`
	QPS                  types.Number `tfsdk:"qps"`
	Burst                types.Int64  `tfsdk:"burst"`
	Exec                 *execModel   `tfsdk:"exec"`
}

type execModel struct {
	APIVersion types.String `tfsdk:"api_version"`
	Command    types.String `tfsdk:"command"`
	Args       types.List   `tfsdk:"args"`
	Env        types.Map    `tfsdk:"env"`
}

type awsModel struct {
	Region    types.String      `tfsdk:"region"`
	Profile   types.String      `tfsdk:"profile"`
	Endpoints *awsEndpointModel `tfsdk:"endpoints"`
}

type awsEndpointModel struct {
	EKS types.String `tfsdk:"eks"`
}

type googleModel struct {
	Project     types.String         `tfsdk:"project"`
	Credentials types.String         `tfsdk:"credentials"`
	AccessToken types.String         `tfsdk:"access_token"`
	Endpoints   *googleEndpointModel `tfsdk:"endpoints"`
}

type azureModel struct {
	SubscriptionID types.String        `tfsdk:"subscription_id"`
	TenantID       types.String        `tfsdk:"tenant_id"`
	ClientID       types.String        `tfsdk:"client_id"`
	ClientSecret   types.String        `tfsdk:"client_secret"`
	Endpoints      *azureEndpointModel `tfsdk:"endpoints"`
}

type azureEndpointModel struct {
	ResourceManager types.String `tfsdk:"resource_manager"`
	ActiveDirectory types.String `tfsdk:"active_directory"`
}

type googleEndpointModel struct {
	Container types.String `tfsdk:"container"`
}

func (p *KubehardenProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "kubeharden"
	resp.Version = p.version
}

func (p *KubehardenProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Adopt Kubernetes security baselines (Pod Security Admission, seccomp by default, KMS v2 " +
			"encryption at rest) and learn what a cluster really runs, on EKS, GKE, AKS and self-managed clusters. " +
			"Every block is optional, and each client is built on first use: a configuration that only uses " +
			"Kubernetes resources never needs AWS, Azure or Google credentials.",
		Blocks: map[string]schema.Block{
			"kubernetes": schema.SingleNestedBlock{
				MarkdownDescription: "How to reach the Kubernetes API. Attribute names follow the `hashicorp/kubernetes` provider. " +
					"Either `config_path` (optionally with `config_context`), or `host` with credentials. " +
					"`KUBECONFIG` and `~/.kube/config` are never read implicitly.",
				Attributes: map[string]schema.Attribute{
					"config_path":            schema.StringAttribute{Optional: true, MarkdownDescription: "Path to a kubeconfig file. `~` is expanded. Env: `KUBE_CONFIG_PATH`."},
					"config_context":         schema.StringAttribute{Optional: true, MarkdownDescription: "Context of the kubeconfig file to use; defaults to its current context. Env: `KUBE_CTX`."},
					"host":                   schema.StringAttribute{Optional: true, MarkdownDescription: "API server URL, e.g. `https://10.0.0.1:6443`. Overrides the kubeconfig's server. Env: `KUBE_HOST`."},
					"cluster_ca_certificate": schema.StringAttribute{Optional: true, MarkdownDescription: "PEM-encoded CA bundle that signs the API server's certificate. Env: `KUBE_CLUSTER_CA_CERT_DATA`."},
					"token":                  schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Bearer token. Env: `KUBE_TOKEN`."},
					"client_certificate":     schema.StringAttribute{Optional: true, MarkdownDescription: "PEM-encoded client certificate for TLS client authentication. Env: `KUBE_CLIENT_CERT_DATA`."},
					"client_key":             schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "PEM-encoded private key of `client_certificate`. Env: `KUBE_CLIENT_KEY_DATA`."},
					"insecure":               schema.BoolAttribute{Optional: true, MarkdownDescription: "Skip verification of the API server's certificate. For test clusters only. Env: `KUBE_INSECURE`."},
					"qps": schema.NumberAttribute{Optional: true, MarkdownDescription: "Client-side rate limit in requests per second. Defaults to `200` (client-go's default of 5 throttles large applies). " +
						"Terraform's `-parallelism` (10) already bounds the requests in flight, and API Priority and Fairness protects the API server; " +
						"lower it to share a small control plane with other clients. A large apply is bound by it when set low: 1000 " +
						"`kubeharden_namespace_pod_security` resources make about 3000 requests, at least 60 s at `qps = 50`. Env: `KUBE_QPS`."},
					"burst": schema.Int64Attribute{Optional: true, MarkdownDescription: "Client-side burst above `qps`. Defaults to `400`. Env: `KUBE_BURST`."},
				},
				Blocks: map[string]schema.Block{
					"exec": schema.SingleNestedBlock{
						MarkdownDescription: "An exec credential plugin, such as `aws eks get-token` or `gke-gcloud-auth-plugin`.",
						Attributes: map[string]schema.Attribute{
							"api_version": schema.StringAttribute{Optional: true, MarkdownDescription: "`client.authentication.k8s.io/v1` or `v1beta1`."},
							"command":     schema.StringAttribute{Optional: true, MarkdownDescription: "The command to run."},
							"args":        schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Arguments of the command."},
							"env":         schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Extra environment variables of the command."},
						},
					},
				},
			},
			"aws": schema.SingleNestedBlock{
				MarkdownDescription: "How to reach AWS for the `kubeharden_eks_*` resources and data sources. Uses the default credential chain (environment, shared config, SSO, web identity, instance roles).",
				Attributes: map[string]schema.Attribute{
					"region":  schema.StringAttribute{Optional: true, MarkdownDescription: "AWS region. Env: `AWS_REGION` (or `AWS_DEFAULT_REGION`)."},
					"profile": schema.StringAttribute{Optional: true, MarkdownDescription: "Shared config profile. Env: `AWS_PROFILE`."},
				},
				Blocks: map[string]schema.Block{
					"endpoints": schema.SingleNestedBlock{
						MarkdownDescription: "Service endpoint overrides, for VPC endpoints and emulators.",
						Attributes: map[string]schema.Attribute{
							"eks": schema.StringAttribute{Optional: true, MarkdownDescription: "EKS API endpoint URL."},
						},
					},
				},
			},
			"azure": schema.SingleNestedBlock{
				MarkdownDescription: "How to reach Azure for the `kubeharden_aks_*` resources and data sources. Names and environment variables follow " +
					"the `hashicorp/azurerm` provider. With `client_secret`, the provider signs in as that service principal (`tenant_id` and " +
					"`client_id` are then required); without it, it uses `DefaultAzureCredential` (the `AZURE_*` environment variables, " +
					"workload identity, managed identity, then the Azure CLI's `az login`).",
				Attributes: map[string]schema.Attribute{
					"subscription_id": schema.StringAttribute{Optional: true, MarkdownDescription: "Default subscription ID. Env: `ARM_SUBSCRIPTION_ID`."},
					"tenant_id":       schema.StringAttribute{Optional: true, MarkdownDescription: "Entra ID tenant ID. Env: `ARM_TENANT_ID`."},
					"client_id": schema.StringAttribute{Optional: true, MarkdownDescription: "Application (client) ID of the service principal that `client_secret` belongs to; used with `client_secret` only " +
						"(`DefaultAzureCredential` reads `AZURE_CLIENT_ID`). Env: `ARM_CLIENT_ID`."},
					"client_secret": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Client secret of the service principal. Env: `ARM_CLIENT_SECRET`."},
				},
				Blocks: map[string]schema.Block{
					"endpoints": schema.SingleNestedBlock{
						MarkdownDescription: "Endpoint overrides, for sovereign clouds and emulators. HTTPS only.",
						Attributes: map[string]schema.Attribute{
							"resource_manager": schema.StringAttribute{Optional: true, MarkdownDescription: "Azure Resource Manager URL, e.g. `https://management.azure.com/`. " +
								"The Azure Government and Azure China endpoints select those clouds' token audience and authority."},
							"active_directory": schema.StringAttribute{Optional: true, MarkdownDescription: "Entra ID authority host, e.g. `https://login.microsoftonline.com/`. " +
								"When set, instance discovery is off."},
						},
					},
				},
			},
			"google": schema.SingleNestedBlock{
				MarkdownDescription: "How to reach Google Cloud for the `kubeharden_gke_*` resources and data sources. Uses Application Default Credentials unless `credentials` or `access_token` is set.",
				Attributes: map[string]schema.Attribute{
					"project":      schema.StringAttribute{Optional: true, MarkdownDescription: "Default project. Env: `GOOGLE_PROJECT`."},
					"credentials":  schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "Path to a service account key file, or its JSON content. Env: `GOOGLE_CREDENTIALS`."},
					"access_token": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "An OAuth2 access token. Takes precedence over `credentials`. Env: `GOOGLE_OAUTH_ACCESS_TOKEN`."},
				},
				Blocks: map[string]schema.Block{
					"endpoints": schema.SingleNestedBlock{
						MarkdownDescription: "Service endpoint overrides, for Private Service Connect and emulators.",
						Attributes: map[string]schema.Attribute{
							"container": schema.StringAttribute{Optional: true, MarkdownDescription: "Kubernetes Engine API base URL, e.g. `https://container.googleapis.com/`."},
						},
					},
				},
			},
		},
	}
}

func (p *KubehardenProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(getConfig(req.Config)(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ua := "terraform-provider-kubeharden/" + p.version
	kcfg, kunknown := m.Kubernetes.config(ctx, &resp.Diagnostics)
	kcfg.UserAgent = ua
	acfg, aunknown := m.AWS.config()
	acfg.UserAgent = ua
	gcfg, gunknown := m.Google.config()
	gcfg.UserAgent = ua
	zcfg, zunknown := m.Azure.config()
	zcfg.UserAgent = ua
	if resp.Diagnostics.HasError() {
		return
	}
	if kunknown {
		tflog.Info(ctx, "The kubernetes block has values unknown until apply; Kubernetes calls are deferred to apply")
	}
	data := &ProviderData{
		Version:    p.version,
		Kube:       kube.NewLazy(kcfg, kunknown),
		Namespaces: kube.NewNamespaceSnapshot(),
		AWS:        eks.NewLazy(acfg, aunknown),
		Google:     gke.NewLazy(gcfg, gunknown),
		Azure:      aks.NewLazy(zcfg, zunknown),

		// One per ConfigureProvider: one plan, or one apply.
		PodSecurityClaims: newPSAClaims(),
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

func (p *KubehardenProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewNamespacePodSecurityResource,
		NewSeccompDefaultResource,
		NewGKESecretsEncryptionResource,
		NewEKSSecretsEncryptionResource,
		NewAKSSecretsEncryptionResource,
		NewEncryptionConfigResource,
		NewStorageRewriteResource,
	}
}

// ListResources are the list resources of `terraform query` (Terraform 1.14).
func (p *KubehardenProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewNamespacePodSecurityListResource}
}

// Actions are the actions (Terraform 1.14).
func (p *KubehardenProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewStorageRewriteAction}
}

// Functions are the provider functions (Terraform 1.8, OpenTofu 1.7).
func (p *KubehardenProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{NewPodSecurityLabelsFunction, NewContainerRuntimeFunction}
}

func (p *KubehardenProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewClusterDataSource,
		NewPodSecurityViolationsDataSource,
		NewNamespacesDataSource,
		NewGKEClusterDataSource,
		NewEKSClusterDataSource,
		NewAKSClusterDataSource,
	}
}
