package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// identitySpec is the one declaration of a resource's identity (Terraform
// 1.12+): its attributes, all strings, where their values come from, and
// how an import block's `identity = { ... }` becomes the import ID that the
// resource's ImportState already takes. The identity schema, the identity
// saved by Create, Read and Update, and import by identity all come from it,
// so a resource declares it in its constructor and calls setIdentity and
// importID, nothing else.
type identitySpec struct {
	attrs []identityAttr
	// mutable is set when an in-place update can change the identity
	// (ResourceBehavior.MutableIdentity), e.g. a file that moves.
	mutable bool
	// derived returns the values of attributes that are not state
	// attributes (the provider's EKS region).
	derived func(ctx context.Context, b *base, diags *diag.Diagnostics) map[string]string
	// importID turns the values of an import block's identity into the
	// import ID; nil when the ID is the one attribute's value.
	importID func(ctx context.Context, b *base, v map[string]string, diags *diag.Diagnostics) string
}

// identityAttr is one attribute of an identity.
type identityAttr struct {
	name, description string
	// optional: an import block may leave it out (importID supplies a default).
	optional bool
	// derived: not a state attribute of the same name; identitySpec.derived gives it.
	derived bool
}

// identityOf is the common case: identity attributes that are state
// attributes of the same names, all required for import.
func identityOf(attrs ...identityAttr) *identitySpec { return &identitySpec{attrs: attrs} }

// IdentitySchema makes every resource a resource.ResourceWithIdentity.
func (r *resourceBase) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	attrs := map[string]identityschema.Attribute{}
	for _, a := range r.identity.attrs {
		attrs[a.name] = identityschema.StringAttribute{Description: a.description, RequiredForImport: !a.optional, OptionalForImport: a.optional}
	}
	resp.IdentitySchema = identityschema.Schema{Attributes: attrs}
}

// setIdentity saves the identity of the object that state describes. It is
// the last step of Create and Update (Read defers readIdentity), also after
// an error that left a partial state.
func (b *base) setIdentity(ctx context.Context, state tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || state.Raw.IsNull() {
		return
	}
	b.identityFrom(ctx, state, identity, diags)
}

// readIdentity is the identity step of Read, deferred at its start: the
// identity of the state Read leaves, or, when Read removed the resource,
// of the state it was given. (The framework requires an identity after
// every Read without errors; a CLI that does not keep identities, before
// Terraform 1.12, sends none to fall back on.)
func (b *base) readIdentity(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := resp.State
	if state.Raw.IsNull() {
		state = req.State
	}
	b.setIdentity(ctx, state, resp.Identity, &resp.Diagnostics)
}

// attrGetter is a state, or the resource object of a list result.
type attrGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// identityFrom sets identity from the attributes of a resource object.
func (b *base) identityFrom(ctx context.Context, state attrGetter, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	var derived map[string]string
	if b.identity.derived != nil {
		var d diag.Diagnostics
		if derived = b.identity.derived(ctx, b, &d); d.HasError() {
			diags.Append(d...)
			return
		}
	}
	for _, a := range b.identity.attrs {
		v := derived[a.name]
		if !a.derived {
			var s types.String
			if d := state.GetAttribute(ctx, path.Root(a.name), &s); d.HasError() {
				diags.Append(d...)
				return
			}
			// A null attribute (an encryption configuration without a
			// path) is an empty string: an identity must not be null.
			v = s.ValueString()
		}
		diags.Append(identity.SetAttribute(ctx, path.Root(a.name), v)...)
	}
}

// importID is the import ID of an import request: the ID of `terraform
// import` or of an import block's `id`, or the one made of its `identity`.
func (b *base) importID(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) string {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		return req.ID
	}
	v := map[string]string{}
	for _, a := range b.identity.attrs {
		var s types.String
		if diags.Append(req.Identity.GetAttribute(ctx, path.Root(a.name), &s)...); diags.HasError() {
			return ""
		}
		if s.ValueString() == "" && !a.optional {
			diags.AddAttributeError(path.Root(a.name), "Missing Identity Attribute",
				fmt.Sprintf("The import block's identity has no %s. Importing a %s by identity needs %s.", a.name, b.typeName(), b.identityAttrList()))
			return ""
		}
		v[a.name] = s.ValueString()
	}
	if b.identity.importID == nil {
		return v[b.identity.attrs[0].name]
	}
	return b.identity.importID(ctx, b, v, diags)
}

// identityAttrList names the identity attributes for an error: "`a` and `b`".
func (b *base) identityAttrList() string {
	names := make([]string, 0, len(b.identity.attrs))
	for _, a := range b.identity.attrs {
		n := "`" + a.name + "`"
		if a.optional {
			n += " (optional)"
		}
		names = append(names, n)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
