package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
)

var (
	_ resource.ResourceWithConfigure   = &EKSSecretsEncryptionResource{}
	_ resource.ResourceWithImportState = &EKSSecretsEncryptionResource{}
	_ resource.ResourceWithModifyPlan  = &EKSSecretsEncryptionResource{}
	_ resource.ResourceWithIdentity    = &EKSSecretsEncryptionResource{}
)

// EKSSecretsEncryptionResource enables KMS envelope encryption of Secrets on
// an existing EKS cluster. EKS can neither change nor remove the key
// afterwards, which shapes the whole lifecycle: a key change is refused at
// plan time, and destroy only forgets.
type EKSSecretsEncryptionResource struct{ resourceBase }

// eksIdentity is the cluster: the provider's region, and the name. An
// import block may leave the region out; one that names another region than
// the provider's is refused, since this provider cannot reach that cluster.
var eksIdentity = &identitySpec{
	attrs: []identityAttr{
		{name: "region", description: "The cluster's AWS region (the provider's).", optional: true, derived: true},
		{name: "cluster_name", description: "The cluster's name."},
	},
	derived: func(ctx context.Context, b *base, diags *diag.Diagnostics) map[string]string {
		c := b.eks(ctx, eks.Op{Action: "DescribeCluster"}, diags)
		if c == nil {
			return nil
		}
		return map[string]string{"region": c.Region}
	},
	importID: func(ctx context.Context, b *base, v map[string]string, diags *diag.Diagnostics) string {
		if v["region"] == "" {
			return v["cluster_name"]
		}
		c := b.eks(ctx, eks.Op{Action: "DescribeCluster", Cluster: v["cluster_name"], Region: v["region"]}, diags)
		if c != nil && c.Region != v["region"] {
			diags.AddAttributeError(path.Root("region"), "Cluster In Another Region",
				fmt.Sprintf("The import block's identity names the region %s, but this provider manages EKS clusters in %s. "+
					"Import with a provider configured for %s (the import block's provider argument), or leave region out.", v["region"], c.Region, v["region"]))
		}
		return v["cluster_name"]
	},
}

// NewEKSSecretsEncryptionResource returns the kubeharden_eks_secrets_encryption resource.
func NewEKSSecretsEncryptionResource() resource.Resource {
	return &EKSSecretsEncryptionResource{resourceBase{base{
		name: "eks_secrets_encryption",
		// Associating a key makes EKS re-encrypt every Secret; AWS documents
		// it as taking a while, and it has been seen to take most of an hour
		// on large clusters. Update only changes these timeouts and destroy
		// only forgets the resource, so neither calls AWS.
		timeouts: timeoutDefaults{Create: 60 * time.Minute, Read: 5 * time.Minute, PlanCalls: true, Notes: map[string]string{
			opCreate: "It bounds the wait for EKS to finish the association (`DescribeUpdate` reaching `Successful`).",
			opRead:   "It bounds a refresh and an import.",
		}},
		identity: eksIdentity,
	}}}
}

