package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

var _ datasource.DataSourceWithConfigure = &PodSecurityViolationsDataSource{}

// PodSecurityViolationsDataSource evaluates a namespace's pods against a Pod
// Security level offline, with the API server's own evaluator.
type PodSecurityViolationsDataSource struct{ dataSourceBase }

// NewPodSecurityViolationsDataSource returns the kubeharden_pod_security_violations data source.
func NewPodSecurityViolationsDataSource() datasource.DataSource {
	// A namespace GET and a paginated LIST of its pods, retried on transient errors.
	return &PodSecurityViolationsDataSource{dataSourceBase{base{name: "pod_security_violations", timeouts: timeoutDefaults{Read: 2 * time.Minute}}}}
}

// checkedPodsDescription documents why there is no separate total: every
// pod is evaluated, where the API server's check of a new enforce label stops
// after 3000 pods or one second (and then warns "only checked against the
// first N of M existing pods").
const checkedPodsDescription = "How many pods were evaluated: every pod of the namespace, whatever its phase (pending, running, " +
	"succeeded or failed), so this is also the namespace's number of pods. Unlike the API server's own check when an `enforce` " +
	"label changes, which stops after 3000 pods or one second, nothing is skipped."

type podSecurityViolationsModel struct {
	ID          types.String   `tfsdk:"id"`
	Namespace   types.String   `tfsdk:"namespace"`
	Level       types.String   `tfsdk:"level"`
	Version     types.String   `tfsdk:"version"`
	Violations  types.List     `tfsdk:"violations"`
	CheckedPods types.Int64    `tfsdk:"checked_pods"`
	Compliant   types.Bool     `tfsdk:"compliant"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (m podSecurityViolationsModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// podSecurityViolationModel is one of `violations`.
type podSecurityViolationModel struct {
	Pod     types.String `tfsdk:"pod"`
	Reasons types.List   `tfsdk:"reasons" elem:"string"`
}

func (d *PodSecurityViolationsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The pods of a namespace that break a Pod Security level, with the reasons the API server would give. " +
			"The pods are evaluated offline with `k8s.io/pod-security-admission/policy`, the evaluator kube-apiserver uses, so this works " +
			"on any cluster with read-only access to pods, and changes nothing. Use it in a `check` block to fail CI before enforcing a level. " +
			"Every pod of the namespace is evaluated, whatever its phase; `checked_pods` counts them." + sameRunDescription,
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`<namespace>/<level>:<version>`."},
			"namespace": schema.StringAttribute{
				Required: true, MarkdownDescription: "The namespace whose pods are evaluated.",
				Validators: []validator.String{dns1123LabelValidator()},
			},
			"level": schema.StringAttribute{
				Required: true, MarkdownDescription: "The level to evaluate: " + codeList(podsecurity.Levels, "") + ".",
				Validators: []validator.String{stringCheck("must be a Pod Security level", "Invalid Pod Security Level", podsecurity.ValidateLevel)},
			},
			"version": schema.StringAttribute{
				Optional: true, Computed: true, MarkdownDescription: "Policy version: `latest` (default) or `v1.N`.",
				Validators: []validator.String{stringCheck("must be latest or v1.N", "Invalid Pod Security Version", podsecurity.ValidateVersion)},
			},
			"violations": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The pods that break the level, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"pod":     schema.StringAttribute{Computed: true, MarkdownDescription: "Pod name."},
					"reasons": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Why, in the API server's words, e.g. `host namespaces`, `runAsNonRoot != true`."},
				}},
			},
			"checked_pods": schema.Int64Attribute{Computed: true, MarkdownDescription: checkedPodsDescription},
			"compliant":    schema.BoolAttribute{Computed: true, MarkdownDescription: "True when no pod breaks the level."},
		},
		Blocks: map[string]schema.Block{"timeouts": d.timeouts.dataSourceBlock(ctx)},
	}
}

func (d *PodSecurityViolationsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, ctx, cancel, ok := beginRead[podSecurityViolationsModel](ctx, d.timeouts, getConfig(req.Config), &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	if m.Version.IsNull() {
		m.Version = types.StringValue("latest")
	}
	ns := m.Namespace.ValueString()
	op := kube.Op{Verb: "list", Resource: "pods", Namespace: ns}
	c := d.kube(ctx, op, &resp.Diagnostics)
	if c == nil {
		return
	}
	if err := kube.Retry(ctx, nsOp("get", ns), func(ctx context.Context) error {
		_, err := c.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return err
	}); err != nil {
		d.kubeError(&resp.Diagnostics, nsOp("get", ns), err)
		return
	}
	var pods []corev1.Pod
	if err := kube.ListAll(ctx, op, kube.PageOptions{}, c.Clientset.CoreV1().Pods(ns).List, func(list *corev1.PodList) error {
		pods = append(pods, list.Items...)
		return nil
	}); err != nil {
		d.kubeError(&resp.Diagnostics, op, err)
		return
	}
	ev, err := podsecurity.NewEvaluator()
	if err != nil {
		resp.Diagnostics.AddError("Pod Security Evaluator Failed", err.Error())
		return
	}
	violations, err := ev.Evaluate(pods, m.Level.ValueString(), m.Version.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Invalid Pod Security Level", err.Error())
		return
	}
	models := make([]podSecurityViolationModel, 0, len(violations))
	for _, v := range violations {
		reasons, diags := types.ListValueFrom(ctx, types.StringType, v.Reasons)
		resp.Diagnostics.Append(diags...)
		models = append(models, podSecurityViolationModel{Pod: types.StringValue(v.Pod), Reasons: reasons})
	}
	list, diags := listOf(ctx, models)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(ns + "/" + m.Level.ValueString() + ":" + m.Version.ValueString())
	m.Violations = list
	m.CheckedPods = types.Int64Value(int64(len(pods)))
	m.Compliant = types.BoolValue(len(violations) == 0)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &m)...)
}
