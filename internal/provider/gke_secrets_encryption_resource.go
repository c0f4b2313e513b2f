package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	container "google.golang.org/api/container/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
)

var (
	_ resource.ResourceWithConfigure   = &GKESecretsEncryptionResource{}
	_ resource.ResourceWithImportState = &GKESecretsEncryptionResource{}
	_ resource.ResourceWithModifyPlan  = &GKESecretsEncryptionResource{}
	_ resource.ResourceWithIdentity    = &GKESecretsEncryptionResource{}
)

// GKESecretsEncryptionResource owns the application-layer Secrets encryption
// (databaseEncryption) of an existing GKE cluster.
type GKESecretsEncryptionResource struct{ resourceBase }

// NewGKESecretsEncryptionResource returns the kubeharden_gke_secrets_encryption resource.
func NewGKESecretsEncryptionResource() resource.Resource {
	// Re-encrypting a large etcd takes a while, and a change may first wait
	// for another operation on the cluster to finish.
	const change = 30 * time.Minute
	return &GKESecretsEncryptionResource{resourceBase{base{
		name: "gke_secrets_encryption",
		timeouts: timeoutDefaults{Create: change, Read: 10 * time.Minute, Update: change, Delete: change, Notes: map[string]string{
			opCreate: "It bounds the wait for encryption to be enabled, including for other operations on the cluster to finish.",
			opRead:   "It bounds the wait of a refresh for a pending encryption state to settle.",
			opUpdate: "It bounds the wait for a key change.",
			opDelete: "It bounds the wait for the Secrets to be decrypted.",
		}},
		identity: &identitySpec{
			attrs: []identityAttr{
				{name: "project", description: "The cluster's project ID."},
				{name: "location", description: "The cluster's region or zone."},
				{name: "cluster", description: "The cluster's name."},
			},
			importID: func(_ context.Context, _ *base, v map[string]string, _ *diag.Diagnostics) string {
				return gke.ClusterID(v["project"], v["location"], v["cluster"])
			},
		},
	}}}
}

