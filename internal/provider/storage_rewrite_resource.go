package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/rewrite"
)

var (
	_ resource.ResourceWithConfigure  = &StorageRewriteResource{}
	_ resource.ResourceWithModifyPlan = &StorageRewriteResource{}
	_ resource.ResourceWithIdentity   = &StorageRewriteResource{}
)

// configPollInterval is how often the API server's metrics are read while
// waiting for it to load an encryption configuration.
const configPollInterval = 2 * time.Second

// StorageRewriteResource re-writes every object of some resources through
// the API so that each is stored again with the current write provider. It
// is an action: it runs on create (and on replacement, when triggers
// change); Read keeps the state, and Delete does nothing.
type StorageRewriteResource struct{ resourceBase }

// NewStorageRewriteResource returns the kubeharden_storage_rewrite resource.
func NewStorageRewriteResource() resource.Resource {
	return &StorageRewriteResource{resourceBase{base{
		name: "storage_rewrite",
		// The create limit bounds a whole rewrite, including the wait for the
		// API server to load the encryption configuration (up to a minute
		// with automatic reload).
		timeouts: timeoutDefaults{Create: 20 * time.Minute, PlanCalls: true,
			Notes: map[string]string{opCreate: "It bounds the whole rewrite, including the wait for `encryption_config_sha256`."}},
		// A run has no remote object: its identity is its random ID, and
		// it cannot be imported.
		identity: identityOf(identityAttr{name: "id", description: "The random ID of the run."}),
	}}}
}

type storageRewriteModel struct {
	ID                     types.String   `tfsdk:"id"`
	Resources              types.List     `tfsdk:"resources"`
	Triggers               types.Map      `tfsdk:"triggers"`
	EncryptionConfigSHA256 types.String   `tfsdk:"encryption_config_sha256"`
	Rewritten              types.Int64    `tfsdk:"rewritten"`
	Skipped                types.Int64    `tfsdk:"skipped"`
	Failed                 types.Int64    `tfsdk:"failed"`
	Timeouts               timeouts.Value `tfsdk:"timeouts"`
}

func (m storageRewriteModel) timeoutsValue() timeouts.Value { return m.Timeouts }

func (r *StorageRewriteResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Re-writes every object of `resources`, in all namespaces, through the Kubernetes API, so that each is stored again " +
			"with the current write provider (after a key rotation, or after enabling encryption), as " +
			"`kubectl get secrets -A -o json | kubectl replace -f -` does. Lists are paged (500 a page); each update carries the listed " +
			"resourceVersion as a precondition, so an object changed meanwhile is read again and never overwritten with older content; " +
			"the data of every object is left exactly as it was. Throttling, server errors and broken connections are retried (an object's " +
			"update up to 9 times over about 10 seconds, lists until the timeout); a run that was interrupted, even by killing the provider, " +
			"is safe to run again. It is an action: it runs when created, and again when `triggers`, " +
			"`resources` or `encryption_config_sha256` change (replacement). Read keeps the state as it is, destroy does nothing, and " +
			"it cannot be imported. A rewrite with failures is reported as an error and the resource is tainted, so the next apply runs it again.\n\n" +
			"With Terraform 1.14 and later, the `kubeharden_storage_rewrite` action runs the same rewrite without keeping anything in state, " +
			"from an `action_trigger` after the encryption configuration changes or with `terraform apply -invoke`. This resource stays, " +
			"for OpenTofu and older Terraform.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "A random ID of this run.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"resources": schema.ListAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{types.StringValue("secrets")})),
				MarkdownDescription: "The resources to rewrite, by plural name with the group when it is not core: `secrets`, `configmaps`, " +
					"`deployments.apps`, `widgets.example.com`. No wildcards. Each must be served and support list, get and update; " +
					"this is checked at plan time when the cluster is reachable. Defaults to `[\"secrets\"]`.",
				Validators:    rewriteResourcesValidators,
				PlanModifiers: []planmodifier.List{listplanmodifier.RequiresReplace()},
			},
			"triggers": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Arbitrary values; any change runs the rewrite again (replacement), as `terraform_data`'s `triggers_replace`.",
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"encryption_config_sha256": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The `sha256` of a `kubeharden_encryption_config`. Before rewriting, wait until kube-apiserver reports " +
					"that it has loaded exactly this configuration (metric `apiserver_encryption_config_controller_last_config_info`, polled " +
					"every 2s), so the rewrite uses the new write provider; a change runs the rewrite again. Needs `get` on the non-resource " +
					"URL `/metrics`. With several API servers behind one endpoint, only the one that answers is checked.",
				Validators:    rewriteSHA256Validators,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"rewritten": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Objects written back and accepted. (kube-apiserver skips the storage write of an object already stored with the current write provider.)",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"skipped": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Objects deleted between the list and their update.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"failed": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Objects that could not be written; the apply reports why.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}

