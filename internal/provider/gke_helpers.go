package provider

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
)

// gkeProject resolves a project attribute: its own value, else the
// provider's google.project. It adds an attribute error when neither is set.
func (b *base) gkeProject(v types.String, diags *diag.Diagnostics) (string, bool) {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString(), true
	}
	p := ""
	if b.data != nil {
		p, _ = b.data.Google.Project()
	}
	if p == "" {
		missingProject(diags)
		return "", false
	}
	return p, true
}

// missingProject adds the error of a GKE resource or data source whose
// project is set neither on its block nor on the provider.
func missingProject(diags *diag.Diagnostics) {
	diags.AddAttributeError(path.Root("project"), "Missing Project",
		"No project is set on this block, and the provider has no default: set project here, or google.project in the provider block (or the GOOGLE_PROJECT environment variable).")
}

// Validators shared by the GKE resource and data source.
var (
	gkeProjectValidators = []validator.String{
		stringvalidator.RegexMatches(regexp.MustCompile(`^[^/\s]+$`), "must be a project ID such as `my-project`, without `/` or spaces"),
	}
	gkeLocationValidators = []validator.String{
		stringvalidator.RegexMatches(regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`), "must be a region such as `europe-west1` or a zone such as `europe-west1-b`"),
	}
	gkeClusterNameValidators = []validator.String{
		stringvalidator.LengthAtMost(40),
		stringvalidator.RegexMatches(regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`), "must be a GKE cluster name: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"),
	}
	gkeKeyNameValidators = []validator.String{
		stringvalidator.RegexMatches(gke.KeyNameRE, "must be a Cloud KMS key name, "+gke.KeyNameFormat+" (a key, not a key version)"),
	}
)
