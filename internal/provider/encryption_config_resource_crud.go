package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/encryptionconfig"
)

func (r *EncryptionConfigResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ctx, cancel, ok := begin[encryptionConfigModel](ctx, r.timeouts, getPlan(req.Plan), opCreate, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	r.write(ctx, &plan, "", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
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
	defer r.readIdentity(ctx, req, resp)
	state, ctx, cancel, ok := begin[encryptionConfigModel](ctx, r.timeouts, getState(req.State), opRead, &resp.Diagnostics)
	defer cancel()
	if !ok || state.Path.ValueString() == "" {
		return
	}
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
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}

func (r *EncryptionConfigResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state encryptionConfigModel
	resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...)
	resp.Diagnostics.Append(getState(req.State)(ctx, &state)...)
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
	resp.Diagnostics.Append(setState(ctx, &resp.State, &plan)...)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *EncryptionConfigResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, ok := begin[encryptionConfigModel](ctx, r.timeouts, getState(req.State), opDelete, &resp.Diagnostics)
	defer cancel()
	if !ok || state.Path.ValueString() == "" {
		return
	}
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
	p := r.importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
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
		Timeouts:         r.timeouts.nullResourceValue(),
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &m)...)
}
