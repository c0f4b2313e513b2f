package provider

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
)

var _ datasource.DataSourceWithConfigure = &AKSClusterDataSource{}

// aksReadinessSources is where the AKS readiness facts come from, for the
// readiness attribute's description.
const aksReadinessSources = "Here the facts come from each node pool's OS type, OS SKU, node image version and Kubernetes version " +
	"(see the table in the guide \"Upgrade readiness checks in CI\"): the node OS is read from the node image version " +
	"(`AKSUbuntu-2204...`, `AKSAzureLinux-V3...`), else from an OS SKU that pins one (`Ubuntu2204`, `Ubuntu2404`, `AzureLinux3`, " +
	"and `Ubuntu`, which is 18.04 before 1.25, 22.04 up to 1.34 and 24.04 from 1.35). `supported_images` compares today with the " +
	"end of support AKS announced: Ubuntu 18.04 on 2025-06-17, Azure Linux 2.0 (CBL-Mariner 2.0) on 2025-11-30, Ubuntu 20.04 on " +
	"2027-03-17 ([AKS](https://learn.microsoft.com/azure/aks/node-images)). `cgroup_v2` is true on Ubuntu 22.04+ and Azure Linux " +
	"nodes from Kubernetes 1.25 and false on Ubuntu 18.04 and 20.04; Windows pools are left out. The AKS documentation does not say " +
	"which node images ship containerd 2, so `containerd_2` is null unless a pool still runs Docker (false)."

// AKSClusterDataSource reads what an AKS cluster runs from Azure Resource
// Manager: versions, power and provisioning state, KMS Secrets encryption,
// and each node pool's container runtime as its OS type and version imply.
type AKSClusterDataSource struct{ dataSourceBase }

// NewAKSClusterDataSource returns the kubeharden_aks_cluster data source.
func NewAKSClusterDataSource() datasource.DataSource {
	return &AKSClusterDataSource{dataSourceBase{base{name: "aks_cluster", timeouts: timeoutDefaults{Read: 5 * time.Minute}}}}
}

