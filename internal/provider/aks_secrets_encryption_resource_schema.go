package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ resource.ResourceWithConfigure      = &AKSSecretsEncryptionResource{}
	_ resource.ResourceWithImportState    = &AKSSecretsEncryptionResource{}
	_ resource.ResourceWithModifyPlan     = &AKSSecretsEncryptionResource{}
	_ resource.ResourceWithValidateConfig = &AKSSecretsEncryptionResource{}
	_ resource.ResourceWithIdentity       = &AKSSecretsEncryptionResource{}
)

// AKSSecretsEncryptionResource owns the KMS etcd encryption
// (securityProfile.azureKeyVaultKms) of an existing AKS cluster.
type AKSSecretsEncryptionResource struct{ resourceBase }

// NewAKSSecretsEncryptionResource returns the kubeharden_aks_secrets_encryption resource.
func NewAKSSecretsEncryptionResource() resource.Resource {
	// A managed-cluster update reconciles the whole cluster: minutes, more
	// when it first waits for another operation.
	const change = 60 * time.Minute
	return &AKSSecretsEncryptionResource{resourceBase{base{
		name: "aks_secrets_encryption",
		identity: identityOf(identityAttr{name: "id",
			description: "The cluster's ARM ID, /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>."}),
		timeouts: timeoutDefaults{Create: change, Read: 5 * time.Minute, Update: change, Delete: change, Notes: map[string]string{
			opCreate: "It bounds the read-modify-write of the cluster, its retries after a concurrent change, and the wait for the operation.",
			opUpdate: "It bounds the read-modify-write of the cluster, its retries after a concurrent change, and the wait for the operation.",
			opDelete: "It bounds the wait for KMS to be turned off.",
		}},
	}}}
}

type aksSecretsEncryptionModel struct {
	ID                    types.String   `tfsdk:"id"`
	SubscriptionID        types.String   `tfsdk:"subscription_id"`
	ResourceGroupName     types.String   `tfsdk:"resource_group_name"`
	ClusterName           types.String   `tfsdk:"cluster_name"`
	KeyID                 types.String   `tfsdk:"key_id"`
	KeyVaultNetworkAccess types.String   `tfsdk:"key_vault_network_access"`
	KeyVaultResourceID    types.String   `tfsdk:"key_vault_resource_id"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`
}

func (m aksSecretsEncryptionModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// Key Vault network access modes.
const (
	aksAccessPublic  = "Public"
	aksAccessPrivate = "Private"
)

var aksAccessModes = []string{aksAccessPublic, aksAccessPrivate}

// aksVaultDomains are the Key Vault DNS suffixes of the public and sovereign clouds.
var aksVaultDomains = []string{"vault.azure.net", "vault.usgovcloudapi.net", "vault.azure.cn"}

var (
	aksKeyURL = regexp.MustCompile(`^https://([^/.]+)\.(vault\.azure\.net|vault\.usgovcloudapi\.net|vault\.azure\.cn)/keys/([^/]+)(?:/([^/]*))?/?$`)
	// Key Vault names: 3-24 letters, digits and hyphens, starting with a letter.
	aksVaultName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$`)
	aksKeyName   = regexp.MustCompile(`^[a-zA-Z0-9-]{1,127}$`)
	aksKeyVer    = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)
	aksVaultID   = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/resourceGroups/[-\w._()]+/providers/Microsoft\.KeyVault/vaults/[a-z][a-z0-9-]{1,22}[a-z0-9]$`)
)

const aksKeyIDFormat = "https://<vault>.vault.azure.net/keys/<name>/<version>"

// aksKeyID checks a versioned Key Vault key URL, as AKS requires for KMS.
func aksKeyID(s string) error {
	m := aksKeyURL.FindStringSubmatch(s)
	switch {
	case m == nil:
		return fmt.Errorf("%q is not a Key Vault key URL %s (vault domains %s)", s, aksKeyIDFormat, joinList(aksVaultDomains, func(s string) string { return s }, "or"))
	case !aksVaultName.MatchString(m[1]):
		return fmt.Errorf("%q: %q is not a Key Vault name (3-24 letters, digits and hyphens, starting with a letter)", s, m[1])
	case !aksKeyName.MatchString(m[3]):
		return fmt.Errorf("%q: %q is not a key name (1-127 letters, digits and hyphens)", s, m[3])
	case m[4] == "":
		return fmt.Errorf("%q has no key version: AKS needs a versioned key URL, %s", s, aksKeyIDFormat)
	case !aksKeyVer.MatchString(m[4]):
		return fmt.Errorf("%q: %q is not a key version (32 hexadecimal digits)", s, m[4])
	}
	return nil
}

