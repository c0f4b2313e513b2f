package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
)

// aksRotationWarning is the plan warning of a new key_id.
const aksRotationWarning = "Existing Secrets stay encrypted with the previous key until they are written again: AKS encrypts only new writes " +
	"with the new key. Rewrite them (a kubeharden_storage_rewrite resource whose trigger changes with key_id) before you disable " +
	"or delete the previous key version in Key Vault, or those Secrets can no longer be read."

// aksDestroyWarning is the warning of a destroy.
const aksDestroyWarning = "Destroying this resource turns KMS etcd encryption off (azureKeyVaultKms.enabled = false; the rest of the cluster " +
	"is unchanged). New and updated Secrets are then stored with AKS's platform-managed encryption only; Secrets written while KMS was on " +
	"stay encrypted with the Key Vault key until rewritten (kubeharden_storage_rewrite), so keep the key until then."

// ModifyPlan fills subscription_id from the provider when the configuration
// leaves it out (a change of the provider's then replaces the resource),
// computes id, and warns of a key rotation and of a destroy.
func (r *AKSSecretsEncryptionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.AddWarning("AKS KMS Encryption Will Be Turned Off", aksDestroyWarning)
		return
	}
	if r.data == nil {
		return
	}
	var config, plan aksSecretsEncryptionModel
	resp.Diagnostics.Append(getConfig(req.Config)(ctx, &config)...)
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior *aksSecretsEncryptionModel
	if !req.State.Raw.IsNull() {
		prior = &aksSecretsEncryptionModel{}
		resp.Diagnostics.Append(getState(req.State)(ctx, prior)...)
	}
	if config.SubscriptionID.IsNull() && r.data.Azure != nil {
		s, unknown := r.data.Azure.SubscriptionID()
		switch {
		case unknown:
			// Known at apply; keep what the plan has.
		case s != "":
			plan.SubscriptionID = types.StringValue(s)
			if prior != nil && !strings.EqualFold(prior.SubscriptionID.ValueString(), s) {
				tflog.Info(ctx, "The provider's subscription changed; the resource moves to it", map[string]any{"from": prior.SubscriptionID.ValueString(), "to": s})
				resp.RequiresReplace = append(resp.RequiresReplace, path.Root("subscription_id"))
			}
		case prior == nil:
			r.aksSubscription(config.SubscriptionID, &resp.Diagnostics)
			return
		}
	}
	if !plan.SubscriptionID.IsUnknown() && !plan.ResourceGroupName.IsUnknown() && !plan.ClusterName.IsUnknown() {
		plan.ID = types.StringValue(aksRef(plan).ID())
	}
	if prior != nil && !prior.KeyID.IsNull() && !plan.KeyID.IsUnknown() && prior.KeyID.ValueString() != plan.KeyID.ValueString() {
		resp.Diagnostics.AddAttributeWarning(path.Root("key_id"), "AKS KMS Key Rotation",
			fmt.Sprintf("key_id changes from %s to %s. %s", prior.KeyID.ValueString(), plan.KeyID.ValueString(), aksRotationWarning))
	}
	resp.Diagnostics.Append(setPlan(ctx, &resp.Plan, &plan)...)
}

func aksRef(m aksSecretsEncryptionModel) aks.ClusterRef {
	return aks.ClusterRef{SubscriptionID: m.SubscriptionID.ValueString(), ResourceGroup: m.ResourceGroupName.ValueString(), Name: m.ClusterName.ValueString()}
}

func (r *AKSSecretsEncryptionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ctx, cancel, ok := begin[aksSecretsEncryptionModel](ctx, r.timeouts, getPlan(req.Plan), opCreate, &resp.Diagnostics)
	defer cancel()
	if ok {
		r.apply(ctx, plan, &resp.State, &resp.Diagnostics)
		r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
	}
}

func (r *AKSSecretsEncryptionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, ctx, cancel, ok := begin[aksSecretsEncryptionModel](ctx, r.timeouts, getPlan(req.Plan), opUpdate, &resp.Diagnostics)
	defer cancel()
	if ok {
		r.apply(ctx, plan, &resp.State, &resp.Diagnostics)
		r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
	}
}

// stateSetter is the State of a create or update response.
type stateSetter interface {
	Set(context.Context, any) diag.Diagnostics
}

// apply makes the cluster use plan's KMS settings, adopting them when it
// already does, and records in the state what the cluster then reports.
// Nothing is recorded when the cluster did not change (refused, failed
// operation): a create leaves no state, an update keeps the prior one.
func (r *AKSSecretsEncryptionResource) apply(ctx context.Context, plan aksSecretsEncryptionModel, state stateSetter, diags *diag.Diagnostics) {
	sub, ok := r.aksSubscription(plan.SubscriptionID, diags)
	if !ok {
		return
	}
	plan.SubscriptionID = types.StringValue(sub)
	ref := aksRef(plan)
	c := r.aks(ctx, aks.GetClusterCall(ref), diags)
	if c == nil {
		return
	}
	mc, err := c.GetCluster(ctx, ref)
	if err != nil {
		r.aksError(diags, aks.GetClusterCall(ref), err)
		return
	}
	want := &armcontainerservice.AzureKeyVaultKms{
		Enabled: to.Ptr(true), KeyID: to.Ptr(plan.KeyID.ValueString()),
		KeyVaultNetworkAccess: to.Ptr(armcontainerservice.KeyVaultNetworkAccessTypes(plan.KeyVaultNetworkAccess.ValueString())),
		KeyVaultResourceID:    plan.KeyVaultResourceID.ValueStringPointer(),
	}
	if sameKMS(aks.KMS(mc), want) {
		tflog.Info(ctx, "The cluster already encrypts etcd with this key; adopting it", map[string]any{"cluster": ref.ID(), "key_id": *want.KeyID})
	} else {
		tflog.Info(ctx, "Setting the cluster's KMS key", map[string]any{"cluster": ref.ID(), "key_id": *want.KeyID})
		mc, err = c.SetKMS(ctx, ref, want)
		if err != nil {
			r.aksError(diags, aks.PutClusterCall(ref), err)
			return
		}
	}
	plan.ID = types.StringValue(ref.ID())
	setFromKMS(&plan, aks.KMS(mc))
	if !sameKMS(aks.KMS(mc), want) {
		diags.AddError("AKS Did Not Apply The Key", fmt.Sprintf("The operation on cluster %s succeeded, but the cluster reports "+
			"KMS key %q instead of %q. Run terraform apply again; if this persists, check the cluster's activity log.", ref.ID(), plan.KeyID.ValueString(), *want.KeyID))
	}
	diags.Append(state.Set(ctx, &plan)...)
}

