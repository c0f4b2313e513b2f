package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ action.ActionWithConfigure  = &StorageRewriteAction{}
	_ action.ActionWithModifyPlan = &StorageRewriteAction{}
)

// StorageRewriteAction is kubeharden_storage_rewrite as an action (Terraform
// 1.14+): the same rewrite as the resource of the same name, on the same
// engine (base.storageRewrite), run by `terraform apply -invoke` or by an
// `action_trigger` in another resource's lifecycle, with nothing kept in
// state. The resource stays for OpenTofu and older Terraform.
type StorageRewriteAction struct{ base }

// NewStorageRewriteAction returns the kubeharden_storage_rewrite action.
func NewStorageRewriteAction() action.Action {
	r := NewStorageRewriteResource().(*StorageRewriteResource)
	return &StorageRewriteAction{r.base}
}

type storageRewriteActionModel struct {
	Resources              types.List   `tfsdk:"resources"`
	EncryptionConfigSHA256 types.String `tfsdk:"encryption_config_sha256"`
	Timeout                types.String `tfsdk:"timeout"`
}

// resources is `resources`, or its default.
func (m storageRewriteActionModel) resources(ctx context.Context) ([]string, bool) {
	if m.Resources.IsNull() {
		return []string{"secrets"}, true
	}
	return stringList(ctx, m.Resources)
}

// timeout is `timeout`, or the resource's create limit.
func (m storageRewriteActionModel) timeout(def time.Duration) time.Duration {
	if d, err := time.ParseDuration(m.Timeout.ValueString()); err == nil && d > 0 {
		return d
	}
	return def
}

func (a *StorageRewriteAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + a.name
}

func (a *StorageRewriteAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.configure(req.ProviderData, &resp.Diagnostics)
}

func (a *StorageRewriteAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Re-writes every object of `resources`, in all namespaces, through the Kubernetes API, so that each is stored " +
			"again with the current write provider: after a key rotation, or after enabling encryption. It is the rewrite of the " +
			"`kubeharden_storage_rewrite` resource (same engine, same guarantees: paged lists, a resourceVersion precondition on every " +
			"update, retries, safe to repeat), as an action of Terraform 1.14 and later: run it with " +
			"`terraform apply -invoke=action.kubeharden_storage_rewrite.<name>`, or from an `action_trigger` in the `lifecycle` of the " +
			"`kubeharden_encryption_config` whose change it follows. It reports each step and its counts (rewritten, skipped, failed) " +
			"as progress, and a rewrite with failures is an error. Nothing is kept in state. For OpenTofu and Terraform before 1.14, " +
			"use the `kubeharden_storage_rewrite` resource.",
		Attributes: map[string]schema.Attribute{
			"resources": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The resources to rewrite, by plural name with the group when it is not core: `secrets`, `configmaps`, " +
					"`deployments.apps`, `widgets.example.com`. No wildcards. Each must be served and support list, get and update; " +
					"this is checked at plan time when the cluster is reachable. Defaults to `[\"secrets\"]`.",
				Validators: rewriteResourcesValidators,
			},
			"encryption_config_sha256": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The `sha256` of a `kubeharden_encryption_config`. Before rewriting, wait until kube-apiserver reports " +
					"that it has loaded exactly this configuration (metric `apiserver_encryption_config_controller_last_config_info`, polled " +
					"every 2s), so the rewrite uses the new write provider. Needs `get` on the non-resource URL `/metrics`.",
				Validators: rewriteSHA256Validators,
			},
			"timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Time limit of the whole run, including the wait for `encryption_config_sha256`, as a Go "+
					"duration such as `30m`. Default `%s`, the resource's `create` limit.", durationText(a.timeouts.Create)),
				Validators: []validator.String{stringCheck("must be a positive Go duration", "Invalid Timeout", positiveDuration)},
			},
		},
	}
}

// positiveDuration checks a Go duration that is more than zero.
func positiveDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a Go duration such as 30s or 20m: %w", s, err)
	}
	if d <= 0 {
		return errors.New("must be more than zero")
	}
	return nil
}

// ModifyPlan checks the resources at plan time when the cluster is
// reachable, as the resource does, so a typo fails the plan.
func (a *StorageRewriteAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	var m storageRewriteActionModel
	if resp.Diagnostics.Append(getConfig(req.Config)(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	names, known := m.resources(ctx)
	if !known {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout(a.timeouts.Create))
	defer cancel()
	a.checkRewriteResources(ctx, names, &resp.Diagnostics)
}

func (a *StorageRewriteAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m storageRewriteActionModel
	if resp.Diagnostics.Append(getConfig(req.Config)(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	names, _ := m.resources(ctx)
	ctx, cancel := context.WithTimeout(ctx, m.timeout(a.timeouts.Create))
	defer cancel()
	res, ran := a.storageRewrite(ctx, m.EncryptionConfigSHA256.ValueString(), names, storageRewriteReport{
		again: "invoke the action again",
		progress: func(msg string) {
			if resp.SendProgress != nil {
				resp.SendProgress(action.InvokeProgressEvent{Message: msg})
			}
		},
	}, &resp.Diagnostics)
	if !ran {
		return
	}
	total := fmt.Sprintf("Storage rewrite done: %d rewritten, %d skipped, %d failed", res.Rewritten, res.Skipped, res.Failed)
	tflog.Info(ctx, total)
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: total})
	}
}