func aksVaultResourceID(s string) error {
	if !aksVaultID.MatchString(s) {
		return fmt.Errorf("%q is not the ARM ID of a Key Vault, /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>", s)
	}
	return nil
}

func (r *AKSSecretsEncryptionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "KMS etcd encryption of an existing AKS cluster with a customer-managed Azure Key Vault key " +
			"(`securityProfile.azureKeyVaultKms`). Create and update read the managed cluster, change only `azureKeyVaultKms`, " +
			"and write it back guarded by its ETag (`If-Match`): when someone else changed the cluster in between, Azure answers 412 " +
			"and the provider reads again and retries, so their change is never overwritten. It then waits for the long-running " +
			"operation; a failed operation's code and message are reported.\n\n" +
			"A cluster that already uses the same key is adopted without a write. A new `key_id` (a rotation) is an in-place update: " +
			"existing Secrets stay encrypted with the old key until rewritten, e.g. with `kubeharden_storage_rewrite`. A key changed " +
			"or KMS turned off outside Terraform shows in the plan, and apply repairs it. Destroy turns KMS off " +
			"(`azureKeyVaultKms.enabled = false`, the rest unchanged).\n\n" +
			"The cluster's identity needs `Key Vault Crypto User` on the key (and, with `Private`, a private endpoint or trusted access to the vault).\n\n" +
			"Azure RBAC actions: " + iamPermissions(r.typeName(), "Microsoft.") + ".",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The cluster's ARM resource ID, also the import ID.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"subscription_id": schema.StringAttribute{
				Optional: true, Computed: true, Validators: aksSubscriptionValidators,
				MarkdownDescription: "The cluster's subscription. Defaults to the provider's `azure.subscription_id` (`ARM_SUBSCRIPTION_ID`). Changing it forces a new resource.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"resource_group_name": schema.StringAttribute{
				Required: true, Validators: aksResourceGroupValidators, PlanModifiers: replace,
				MarkdownDescription: "The cluster's resource group. Changing it forces a new resource.",
			},
			"cluster_name": schema.StringAttribute{
				Required: true, Validators: aksClusterNameValidators, PlanModifiers: replace,
				MarkdownDescription: "The managed cluster's name. Changing it forces a new resource.",
			},
			"key_id": schema.StringAttribute{
				Required:   true,
				Validators: []validator.String{stringCheck("must be a versioned Key Vault key URL, "+aksKeyIDFormat, "Invalid Key Vault Key ID", aksKeyID)},
				MarkdownDescription: "The Key Vault key, a versioned key URL `" + aksKeyIDFormat + "` (sovereign clouds: " +
					codeList(aksVaultDomains[1:], "or") + "). Changing it rotates the key in place.",
			},
			"key_vault_network_access": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(aksAccessPublic),
				Validators:          []validator.String{stringvalidator.OneOf(aksAccessModes...)},
				MarkdownDescription: "How AKS reaches the vault: " + codeList(aksAccessModes, "or") + ". Default `" + aksAccessPublic + "`. `" + aksAccessPrivate + "` needs `key_vault_resource_id`.",
			},
			"key_vault_resource_id": schema.StringAttribute{
				Optional:            true,
				Validators:          []validator.String{stringCheck("must be the ARM ID of a Microsoft.KeyVault/vaults resource", "Invalid Key Vault Resource ID", aksVaultResourceID)},
				MarkdownDescription: "The vault's ARM ID (`/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>`). Required with `Private`, refused with `Public`.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}

// ValidateConfig checks key_vault_resource_id against the network access.
func (r *AKSSecretsEncryptionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m aksSecretsEncryptionModel
	resp.Diagnostics.Append(getConfig(req.Config)(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.KeyVaultNetworkAccess.IsUnknown() || m.KeyVaultResourceID.IsUnknown() {
		return
	}
	access := m.KeyVaultNetworkAccess.ValueString()
	if m.KeyVaultNetworkAccess.IsNull() {
		access = aksAccessPublic
	}
	p := path.Root("key_vault_resource_id")
	switch {
	case access == aksAccessPrivate && m.KeyVaultResourceID.IsNull():
		resp.Diagnostics.AddAttributeError(p, "Missing Key Vault Resource ID",
			"key_vault_resource_id: required when key_vault_network_access is \"Private\" (the ARM ID of the vault, so AKS can reach it through a private link).")
	case access == aksAccessPublic && !m.KeyVaultResourceID.IsNull():
		resp.Diagnostics.AddAttributeError(p, "Unexpected Key Vault Resource ID",
			"key_vault_resource_id: must not be set when key_vault_network_access is \"Public\"; set key_vault_network_access = \"Private\" or remove it.")
	}
}
