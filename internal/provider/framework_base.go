package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// providerTypeName prefixes every resource and data source type name.
const providerTypeName = "kubeharden"

// base is what every resource and data source shares: its name, its time
// limits declared once, the provider's data, and the one path from a
// failed call to a diagnostic. Resources embed resourceBase and data
// sources dataSourceBase, so a type's file holds only what is its own.
type base struct {
	// name is the type name without the provider prefix, e.g. "seccomp_default".
	name     string
	timeouts timeoutDefaults
	// identity is a resource's identity (framework_identity.go).
	identity *identitySpec
	data     *ProviderData
	// dataSource is set by dataSourceBase: a data source is read during the
	// plan, so its error for a connection not known yet says how to defer
	// the read to apply.
	dataSource bool
}

// typeName is the full type name, e.g. "kubeharden_seccomp_default".
func (b *base) typeName() string { return providerTypeName + "_" + b.name }

// timeoutDefaults exposes the declared limits (the timeouts test reads them).
func (b *base) timeoutDefaults() timeoutDefaults { return b.timeouts }

// configure takes the provider's data from a Configure request. It stays nil
// while the provider is not configured yet (validation, early plan), and a
// value of a wrong type is an error naming that type.
func (b *base) configure(v any, diags *diag.Diagnostics) {
	if v == nil {
		return
	}
	d, ok := v.(*ProviderData)
	if !ok {
		diags.AddError("Unexpected Provider Data Type",
			fmt.Sprintf("Expected *provider.ProviderData, got %T. This is a bug in the provider; please report it.", v))
		return
	}
	b.data = d
}

// lazyClient is what the provider's lazily built clients have in common.
type lazyClient[T any] interface {
	Get(ctx context.Context) (T, error)
}

// clientOf returns the client that pick chooses from the provider's data,
// building it on first use, or adds the diagnostic that describe makes of
// the failure (ok false).
func clientOf[T any](ctx context.Context, d *ProviderData, pick func(*ProviderData) lazyClient[T],
	describe func(error) (summary, detail string), diags *diag.Diagnostics) (c T, ok bool) {
	if d == nil {
		diags.AddError("Provider Not Configured", "The kubeharden provider was not configured before it was used. This is a bug in the provider; please report it.")
		return c, false
	}
	c, err := pick(d).Get(ctx)
	if err != nil {
		diags.AddError(describe(err))
		return c, false
	}
	return c, true
}

// kube returns the Kubernetes client; op names the first call the caller
// is about to make, for the error when there is no client.
func (b *base) kube(ctx context.Context, op kube.Op, diags *diag.Diagnostics) *kube.Client {
	c, _ := clientOf(ctx, b.data, func(d *ProviderData) lazyClient[*kube.Client] { return d.Kube },
		b.unknownHint(kube.ErrUnknownConfig, func(err error) (string, string) { return kube.Describe(op, err) }), diags)
	return c
}

// eks returns the EKS client; op names the first call.
func (b *base) eks(ctx context.Context, op eks.Op, diags *diag.Diagnostics) *eks.Client {
	c, _ := clientOf(ctx, b.data, func(d *ProviderData) lazyClient[*eks.Client] { return d.AWS },
		b.unknownHint(eks.ErrUnknownConfig, func(err error) (string, string) { return eks.Describe(op, err) }), diags)
	return c
}

// gke returns the Kubernetes Engine client; call names the first call.
func (b *base) gke(ctx context.Context, call gke.Call, diags *diag.Diagnostics) *gke.Client {
	c, _ := clientOf(ctx, b.data, func(d *ProviderData) lazyClient[*gke.Client] { return d.Google },
		b.unknownHint(gke.ErrUnknownConfig, func(err error) (string, string) { return gke.Describe(call, err) }), diags)
	return c
}

// aks returns the AKS client; call names the first call.
func (b *base) aks(ctx context.Context, call aks.Call, diags *diag.Diagnostics) *aks.Client {
	c, _ := clientOf(ctx, b.data, func(d *ProviderData) lazyClient[*aks.Client] { return d.Azure },
		b.unknownHint(aks.ErrUnknownConfig, func(err error) (string, string) { return aks.Describe(call, err) }), diags)
	return c
}

// sameRunHint ends the error of a data source whose provider block is not
// known during the plan. Terraform reads a data source during the plan
// unless it depends on a pending change, and apply needs a plan that
// succeeds, so without depends_on such a configuration never converges.
const sameRunHint = "\n\nTerraform reads a data source during the plan unless it depends on a change that is still pending, so this one " +
	"fails on every plan until those values are known, and the configuration can never be applied. Add the resource that " +
	"produces them (the cluster, or the kubeconfig file or credentials made from it) to this data source's depends_on, for " +
	"example depends_on = [aws_eks_cluster.this]: Terraform then reads the data source during apply, after that resource, and " +
	"later plans read it as usual. See \"Cluster created in the same run\" in the provider's documentation."

// unknownHint wraps describe so that, for a data source, the error of a
// provider block not known yet (unknown) says how to defer the read.
func (b *base) unknownHint(unknown error, describe func(error) (string, string)) func(error) (string, string) {
	if !b.dataSource {
		return describe
	}
	return func(err error) (string, string) {
		summary, detail := describe(err)
		if errors.Is(err, unknown) {
			detail += sameRunHint
		}
		return summary, detail
	}
}

// kubeError adds the diagnostic of a failed Kubernetes call. A refusal also
// lists every rule this type needs, so the identity is fixed once rather
// than one verb per failed apply.
func (b *base) kubeError(diags *diag.Diagnostics, op kube.Op, err error) {
	summary, detail := kube.Describe(op, err)
	if apierrors.IsForbidden(err) {
		detail += permissionsHint(b.typeName())
	}
	diags.AddError(summary, detail)
}

// eksError adds the diagnostic of a failed EKS call.
func (b *base) eksError(diags *diag.Diagnostics, op eks.Op, err error) {
	diags.AddError(eks.Describe(op, err))
}

// gkeError adds the diagnostic of a failed Kubernetes Engine call.
func (b *base) gkeError(diags *diag.Diagnostics, call gke.Call, err error) {
	diags.AddError(gke.Describe(call, err))
}

// aksError adds the diagnostic of a failed AKS call.
func (b *base) aksError(diags *diag.Diagnostics, call aks.Call, err error) {
	diags.AddError(aks.Describe(call, err))
}

// resourceBase gives a resource its Metadata and Configure.
type resourceBase struct{ base }

func (r *resourceBase) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.name
	resp.ResourceBehavior.MutableIdentity = r.identity != nil && r.identity.mutable
}

func (r *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.configure(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase gives a data source its Metadata and Configure.
type dataSourceBase struct{ base }

func (d *dataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.name
}

func (d *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.dataSource = true
	d.configure(req.ProviderData, &resp.Diagnostics)
}

// sameRunDescription ends the description of every data source that reads a
// cluster: what to do when the provider's connection comes from a resource
// of the same run (see sameRunHint).
const sameRunDescription = "\n\nWhen the provider's connection block takes a value from a resource created in the same run " +
	"(a new cluster), add that resource to this data source's `depends_on`, so that it is read during apply; see " +
	"\"Cluster created in the same run\" in the provider's documentation."
