package provider

import (
	"context"
	"errors"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

var (
	_ list.ListResource              = &NamespacePodSecurityListResource{}
	_ list.ListResourceWithConfigure = &NamespacePodSecurityListResource{}
)

// psaLabelPrefix starts every Pod Security Admission label.
const psaLabelPrefix = "pod-security.kubernetes.io/"

// NamespacePodSecurityListResource lists namespaces as
// kubeharden_namespace_pod_security resources, for `terraform query`
// (Terraform 1.14+): one import block and one resource per namespace, with
// the labels each one has, so adopting a live cluster is one command. It
// shares the resource's name, identity, read limit and Read mapping, and
// its Metadata and Configure.
type NamespacePodSecurityListResource struct {
	resourceBase
}

// NewNamespacePodSecurityListResource returns the list resource of kubeharden_namespace_pod_security.
func NewNamespacePodSecurityListResource() list.ListResource {
	r := NewNamespacePodSecurityResource().(*NamespacePodSecurityResource)
	return &NamespacePodSecurityListResource{r.resourceBase}
}

type namespacePodSecurityListModel struct {
	LabelSelector  types.String `tfsdk:"label_selector"`
	Exclude        types.List   `tfsdk:"exclude"`
	UnlabelledOnly types.Bool   `tfsdk:"unlabelled_only"`
}

func (l *NamespacePodSecurityListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the namespaces of the cluster as `kubeharden_namespace_pod_security` resources, for `terraform query` " +
			"(Terraform 1.14 and later): each result has the namespace's identity and, with `include_resource = true`, the resource as " +
			"an import would read it (the modes its labels set now), so `terraform query -generate-config-out=psa.tf` writes an " +
			"import block and a resource per namespace that apply without changing any label. The namespaces are read with one " +
			"paginated LIST (500 a page). Terraform stops at the `limit` of the `list` block, 100 by default.",
		Attributes: map[string]schema.Attribute{
			"label_selector": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A Kubernetes label selector, as `kubectl get -l` takes it, e.g. `team=payments,env!=dev` or " +
					"`!pod-security.kubernetes.io/enforce`. The API server filters with it. Checked when the configuration is validated.",
				Validators: []validator.String{stringCheck("must be a Kubernetes label selector", "Invalid Label Selector", labelSelectorCheck)},
			},
			"exclude": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Names of namespaces to leave out, e.g. `[\"kube-system\", \"kube-public\", \"kube-node-lease\"]`.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(dns1123LabelValidator())},
			},
			"unlabelled_only": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Only namespaces without any `" + psaLabelPrefix + "*` label: those Pod Security Admission " +
					"does not restrict yet. Defaults to `false`.",
			},
		},
	}
}

// errListStopped ends a LIST early: Terraform has the results it wants.
var errListStopped = errors.New("list stopped")

func (l *NamespacePodSecurityListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var (
		m     namespacePodSecurityListModel
		diags diag.Diagnostics
	)
	if diags.Append(getConfig(req.Config)(ctx, &m)...); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	exclude := map[string]bool{}
	if names, known := stringList(ctx, m.Exclude); known {
		for _, n := range names {
			exclude[n] = true
		}
	}
	match := func(ns *corev1.Namespace) bool {
		return !exclude[ns.Name] && (!m.UnlabelledOnly.ValueBool() || !hasPSALabel(ns.Labels))
	}
	stream.Results = func(push func(list.ListResult) bool) {
		// No timeouts block on a list: the resource's read limit bounds it.
		ctx, cancel := context.WithTimeout(ctx, l.timeouts.Read)
		defer cancel()
		op := kube.Op{Verb: "list", Resource: "namespaces"}
		c := l.kube(ctx, op, &diags)
		if c == nil {
			push(list.ListResult{Diagnostics: diags})
			return
		}
		var n int64
		err := kube.ListAll(ctx, op, kube.PageOptions{},
			func(ctx context.Context, o metav1.ListOptions) (*corev1.NamespaceList, error) {
				o.LabelSelector = m.LabelSelector.ValueString()
				return c.Clientset.CoreV1().Namespaces().List(ctx, o)
			},
			func(page *corev1.NamespaceList) error {
				for i := range page.Items {
					ns := &page.Items[i]
					if !match(ns) {
						continue
					}
					if !push(l.result(ctx, req, ns)) {
						return errListStopped
					}
					if n++; req.Limit > 0 && n >= req.Limit {
						return errListStopped
					}
				}
				return nil
			})
		if err != nil && !errors.Is(err, errListStopped) {
			var d diag.Diagnostics
			l.kubeError(&d, op, err)
			push(list.ListResult{Diagnostics: d})
		}
	}
}

// result is the list result of one namespace: its identity, and the
// resource as the resource's own Read makes it of the namespace.
func (l *NamespacePodSecurityListResource) result(ctx context.Context, req list.ListRequest, ns *corev1.Namespace) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = ns.Name
	m := namespacePodSecurityModel{Timeouts: l.timeouts.nullResourceValue()}
	m.fromNamespace(ctx, ns, &r.Diagnostics)
	if r.Diagnostics.Append(r.Resource.Set(ctx, &m)...); r.Diagnostics.HasError() {
		return r
	}
	l.identityFrom(ctx, r.Resource, r.Identity, &r.Diagnostics)
	if !req.IncludeResource {
		r.Resource = nil
	}
	return r
}

// hasPSALabel reports whether any label is a Pod Security Admission label.
func hasPSALabel(ls map[string]string) bool {
	for k := range ls {
		if strings.HasPrefix(k, psaLabelPrefix) {
			return true
		}
	}
	return false
}
