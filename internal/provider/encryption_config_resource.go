package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/encryptionconfig"
)

var (
	_ resource.ResourceWithValidateConfig = &EncryptionConfigResource{}
	_ resource.ResourceWithModifyPlan     = &EncryptionConfigResource{}
	_ resource.ResourceWithImportState    = &EncryptionConfigResource{}
	_ resource.ResourceWithIdentity       = &EncryptionConfigResource{}
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
		// The file is the object: its path, or "" for a configuration
		// without a file. Changing the path moves the file in place, so
		// the identity changes with it.
		identity: &identitySpec{mutable: true, attrs: []identityAttr{{name: "path",
			description: "The path of the file; empty for a configuration without a path, which has no file to import."}}},
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

func (m encryptionConfigModel) timeoutsValue() timeouts.Value { return m.Timeouts }

type kmsProviderModel struct {
	Name     types.String `tfsdk:"name"`
	Endpoint types.String `tfsdk:"endpoint"`
	Timeout  types.String `tfsdk:"timeout"`
}

// kmsProviderAttrTypes is derived from kmsProviderModel once.
var kmsProviderAttrTypes = attrTypesOf[kmsProviderModel]()

// defaultIdentityFallback keeps data written before encryption was enabled
// readable: without it, turning encryption on for a cluster with existing
// Secrets makes every one of them unreadable until it is rewritten.
const defaultIdentityFallback = true

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
