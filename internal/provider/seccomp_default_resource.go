package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	admv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

var (
	_ resource.ResourceWithConfigure      = &SeccompDefaultResource{}
	_ resource.ResourceWithImportState    = &SeccompDefaultResource{}
	_ resource.ResourceWithModifyPlan     = &SeccompDefaultResource{}
	_ resource.ResourceWithValidateConfig = &SeccompDefaultResource{}
)

// SeccompDefaultResource makes a seccomp profile the default for pods through
// a MutatingAdmissionPolicy and its binding.
type SeccompDefaultResource struct{ resourceBase }

// NewSeccompDefaultResource returns the kubeharden_seccomp_default resource.
func NewSeccompDefaultResource() resource.Resource {
	// Each operation is a handful of small API calls.
	const d = 2 * time.Minute
	return &SeccompDefaultResource{resourceBase{base{
		name: "seccomp_default",
		timeouts: timeoutDefaults{Create: d, Read: d, Update: d, Delete: d, PlanCalls: true,
			Notes: map[string]string{opRead: "It also bounds the API discovery that picks the API version."}},
	}}}
}

type seccompDefaultModel struct {
	ID                types.String   `tfsdk:"id"`
	Name              types.String   `tfsdk:"name"`
	Profile           types.Object   `tfsdk:"profile"`
	NamespaceSelector types.Object   `tfsdk:"namespace_selector"`
	ExcludeNamespaces types.Set      `tfsdk:"exclude_namespaces"`
	FailurePolicy     types.String   `tfsdk:"failure_policy"`
	PolicyName        types.String   `tfsdk:"policy_name"`
	BindingName       types.String   `tfsdk:"binding_name"`
	APIVersion        types.String   `tfsdk:"api_version"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

type seccompProfileModel struct {
	Type             types.String `tfsdk:"type"`
	LocalhostProfile types.String `tfsdk:"localhost_profile"`
}

type seccompSelectorModel struct {
	MatchLabels      types.Map  `tfsdk:"match_labels"`
	MatchExpressions types.List `tfsdk:"match_expressions"`
}

type seccompRequirementModel struct {
	Key      types.String `tfsdk:"key"`
	Operator types.String `tfsdk:"operator"`
	Values   types.List   `tfsdk:"values"`
}

var (
	seccompProfileAttrTypes     = map[string]attr.Type{"type": types.StringType, "localhost_profile": types.StringType}
	seccompRequirementAttrTypes = map[string]attr.Type{"key": types.StringType, "operator": types.StringType, "values": types.ListType{ElemType: types.StringType}}
	seccompSelectorAttrTypes    = map[string]attr.Type{
		"match_labels":      types.MapType{ElemType: types.StringType},
		"match_expressions": types.ListType{ElemType: types.ObjectType{AttrTypes: seccompRequirementAttrTypes}},
	}
)

func (r *SeccompDefaultResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Makes a seccomp profile the default for pods that do not set one, cluster-wide or in selected namespaces, " +
			"through a `MutatingAdmissionPolicy` and its binding (`admissionregistration.k8s.io/v1`, GA in Kubernetes 1.36; " +
			"`v1beta1` where only that is served). The profile is written into the Pod object at admission, so the pods " +
			"then pass Pod Security Admission `restricted`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The resource's `name`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Name of the default, a DNS-1123 label (lower-case letters, digits and `-`, at most 63 characters). " +
					"The policy and the binding are both named `" + seccomp.NamePrefix + "<name>`; if they already exist, creating the resource fails " +
					"(import them instead). Changing it replaces the resource.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{seccompDNSLabel("Invalid Name")},
			},
			"profile": schema.SingleNestedAttribute{
				Required:            true,
				MarkdownDescription: "The profile set at pod level (`spec.securityContext.seccompProfile`) on pods that set none.",
				Attributes: map[string]schema.Attribute{
					"type": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Profile type: " + seccompValueList(seccomp.ProfileTypes) + ".",
						Validators:          []validator.String{stringvalidator.OneOf(seccomp.ProfileTypes...)},
					},
					"localhost_profile": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Path of the profile relative to the kubelet's seccomp profile directory " +
							"(`<kubelet-root-dir>/seccomp`), e.g. `profiles/audit.json`. Required when `type` is `" + seccomp.TypeLocalhost +
							"`, forbidden otherwise. Must be relative and must not contain `..`, as the API server requires of pods.",
						Validators: []validator.String{seccompLocalhostProfile()},
					},
				},
			},
			"namespace_selector": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Which namespaces get the default, by their labels (`match_labels` and `match_expressions` are ANDed). " +
					"Unset: every namespace except `exclude_namespaces`.",
				Attributes: map[string]schema.Attribute{
					"match_labels": schema.MapAttribute{
						Optional:            true,
						ElementType:         types.StringType,
						MarkdownDescription: "Labels a namespace must have, with these values.",
						Validators: []validator.Map{
							mapvalidator.KeysAre(seccompLabelKey()),
							mapvalidator.ValueStringsAre(seccompLabelValue()),
						},
					},
					"match_expressions": schema.ListNestedAttribute{
						Optional:            true,
						MarkdownDescription: "Label requirements a namespace must meet.",
						NestedObject: schema.NestedAttributeObject{
							Attributes: map[string]schema.Attribute{
								"key": schema.StringAttribute{
									Required:            true,
									MarkdownDescription: "The label key.",
									Validators:          []validator.String{seccompLabelKey()},
								},
								"operator": schema.StringAttribute{
									Required:            true,
									MarkdownDescription: "One of " + seccompValueList(seccomp.Operators) + ".",
									Validators:          []validator.String{stringvalidator.OneOf(seccomp.Operators...)},
								},
								"values": schema.ListAttribute{
									Optional:            true,
									ElementType:         types.StringType,
									MarkdownDescription: "Label values. Required with `In` and `NotIn`, forbidden with `Exists` and `DoesNotExist`.",
									Validators:          []validator.List{listvalidator.ValueStringsAre(seccompLabelValue())},
								},
							},
							Validators: []validator.Object{seccompRequirementValidator{}},
						},
					},
				},
			},
			"exclude_namespaces": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Namespaces never given the default, whatever `namespace_selector` says, matched by their " +
					"`" + seccomp.NamespaceNameLabel + "` label. Defaults to `[\"kube-system\"]`; set `[]` to exclude none.",
				Default:    setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{types.StringValue("kube-system")})),
				Validators: []validator.Set{setvalidator.ValueStringsAre(seccompDNSLabel("Invalid Namespace Name"))},
			},
			"failure_policy": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "What the API server does with a pod when the policy cannot be evaluated: " +
					seccompValueList(seccomp.FailurePolicies) + ". Defaults to `Ignore` (admit the pod unchanged), so a broken " +
					"policy never blocks pod creation; with PSA `restricted` enforced such a pod is then rejected by PSA.",
				Default:    stringdefault.StaticString("Ignore"),
				Validators: []validator.String{stringvalidator.OneOf(seccomp.FailurePolicies...)},
			},
			"policy_name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Name of the `MutatingAdmissionPolicy`. Null in state when the policy was deleted outside Terraform.",
			},
			"binding_name": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Name of the `MutatingAdmissionPolicyBinding`. Null in state when the binding was deleted " +
					"outside Terraform or no longer points at the policy.",
			},
			"api_version": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The API version the provider reads and writes the objects with: `" + seccomp.APIVersionV1 + "` when the " +
					"cluster serves it, else `" + seccomp.APIVersionV1beta1 + "`. Discovered on every plan and refresh, so a control " +
					"plane upgrade from 1.35 to 1.36 switches to `v1` by itself (the objects stay the same).",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}

