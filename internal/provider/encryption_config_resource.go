package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/encryptionconfig"
)

var (
	_ resource.ResourceWithValidateConfig = &EncryptionConfigResource{}
	_ resource.ResourceWithModifyPlan     = &EncryptionConfigResource{}
	_ resource.ResourceWithImportState    = &EncryptionConfigResource{}
)

// EncryptionConfigResource renders kube-apiserver's EncryptionConfiguration
// for KMS v2 and, when path is set, owns the file at that path. It makes no
// API call: without path it does no I/O at all.
type EncryptionConfigResource struct{ resourceBase }

// NewEncryptionConfigResource returns the kubeharden_encryption_config resource.
func NewEncryptionConfigResource() resource.Resource {
	// Each operation is one local file read or write.
	const d = time.Minute
	return &EncryptionConfigResource{resourceBase{base{
		name: "encryption_config",
		timeouts: timeoutDefaults{Create: d, Read: d, Update: d, Delete: d, PlanCalls: true, Notes: map[string]string{
			opCreate: "It bounds writing the file.", opRead: "It bounds reading the file back.",
			opUpdate: "It bounds writing the file.", opDelete: "It bounds removing the file.",
		}},
	}}}
}

type encryptionConfigModel struct {
	ID               types.String   `tfsdk:"id"`
	Path             types.String   `tfsdk:"path"`
	Resources        types.List     `tfsdk:"resources"`
	KMS              types.List     `tfsdk:"kms"`
	IdentityFallback types.Bool     `tfsdk:"identity_fallback"`
	YAML             types.String   `tfsdk:"yaml"`
	SHA256           types.String   `tfsdk:"sha256"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

type kmsProviderModel struct {
	Name     types.String `tfsdk:"name"`
	Endpoint types.String `tfsdk:"endpoint"`
	Timeout  types.String `tfsdk:"timeout"`
}

var kmsProviderAttrTypes = map[string]attr.Type{
	"name":     types.StringType,
	"endpoint": types.StringType,
	"timeout":  types.StringType,
}

// defaultIdentityFallback keeps data written before encryption was enabled
// readable: without it, turning encryption on for a cluster with existing
// Secrets makes every one of them unreadable until it is rewritten.
const defaultIdentityFallback = true

func (r *EncryptionConfigResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `EncryptionConfiguration` (`apiserver.config.k8s.io/v1`) of a self-managed control plane, for KMS v2 " +
			"encryption at rest: one resources entry, encrypted by the `kms` providers in order, optionally followed by `identity`. " +
			"It is validated at plan time with kube-apiserver's own rules. With `path`, the file is written atomically with mode `0600` " +
			"(parent directories are created `0700`), a file edited or removed on disk shows as drift, and destroying the resource " +
			"removes the file: a kube-apiserver still started with `--encryption-provider-config` pointing at it will then fail to start. " +
			"Without `path`, nothing is read or written; use `yaml` in cloud-init or configuration management. " +
			"Changing the first `kms` entry is a key rotation: follow it with `kubeharden_storage_rewrite`. Import ID: the `path`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The SHA-256 of the document Terraform last wrote (hex).",
			},
			"path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where to write the file, e.g. `/etc/kubernetes/enc/encryption-config.yaml`: the path given to kube-apiserver's " +
					"`--encryption-provider-config` on the machine that runs Terraform. A symbolic link is followed. A file already there is " +
					"never written over unless it holds exactly this configuration (import it instead). Changing it writes the new " +
					"file first, then removes the old one; removing it removes the file.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"resources": schema.ListAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{types.StringValue("secrets")})),
				MarkdownDescription: "The resources to encrypt, as kube-apiserver names them: `secrets`, `configmaps`, `deployments.apps`, " +
					"`*.apps` (a whole group), `*.` (the core group) or `*.*` (everything). Lower case; no `*` alone, no overlap " +
					"(`secrets` with `*.`), no duplicates, no `extensions` group. Defaults to `[\"secrets\"]`.",
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			"kms": schema.ListNestedAttribute{
				Required: true,
				MarkdownDescription: "KMS v2 plugins, in order. The first encrypts every write; the others only decrypt what was written " +
					"before a rotation. Names must be unique, without `:`, since each stored object records the name of its provider " +
					"(`k8s:enc:kms:v2:<name>:`); never reuse a name for another key.",
				Validators: []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Provider name, unique, without `:`, e.g. `kms-2026`.",
					},
					"endpoint": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "The plugin's gRPC socket: `unix:///var/run/kms/plugin.sock` (only `unix://` is supported).",
					},
					"timeout": schema.StringAttribute{
						Optional:            true,
						Computed:            true,
						Default:             stringdefault.StaticString(encryptionconfig.DefaultTimeout),
						MarkdownDescription: "How long kube-apiserver waits for the plugin, a Go duration greater than 0 (`3s`, `500ms`). Defaults to `" + encryptionconfig.DefaultTimeout + "`.",
					},
				}},
			},
			"identity_fallback": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(defaultIdentityFallback),
				MarkdownDescription: "Put `identity: {}` last, so objects stored before encryption was enabled stay readable. Defaults to `true`, " +
					"which is required while enabling encryption on a cluster with existing data; set it to `false` once " +
					"`kubeharden_storage_rewrite` has rewritten everything.",
			},
			"yaml": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The document. With `path`, what is on disk: a file edited by hand shows here until the next apply restores it.",
			},
			"sha256": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Hex SHA-256 of `yaml`. kube-apiserver reports the same value, as `sha256:<hex>`, in the metric " +
					"`apiserver_encryption_config_controller_last_config_info` once it has loaded the file; " +
					"`kubeharden_storage_rewrite.encryption_config_sha256` waits for it.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}

