package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

// onViolationValues are the values of on_violation.
var onViolationValues = []string{"warn", "error", "ignore"}

// psaModeAttribute is the attribute of one mode; purpose says what it does.
func psaModeAttribute(mode, purpose string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("The `%s` mode: %s Sets the labels `%s` and `%s`. When unset, both labels are removed.",
			mode, purpose, podsecurity.LevelLabel(mode), podsecurity.VersionLabel(mode)),
		Attributes: map[string]schema.Attribute{
			"level": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Pod Security Standards level: " + codeList(podsecurity.Levels, "") + ".",
				Validators:          []validator.String{stringCheck("must be a Pod Security level", "Invalid Pod Security Level", podsecurity.ValidateLevel)},
			},
			"version": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("latest"),
				MarkdownDescription: "Policy version: `latest` or `v1.N` (no leading zero), as the API server parses it. Defaults to `latest`. A version newer than the cluster is capped by PSA to the cluster's own, and the plan warns.",
				Validators:          []validator.String{stringCheck("must be latest or v1.N", "Invalid Pod Security Version", podsecurity.ValidateVersion)},
			},
		},
	}
}

func (r *NamespacePodSecurityResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Owns the six Pod Security Admission labels (`pod-security.kubernetes.io/*`) of one existing namespace, " +
			"written with server-side apply (field manager `" + podSecurityFieldManager + "`). Other labels and other managers' fields are left alone. " +
			"When the `enforce` level or version changes, the plan runs a server-side dry run and reports the running pods the new level would reject.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The namespace name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the namespace to label. It must exist when the resource is applied, and is never created by it; another resource of the same configuration may create it (reference it, or use `depends_on`). Changing it replaces the resource.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{dns1123LabelValidator()},
			},
			"enforce": psaModeAttribute("enforce", "pods that break the level are rejected."),
			"audit":   psaModeAttribute("audit", "violations are recorded in the audit log."),
			"warn":    psaModeAttribute("warn", "violations are returned to the client as warnings."),
			"on_violation": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString("warn"),
				MarkdownDescription: "What the plan does when existing pods break a new `enforce` level: " + codeList(onViolationValues, "") +
					". `warn` (default) shows a warning listing the pods and reasons, `error` fails the plan, `ignore` skips the preview.",
				Validators: []validator.String{stringvalidator.OneOf(onViolationValues...)},
			},
			"force": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Take the labels over from other field managers (server-side apply `force`). Defaults to `true`. With `false`, a label another manager owns is a conflict error.",
			},
			"owner_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The ownership marker the namespace carries: the annotation `" + psaOwnerAnnotation + "`. Each resource instance writes its own " +
					"random ID there at its first apply (kept in its private state; it does not depend on the resource address, so `moved` blocks keep it) " +
					"and removes it on destroy. A marker removed or changed outside Terraform shows as drift. A new resource whose namespace carries another " +
					"instance's marker gets a plan warning naming it, and takes the namespace over; an existing resource whose marker was replaced by another " +
					"instance's gets a plan warning naming it, and its apply fails before writing anything (its destroy leaves the namespace alone). Two resources of one configuration that name the same namespace are a plan error.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}
