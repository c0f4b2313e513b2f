package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

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

func (m seccompDefaultModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// seccompProfileModel is `profile`.
type seccompProfileModel struct {
	Type             types.String `tfsdk:"type"`
	LocalhostProfile types.String `tfsdk:"localhost_profile"`
}

// seccompSelectorModel is `namespace_selector`.
type seccompSelectorModel struct {
	MatchLabels      types.Map  `tfsdk:"match_labels" elem:"string"`
	MatchExpressions types.List `tfsdk:"match_expressions"`
}

func (seccompSelectorModel) nestedModels() []nestedModel {
	return []nestedModel{nestedModelOf[seccompRequirementModel]("match_expressions")}
}

// seccompRequirementModel is one of `namespace_selector.match_expressions`.
type seccompRequirementModel struct {
	Key      types.String `tfsdk:"key"`
	Operator types.String `tfsdk:"operator"`
	Values   types.List   `tfsdk:"values" elem:"string"`
}

// seccompSpecFromModel turns a fully known plan into a Spec.
func seccompSpecFromModel(ctx context.Context, m *seccompDefaultModel, diags *diag.Diagnostics) seccomp.Spec {
	spec := seccomp.Spec{Name: m.Name.ValueString(), FailurePolicy: m.FailurePolicy.ValueString()}
	p, d := objectAs[seccompProfileModel](ctx, m.Profile)
	diags.Append(d...)
	if p != nil {
		spec.Profile = seccomp.Profile{Type: p.Type.ValueString(), LocalhostProfile: p.LocalhostProfile.ValueString()}
	}
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
	s, d := objectAs[seccompSelectorModel](ctx, m.NamespaceSelector)
	diags.Append(d...)
	if s == nil {
		return sel, exclude, true
	}
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

// seccompProfileObject renders a profile read from the cluster.
func seccompProfileObject(ctx context.Context, p seccomp.Profile, diags *diag.Diagnostics) types.Object {
	lp := types.StringNull()
	if p.LocalhostProfile != "" {
		lp = types.StringValue(p.LocalhostProfile)
	}
	o, d := objectValueOf(ctx, seccompProfileModel{Type: types.StringValue(p.Type), LocalhostProfile: lp})
	diags.Append(d...)
	return o
}

// seccompSelectorObject renders a selector read from the cluster; an empty
// one is null, as when namespace_selector is not configured.
func seccompSelectorObject(ctx context.Context, sel metav1.LabelSelector, diags *diag.Diagnostics) types.Object {
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return objectNullOf[seccompSelectorModel]()
	}
	m := seccompSelectorModel{
		MatchLabels:      types.MapNull(types.StringType),
		MatchExpressions: types.ListNull(objectTypeOf[seccompRequirementModel]()),
	}
	if len(sel.MatchLabels) > 0 {
		elems := make(map[string]attr.Value, len(sel.MatchLabels))
		for k, v := range sel.MatchLabels {
			elems[k] = types.StringValue(v)
		}
		m.MatchLabels = types.MapValueMust(types.StringType, elems)
	}
	if len(sel.MatchExpressions) > 0 {
		reqs := make([]seccompRequirementModel, 0, len(sel.MatchExpressions))
		for _, r := range sel.MatchExpressions {
			values := types.ListNull(types.StringType)
			if len(r.Values) > 0 {
				values = seccompStringList(r.Values)
			}
			reqs = append(reqs, seccompRequirementModel{
				Key: types.StringValue(r.Key), Operator: types.StringValue(string(r.Operator)), Values: values,
			})
		}
		var d diag.Diagnostics
		m.MatchExpressions, d = listOf(ctx, reqs)
		diags.Append(d...)
	}
	o, d := objectValueOf(ctx, m)
	diags.Append(d...)
	return o
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
