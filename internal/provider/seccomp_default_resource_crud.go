package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	admv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

func (r *SeccompDefaultResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ctx, cancel, ok := begin[seccompDefaultModel](ctx, r.timeouts, getPlan(req.Plan), opCreate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if r.refuseExisting(ctx, plan.APIVersion.ValueString(), plan.Name.ValueString(), &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	r.apply(ctx, &plan, &resp.State, &resp.Diagnostics)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
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

func (r *SeccompDefaultResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, ctx, cancel, ok := begin[seccompDefaultModel](ctx, r.timeouts, getPlan(req.Plan), opUpdate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	r.apply(ctx, &plan, &resp.State, &resp.Diagnostics)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
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
	diags.Append(setState(ctx, state, plan)...)
}

func (r *SeccompDefaultResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer r.readIdentity(ctx, req, resp)
	state, ctx, cancel, ok := begin[seccompDefaultModel](ctx, r.timeouts, getState(req.State), opRead, &resp.Diagnostics)
	defer cancel()
	if !ok {
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
		state.Profile = objectNullOf[seccompProfileModel]()
		if live.Profile != nil {
			state.Profile = seccompProfileObject(ctx, *live.Profile, &resp.Diagnostics)
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
			state.NamespaceSelector = seccompSelectorObject(ctx, user, &resp.Diagnostics)
			state.ExcludeNamespaces = seccompStringSet(exclude)
		}
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}

func (r *SeccompDefaultResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, ok := begin[seccompDefaultModel](ctx, r.timeouts, getState(req.State), opDelete, &resp.Diagnostics)
	defer cancel()
	if !ok {
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
	id := r.importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if msgs := validation.IsDNS1123Label(id); len(msgs) > 0 {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("The import ID is the resource's name (the policy's name without %q), a DNS-1123 label; %q is not: %s.",
				seccomp.NamePrefix, id, strings.Join(msgs, "; ")))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
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
