package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

// ValidateConfig checks what the attribute validators cannot: that
// localhost_profile goes with the Localhost type and only with it.
func (r *SeccompDefaultResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var obj types.Object
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("profile"), &obj)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p, diags := objectAs[seccompProfileModel](ctx, obj)
	resp.Diagnostics.Append(diags...)
	if p == nil || p.Type.IsUnknown() {
		return
	}
	lp := path.Root("profile").AtName("localhost_profile")
	switch {
	case p.Type.ValueString() == seccomp.TypeLocalhost && p.LocalhostProfile.IsNull():
		resp.Diagnostics.AddAttributeError(lp, "Missing Localhost Profile",
			"profile.type is \"Localhost\", which needs profile.localhost_profile: the path of the profile relative to the "+
				"kubelet's seccomp directory, e.g. \"profiles/audit.json\". The profile file must exist on every node.")
	case p.Type.ValueString() != seccomp.TypeLocalhost && !p.LocalhostProfile.IsNull() && !p.LocalhostProfile.IsUnknown():
		resp.Diagnostics.AddAttributeError(lp, "Localhost Profile Not Allowed",
			fmt.Sprintf("profile.localhost_profile is only allowed when profile.type is \"Localhost\", not %q. Remove it, or set type = \"Localhost\".", p.Type.ValueString()))
	}
}

// ModifyPlan fills the computed names and picks the API version from the
// cluster's discovery, so that a cluster without MutatingAdmissionPolicy
// fails at plan time rather than halfway through an apply.
func (r *SeccompDefaultResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan seccompDefaultModel
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Name.IsUnknown() {
		obj := seccomp.ObjectName(plan.Name.ValueString())
		plan.ID = plan.Name
		plan.PolicyName = types.StringValue(obj)
		plan.BindingName = types.StringValue(obj)
	}
	if r.data == nil || !r.data.Kube.Known() {
		tflog.Info(ctx, "The Kubernetes connection is not known until apply; the MutatingAdmissionPolicy API version is chosen then")
		resp.Diagnostics.Append(setPlan(ctx, &resp.Plan, &plan)...)
		return
	}
	ctx, cancel := r.timeouts.planBound(ctx, plan.Timeouts, req.State.Raw.IsNull(), &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	version := r.discover(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.APIVersion = types.StringValue(version)
	resp.Diagnostics.Append(setPlan(ctx, &resp.Plan, &plan)...)
}

var seccompDiscoveryOp = kube.Op{Verb: "get", Resource: "discovery document of " + seccomp.Group}

// discover returns the MutatingAdmissionPolicy API version the cluster
// serves, or adds the diagnostic that explains why there is none.
func (r *SeccompDefaultResource) discover(ctx context.Context, diags *diag.Diagnostics) string {
	c := r.kube(ctx, seccompDiscoveryOp, diags)
	if c == nil {
		return ""
	}
	var v string
	// Discovery is a few GETs: retried as a whole on transient errors.
	err := kube.Retry(ctx, seccompDiscoveryOp, func(ctx context.Context) error {
		var err error
		v, err = seccomp.Discover(ctx, seccomp.NewDiscovery(c.Discovery.RESTClient()))
		return err
	})
	var notServed *seccomp.NotServedError
	switch {
	case errors.As(err, &notServed):
		diags.AddError("MutatingAdmissionPolicy API Not Served", "kubeharden_seccomp_default cannot work on this cluster: "+notServed.Error()+".")
		return ""
	case err != nil:
		r.kubeError(diags, seccompDiscoveryOp, err)
		return ""
	}
	tflog.Debug(ctx, "MutatingAdmissionPolicy API version chosen", map[string]any{"api_version": v})
	return v
}