type gkeSecretsEncryptionModel struct {
	ID           types.String   `tfsdk:"id"`
	Project      types.String   `tfsdk:"project"`
	Location     types.String   `tfsdk:"location"`
	Cluster      types.String   `tfsdk:"cluster"`
	KeyName      types.String   `tfsdk:"key_name"`
	State        types.String   `tfsdk:"state"`
	CurrentState types.String   `tfsdk:"current_state"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

func (m gkeSecretsEncryptionModel) timeoutsValue() timeouts.Value { return m.Timeouts }

func (r *GKESecretsEncryptionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Application-layer Secrets encryption of an existing GKE cluster with a Cloud KMS key (`databaseEncryption`). " +
			"Create and update send `clusters.update` with `desiredDatabaseEncryption { state = ENCRYPTED, keyName }` and wait for the " +
			"operation; an update refused because another operation runs on the cluster is retried until the timeout. " +
			"`ENCRYPTED` and `ALL_OBJECTS_ENCRYPTION_ENABLED` are the same state here. A cluster decrypted or re-keyed outside " +
			"Terraform shows as a change of `key_name`. Destroy decrypts the Secrets (`DECRYPTED`) and waits.\n\n" +
			"The GKE service agent (`service-PROJECT_NUMBER@container-engine-robot.iam.gserviceaccount.com`) needs " +
			"`roles/cloudkms.cryptoKeyEncrypterDecrypter` on the key, and the key must be in the cluster's region.\n\n" +
			"IAM permissions: " + iamPermissions(r.typeName(), "container.") + ".",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "`project/location/cluster`.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"project": schema.StringAttribute{
				Optional: true, Computed: true, Validators: gkeProjectValidators,
				MarkdownDescription: "The cluster's project ID. Defaults to the provider's `google.project`. Changing it forces a new resource.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"location": schema.StringAttribute{
				Required: true, Validators: gkeLocationValidators,
				MarkdownDescription: "The cluster's location: a region (`europe-west1`) or a zone (`europe-west1-b`). Changing it forces a new resource.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"cluster": schema.StringAttribute{
				Required: true, Validators: gkeClusterNameValidators,
				MarkdownDescription: "The cluster's name. Changing it forces a new resource.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"key_name": schema.StringAttribute{
				Required: true, Validators: gkeKeyNameValidators,
				MarkdownDescription: "The Cloud KMS key that encrypts the Secrets, `" + gke.KeyNameFormat + "` (a key, not a key version). " +
					"Changing it re-encrypts the Secrets in place.",
			},
			"state": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The state GKE reports: `ENCRYPTED`, or `ALL_OBJECTS_ENCRYPTION_ENABLED` for clusters that encrypt every object; " +
					"both satisfy this resource.",
			},
			"current_state": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Where the cluster stands, e.g. `CURRENT_STATE_ENCRYPTED`. `*_PENDING` states are waited on; `*_ERROR` states are reported as errors.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}

// ModifyPlan fills project from the provider when the configuration leaves
// it out, as hashicorp/google does: a change of the provider's project then
// replaces the resource, like a change of the attribute would.
func (r *GKESecretsEncryptionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var config, plan gkeSecretsEncryptionModel
	resp.Diagnostics.Append(getConfig(req.Config)(ctx, &config)...)
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior *gkeSecretsEncryptionModel
	if !req.State.Raw.IsNull() {
		prior = &gkeSecretsEncryptionModel{}
		resp.Diagnostics.Append(getState(req.State)(ctx, prior)...)
	}
	if config.Project.IsNull() {
		p, unknown := r.data.Google.Project()
		switch {
		case unknown:
			// The provider's project is known at apply; keep what the plan has.
		case p != "":
			plan.Project = types.StringValue(p)
			if prior != nil && prior.Project.ValueString() != p {
				tflog.Info(ctx, "The provider's project changed; the resource moves to it", map[string]any{"from": prior.Project.ValueString(), "to": p})
				resp.RequiresReplace = append(resp.RequiresReplace, path.Root("project"))
			}
		case prior == nil:
			missingProject(&resp.Diagnostics)
			return
		}
	}
	if !plan.Project.IsUnknown() && !plan.Location.IsUnknown() && !plan.Cluster.IsUnknown() {
		plan.ID = types.StringValue(gke.ClusterID(plan.Project.ValueString(), plan.Location.ValueString(), plan.Cluster.ValueString()))
	}
	resp.Diagnostics.Append(setPlan(ctx, &resp.Plan, &plan)...)
}

func (r *GKESecretsEncryptionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ctx, cancel, ok := begin[gkeSecretsEncryptionModel](ctx, r.timeouts, getPlan(req.Plan), opCreate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	project, ok := r.gkeProject(plan.Project, &resp.Diagnostics)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	plan.Project = types.StringValue(project)
	cl, diags := r.encrypt(ctx, &plan, true)
	resp.Diagnostics.Append(diags...)
	if cl == nil {
		// Nothing changed on the cluster (refused, failed operation, timeout
		// before GKE took it): nothing goes into the state.
		return
	}
	resp.Diagnostics.Append(r.check(cl, &plan)...)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *GKESecretsEncryptionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, ctx, cancel, ok := begin[gkeSecretsEncryptionModel](ctx, r.timeouts, getPlan(req.Plan), opUpdate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	cl, diags := r.encrypt(ctx, &plan, false)
	resp.Diagnostics.Append(diags...)
	if cl == nil {
		// The cluster kept its previous key (or the change is still running
		// and the next refresh reads it). The framework keeps the prior
		// state when Update sets none, so the state never claims a key GKE
		// has not taken.
		return
	}
	resp.Diagnostics.Append(r.check(cl, &plan)...)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// encrypt makes the cluster encrypt its Secrets with plan's key, unless it
// already does, and fills plan's computed attributes from what GKE then
// reports. It returns nil when the cluster is known not to have changed,
// or cannot be read.
func (r *GKESecretsEncryptionResource) encrypt(ctx context.Context, plan *gkeSecretsEncryptionModel, creating bool) (*container.Cluster, diag.Diagnostics) {
	var diags diag.Diagnostics
	name := gke.ClusterName(plan.Project.ValueString(), plan.Location.ValueString(), plan.Cluster.ValueString())
	key := plan.KeyName.ValueString()
	c := r.gke(ctx, gke.UpdateClusterCall(name), &diags)
	if c == nil {
		return nil, diags
	}
	cl, err := c.WaitEncryptionSettled(ctx, name)
	if err != nil {
		r.gkeError(&diags, gke.GetClusterCall(name), err)
		return nil, diags
	}
	de := cl.DatabaseEncryption
	if de != nil && gke.NormalizeState(de.State) == gke.StateEncrypted && de.KeyName == key && gke.EncryptionError(cl) == nil {
		tflog.Info(ctx, "The cluster already encrypts its Secrets with this key; adopting it", map[string]any{"cluster": name, "key_name": key})
	} else {
		if creating && de != nil && gke.NormalizeState(de.State) == gke.StateEncrypted && de.KeyName != "" && de.KeyName != key {
			diags.AddAttributeWarning(path.Root("key_name"), "GKE Secrets Encryption Key Replaced",
				fmt.Sprintf("Cluster %q already encrypted its Secrets with %s; this resource switches it to %s. If something else set that "+
					"key (the database_encryption block of a google_container_cluster, or another configuration), remove it there, or the "+
					"two will undo each other on every apply. Do not disable or destroy the old key in Cloud KMS until GKE no longer uses it.",
					name, de.KeyName, key))
		}
		tflog.Info(ctx, "Enabling Secrets encryption", map[string]any{"cluster": name, "key_name": key})
		cl, err = c.SetDatabaseEncryption(ctx, name, &container.DatabaseEncryption{State: gke.StateEncrypted, KeyName: key})
		if err != nil {
			r.gkeError(&diags, gke.UpdateClusterCall(name), err)
			return nil, diags
		}
	}
	plan.ID = types.StringValue(gke.ClusterID(plan.Project.ValueString(), plan.Location.ValueString(), plan.Cluster.ValueString()))
	return cl, diags
}

// check fills plan's computed attributes from the cluster and reports a
// cluster that does not encrypt with plan's key after the change. In that
// case key_name records what the cluster has, so the state stays true.
func (r *GKESecretsEncryptionResource) check(cl *container.Cluster, plan *gkeSecretsEncryptionModel) diag.Diagnostics {
	var diags diag.Diagnostics
	want := plan.KeyName.ValueString()
	setFromCluster(plan, cl)
	if err := gke.EncryptionError(cl); err != nil {
		r.gkeError(&diags, gke.GetClusterCall(cl.Name), err)
		return diags
	}
	if plan.KeyName.ValueString() != want {
		diags.AddError("GKE Did Not Apply The Key", fmt.Sprintf(
			"The operation on cluster %q finished, but GKE reports Secrets encryption state %q with key %q instead of %q. "+
				"Run terraform apply again; if this persists, check the cluster's operations in the Cloud Console.",
			cl.Name, plan.State.ValueString(), plan.KeyName.ValueString(), want))
	}
	return diags
}

// setFromCluster sets key_name, state and current_state as GKE reports them.
// A cluster that does not encrypt its Secrets has no key_name, so a
// configuration with one plans the change back.
func setFromCluster(m *gkeSecretsEncryptionModel, cl *container.Cluster) {
	de := gke.DatabaseEncryption(cl)
	state := de.State
	m.State = types.StringValue(state)
	m.CurrentState = stringOrNull(de.CurrentState)
	if gke.NormalizeState(state) == gke.StateEncrypted {
		m.KeyName = stringOrNull(de.KeyName)
	} else {
		m.KeyName = types.StringNull()
	}
}

func (r *GKESecretsEncryptionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer r.readIdentity(ctx, req, resp)
	state, ctx, cancel, ok := begin[gkeSecretsEncryptionModel](ctx, r.timeouts, getState(req.State), opRead, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	project, ok := r.gkeProject(state.Project, &resp.Diagnostics)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	name := gke.ClusterName(project, state.Location.ValueString(), state.Cluster.ValueString())
	c := r.gke(ctx, gke.GetClusterCall(name), &resp.Diagnostics)
	if c == nil {
		return
	}
	cl, err := c.WaitEncryptionSettled(ctx, name)
	if gke.IsNotFound(err) {
		tflog.Warn(ctx, "The cluster no longer exists; removing the resource from the state", map[string]any{"cluster": name})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.gkeError(&resp.Diagnostics, gke.GetClusterCall(name), err)
		return
	}
	if err := gke.EncryptionError(cl); err != nil {
		r.gkeError(&resp.Diagnostics, gke.GetClusterCall(name), err)
		return
	}
	state.Project = types.StringValue(project)
	state.ID = types.StringValue(gke.ClusterID(project, state.Location.ValueString(), state.Cluster.ValueString()))
	setFromCluster(&state, cl)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}

func (r *GKESecretsEncryptionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, ok := begin[gkeSecretsEncryptionModel](ctx, r.timeouts, getState(req.State), opDelete, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := gke.ClusterName(state.Project.ValueString(), state.Location.ValueString(), state.Cluster.ValueString())
	c := r.gke(ctx, gke.UpdateClusterCall(name), &resp.Diagnostics)
	if c == nil {
		return
	}
	cl, err := c.WaitEncryptionSettled(ctx, name)
	if gke.IsNotFound(err) {
		return
	}
	if err != nil {
		r.gkeError(&resp.Diagnostics, gke.GetClusterCall(name), err)
		return
	}
	if cl.DatabaseEncryption == nil || gke.NormalizeState(cl.DatabaseEncryption.State) == gke.StateDecrypted {
		tflog.Info(ctx, "The cluster's Secrets are already decrypted", map[string]any{"cluster": name})
		return
	}
	tflog.Info(ctx, "Decrypting Secrets", map[string]any{"cluster": name})
	cl, err = c.SetDatabaseEncryption(ctx, name, &container.DatabaseEncryption{State: gke.StateDecrypted})
	if gke.IsNotFound(err) {
		return
	}
	if err != nil {
		r.gkeError(&resp.Diagnostics, gke.UpdateClusterCall(name), err)
		return
	}
	if err := gke.EncryptionError(cl); err != nil {
		r.gkeError(&resp.Diagnostics, gke.GetClusterCall(name), err)
	}
}

func (r *GKESecretsEncryptionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := r.importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	project, location, cluster, err := gke.ParseClusterID(id)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), gke.ClusterID(project, location, cluster))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), project)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cluster"), cluster)...)
}
