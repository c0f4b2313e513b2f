package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
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
						MarkdownDescription: "Profile type: " + codeList(seccomp.ProfileTypes, "or") + ".",
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
									MarkdownDescription: "One of " + codeList(seccomp.Operators, "or") + ".",
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
					codeList(seccomp.FailurePolicies, "or") + ". Defaults to `Ignore` (admit the pod unchanged), so a broken " +
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

// The attribute validators judge values exactly as the API server would,
// with k8s.io/apimachinery's own checks.

func seccompDNSLabel(summary string) validator.String {
	return stringCheck("must be a DNS-1123 label", summary, problemsCheck(validation.IsDNS1123Label))
}

func seccompLocalhostProfile() validator.String {
	return stringCheck("must be a relative path without '..'", "Invalid Localhost Profile", problemsCheck(seccomp.ValidateLocalhostProfile))
}

func seccompLabelKey() validator.String {
	return stringCheck("must be a valid label key", "Invalid Label Key", problemsCheck(func(s string) []string {
		return fieldErrorDetails(metav1validation.ValidateLabelName(s, field.NewPath("key")))
	}))
}

func seccompLabelValue() validator.String {
	return stringCheck("must be a valid label value", "Invalid Label Value", problemsCheck(validation.IsValidLabelValue))
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
	m, diags := objectAs[seccompRequirementModel](ctx, req.ConfigValue)
	resp.Diagnostics.Append(diags...)
	if m == nil || m.Operator.IsUnknown() || m.Values.IsUnknown() {
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
