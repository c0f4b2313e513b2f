package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/encryptionconfig"
)

func (r *EncryptionConfigResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m encryptionConfigModel
	resp.Diagnostics.Append(getConfig(req.Config)(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, known := m.config(ctx, &resp.Diagnostics)
	// Empty lists are reported by the list validators; the API server's
	// rules would only repeat them.
	if !known || len(c.Resources) == 0 || len(c.KMS) == 0 {
		return
	}
	for _, p := range encryptionconfig.Validate(c) {
		if ap := attrPath(p.Path); len(ap.Steps()) > 0 {
			resp.Diagnostics.AddAttributeError(ap, p.Summary, p.Detail)
		} else {
			resp.Diagnostics.AddError(p.Summary, p.Detail)
		}
	}
}

// ModifyPlan plans the document (so drift on disk shows as a change of
// yaml), warns of a key rotation, and warns before a file is removed.
func (r *EncryptionConfigResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan encryptionConfigModel
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, known := plan.config(ctx, &resp.Diagnostics)
	doc, err := encryptionconfig.Render(c)
	switch {
	case !known:
		plan.YAML, plan.SHA256, plan.ID = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	case err != nil:
		// ValidateConfig has reported it already.
		return
	default:
		sum := encryptionconfig.Sum(doc)
		plan.YAML, plan.SHA256, plan.ID = types.StringValue(string(doc)), types.StringValue(sum), types.StringValue(sum)
	}
	resp.Diagnostics.Append(setPlan(ctx, &resp.Plan, &plan)...)

	var state encryptionConfigModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(getState(req.State)(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	// A path new to this resource must not hold another configuration. With
	// the document unknown until apply, Create or Update decides.
	if p := plan.Path.ValueString(); p != "" && known && err == nil && p != state.Path.ValueString() {
		pctx, cancel := r.timeouts.planBound(ctx, plan.Timeouts, req.State.Raw.IsNull(), &resp.Diagnostics)
		refuseOverwrite(pctx, p, doc, &resp.Diagnostics)
		cancel()
	}
	if req.State.Raw.IsNull() {
		return
	}
	if warning := rotationWarning(ctx, state, plan); warning != "" {
		tflog.Info(ctx, "The first KMS provider changes: planning a key rotation")
		resp.Diagnostics.AddAttributeWarning(path.Root("kms").AtListIndex(0), "Encryption Key Rotation", warning)
	}
	if old := state.Path.ValueString(); old != "" && !plan.Path.IsUnknown() && plan.Path.ValueString() != old {
		resp.Diagnostics.AddAttributeWarning(path.Root("path"), "Encryption Configuration File Will Be Removed",
			fmt.Sprintf("path changes from %q: once the new file is written, %s is removed. A kube-apiserver still started with "+
				"--encryption-provider-config=%s will fail to start; change its flag first.", old, old, old))
	}
}

// rotationWarning returns the warning for a change of the first KMS
// provider's name or endpoint, or "" when it does not change.
func rotationWarning(ctx context.Context, state, plan encryptionConfigModel) string {
	if state.KMS.IsNull() || plan.KMS.IsUnknown() || plan.KMS.IsNull() {
		return ""
	}
	var before, after []kmsProviderModel
	if state.KMS.ElementsAs(ctx, &before, false).HasError() || plan.KMS.ElementsAs(ctx, &after, false).HasError() || len(before) == 0 || len(after) == 0 {
		return ""
	}
	b, a := before[0], after[0]
	if a.Name.IsUnknown() || a.Endpoint.IsUnknown() || (a.Name.Equal(b.Name) && a.Endpoint.Equal(b.Endpoint)) {
		return ""
	}
	return fmt.Sprintf("The first KMS provider changes from %q (%s) to %q (%s): this is a key rotation, and %q becomes the provider "+
		"that encrypts every write.\n\n"+
		"1. The new provider must be loaded by every kube-apiserver before it becomes the writer. With several API servers, first "+
		"apply a configuration that lists it second (decrypt only), wait until every API server has reloaded it, then move it first; "+
		"otherwise an API server that does not know it yet cannot read what the others write.\n"+
		"2. Objects already stored stay encrypted with the old key until they are rewritten: apply a kubeharden_storage_rewrite "+
		"(for example with encryption_config_sha256 = this resource's sha256), and keep the old provider in the list until it has finished.",
		b.Name.ValueString(), b.Endpoint.ValueString(), a.Name.ValueString(), a.Endpoint.ValueString(), a.Name.ValueString())
}
