package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
)

// eksClient returns the EKS client, or adds a diagnostic that says why there
// is none (no region, no credentials, an aws block unknown until apply).
func (d *ProviderData) eksClient(ctx context.Context, op eks.Op, diags *diag.Diagnostics) *eks.Client {
	if d == nil {
		diags.AddError("Provider Not Configured", "The kubeharden provider was not configured before it was used. This is a bug in the provider; please report it.")
		return nil
	}
	c, err := d.AWS.Get(ctx)
	if err != nil {
		addEKSError(diags, op, err)
		return nil
	}
	return c
}

// addEKSError adds the diagnostic that describes err, a failure of op.
func addEKSError(diags *diag.Diagnostics, op eks.Op, err error) {
	summary, detail := eks.Describe(op, err)
	diags.AddError(summary, detail)
}
