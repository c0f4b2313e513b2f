package provider

import (
	"context"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

var (
	_ datasource.DataSourceWithConfigure      = &NamespacesDataSource{}
	_ datasource.DataSourceWithValidateConfig = &NamespacesDataSource{}
)

// NamespacesDataSource lists the namespaces with their live Pod Security
// levels and, on request, how many of their pods break each level.
type NamespacesDataSource struct{ dataSourceBase }

// NewNamespacesDataSource returns the kubeharden_namespaces data source.
func NewNamespacesDataSource() datasource.DataSource {
	// One paginated LIST of namespaces, and one of the pods of every
	// namespace when evaluating: minutes are enough for a large cluster.
	return &NamespacesDataSource{dataSourceBase{base{name: "namespaces", timeouts: timeoutDefaults{Read: 5 * time.Minute}}}}
}

type namespacesModel struct {
	LabelSelector   types.String   `tfsdk:"label_selector"`
	Exclude         types.Set      `tfsdk:"exclude"`
	Evaluate        types.Bool     `tfsdk:"evaluate"`
	EvaluateVersion types.String   `tfsdk:"evaluate_version"`
	Names           types.Set      `tfsdk:"names"`
	Namespaces      types.Map      `tfsdk:"namespaces"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

func (m namespacesModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// namespaceModel is one element of `namespaces`.
type namespaceModel struct {
	Enforce    types.Object `tfsdk:"enforce"`
	Audit      types.Object `tfsdk:"audit"`
	Warn       types.Object `tfsdk:"warn"`
	Pods       types.Int64  `tfsdk:"pods"`
	Violations types.Object `tfsdk:"violations"`
}

func (namespaceModel) nestedModels() []nestedModel {
	return []nestedModel{
		nestedModelOf[psaModeModel]("enforce"),
		nestedModelOf[psaModeModel]("audit"),
		nestedModelOf[psaModeModel]("warn"),
		nestedModelOf[namespaceViolationsModel]("violations"),
	}
}

// namespaceViolationsModel counts, per level, the pods that break it.
type namespaceViolationsModel struct {
	Privileged types.Int64 `tfsdk:"privileged"`
	Baseline   types.Int64 `tfsdk:"baseline"`
	Restricted types.Int64 `tfsdk:"restricted"`
}

func (d *NamespacesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	mode := func(name string) schema.Attribute {
		return schema.SingleNestedAttribute{
			Computed: true,
			MarkdownDescription: "The live `" + name + "` mode: `level` from the label `pod-security.kubernetes.io/" + name + "`, `version` from `" +
				"pod-security.kubernetes.io/" + name + "-version` (`latest` when that label is absent, as PSA reads it). Null when the level label is absent, " +
				"whoever wrote the labels. The values are reported as they are, even when PSA would not accept them.",
			Attributes: map[string]schema.Attribute{
				"level":   schema.StringAttribute{Computed: true, MarkdownDescription: "The level label's value."},
				"version": schema.StringAttribute{Computed: true, MarkdownDescription: "The version label's value, or `latest`."},
			},
		}
	}
	count := func(level string) schema.Attribute {
		return schema.Int64Attribute{Computed: true, MarkdownDescription: "Pods that break `" + level + "`."}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every namespace, optionally filtered, with its live Pod Security levels and, with `evaluate = true`, how many of its " +
			"pods break each level, evaluated offline with the API server's own evaluator (as `kubeharden_pod_security_violations` does). " +
			"`namespaces` is a map keyed by namespace name, so a module can use it as `for_each` directly; `names` is the same keys as a set. " +
			"It costs one paginated LIST of namespaces and, when evaluating, one paginated LIST of the pods of all namespaces " +
			"(so it needs `list` on `namespaces`, and on `pods` cluster-wide with `evaluate`)." + sameRunDescription,
		Attributes: map[string]schema.Attribute{
			"label_selector": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only namespaces whose labels match this selector, in kubectl's `-l` syntax, e.g. `team=a,env!=dev` or " +
					"`kubernetes.io/metadata.name notin (default)`. Validated at plan time.",
				Validators: []validator.String{stringCheck("must be a label selector", "Invalid Label Selector", labelSelectorCheck)},
			},
			"exclude": schema.SetAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Namespace names to leave out, e.g. `[\"kube-system\", \"kube-public\", \"kube-node-lease\"]`. A name that does not exist is ignored.",
				Validators:          []validator.Set{setvalidator.ValueStringsAre(dns1123LabelValidator())},
			},
			"evaluate": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Count, per namespace, the pods that break each level (`pods`, `violations`). Defaults to `false`, " +
					"which reads no pods. Every pod is evaluated, whatever its phase.",
			},
			"evaluate_version": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The policy version the pods are evaluated at: `latest` (default) or `v1.N`. Use the version you mean to " +
					"enforce. Only with `evaluate = true`.",
				Validators: []validator.String{stringCheck("must be latest or v1.N", "Invalid Pod Security Version", podsecurity.ValidateVersion)},
			},
			"names": schema.SetAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The names of the namespaces found (the keys of `namespaces`).",
			},
			"namespaces": schema.MapNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The namespaces found, keyed by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"enforce": mode("enforce"),
					"audit":   mode("audit"),
					"warn":    mode("warn"),
					"pods": schema.Int64Attribute{
						Computed:            true,
						MarkdownDescription: "How many pods the namespace has, whatever their phase; null unless `evaluate = true`.",
					},
					"violations": schema.SingleNestedAttribute{
						Computed: true,
						MarkdownDescription: "How many pods break each level at `evaluate_version`; null unless `evaluate = true`. " +
							"`privileged` is always 0; it is there so that `violations[level]` works for any level.",
						Attributes: map[string]schema.Attribute{
							"privileged": count("privileged"),
							"baseline":   count("baseline"),
							"restricted": count("restricted"),
						},
					},
				}},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": d.timeouts.dataSourceBlock(ctx)},
	}
}