// config builds the encryptionconfig.Config of m, with the schema's
// defaults for null values (ValidateConfig sees the configuration before
// defaults apply). known is false when any value is unknown.
func (m *encryptionConfigModel) config(ctx context.Context, diags *diag.Diagnostics) (c encryptionconfig.Config, known bool) {
	if m.Resources.IsUnknown() || m.KMS.IsUnknown() || m.IdentityFallback.IsUnknown() {
		return c, false
	}
	if m.Resources.IsNull() {
		c.Resources = []string{"secrets"}
	} else {
		var rs []types.String
		diags.Append(m.Resources.ElementsAs(ctx, &rs, false)...)
		for _, s := range rs {
			if s.IsUnknown() {
				return c, false
			}
			c.Resources = append(c.Resources, s.ValueString())
		}
	}
	var ks []kmsProviderModel
	diags.Append(m.KMS.ElementsAs(ctx, &ks, false)...)
	for _, k := range ks {
		if k.Name.IsUnknown() || k.Endpoint.IsUnknown() || k.Timeout.IsUnknown() {
			return c, false
		}
		p := encryptionconfig.KMSProvider{Name: k.Name.ValueString(), Endpoint: k.Endpoint.ValueString(), Timeout: k.Timeout.ValueString()}
		if k.Timeout.IsNull() {
			p.Timeout = encryptionconfig.DefaultTimeout
		}
		c.KMS = append(c.KMS, p)
	}
	c.IdentityFallback = defaultIdentityFallback
	if !m.IdentityFallback.IsNull() {
		c.IdentityFallback = m.IdentityFallback.ValueBool()
	}
	return c, !diags.HasError()
}

// attrPath turns a Problem's path into the Terraform attribute path.
func attrPath(p encryptionconfig.FieldPath) path.Path {
	if p.Attribute == "" {
		return path.Empty()
	}
	ap := path.Root(p.Attribute)
	if p.Index >= 0 {
		ap = ap.AtListIndex(p.Index)
	}
	if p.Field != "" {
		ap = ap.AtName(p.Field)
	}
	return ap
}

func (r *EncryptionConfigResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m encryptionConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, known := m.config(ctx, &resp.Diagnostics)
	// Empty lists are reported by the list validators; the API server's
	// rules would only repeat them.
	if !known || len(c.Resources) == 0 || len(c.KMS) == 0 {
		return
	}
	for _, p := range encryptionconfig.Validate(c) {
		if ap := attrPath(p.Path); len(ap.Steps()) > 0 {
			resp.Diagnostics.AddAttributeError(ap, p.Summary, p.Detail)
		} else {
			resp.Diagnostics.AddError(p.Summary, p.Detail)
		}
	}
}

// ModifyPlan plans the document (so drift on disk shows as a change of
// yaml), warns of a key rotation, and warns before a file is removed.
func (r *EncryptionConfigResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan encryptionConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, known := plan.config(ctx, &resp.Diagnostics)
	doc, err := encryptionconfig.Render(c)
	switch {
	case !known:
		plan.YAML, plan.SHA256, plan.ID = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	case err != nil:
		// ValidateConfig has reported it already.
		return
	default:
		sum := encryptionconfig.Sum(doc)
		plan.YAML, plan.SHA256, plan.ID = types.StringValue(string(doc)), types.StringValue(sum), types.StringValue(sum)
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)

	var state encryptionConfigModel
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	// A path new to this resource must not hold another configuration. With
	// the document unknown until apply, Create or Update decides.
	if p := plan.Path.ValueString(); p != "" && known && err == nil && p != state.Path.ValueString() {
		pctx, cancel := r.timeouts.planBound(ctx, plan.Timeouts, req.State.Raw.IsNull(), &resp.Diagnostics)
		refuseOverwrite(pctx, p, doc, &resp.Diagnostics)
		cancel()
	}
	if req.State.Raw.IsNull() {
		return
	}
	if warning := rotationWarning(ctx, state, plan); warning != "" {
		tflog.Info(ctx, "The first KMS provider changes: planning a key rotation")
		resp.Diagnostics.AddAttributeWarning(path.Root("kms").AtListIndex(0), "Encryption Key Rotation", warning)
	}
	if old := state.Path.ValueString(); old != "" && !plan.Path.IsUnknown() && plan.Path.ValueString() != old {
		resp.Diagnostics.AddAttributeWarning(path.Root("path"), "Encryption Configuration File Will Be Removed",
			fmt.Sprintf("path changes from %q: once the new file is written, %s is removed. A kube-apiserver still started with "+
				"--encryption-provider-config=%s will fail to start; change its flag first.", old, old, old))
	}
}

