package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// providerData takes the provider's data from a Configure request. It returns
// nil while the provider is not configured yet (validation, early plan), and
// reports a value of a wrong type as an error naming that type.
func providerData(v any, diags *diag.Diagnostics) *ProviderData {
	if v == nil {
		return nil
	}
	d, ok := v.(*ProviderData)
	if !ok {
		diags.AddError("Unexpected Provider Data Type",
			fmt.Sprintf("Expected *provider.ProviderData, got %T. This is a bug in the provider; please report it.", v))
		return nil
	}
	return d
}

// kubeClient returns the Kubernetes client, or adds a diagnostic that says
// why there is none.
func (d *ProviderData) kubeClient(ctx context.Context, op kube.Op, diags *diag.Diagnostics) *kube.Client {
	if d == nil {
		diags.AddError("Provider Not Configured", "The kubeharden provider was not configured before it was used. This is a bug in the provider; please report it.")
		return nil
	}
	c, err := d.Kube.Get(ctx)
	if err != nil {
		addKubeError(diags, op, err)
		return nil
	}
	return c
}

// addKubeError adds the diagnostic that describes err, a failure of op.
func addKubeError(diags *diag.Diagnostics, op kube.Op, err error) {
	summary, detail := kube.Describe(op, err)
	diags.AddError(summary, detail)
}