type aksClusterDataSourceModel struct {
	ID                types.String `tfsdk:"id"`
	SubscriptionID    types.String `tfsdk:"subscription_id"`
	ResourceGroupName types.String `tfsdk:"resource_group_name"`
	Name              types.String `tfsdk:"name"`
	Version           types.String `tfsdk:"version"`
	KubernetesVersion types.String `tfsdk:"kubernetes_version"`
	ProvisioningState types.String `tfsdk:"provisioning_state"`
	PowerState        types.String `tfsdk:"power_state"`
	SKUTier           types.String `tfsdk:"sku_tier"`
	SecretsEncryption types.Object `tfsdk:"secrets_encryption"`
	NodePools         types.List   `tfsdk:"node_pools"`
	clusterCoreModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (m aksClusterDataSourceModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// aksClusterEncryptionModel is `secrets_encryption`.
type aksClusterEncryptionModel struct {
	KeyID                 types.String `tfsdk:"key_id"`
	KeyVaultNetworkAccess types.String `tfsdk:"key_vault_network_access"`
	KeyVaultResourceID    types.String `tfsdk:"key_vault_resource_id"`
}

// aksNodePoolModel is one of `node_pools`.
type aksNodePoolModel struct {
	Name             types.String `tfsdk:"name"`
	Mode             types.String `tfsdk:"mode"`
	Version          types.String `tfsdk:"version"`
	OSType           types.String `tfsdk:"os_type"`
	OSSKU            types.String `tfsdk:"os_sku"`
	NodeImageVersion types.String `tfsdk:"node_image_version"`
	ContainerRuntime types.String `tfsdk:"container_runtime"`
}

// Validators of ARM's naming rules, so a typo fails at plan time rather than
// as a "not found" from the API.
var (
	aksClusterNameValidators = []validator.String{
		stringvalidator.LengthBetween(1, 63),
		stringvalidator.RegexMatches(regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]*$`),
			"must start with a letter or digit and contain only letters, digits, hyphens and underscores"),
	}
	aksResourceGroupValidators = []validator.String{
		stringvalidator.LengthBetween(1, 90),
		stringvalidator.RegexMatches(regexp.MustCompile(`^[-\w._()]*[-\w_()]$`),
			"must contain only letters, digits, underscores, hyphens, periods and parentheses, and not end with a period"),
	}
	aksSubscriptionValidators = []validator.String{
		stringvalidator.RegexMatches(regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
			"must be a subscription ID, a GUID such as `00000000-0000-0000-0000-000000000000`"),
	}
)

func (d *AKSClusterDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "What an AKS cluster runs, read from Azure Resource Manager (`managedClusters.get`): the control plane's " +
			"version, its power and provisioning state, KMS Secrets encryption with Azure Key Vault, and each node pool's container " +
			"runtime. The API has no runtime field: Linux node pools run containerd from Kubernetes 1.19 and Windows node pools from " +
			"1.23 ([AKS documentation](https://learn.microsoft.com/azure/aks/cluster-configuration#container-runtime-configuration)); " +
			"older pools ran Docker. Needs no access to the Kubernetes API.\n\n" +
			"Azure RBAC actions: " + iamPermissions(d.typeName(), "Microsoft.") + "." + sameRunDescription,
		Attributes: runtimeSchema(map[string]schema.Attribute{
			"id": str("The cluster's ARM resource ID, `/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>`."),
			"subscription_id": schema.StringAttribute{
				Optional: true, Computed: true, Validators: aksSubscriptionValidators,
				MarkdownDescription: "The cluster's subscription. Defaults to the provider's `azure.subscription_id` (`ARM_SUBSCRIPTION_ID`); one of them must be set.",
			},
			"resource_group_name": schema.StringAttribute{Required: true, Validators: aksResourceGroupValidators, MarkdownDescription: "The cluster's resource group."},
			"name":                schema.StringAttribute{Required: true, Validators: aksClusterNameValidators, MarkdownDescription: "The cluster's name."},
			"version":             str("The control plane's Kubernetes version (`currentKubernetesVersion`), e.g. `1.33.2`."),
			"kubernetes_version":  str("The requested Kubernetes version (`kubernetesVersion`), e.g. `1.33`; it may name only a minor version."),
			"provisioning_state":  str("The cluster's provisioning state, e.g. `Succeeded`, `Updating` or `Failed`."),
			"power_state":         str("The cluster's power state: " + codeList(armcontainerservice.PossibleCodeValues(), "or") + "."),
			"sku_tier":            str("The pricing tier: " + codeList(armcontainerservice.PossibleManagedClusterSKUTierValues(), "or") + "."),
			"secrets_encryption": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "KMS etcd encryption with an Azure Key Vault key (`securityProfile.azureKeyVaultKms`). Null when it is off.",
				Attributes: map[string]schema.Attribute{
					"key_id": str("The Key Vault key that encrypts the Secrets, `https://<vault>.vault.azure.net/keys/<name>/<version>`."),
					"key_vault_network_access": str("The key vault's network access: " +
						codeList(armcontainerservice.PossibleKeyVaultNetworkAccessTypesValues(), "or") + "."),
					"key_vault_resource_id": str("The key vault's ARM resource ID, set with `Private` network access; null otherwise."),
				},
			},
			"node_pools": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The node pools (agent pool profiles), sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":               str("Node pool name."),
					"mode":               str("`System`, `User` or `Gateway`."),
					"version":            str("The nodes' Kubernetes version (`currentOrchestratorVersion`), e.g. `1.33.2`."),
					"os_type":            str("The OS type: " + codeList(armcontainerservice.PossibleOSTypeValues(), "or") + "."),
					"os_sku":             str("The OS SKU, e.g. " + codeList(armcontainerservice.PossibleOSSKUValues(), "or") + "; null when not reported."),
					"node_image_version": str("The node image version, e.g. `AKSUbuntu-2204gen2containerd-202507.21.0`."),
					"container_runtime": str("`containerd` or `docker`, from the OS type and version: Linux pools run containerd from " +
						"Kubernetes 1.19 and Windows pools from 1.23, Docker before. Another OS type, or a version that cannot be read, is `unknown`."),
				}},
			},
		}, "node pool", "the cluster has no node pools", aksReadinessSources),
		Blocks: map[string]schema.Block{"timeouts": d.timeouts.dataSourceBlock(ctx)},
	}
}

