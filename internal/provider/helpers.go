package provider

import (
	"context"
	"fmt"
	"time"

	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	datasourceschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

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

// addKubeErrorOf is addKubeError for a call made by the resource or data
// source typeName: a refusal also lists every rule typeName needs, so that
// the identity is fixed once rather than one verb per failed apply.
func addKubeErrorOf(diags *diag.Diagnostics, typeName string, op kube.Op, err error) {
	summary, detail := kube.Describe(op, err)
	if apierrors.IsForbidden(err) {
		detail += permissionsHint(typeName)
	}
	diags.AddError(summary, detail)
}

// kubeDataSourceTimeout is the default read timeout of the Kubernetes data
// sources: a few small calls, retried on transient errors.
const kubeDataSourceTimeout = 2 * time.Minute

// dataSourceTimeoutsBlock is the `timeouts` block of a Kubernetes data source.
func dataSourceTimeoutsBlock(ctx context.Context) datasourceschema.Block {
	b := dstimeouts.BlockWithOpts(ctx, dstimeouts.Opts{
		ReadDescription: fmt.Sprintf("Time limit of the read, as a Go duration such as `30s` or `10m`. Default `%s`. "+
			"Transient API errors are retried until then; a call still running when it ends fails with an error naming the call.",
			shortDuration(kubeDataSourceTimeout)),
	}).(datasourceschema.SingleNestedBlock)
	b.MarkdownDescription = fmt.Sprintf("Time limit of the read (default `%s`).", shortDuration(kubeDataSourceTimeout))
	return b
}

// timeoutsBlock is the `timeouts` block of a resource, with each operation's
// default written into its description. Operations absent from defaults
// are not offered.
func timeoutsBlock(ctx context.Context, defaults map[string]time.Duration) schema.Block {
	desc := func(op string) string {
		d, ok := defaults[op]
		if !ok {
			return ""
		}
		return fmt.Sprintf("Time limit of %s, as a Go duration such as `30s` or `10m`. Default `%s`. A call still running when it ends fails with an error naming the call.", op, shortDuration(d))
	}
	_, c := defaults["create"]
	_, r := defaults["read"]
	_, u := defaults["update"]
	_, d := defaults["delete"]
	return timeouts.Block(ctx, timeouts.Opts{
		Create: c, Read: r, Update: u, Delete: d,
		CreateDescription: desc("create"), ReadDescription: desc("read"),
		UpdateDescription: desc("update"), DeleteDescription: desc("delete"),
	})
}

func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return d.String()
	}
}