// rotationWarning returns the warning for a change of the first KMS
// provider's name or endpoint, or "" when it does not change.
func rotationWarning(ctx context.Context, state, plan encryptionConfigModel) string {
	if state.KMS.IsNull() || plan.KMS.IsUnknown() || plan.KMS.IsNull() {
		return ""
	}
	var before, after []kmsProviderModel
	if state.KMS.ElementsAs(ctx, &before, false).HasError() || plan.KMS.ElementsAs(ctx, &after, false).HasError() || len(before) == 0 || len(after) == 0 {
		return ""
	}
	b, a := before[0], after[0]
	if a.Name.IsUnknown() || a.Endpoint.IsUnknown() || (a.Name.Equal(b.Name) && a.Endpoint.Equal(b.Endpoint)) {
		return ""
	}
	return fmt.Sprintf("The first KMS provider changes from %q (%s) to %q (%s): this is a key rotation, and %q becomes the provider "+
		"that encrypts every write.\n\n"+
		"1. The new provider must be loaded by every kube-apiserver before it becomes the writer. With several API servers, first "+
		"apply a configuration that lists it second (decrypt only), wait until every API server has reloaded it, then move it first; "+
		"otherwise an API server that does not know it yet cannot read what the others write.\n"+
		"2. Objects already stored stay encrypted with the old key until they are rewritten: apply a kubeharden_storage_rewrite "+
		"(for example with encryption_config_sha256 = this resource's sha256), and keep the old provider in the list until it has finished.",
		b.Name.ValueString(), b.Endpoint.ValueString(), a.Name.ValueString(), a.Endpoint.ValueString(), a.Name.ValueString())
}