// rewriteResourcesValidators check `resources` of the resource and the action.
var rewriteResourcesValidators = []validator.List{
	listvalidator.SizeAtLeast(1),
	listvalidator.UniqueValues(),
	listvalidator.ValueStringsAre(stringvalidator.RegexMatches(rewrite.ResourceNamePattern,
		"must be a lower-case plural resource name, optionally followed by its group, e.g. \"secrets\" or \"deployments.apps\"")),
}

// rewriteSHA256Validators check `encryption_config_sha256` of the resource and the action.
var rewriteSHA256Validators = []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^[0-9a-f]{64}$`),
	"must be a hex SHA-256, such as kubeharden_encryption_config.this.sha256")}

// ModifyPlan checks, when the rewrite is about to run and the cluster is
// reachable, that every resource is served and can be rewritten, so a typo
// fails the plan rather than the apply.
func (r *StorageRewriteResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil || !r.data.Kube.Known() {
		return
	}
	var plan storageRewriteModel
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !plan.ID.IsUnknown() {
		return // not going to run
	}
	names, known := stringList(ctx, plan.Resources)
	if !known {
		return
	}
	// Discovery is bounded like the rewrite itself, so a hung API server
	// cannot hang the plan.
	ctx, cancel := r.timeouts.planBound(ctx, plan.Timeouts, true, &resp.Diagnostics)
	defer cancel()
	r.checkRewriteResources(ctx, names, &resp.Diagnostics)
}

// checkRewriteResources is the plan-time check of the resource and the
// action: every name is served and can be rewritten. It says nothing when
// the cluster cannot be reached yet; the rewrite checks again.
func (b *base) checkRewriteResources(ctx context.Context, names []string, diags *diag.Diagnostics) {
	if b.data == nil || !b.data.Kube.Known() {
		return
	}
	c, err := b.data.Kube.Get(ctx)
	if err != nil {
		tflog.Debug(ctx, "No Kubernetes client at plan time; resources are checked at apply", map[string]any{"error": err.Error()})
		return
	}
	_, bad, err := rewrite.Resolve(ctx, c.REST, names)
	if err != nil {
		tflog.Warn(ctx, "Discovery failed at plan time; resources are checked at apply", map[string]any{"error": err.Error()})
		return
	}
	for _, e := range bad {
		diags.AddAttributeError(path.Root("resources").AtListIndex(e.Index), "Resource Cannot Be Rewritten", e.Error())
	}
}

// stringList returns the elements of a list of strings, and false when the
// list or an element is unknown.
func stringList(ctx context.Context, l types.List) ([]string, bool) {
	if l.IsUnknown() {
		return nil, false
	}
	var vs []types.String
	if l.ElementsAs(ctx, &vs, false).HasError() {
		return nil, false
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if v.IsUnknown() {
			return nil, false
		}
		out = append(out, v.ValueString())
	}
	return out, true
}

func (r *StorageRewriteResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ctx, cancel, ok := begin[storageRewriteModel](ctx, r.timeouts, getPlan(req.Plan), opCreate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	names, _ := stringList(ctx, plan.Resources)
	res, ran := r.storageRewrite(ctx, plan.EncryptionConfigSHA256.ValueString(), names, storageRewriteReport{
		again: "apply again (the resource is tainted and runs again)",
	}, &resp.Diagnostics)
	// Even after a failure the counts are true, and saving them taints the
	// resource, so the next apply runs the rewrite again.
	if !ran {
		return
	}
	id, err := uuid.GenerateUUID()
	if err != nil {
		resp.Diagnostics.AddError("Cannot Generate ID", err.Error())
		return
	}
	plan.ID = types.StringValue(id)
	plan.Rewritten = types.Int64Value(res.Rewritten)
	plan.Skipped = types.Int64Value(res.Skipped)
	plan.Failed = types.Int64Value(res.Failed)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// storageRewriteReport is how a run of the rewrite reports, beyond its
// diagnostics and counts: the resource logs; the action also sends progress.
type storageRewriteReport struct {
	// again says how to run the rewrite again, for the error of a failure.
	again string
	// progress, when set, is sent each step (the action's SendProgress).
	progress func(msg string)
}

func (p storageRewriteReport) send(ctx context.Context, msg string, fields map[string]any) {
	tflog.Info(ctx, msg, fields)
	if p.progress != nil {
		p.progress(msg)
	}
}

// storageRewrite is the rewrite of both the resource and the action, on
// the engine of internal/rewrite: wait until kube-apiserver has loaded the
// encryption configuration sum (when set), check the resources names, and
// rewrite each. Errors go to diags, on the attributes `resources` and
// `encryption_config_sha256` that both schemas have. ran is false when
// nothing was attempted (an error before the first object, or a rewrite
// stopped before it handled one); otherwise res holds true counts, also
// after a failure.
func (b *base) storageRewrite(ctx context.Context, sum string, names []string, report storageRewriteReport, diags *diag.Diagnostics) (res rewrite.Result, ran bool) {
	c := b.kube(ctx, kube.Op{Verb: "update", Resource: "secrets"}, diags)
	if c == nil {
		return res, false
	}
	if sum != "" {
		report.send(ctx, fmt.Sprintf("Waiting for kube-apiserver to load the encryption configuration %s", sum), map[string]any{"sha256": sum})
		if err := rewrite.WaitForEncryptionConfig(ctx, c.Discovery.RESTClient(), sum, configPollInterval); err != nil {
			addWaitError(diags, sum, err)
			return res, false
		}
	}
	targets, bad, err := rewrite.Resolve(ctx, c.REST, names)
	if err != nil {
		b.kubeError(diags, kube.Op{Verb: "get", Resource: "discovery"}, err)
		return res, false
	}
	for _, e := range bad {
		diags.AddAttributeError(path.Root("resources").AtListIndex(e.Index), "Resource Cannot Be Rewritten", e.Error())
	}
	if diags.HasError() {
		return res, false
	}
	var fatal error
	for _, t := range targets {
		start := time.Now()
		before := res
		report.send(ctx, fmt.Sprintf("Rewriting %s", t.GVR.GroupResource()), map[string]any{"resource": t.GVR.String()})
		if fatal = rewrite.Run(ctx, c.Dynamic, t, rewrite.Options{}, &res); fatal != nil {
			summary, detail := kube.Describe(kube.Op{Verb: "list", Group: t.GVR.Group, Resource: t.GVR.Resource}, fatal)
			diags.AddError(summary, detail+fmt.Sprintf("\n\nThe rewrite stopped; so far %d objects were rewritten, %d skipped and %d failed. "+
				"Run it again to finish: it is safe to repeat.", res.Rewritten, res.Skipped, res.Failed))
			break
		}
		report.send(ctx, fmt.Sprintf("Rewrote %s: %d rewritten, %d skipped, %d failed in %s", t.GVR.GroupResource(),
			res.Rewritten-before.Rewritten, res.Skipped-before.Skipped, res.Failed-before.Failed, time.Since(start).Round(time.Millisecond)),
			map[string]any{"resource": t.GVR.String(), "rewritten": res.Rewritten - before.Rewritten,
				"skipped": res.Skipped - before.Skipped, "failed": res.Failed - before.Failed, "duration": time.Since(start).String()})
	}
	if res.Failed > 0 {
		more := ""
		if int64(len(res.Failures)) < res.Failed {
			more = fmt.Sprintf("\n(and %d more)", res.Failed-int64(len(res.Failures)))
		}
		diags.AddError("Storage Rewrite Incomplete", fmt.Sprintf(
			"%d objects could not be rewritten (%d were, %d were deleted meanwhile). They stay stored with their old key until rewritten; "+
				"fix the cause and %s:\n\n%s%s",
			res.Failed, res.Rewritten, res.Skipped, report.again, strings.Join(res.Failures, "\n\n"), more))
	}
	if fatal != nil && res.Rewritten+res.Skipped+res.Failed == 0 {
		return res, false
	}
	return res, true
}

// addWaitError explains why the wait for an encryption configuration failed.
func addWaitError(diags *diag.Diagnostics, sum string, err error) {
	var we *rewrite.WaitError
	switch {
	case errors.As(err, &we):
		diags.AddAttributeError(path.Root("encryption_config_sha256"), "Encryption Configuration Not Loaded", we.Error()+
			".\n\nCheck that kube-apiserver runs with --encryption-provider-config pointing at the file and with "+
			"--encryption-provider-config-automatic-reload=true (it checks the file about once a minute), or restart it; "+
			"its log says why a reload failed. Raise timeouts.create to wait longer.")
	case apierrors.IsForbidden(err):
		diags.AddAttributeError(path.Root("encryption_config_sha256"), "Kubernetes Permission Denied", fmt.Sprintf(
			"Reading the API server's metrics to wait for the encryption configuration %s was refused: %v\n\n"+
				"Grant the identity get on the non-resource URL /metrics, in a ClusterRole:\n\n  - nonResourceURLs: [\"/metrics\"]\n    verbs: [\"get\"]\n\n"+
				"or leave encryption_config_sha256 unset and make sure every API server has loaded the configuration before the rewrite.", sum, err))
	default:
		summary, detail := kube.Describe(kube.Op{Verb: "get", Resource: "/metrics"}, err)
		diags.AddAttributeError(path.Root("encryption_config_sha256"), summary, detail)
	}
}

// Read keeps the state: a rewrite is an action with nothing to read back.
// It only adds the identity to a state saved before identities.
func (r *StorageRewriteResource) Read(ctx context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Update only happens for a change of timeouts: every other attribute
// forces a new rewrite.
func (r *StorageRewriteResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan storageRewriteModel
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Delete does nothing: the rewritten objects stay as they are.
func (r *StorageRewriteResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