// ValidateConfig checks what the attribute validators cannot: that
// localhost_profile goes with the Localhost type and only with it.
func (r *SeccompDefaultResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var obj types.Object
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("profile"), &obj)...)
	if resp.Diagnostics.HasError() || obj.IsNull() || obj.IsUnknown() {
		return
	}
	var p seccompProfileModel
	resp.Diagnostics.Append(obj.As(ctx, &p, basetypes.ObjectAsOptions{})...)
	if resp.Diagnostics.HasError() || p.Type.IsUnknown() {
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
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
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
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
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
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// refuseExisting adds an error when the policy or the binding a new resource
// called name would write already exists. Another kubeharden_seccomp_default
// with that name (in this configuration or another) owns them, and the
// forced server-side apply would silently take them over, after which the
// two would undo each other on every apply. It runs in Create, not at plan
// time: a tainted resource is planned as a create while its own objects
// still exist, and Terraform deletes them only during the apply, before
// Create.
func (r *SeccompDefaultResource) refuseExisting(ctx context.Context, version, name string, diags *diag.Diagnostics) {
	cl, ok := r.client(ctx, types.StringValue(version), diags)
	if !ok {
		return
	}
	obj := seccomp.ObjectName(name)
	var found []string
	for _, o := range []struct {
		kind, resource string
		get            func(context.Context) (metav1.Object, error)
	}{
		{"MutatingAdmissionPolicy", seccomp.PolicyResource, func(ctx context.Context) (metav1.Object, error) {
			p, err := cl.GetPolicy(ctx, obj)
			if p == nil {
				return nil, err
			}
			return p, err
		}},
		{"MutatingAdmissionPolicyBinding", seccomp.BindingResource, func(ctx context.Context) (metav1.Object, error) {
			b, err := cl.GetBinding(ctx, obj)
			if b == nil {
				return nil, err
			}
			return b, err
		}},
	} {
		op := seccompOp("get", o.resource, obj)
		var got metav1.Object
		if err := kube.Retry(ctx, op, func(ctx context.Context) (err error) {
			got, err = o.get(ctx)
			return err
		}); err != nil {
			r.kubeError(diags, op, err)
			return
		}
		if got != nil {
			managers := make([]string, 0, len(got.GetManagedFields()))
			for _, m := range got.GetManagedFields() {
				if !slices.Contains(managers, m.Manager) {
					managers = append(managers, m.Manager)
				}
			}
			found = append(found, fmt.Sprintf("%s %q (created %s, field managers: %s)", o.kind, obj,
				got.GetCreationTimestamp().UTC().Format(time.RFC3339), strings.Join(managers, ", ")))
		}
	}
	if len(found) == 0 {
		return
	}
	diags.AddAttributeError(path.Root("name"), "Seccomp Default Already Exists",
		fmt.Sprintf("name: the cluster already has the %s. Another kubeharden_seccomp_default with name = %q, in this configuration "+
			"or another, manages them, and creating this one would silently take them over: the two would then undo each other on every apply.\n\n"+
			"To manage them here, import them (an import block with id = %q, or terraform import <address> %s) and remove them from the "+
			"other configuration. Otherwise choose another name.", strings.Join(found, " and the "), name, name, name))
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

// client returns the objects' client for version, discovering the version
// when it is null or unknown. Read and Delete always discover: the version in
// state may no longer be served after a control plane upgrade, and reading
// through it would mistake the objects for deleted ones.
func (r *SeccompDefaultResource) client(ctx context.Context, version types.String, diags *diag.Diagnostics) (seccomp.Client, bool) {
	c := r.kube(ctx, kube.Op{Verb: "get", Group: seccomp.Group, Resource: seccomp.PolicyResource}, diags)
	if c == nil {
		return seccomp.Client{}, false
	}
	v := version.ValueString()
	if version.IsUnknown() || v == "" {
		if v = r.discover(ctx, diags); v == "" {
			return seccomp.Client{}, false
		}
	}
	return seccomp.Client{Clientset: c.Clientset, APIVersion: v}, true
}

func seccompOp(verb, resource, name string) kube.Op {
	return kube.Op{Verb: verb, Group: seccomp.Group, Resource: resource, Name: name}
}

func (r *SeccompDefaultResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan seccompDefaultModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if r.refuseExisting(ctx, plan.APIVersion.ValueString(), plan.Name.ValueString(), &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, &resp.State, &resp.Diagnostics)
}

func (r *SeccompDefaultResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan seccompDefaultModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, &resp.State, &resp.Diagnostics)
}

// apply writes the policy, then the binding, and records in state what was
// written: a binding that failed is recorded as missing (binding_name null),
// so the next plan repairs it.
func (r *SeccompDefaultResource) apply(ctx context.Context, plan *seccompDefaultModel, state *tfsdk.State, diags *diag.Diagnostics) {
	spec := seccompSpecFromModel(ctx, plan, diags)
	if diags.HasError() {
		return
	}
	cl, ok := r.client(ctx, plan.APIVersion, diags)
	if !ok {
		return
	}
	obj := seccomp.ObjectName(spec.Name)
	plan.ID = plan.Name
	plan.APIVersion = types.StringValue(cl.APIVersion)
	plan.PolicyName = types.StringValue(obj)
	plan.BindingName = types.StringValue(obj)
	// Server-side apply is idempotent, so every write is retried on
	// transient errors until the operation's timeout.
	policyOp := seccompOp("patch", seccomp.PolicyResource, obj)
	if err := kube.Retry(ctx, policyOp, func(ctx context.Context) error { return cl.ApplyPolicy(ctx, seccomp.Policy(spec)) }); err != nil {
		r.kubeError(diags, policyOp, err)
		return
	}
	tflog.Info(ctx, "MutatingAdmissionPolicy applied", map[string]any{"name": obj, "api_version": cl.APIVersion})
	bindingOp := seccompOp("patch", seccomp.BindingResource, obj)
	if err := kube.Retry(ctx, bindingOp, func(ctx context.Context) error { return cl.ApplyBinding(ctx, seccomp.Binding(spec)) }); err != nil {
		r.kubeError(diags, bindingOp, err)
		plan.BindingName = types.StringNull()
	} else {
		tflog.Info(ctx, "MutatingAdmissionPolicyBinding applied", map[string]any{"name": obj})
	}
	diags.Append(state.Set(ctx, plan)...)
}

func (r *SeccompDefaultResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state seccompDefaultModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	cl, ok := r.client(ctx, types.StringNull(), &resp.Diagnostics)
	if !ok {
		return
	}
	obj := seccomp.ObjectName(state.Name.ValueString())
	var policy *admv1.MutatingAdmissionPolicy
	policyOp := seccompOp("get", seccomp.PolicyResource, obj)
	if err := kube.Retry(ctx, policyOp, func(ctx context.Context) error {
		var err error
		policy, err = cl.GetPolicy(ctx, obj)
		return err
	}); err != nil {
		r.kubeError(&resp.Diagnostics, policyOp, err)
		return
	}
	var binding *admv1.MutatingAdmissionPolicyBinding
	bindingOp := seccompOp("get", seccomp.BindingResource, obj)
	if err := kube.Retry(ctx, bindingOp, func(ctx context.Context) error {
		var err error
		binding, err = cl.GetBinding(ctx, obj)
		return err
	}); err != nil {
		r.kubeError(&resp.Diagnostics, bindingOp, err)
		return
	}
	if policy == nil && binding == nil {
		tflog.Warn(ctx, "The MutatingAdmissionPolicy and its binding are gone; removing the resource from state", map[string]any{"name": obj})
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = state.Name
	state.APIVersion = types.StringValue(cl.APIVersion)

	state.PolicyName = types.StringNull()
	if policy != nil {
		state.PolicyName = types.StringValue(obj)
		live := seccomp.ReadPolicy(policy)
		state.FailurePolicy = types.StringValue(live.FailurePolicy)
		state.Profile = types.ObjectNull(seccompProfileAttrTypes)
		if live.Profile != nil {
			state.Profile = seccompProfileObject(*live.Profile)
		} else {
			tflog.Warn(ctx, "The policy's mutation or match rules were changed outside Terraform; the next apply rewrites them", map[string]any{"name": obj})
		}
	}

	state.BindingName = types.StringNull()
	if binding != nil {
		if binding.Spec.PolicyName == obj {
			state.BindingName = types.StringValue(obj)
		}
		var live *metav1.LabelSelector
		if binding.Spec.MatchResources != nil {
			live = binding.Spec.MatchResources.NamespaceSelector
		}
		// The state's own spelling (null or empty, element order) is kept
		// while it selects what the live binding selects, so that an
		// unchanged binding never shows a diff.
		user, exclude, known := seccompSelectorFromModel(ctx, &state, &resp.Diagnostics)
		if !known || !seccomp.SameSelector(seccomp.NamespaceSelector(user, exclude), live) {
			user, exclude = seccomp.SplitNamespaceSelector(live)
			state.NamespaceSelector = seccompSelectorObject(user)
			state.ExcludeNamespaces = seccompStringSet(exclude)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *SeccompDefaultResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state seccompDefaultModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	cl, ok := r.client(ctx, types.StringNull(), &resp.Diagnostics)
	if !ok {
		return
	}
	obj := seccomp.ObjectName(state.Name.ValueString())
	// The binding goes first: a binding without its policy is harmless, and
	// this order never leaves a half-deleted default that still mutates.
	// A retried DELETE whose first attempt went through finds nothing, which
	// the client already treats as done.
	bindingOp := seccompOp("delete", seccomp.BindingResource, obj)
	if err := kube.Retry(ctx, bindingOp, func(ctx context.Context) error { return cl.DeleteBinding(ctx, obj) }); err != nil {
		r.kubeError(&resp.Diagnostics, bindingOp, err)
		return
	}
	policyOp := seccompOp("delete", seccomp.PolicyResource, obj)
	if err := kube.Retry(ctx, policyOp, func(ctx context.Context) error { return cl.DeletePolicy(ctx, obj) }); err != nil {
		r.kubeError(&resp.Diagnostics, policyOp, err)
		return
	}
	tflog.Info(ctx, "MutatingAdmissionPolicy and binding deleted", map[string]any{"name": obj})
}

func (r *SeccompDefaultResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if msgs := validation.IsDNS1123Label(req.ID); len(msgs) > 0 {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("The import ID is the resource's name (the policy's name without %q), a DNS-1123 label; %q is not: %s.",
				seccomp.NamePrefix, req.ID, strings.Join(msgs, "; ")))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// seccompSpecFromModel turns a fully known plan into a Spec.
func seccompSpecFromModel(ctx context.Context, m *seccompDefaultModel, diags *diag.Diagnostics) seccomp.Spec {
	spec := seccomp.Spec{Name: m.Name.ValueString(), FailurePolicy: m.FailurePolicy.ValueString()}
	var p seccompProfileModel
	diags.Append(m.Profile.As(ctx, &p, basetypes.ObjectAsOptions{})...)
	spec.Profile = seccomp.Profile{Type: p.Type.ValueString(), LocalhostProfile: p.LocalhostProfile.ValueString()}
	spec.Selector, spec.ExcludeNamespaces, _ = seccompSelectorFromModel(ctx, m, diags)
	return spec
}

// seccompSelectorFromModel reads namespace_selector and exclude_namespaces.
// known is false when they are not in state yet (an import).
func seccompSelectorFromModel(ctx context.Context, m *seccompDefaultModel, diags *diag.Diagnostics) (sel metav1.LabelSelector, exclude []string, known bool) {
	if m.ExcludeNamespaces.IsNull() || m.ExcludeNamespaces.IsUnknown() || m.NamespaceSelector.IsUnknown() {
		return sel, nil, false
	}
	diags.Append(m.ExcludeNamespaces.ElementsAs(ctx, &exclude, false)...)
	if m.NamespaceSelector.IsNull() {
		return sel, exclude, true
	}
	var s seccompSelectorModel
	diags.Append(m.NamespaceSelector.As(ctx, &s, basetypes.ObjectAsOptions{})...)
	if !s.MatchLabels.IsNull() {
		diags.Append(s.MatchLabels.ElementsAs(ctx, &sel.MatchLabels, false)...)
	}
	if !s.MatchExpressions.IsNull() {
		var reqs []seccompRequirementModel
		diags.Append(s.MatchExpressions.ElementsAs(ctx, &reqs, false)...)
		for _, q := range reqs {
			r := metav1.LabelSelectorRequirement{Key: q.Key.ValueString(), Operator: metav1.LabelSelectorOperator(q.Operator.ValueString())}
			if !q.Values.IsNull() {
				diags.Append(q.Values.ElementsAs(ctx, &r.Values, false)...)
			}
			sel.MatchExpressions = append(sel.MatchExpressions, r)
		}
	}
	return sel, exclude, true
}

func seccompProfileObject(p seccomp.Profile) types.Object {
	lp := types.StringNull()
	if p.LocalhostProfile != "" {
		lp = types.StringValue(p.LocalhostProfile)
	}
	return types.ObjectValueMust(seccompProfileAttrTypes, map[string]attr.Value{"type": types.StringValue(p.Type), "localhost_profile": lp})
}

// seccompSelectorObject renders a selector read from the cluster; an empty
// one is null, as when namespace_selector is not configured.
func seccompSelectorObject(sel metav1.LabelSelector) types.Object {
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return types.ObjectNull(seccompSelectorAttrTypes)
	}
	labels := types.MapNull(types.StringType)
	if len(sel.MatchLabels) > 0 {
		elems := make(map[string]attr.Value, len(sel.MatchLabels))
		for k, v := range sel.MatchLabels {
			elems[k] = types.StringValue(v)
		}
		labels = types.MapValueMust(types.StringType, elems)
	}
	reqType := types.ObjectType{AttrTypes: seccompRequirementAttrTypes}
	exprs := types.ListNull(reqType)
	if len(sel.MatchExpressions) > 0 {
		elems := make([]attr.Value, 0, len(sel.MatchExpressions))
		for _, r := range sel.MatchExpressions {
			values := types.ListNull(types.StringType)
			if len(r.Values) > 0 {
				values = seccompStringList(r.Values)
			}
			elems = append(elems, types.ObjectValueMust(seccompRequirementAttrTypes, map[string]attr.Value{
				"key": types.StringValue(r.Key), "operator": types.StringValue(string(r.Operator)), "values": values,
			}))
		}
		exprs = types.ListValueMust(reqType, elems)
	}
	return types.ObjectValueMust(seccompSelectorAttrTypes, map[string]attr.Value{"match_labels": labels, "match_expressions": exprs})
}

func seccompStringList(s []string) types.List {
	elems := make([]attr.Value, 0, len(s))
	for _, v := range s {
		elems = append(elems, types.StringValue(v))
	}
	return types.ListValueMust(types.StringType, elems)
}

func seccompStringSet(s []string) types.Set {
	elems := make([]attr.Value, 0, len(s))
	for _, v := range s {
		elems = append(elems, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, elems)
}

// seccompValueList renders allowed values for a description: `a`, `b` or `c`.
func seccompValueList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// seccompCheckValidator adapts a k8s.io/apimachinery check, which returns the
// problems it finds, to a string validator, so values are judged exactly as
// the API server would judge them.
type seccompCheckValidator struct {
	summary     string
	description string
	check       func(string) []string
}

func (v seccompCheckValidator) Description(context.Context) string         { return v.description }
func (v seccompCheckValidator) MarkdownDescription(context.Context) string { return v.description }

func (v seccompCheckValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msgs := v.check(req.ConfigValue.ValueString()); len(msgs) > 0 {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary,
			fmt.Sprintf("%s: %q %s.", req.Path, req.ConfigValue.ValueString(), strings.Join(msgs, "; ")))
	}
}

func seccompDNSLabel(summary string) validator.String {
	return seccompCheckValidator{summary: summary, description: "must be a DNS-1123 label", check: validation.IsDNS1123Label}
}

func seccompLocalhostProfile() validator.String {
	return seccompCheckValidator{summary: "Invalid Localhost Profile", description: "must be a relative path without '..'", check: seccomp.ValidateLocalhostProfile}
}

func seccompLabelKey() validator.String {
	return seccompCheckValidator{summary: "Invalid Label Key", description: "must be a valid label key", check: func(s string) []string {
		return seccompFieldErrorDetails(metav1validation.ValidateLabelName(s, field.NewPath("key")))
	}}
}

func seccompLabelValue() validator.String {
	return seccompCheckValidator{summary: "Invalid Label Value", description: "must be a valid label value", check: validation.IsValidLabelValue}
}

func seccompFieldErrorDetails(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Detail)
	}
	return out
}

// seccompRequirementValidator checks that a match expression's values go
// with its operator, with the API server's own selector validation. The
// format of the key and of each value is left to their attribute validators.
type seccompRequirementValidator struct{}

func (seccompRequirementValidator) Description(context.Context) string {
	return "values must be set with In and NotIn, and not with Exists and DoesNotExist"
}

func (v seccompRequirementValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (seccompRequirementValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m seccompRequirementModel
	resp.Diagnostics.Append(req.ConfigValue.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if resp.Diagnostics.HasError() || m.Operator.IsUnknown() || m.Values.IsUnknown() {
		return
	}
	r := metav1.LabelSelectorRequirement{Key: m.Key.ValueString(), Operator: metav1.LabelSelectorOperator(m.Operator.ValueString())}
	// Only the number of values matters here; unknown ones count.
	r.Values = make([]string, len(m.Values.Elements()))
	root := field.NewPath("requirement")
	for _, e := range metav1validation.ValidateLabelSelectorRequirement(r, metav1validation.LabelSelectorValidationOptions{
		AllowUnknownOperatorInRequirement: true, // reported by the operator's OneOf validator
		AllowInvalidLabelValueInSelector:  true, // reported by the values' validator
	}, root) {
		if e.Field != root.Child("values").String() {
			continue
		}
		resp.Diagnostics.AddAttributeError(req.Path.AtName("values"), "Invalid Namespace Selector",
			fmt.Sprintf("%s: operator %q: values %s.", req.Path, r.Operator, e.Detail))
	}
}