func (r *EncryptionConfigResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan encryptionConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	r.write(ctx, &plan, "", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// write renders the plan, writes the file when path is set, and fills the
// computed values. oldPath is the path in state ("" on create): a file at
// any other path is only written over when it holds this same document.
func (r *EncryptionConfigResource) write(ctx context.Context, m *encryptionConfigModel, oldPath string, diags *diag.Diagnostics) {
	c, known := m.config(ctx, diags)
	if diags.HasError() {
		return
	}
	if !known {
		diags.AddError("Unknown Encryption Configuration", "A value of the configuration is still unknown at apply time. This is a bug in the provider; please report it.")
		return
	}
	doc, err := encryptionconfig.Render(c)
	if err != nil {
		diags.AddError("Cannot Render Encryption Configuration", err.Error())
		return
	}
	if p := m.Path.ValueString(); p != "" {
		if p != oldPath {
			if refuseOverwrite(ctx, p, doc, diags); diags.HasError() {
				return
			}
		}
		tflog.Debug(ctx, "Writing the encryption configuration", map[string]any{"path": p})
		if err := encryptionconfig.WriteFile(ctx, p, doc); err != nil {
			diags.AddAttributeError(path.Root("path"), "Cannot Write Encryption Configuration",
				fmt.Sprintf("Writing %s failed: %v\n\nNothing was changed at that path: a file already there keeps its old content. "+
					"Check that the path names a file (not a directory) in a directory Terraform can create and write.", p, err))
			return
		}
	}
	sum := encryptionconfig.Sum(doc)
	m.YAML, m.SHA256, m.ID = types.StringValue(string(doc)), types.StringValue(sum), types.StringValue(sum)
	if m.Resources.IsNull() {
		m.Resources = types.ListValueMust(types.StringType, []attr.Value{types.StringValue("secrets")})
	}
}

// refuseOverwrite adds an error when p holds a file other than doc. Writing
// over another EncryptionConfiguration changes what kube-apiserver can
// decrypt, so it is never done silently; the user imports the file or picks
// another path. A missing file is fine, and an unreadable one is left to
// the write to report.
func refuseOverwrite(ctx context.Context, p string, doc []byte, diags *diag.Diagnostics) {
	data, err := encryptionconfig.ReadFile(ctx, p)
	if err != nil || bytes.Equal(data, doc) {
		return
	}
	holds, err := encryptionconfig.Describe(data)
	if err != nil {
		holds = "not an EncryptionConfiguration kube-apiserver can read: " + err.Error()
	}
	diags.AddAttributeError(path.Root("path"), "Encryption Configuration File Exists",
		fmt.Sprintf("path: %s already exists and holds another configuration (%s). Writing over it would change what kube-apiserver "+
			"can decrypt: whatever it stored with a provider listed there and not in this configuration would become unreadable "+
			"once the API server loads the new file. Nothing was written.\n\n"+
			"To manage that file here, import it (an import block with id = %q); import works for files in this resource's shape "+
			"(KMS v2 providers, identity last). Otherwise choose another path, or, if no API server uses the file, move it away first.",
			p, holds, p))
}

// Read reports what is on disk. Without path there is nothing to read: the
// state is kept as is, and no I/O is made.
func (r *EncryptionConfigResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state encryptionConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.Path.ValueString() == "" {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	p := state.Path.ValueString()
	data, err := encryptionconfig.ReadFile(ctx, p)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, encryptionconfig.ErrIsDir):
		tflog.Warn(ctx, "The encryption configuration file is gone from disk; removing the resource from state", map[string]any{"path": p, "reason": err.Error()})
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot Read Encryption Configuration",
			fmt.Sprintf("Reading %s failed: %v\n\nTerraform needs to read the file it manages to detect changes made on disk.", p, err))
		return
	}
	if string(data) != state.YAML.ValueString() {
		tflog.Info(ctx, "The encryption configuration file was changed on disk", map[string]any{"path": p})
	}
	state.YAML = types.StringValue(string(data))
	state.SHA256 = types.StringValue(encryptionconfig.Sum(data))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *EncryptionConfigResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state encryptionConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	r.write(ctx, &plan, state.Path.ValueString(), &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// The old file goes only once the new one is in place.
	if old := state.Path.ValueString(); old != "" && old != plan.Path.ValueString() {
		if err := encryptionconfig.RemoveFile(old); err != nil {
			resp.Diagnostics.AddAttributeWarning(path.Root("path"), "Old Encryption Configuration Not Removed",
				fmt.Sprintf("The new configuration is written, but the previous file could not be removed: %v", err))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *EncryptionConfigResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state encryptionConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.Path.ValueString() == "" {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	if err := ctx.Err(); err != nil {
		resp.Diagnostics.AddError("Encryption Configuration Not Removed", fmt.Sprintf("Removing %s did not start in time: %v", state.Path.ValueString(), err))
		return
	}
	if err := encryptionconfig.RemoveFile(state.Path.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Cannot Remove Encryption Configuration", err.Error())
	}
}

// ImportState takes the path of an existing file written in the shape this
// resource manages (one resources entry, KMS v2 providers, identity last).
func (r *EncryptionConfigResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	p := req.ID
	data, err := encryptionconfig.ReadFile(ctx, p)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Import Encryption Configuration", fmt.Sprintf("Reading %s failed: %v\n\nThe import ID is the path of the file.", p, err))
		return
	}
	c, err := encryptionconfig.Parse(data)
	if err != nil {
		resp.Diagnostics.AddError("Cannot Import Encryption Configuration", fmt.Sprintf("%s: %v", p, err))
		return
	}
	resources, d := types.ListValueFrom(ctx, types.StringType, c.Resources)
	resp.Diagnostics.Append(d...)
	ks := make([]kmsProviderModel, 0, len(c.KMS))
	for _, k := range c.KMS {
		ks = append(ks, kmsProviderModel{Name: types.StringValue(k.Name), Endpoint: types.StringValue(k.Endpoint), Timeout: types.StringValue(k.Timeout)})
	}
	kms, d := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: kmsProviderAttrTypes}, ks)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	sum := encryptionconfig.Sum(data)
	if rendered, err := encryptionconfig.Render(c); err != nil || string(rendered) != string(data) {
		tflog.Info(ctx, "The imported file differs from what kubeharden renders; the next apply rewrites it", map[string]any{"path": p})
	}
	m := encryptionConfigModel{
		ID:               types.StringValue(sum),
		Path:             types.StringValue(p),
		Resources:        resources,
		KMS:              kms,
		IdentityFallback: types.BoolValue(c.IdentityFallback),
		YAML:             types.StringValue(string(data)),
		SHA256:           types.StringValue(sum),
		Timeouts:         timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes)},
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

var timeoutsAttrTypes = map[string]attr.Type{
	"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
}