func (d *AKSClusterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, ctx, cancel, ok := beginRead[aksClusterDataSourceModel](ctx, d.timeouts, getConfig(req.Config), &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	sub, ok := d.aksSubscription(m.SubscriptionID, &resp.Diagnostics)
	if !ok {
		return
	}
	ref := aks.ClusterRef{SubscriptionID: sub, ResourceGroup: m.ResourceGroupName.ValueString(), Name: m.Name.ValueString()}
	call := aks.GetClusterCall(ref)
	c := d.aks(ctx, call, &resp.Diagnostics)
	if c == nil {
		return
	}
	cl, err := c.GetCluster(ctx, ref)
	if err != nil {
		d.aksError(&resp.Diagnostics, call, err)
		return
	}
	p := cl.Properties
	if p == nil {
		p = &armcontainerservice.ManagedClusterProperties{}
	}
	tflog.Debug(ctx, "Read AKS cluster", map[string]any{"cluster": ref.String(), "node_pools": len(p.AgentPoolProfiles)})

	id := ref.ID()
	if cl.ID != nil {
		id = *cl.ID
	}
	m.ID = types.StringValue(id)
	m.SubscriptionID = types.StringValue(sub)
	m.Version = stringOrNull(deref(p.CurrentKubernetesVersion))
	m.KubernetesVersion = stringOrNull(deref(p.KubernetesVersion))
	m.ProvisioningState = stringOrNull(deref(p.ProvisioningState))
	m.PowerState = types.StringNull()
	if p.PowerState != nil {
		m.PowerState = stringOrNull(string(deref(p.PowerState.Code)))
	}
	m.SKUTier = types.StringNull()
	if cl.SKU != nil {
		m.SKUTier = stringOrNull(string(deref(cl.SKU.Tier)))
	}

	var diags diag.Diagnostics
	m.SecretsEncryption = objectNullOf[aksClusterEncryptionModel]()
	if p.SecurityProfile != nil && p.SecurityProfile.AzureKeyVaultKms != nil && deref(p.SecurityProfile.AzureKeyVaultKms.Enabled) {
		kms := p.SecurityProfile.AzureKeyVaultKms
		m.SecretsEncryption, diags = objectValueOf(ctx, aksClusterEncryptionModel{
			KeyID:                 stringOrNull(deref(kms.KeyID)),
			KeyVaultNetworkAccess: stringOrNull(string(deref(kms.KeyVaultNetworkAccess))),
			KeyVaultResourceID:    stringOrNull(deref(kms.KeyVaultResourceID)),
		})
		resp.Diagnostics.Append(diags...)
	}

	pools := slices.DeleteFunc(slices.Clone(p.AgentPoolProfiles), func(ap *armcontainerservice.ManagedClusterAgentPoolProfile) bool { return ap == nil })
	slices.SortFunc(pools, func(a, b *armcontainerservice.ManagedClusterAgentPoolProfile) int {
		return strings.Compare(deref(a.Name), deref(b.Name))
	})
	runtimes := make([]string, 0, len(pools))
	facts := make([]containerruntime.Facts, 0, len(pools))
	today := time.Now().UTC().Format(time.DateOnly)
	poolModels := make([]aksNodePoolModel, 0, len(pools))
	for _, ap := range pools {
		version := deref(ap.CurrentOrchestratorVersion)
		if version == "" {
			// A pool that reports no current version is being created: its
			// requested one is what it will run.
			version = deref(ap.OrchestratorVersion)
		}
		osType, osSKU := string(deref(ap.OSType)), string(deref(ap.OSSKU))
		rt := containerruntime.ForAKS(osType, osSKU, version)
		runtimes = append(runtimes, rt)
		facts = append(facts, containerruntime.ForAKSNodePool(deref(ap.Name), osType, osSKU, deref(ap.NodeImageVersion), version, today))
		poolModels = append(poolModels, aksNodePoolModel{
			Name:             types.StringValue(deref(ap.Name)),
			Mode:             stringOrNull(string(deref(ap.Mode))),
			Version:          stringOrNull(version),
			OSType:           stringOrNull(osType),
			OSSKU:            stringOrNull(osSKU),
			NodeImageVersion: stringOrNull(deref(ap.NodeImageVersion)),
			ContainerRuntime: types.StringValue(rt),
		})
	}
	m.NodePools, diags = listOf(ctx, poolModels)
	resp.Diagnostics.Append(diags...)
	readiness := containerruntime.Summarize(facts)
	m.clusterCoreModel, diags = clusterCore(ctx, runtimes, &readiness)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &m)...)
}

// aksSubscription resolves a subscription_id attribute: its own value, else
// the provider's azure.subscription_id. It adds an attribute error when
// neither is set.
func (b *base) aksSubscription(v types.String, diags *diag.Diagnostics) (string, bool) {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString(), true
	}
	s := ""
	if b.data != nil && b.data.Azure != nil {
		s, _ = b.data.Azure.SubscriptionID()
	}
	if s == "" {
		diags.AddAttributeError(path.Root("subscription_id"), "Missing Subscription ID",
			"No subscription_id is set on this block, and the provider has no default: set subscription_id here, or "+
				"azure.subscription_id in the provider block (or the ARM_SUBSCRIPTION_ID environment variable).")
		return "", false
	}
	return s, true
}

// deref is the value *p, or the zero value for nil (the SDK's optional fields).
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