func (d *NamespacesDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m namespacesModel
	resp.Diagnostics.Append(getConfig(req.Config)(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.EvaluateVersion.IsNull() && !m.EvaluateVersion.IsUnknown() && !m.Evaluate.IsUnknown() && !m.Evaluate.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("evaluate_version"), "Evaluate Version Without Evaluate",
			"evaluate_version: it only applies when pods are evaluated. Set evaluate = true, or remove evaluate_version.")
	}
}

func (d *NamespacesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, ctx, cancel, ok := beginRead[namespacesModel](ctx, d.timeouts, getConfig(req.Config), &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	nsOp := kube.Op{Verb: "list", Resource: "namespaces"}
	c := d.kube(ctx, nsOp, &resp.Diagnostics)
	if c == nil {
		return
	}
	var exclude []string
	if !m.Exclude.IsNull() {
		resp.Diagnostics.Append(m.Exclude.ElementsAs(ctx, &exclude, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}

	// The selector is the API server's to apply: only matching namespaces
	// are sent.
	var found []corev1.Namespace
	if err := kube.ListAll(ctx, nsOp, kube.PageOptions{}, listWithSelector(c.Clientset.CoreV1().Namespaces().List, m.LabelSelector.ValueString()),
		func(list *corev1.NamespaceList) error {
			for i := range list.Items {
				if !slices.Contains(exclude, list.Items[i].Name) {
					found = append(found, list.Items[i])
				}
			}
			return nil
		}); err != nil {
		d.kubeError(&resp.Diagnostics, nsOp, err)
		return
	}

	evaluate := m.Evaluate.ValueBool()
	version := m.EvaluateVersion.ValueString()
	if version == "" {
		version = "latest"
	}
	var counts map[string]namespaceCounts
	if evaluate {
		counts = d.countViolations(ctx, c, found, version, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	elems := make(map[string]attr.Value, len(found))
	names := make([]attr.Value, 0, len(found))
	for i := range found {
		ns := &found[i]
		nm := namespaceModel{Pods: types.Int64Null(), Violations: objectNullOf[namespaceViolationsModel]()}
		for _, mode := range podsecurity.Modes {
			o := liveMode(ctx, ns.Labels, mode, &resp.Diagnostics)
			switch mode {
			case "enforce":
				nm.Enforce = o
			case "audit":
				nm.Audit = o
			default:
				nm.Warn = o
			}
		}
		if evaluate {
			n := counts[ns.Name]
			nm.Pods = types.Int64Value(int64(n.pods))
			v, diags := objectValueOf(ctx, namespaceViolationsModel{
				Privileged: types.Int64Value(int64(n.broken["privileged"])),
				Baseline:   types.Int64Value(int64(n.broken["baseline"])),
				Restricted: types.Int64Value(int64(n.broken["restricted"])),
			})
			resp.Diagnostics.Append(diags...)
			nm.Violations = v
		}
		o, diags := objectValueOf(ctx, nm)
		resp.Diagnostics.Append(diags...)
		elems[ns.Name] = o
		names = append(names, types.StringValue(ns.Name))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var diags diag.Diagnostics
	m.Namespaces, diags = types.MapValue(objectTypeOf[namespaceModel](), elems)
	resp.Diagnostics.Append(diags...)
	m.Names, diags = types.SetValue(types.StringType, names)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &m)...)
}

// namespaceCounts is what evaluating one namespace's pods found.
type namespaceCounts struct {
	pods   int
	broken map[string]int // level -> pods that break it
}

// countViolations lists the pods of every namespace in one paginated LIST
// (not one per namespace: a thousand namespaces would be a thousand
// requests), keeps those of the namespaces found, and evaluates them
// against each level with the API server's evaluator.
func (d *NamespacesDataSource) countViolations(ctx context.Context, c *kube.Client, found []corev1.Namespace, version string, diags *diag.Diagnostics) map[string]namespaceCounts {
	wanted := make(map[string]bool, len(found))
	for i := range found {
		wanted[found[i].Name] = true
	}
	byNamespace := map[string][]corev1.Pod{}
	podsOp := kube.Op{Verb: "list", Resource: "pods"}
	if err := kube.ListAll(ctx, podsOp, kube.PageOptions{}, c.Clientset.CoreV1().Pods(corev1.NamespaceAll).List, func(list *corev1.PodList) error {
		for i := range list.Items {
			if ns := list.Items[i].Namespace; wanted[ns] {
				byNamespace[ns] = append(byNamespace[ns], list.Items[i])
			}
		}
		return nil
	}); err != nil {
		d.kubeError(diags, podsOp, err)
		return nil
	}
	ev, err := podsecurity.NewEvaluator()
	if err != nil {
		diags.AddError("Pod Security Evaluator Failed", err.Error())
		return nil
	}
	out := make(map[string]namespaceCounts, len(found))
	for ns, pods := range byNamespace {
		n := namespaceCounts{pods: len(pods), broken: map[string]int{}}
		for _, level := range podsecurity.Levels {
			if level == "privileged" {
				continue // allows every pod
			}
			v, err := ev.Evaluate(pods, level, version)
			if err != nil {
				diags.AddError("Invalid Pod Security Version", err.Error())
				return nil
			}
			n.broken[level] = len(v)
		}
		out[ns] = n
	}
	return out
}

// liveMode reads one mode from a namespace's labels: null without its level
// label; version "latest" without its version label, as PSA reads it.
func liveMode(ctx context.Context, nsLabels map[string]string, mode string, diags *diag.Diagnostics) types.Object {
	level, ok := nsLabels[podsecurity.LevelLabel(mode)]
	if !ok {
		return objectNullOf[psaModeModel]()
	}
	version, ok := nsLabels[podsecurity.VersionLabel(mode)]
	if !ok {
		version = "latest"
	}
	o, d := objectValueOf(ctx, psaModeModel{Level: types.StringValue(level), Version: types.StringValue(version)})
	diags.Append(d...)
	return o
}

// listWithSelector has list ask the API server for the objects that match
// selector only (every object when it is empty).
func listWithSelector[L any](list func(context.Context, metav1.ListOptions) (L, error), selector string) func(context.Context, metav1.ListOptions) (L, error) {
	return func(ctx context.Context, o metav1.ListOptions) (L, error) {
		o.LabelSelector = selector
		return list(ctx, o)
	}
}