type eksSecretsEncryptionModel struct {
	ID          types.String   `tfsdk:"id"`
	ClusterName types.String   `tfsdk:"cluster_name"`
	KeyARN      types.String   `tfsdk:"key_arn"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (m eksSecretsEncryptionModel) timeoutsValue() timeouts.Value { return m.Timeouts }

func (r *EKSSecretsEncryptionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "KMS envelope encryption of Secrets with a customer-managed key on an existing EKS cluster " +
			"(`AssociateEncryptionConfig`, then waiting on `DescribeUpdate`).\n\n" +
			"EKS cannot change the key of a cluster or turn the encryption off, so:\n" +
			"- a cluster already encrypted with the same key is adopted, and one encrypted with another key is an error;\n" +
			"- changing `key_arn` is refused at plan time;\n" +
			"- an apply that finds the association of the same key still running (an earlier apply timed out) waits for it " +
			"instead of failing; any other update in progress is an error that lists it;\n" +
			"- destroying the resource only removes it from the state, with a warning: the cluster stays encrypted, and " +
			"still needs the key to read its Secrets.\n\n" +
			"From Kubernetes 1.28, EKS encrypts all Kubernetes API data with an AWS-owned key by default; this resource adds " +
			"envelope encryption of Secrets with a key you own, so that you control and audit its use.\n\n" +
			"IAM permissions: " + iamPermissions(r.typeName(), "eks:") + ", and on the key " + iamPermissions(r.typeName(), "kms:") + ".",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The cluster name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cluster_name": schema.StringAttribute{
				Required:            true,
				Validators:          eksClusterNameValidators,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				MarkdownDescription: "Name of an existing EKS cluster in the provider's region. Changing it manages another cluster (replacement).",
			},
			"key_arn": schema.StringAttribute{
				Required:   true,
				Validators: []validator.String{kmsKeyARNValidator{}},
				MarkdownDescription: "ARN of the symmetric KMS key that encrypts the Secrets, in the cluster's region: " +
					"`arn:<partition>:kms:<region>:<account>:key/<key-id>`, e.g. `" + eks.KeyARNExample + "`. " +
					"Alias ARNs are refused: EKS keeps the key the alias points to, so use the key's own ARN. " +
					"Cannot be changed once applied: EKS does not allow it.",
			},
		},
		Blocks: map[string]schema.Block{"timeouts": r.timeouts.resourceBlock(ctx)},
	}
}

// kmsKeyARNValidator checks key_arn at plan time with eks.ParseKeyARN,
// whose messages say what part of the ARN is wrong.
type kmsKeyARNValidator struct{}

func (v kmsKeyARNValidator) Description(context.Context) string {
	return "must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<key-id>"
}

func (v kmsKeyARNValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v kmsKeyARNValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := eks.ParseKeyARN(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid KMS Key ARN", err.Error())
	}
}

// ModifyPlan refuses a key change on the same cluster, warns that destroy
// leaves the cluster encrypted, and checks that a new key is in the
// provider's region.
func (r *EKSSecretsEncryptionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		if !req.State.Raw.IsNull() {
			var state eksSecretsEncryptionModel
			resp.Diagnostics.Append(getState(req.State)(ctx, &state)...)
			resp.Diagnostics.AddWarning("EKS Secrets Encryption Stays On", destroyWarning(state))
		}
		return
	}
	var plan eksSecretsEncryptionModel
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.KeyARN.IsUnknown() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state eksSecretsEncryptionModel
		resp.Diagnostics.Append(getState(req.State)(ctx, &state)...)
		sameCluster := !plan.ClusterName.IsUnknown() && plan.ClusterName.Equal(state.ClusterName)
		if sameCluster && !plan.KeyARN.Equal(state.KeyARN) {
			tflog.Info(ctx, "Refusing a key change of EKS Secrets encryption", map[string]any{"cluster": state.ClusterName.ValueString()})
			resp.Diagnostics.AddAttributeError(path.Root("key_arn"), "EKS Cannot Change The Secrets Encryption Key",
				fmt.Sprintf("The Secrets of cluster %q are encrypted with the KMS key %s; the configuration asks for %s.\n\n"+
					"EKS cannot change or remove the key of a cluster once associated. Set key_arn back to %s, or create a new "+
					"cluster to use another key. Rotate the key material instead with KMS automatic key rotation, which keeps the key ARN.",
					state.ClusterName.ValueString(), state.KeyARN.ValueString(), plan.KeyARN.ValueString(), state.KeyARN.ValueString()))
		}
		return
	}
	// A new association: the key must be in the cluster's region, which is
	// the provider's. Without usable AWS settings yet (unknown until
	// apply, no credentials) the check is left to Create.
	key, err := eks.ParseKeyARN(plan.KeyARN.ValueString())
	if err != nil || r.data == nil {
		return
	}
	ctx, cancel := r.timeouts.planBound(ctx, plan.Timeouts, true, &resp.Diagnostics)
	defer cancel()
	c, err := r.data.AWS.Get(ctx)
	if err != nil {
		tflog.Debug(ctx, "Skipping the key region check: no EKS client yet", map[string]any{"error": err.Error()})
		return
	}
	if key.Region != c.Region {
		resp.Diagnostics.AddAttributeError(path.Root("key_arn"), "KMS Key In Another Region",
			fmt.Sprintf("The key %s is in %s, but the provider manages EKS clusters in %s. EKS needs a key in the cluster's own region: "+
				"use a key (or a multi-Region key replica) in %s.", key, key.Region, c.Region, c.Region))
	}
}

func destroyWarning(state eksSecretsEncryptionModel) string {
	return fmt.Sprintf("Terraform will stop managing the Secrets encryption of cluster %q, but EKS cannot turn it off: the cluster "+
		"keeps encrypting Secrets with %s until the cluster itself is deleted.\n\nDo not disable or schedule the deletion of "+
		"that key while the cluster exists: the cluster needs it to read its Secrets.",
		state.ClusterName.ValueString(), state.KeyARN.ValueString())
}

func (r *EKSSecretsEncryptionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ctx, cancel, ok := begin[eksSecretsEncryptionModel](ctx, r.timeouts, getPlan(req.Plan), opCreate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name, key := plan.ClusterName.ValueString(), plan.KeyARN.ValueString()
	c, cluster, ok := r.describeEKSCluster(ctx, name, false, &resp.Diagnostics)
	if !ok {
		return
	}
	switch existing := eks.SecretsKeyARN(cluster); existing {
	case key:
		tflog.Info(ctx, "Adopting existing EKS Secrets encryption with the same key", map[string]any{"cluster": name, "key_arn": key})
	case "":
		op := eks.Op{Action: "AssociateEncryptionConfig", Cluster: name, Region: c.Region}
		update, err := eks.AssociateSecretsKey(ctx, c.EKS, name, key)
		if eks.IsInUse(err) {
			// An earlier apply may have timed out while its association
			// still runs: wait for that one rather than fail.
			running, lerr := eks.RunningUpdates(ctx, c.EKS, name)
			if lerr != nil {
				r.eksError(&resp.Diagnostics, eks.Op{Action: "ListUpdates", Cluster: name, Region: c.Region}, lerr)
				return
			}
			if update, err = eks.RunningAssociation(name, running, key, err); err == nil {
				tflog.Info(ctx, "Waiting for the association of the same key already in progress", map[string]any{"cluster": name, "update_id": aws.ToString(update.Id)})
			}
		}
		if err != nil {
			r.eksError(&resp.Diagnostics, op, err)
			return
		}
		updateID := aws.ToString(update.Id)
		tflog.Info(ctx, "Waiting for EKS to associate the Secrets encryption key", map[string]any{"cluster": name, "update_id": updateID})
		op.Action = "DescribeUpdate"
		if _, err := eks.WaitForUpdate(ctx, c.EKS, name, updateID, eks.DefaultWaitOptions); err != nil {
			r.eksError(&resp.Diagnostics, op, err)
			return
		}
	default:
		resp.Diagnostics.AddAttributeError(path.Root("key_arn"), "Cluster Already Encrypted With Another Key",
			fmt.Sprintf("The Secrets of cluster %q in %s are already encrypted with the KMS key %s, not %s.\n\n"+
				"EKS cannot change the key of a cluster. To manage the existing encryption, set key_arn = %q "+
				"(or import it: terraform import <address> %s).", name, c.Region, existing, key, existing, name))
		return
	}
	plan.ID = types.StringValue(name)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *EKSSecretsEncryptionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer r.readIdentity(ctx, req, resp)
	state, ctx, cancel, ok := begin[eksSecretsEncryptionModel](ctx, r.timeouts, getState(req.State), opRead, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}

	name := state.ClusterName.ValueString()
	c, cluster, ok := r.describeEKSCluster(ctx, name, true, &resp.Diagnostics)
	if !ok {
		return
	}
	if cluster == nil {
		tflog.Warn(ctx, "EKS cluster no longer exists; removing its Secrets encryption from state", map[string]any{"cluster": name, "region": c.Region})
		resp.State.RemoveResource(ctx)
		return
	}
	key := eks.SecretsKeyARN(cluster)
	if key == "" {
		// Only a cluster re-created under the same name can lose its
		// encryption; the state must not claim what the cluster lacks.
		tflog.Warn(ctx, "EKS cluster has no Secrets encryption; removing it from state", map[string]any{"cluster": name})
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = types.StringValue(name)
	state.KeyARN = types.StringValue(key)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}

// Update only ever changes timeouts: cluster_name forces replacement and a
// key change is refused by ModifyPlan.
func (r *EKSSecretsEncryptionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan eksSecretsEncryptionModel
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = plan.ClusterName
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Delete only forgets: EKS has no API to turn Secrets encryption off.
func (r *EKSSecretsEncryptionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state eksSecretsEncryptionModel
	resp.Diagnostics.Append(getState(req.State)(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	tflog.Info(ctx, "Forgetting EKS Secrets encryption; the cluster stays encrypted", map[string]any{"cluster": state.ClusterName.ValueString()})
	resp.Diagnostics.AddWarning("EKS Secrets Encryption Stays On", destroyWarning(state))
}

// ImportState takes a cluster name. It reads the cluster so that importing a
// cluster without Secrets encryption fails with a clear message.
func (r *EKSSecretsEncryptionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name := r.importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, v := range eksClusterNameValidators {
		vr := &validator.StringResponse{}
		v.ValidateString(ctx, validator.StringRequest{Path: path.Root("cluster_name"), ConfigValue: types.StringValue(name)}, vr)
		if vr.Diagnostics.HasError() {
			resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("The import ID is the EKS cluster name; %q %s.", name, v.Description(ctx)))
			return
		}
	}
	// An import has no configured timeouts: the read default bounds it.
	ctx, cancel := context.WithTimeout(ctx, r.timeouts.Read)
	defer cancel()
	c, cluster, ok := r.describeEKSCluster(ctx, name, false, &resp.Diagnostics)
	if !ok {
		return
	}
	key := eks.SecretsKeyARN(cluster)
	if key == "" {
		resp.Diagnostics.AddError("Cluster Has No Secrets Encryption",
			fmt.Sprintf("Cluster %q in %s does not encrypt its Secrets with a KMS key, so there is nothing to import. "+
				"Declare the resource with the key to use, and apply: it associates the key.", name, c.Region))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cluster_name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("key_arn"), key)...)
}