// sameKMS says whether the cluster's KMS (got) is enabled with want's settings.
func sameKMS(got, want *armcontainerservice.AzureKeyVaultKms) bool {
	return got != nil && deref(got.Enabled) && deref(got.KeyID) == deref(want.KeyID) &&
		kmsAccess(got) == kmsAccess(want) && strings.EqualFold(deref(got.KeyVaultResourceID), deref(want.KeyVaultResourceID))
}

// kmsAccess is the network access of k, Public when unset (AKS's default).
func kmsAccess(k *armcontainerservice.AzureKeyVaultKms) string {
	if k.KeyVaultNetworkAccess == nil || *k.KeyVaultNetworkAccess == "" {
		return aksAccessPublic
	}
	return string(*k.KeyVaultNetworkAccess)
}

// setFromKMS sets key_id and the vault attributes as the cluster reports
// them; with KMS off they are null, so the configuration plans it back on.
func setFromKMS(m *aksSecretsEncryptionModel, k *armcontainerservice.AzureKeyVaultKms) {
	if k == nil || !deref(k.Enabled) {
		m.KeyID, m.KeyVaultNetworkAccess, m.KeyVaultResourceID = types.StringNull(), types.StringNull(), types.StringNull()
		return
	}
	m.KeyID = stringOrNull(deref(k.KeyID))
	m.KeyVaultNetworkAccess = types.StringValue(kmsAccess(k))
	rid := deref(k.KeyVaultResourceID)
	if m.KeyVaultResourceID.IsNull() || !strings.EqualFold(m.KeyVaultResourceID.ValueString(), rid) {
		// ARM IDs compare case-insensitively: keep the configuration's spelling.
		m.KeyVaultResourceID = stringOrNull(rid)
	}
}

func (r *AKSSecretsEncryptionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer r.readIdentity(ctx, req, resp)
	state, ctx, cancel, ok := begin[aksSecretsEncryptionModel](ctx, r.timeouts, getState(req.State), opRead, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	sub, ok := r.aksSubscription(state.SubscriptionID, &resp.Diagnostics)
	if !ok {
		return
	}
	state.SubscriptionID = types.StringValue(sub)
	ref := aksRef(state)
	c := r.aks(ctx, aks.GetClusterCall(ref), &resp.Diagnostics)
	if c == nil {
		return
	}
	mc, err := c.GetCluster(ctx, ref)
	if aks.IsNotFound(err) {
		tflog.Warn(ctx, "The cluster no longer exists; removing the resource from the state", map[string]any{"cluster": ref.ID()})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.aksError(&resp.Diagnostics, aks.GetClusterCall(ref), err)
		return
	}
	state.ID = types.StringValue(ref.ID())
	setFromKMS(&state, aks.KMS(mc))
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}

func (r *AKSSecretsEncryptionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, ok := begin[aksSecretsEncryptionModel](ctx, r.timeouts, getState(req.State), opDelete, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	ref := aksRef(state)
	c := r.aks(ctx, aks.PutClusterCall(ref), &resp.Diagnostics)
	if c == nil {
		return
	}
	mc, err := c.GetCluster(ctx, ref)
	if aks.IsNotFound(err) {
		return
	}
	if err != nil {
		r.aksError(&resp.Diagnostics, aks.GetClusterCall(ref), err)
		return
	}
	k := aks.KMS(mc)
	if k == nil || !deref(k.Enabled) {
		tflog.Info(ctx, "KMS is already off", map[string]any{"cluster": ref.ID()})
		return
	}
	off := *k
	off.Enabled = to.Ptr(false)
	tflog.Info(ctx, "Turning KMS off", map[string]any{"cluster": ref.ID()})
	if _, err := c.SetKMS(ctx, ref, &off); err != nil && !aks.IsNotFound(err) {
		r.aksError(&resp.Diagnostics, aks.PutClusterCall(ref), err)
		return
	}
	resp.Diagnostics.AddWarning("AKS KMS Encryption Turned Off", aksDestroyWarning)
}

func (r *AKSSecretsEncryptionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := r.importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id, err := arm.ParseResourceID(importID)
	if err != nil || !strings.EqualFold(id.ResourceType.String(), "Microsoft.ContainerService/managedClusters") || id.SubscriptionID == "" || id.ResourceGroupName == "" {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("%q is not the ARM ID of a managed cluster, "+
			"/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>.", importID))
		return
	}
	ref := aks.ClusterRef{SubscriptionID: id.SubscriptionID, ResourceGroup: id.ResourceGroupName, Name: id.Name}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ref.ID())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("subscription_id"), ref.SubscriptionID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resource_group_name"), ref.ResourceGroup)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cluster_name"), ref.Name)...)
}
