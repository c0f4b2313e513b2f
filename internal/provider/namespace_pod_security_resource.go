package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

var (
	_ resource.ResourceWithConfigure   = &NamespacePodSecurityResource{}
	_ resource.ResourceWithModifyPlan  = &NamespacePodSecurityResource{}
	_ resource.ResourceWithImportState = &NamespacePodSecurityResource{}
)

// podSecurityFieldManager is this resource's own field manager: no other
// resource type shares it, so resources never undo each other's fields.
const podSecurityFieldManager = "kubeharden-pod-security"

var onViolationValues = []string{"warn", "error", "ignore"}

// NamespacePodSecurityResource owns the Pod Security Admission labels of one
// existing namespace.
type NamespacePodSecurityResource struct{ resourceBase }

// NewNamespacePodSecurityResource returns the kubeharden_namespace_pod_security resource.
func NewNamespacePodSecurityResource() resource.Resource {
	// Each operation is one or two small calls per namespace.
	const d = 2 * time.Minute
	return &NamespacePodSecurityResource{resourceBase{base{
		name:     "namespace_pod_security",
		timeouts: timeoutDefaults{Create: d, Read: d, Update: d, Delete: d, PlanCalls: true},
	}}}
}

type namespacePodSecurityModel struct {
	ID          types.String   `tfsdk:"id"`
	Namespace   types.String   `tfsdk:"namespace"`
	Enforce     types.Object   `tfsdk:"enforce"`
	Audit       types.Object   `tfsdk:"audit"`
	Warn        types.Object   `tfsdk:"warn"`
	OnViolation types.String   `tfsdk:"on_violation"`
	Force       types.Bool     `tfsdk:"force"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

var psaModeAttrTypes = map[string]attr.Type{"level": types.StringType, "version": types.StringType}

// mode returns the object of one mode ("enforce", "audit", "warn").
func (m *namespacePodSecurityModel) mode(name string) *types.Object {
	switch name {
	case "enforce":
		return &m.Enforce
	case "audit":
		return &m.Audit
	default:
		return &m.Warn
	}
}

// labels returns the six labels the model asks for (only set modes), and
// whether any value is unknown.
func (m *namespacePodSecurityModel) labels() (map[string]string, bool) {
	out := map[string]string{}
	for _, mode := range podsecurity.Modes {
		o := *m.mode(mode)
		if o.IsUnknown() {
			return nil, true
		}
		if o.IsNull() {
			continue
		}
		level, version := o.Attributes()["level"].(types.String), o.Attributes()["version"].(types.String)
		if level.IsUnknown() || version.IsUnknown() {
			return nil, true
		}
		out[podsecurity.LevelLabel(mode)] = level.ValueString()
		v := version.ValueString()
		if version.IsNull() || v == "" {
			v = "latest"
		}
		out[podsecurity.VersionLabel(mode)] = v
	}
	return out, false
}

// setFromLabels sets the three modes from a namespace's live labels. A mode
// without either label is null; an absent version label means "latest", as
// PSA reads it. A version label without its level label (which PSA ignores)
// reads as level "" with that version, so that it shows as drift against a
// configuration where the mode is unset, and the next apply removes it.
func (m *namespacePodSecurityModel) setFromLabels(labels map[string]string) {
	for _, mode := range podsecurity.Modes {
		level, ok := labels[podsecurity.LevelLabel(mode)]
		if !ok {
			if v, stray := labels[podsecurity.VersionLabel(mode)]; stray {
				*m.mode(mode) = types.ObjectValueMust(psaModeAttrTypes, map[string]attr.Value{
					"level": types.StringValue(""), "version": types.StringValue(v),
				})
				continue
			}
			*m.mode(mode) = types.ObjectNull(psaModeAttrTypes)
			continue
		}
		version := labels[podsecurity.VersionLabel(mode)]
		if version == "" {
			version = "latest"
		}
		*m.mode(mode) = types.ObjectValueMust(psaModeAttrTypes, map[string]attr.Value{
			"level": types.StringValue(level), "version": types.StringValue(version),
		})
	}
}

func psaModeAttribute(mode, purpose string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("The `%s` mode: %s Sets the labels `%s` and `%s`. When unset, both labels are removed.",
			mode, purpose, podsecurity.LevelLabel(mode), podsecurity.VersionLabel(mode)),
		Attributes: map[string]schema.Attribute{
			"level": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Pod Security Standards level: " + quotedList(podsecurity.Levels) + ".",
				Validators: []validator.String{funcStringValidator{
					desc: "must be a Pod Security level", summary: "Invalid Pod Security Level", check: podsecurity.ValidateLevel,
				}},
			},
			"version": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("latest"),
				MarkdownDescription: "Policy version: `latest` or `v1.N` (no leading zero), as the API server parses it. Defaults to `latest`. A version newer than the cluster is capped by PSA to the cluster's own, and the plan warns.",
				Validators: []validator.String{funcStringValidator{
					desc: "must be latest or v1.N", summary: "Invalid Pod Security Version", check: podsecurity.ValidateVersion,
				}},
			},
		},
	}
}

func (r *NamespacePodSecurityResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Owns the six Pod Security Admission labels (`pod-security.kubernetes.io/*`) of one existing namespace, " +
			"written with server-side apply (field manager `" + podSecurityFieldManager + "`). Other labels and other managers' fields are left alone. " +
			"When the `enforce` level or version changes, the plan runs a server-side dry run and reports the running pods the new level would reject.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The namespace name.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"namespace": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the namespace to label. It must exist when the resource is applied, and is never created by it; another resource of the same configuration may create it (reference it, or use `depends_on`). Changing it replaces the resource.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{dns1123LabelValidator()},
			},
			"enforce": psaModeAttribute("enforce", "pods that break the level are rejected."),
			"audit":   psaModeAttribute("audit", "violations are recorded in the audit log."),
			"warn":    psaModeAttribute("warn", "violations are returned to the client as warnings."),
			"on_violation": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString("warn"),
				MarkdownDescription: "What the plan does when existing pods break a new `enforce` level: " + quotedList(onViolationValues) +
					". `warn` (default) shows a warning listing the pods and reasons, `error` fails the plan, `ignore` skips the preview.",
				Validators: []validator.String{stringvalidator.OneOf(onViolationValues...)},
			},
			"force": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Take the labels over from other field managers (server-side apply `force`). Defaults to `true`. With `false`, a label another manager owns is a conflict error.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": r.timeouts.resourceBlock(ctx),
		},
	}
}

func nsOp(verb, ns string) kube.Op { return kube.Op{Verb: verb, Resource: "namespaces", Name: ns} }

// ModifyPlan checks, before anything is written, that the namespace exists,
// that no version is newer than the cluster, and previews which running pods
// a new enforce level would reject.
func (r *NamespacePodSecurityResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var plan namespacePodSecurityModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	labels, unknown := plan.labels()
	if plan.Namespace.IsUnknown() || unknown {
		tflog.Info(ctx, "Namespace or labels unknown until apply; skipping the plan-time checks")
		return
	}
	if !r.data.Kube.Known() {
		tflog.Info(ctx, "The Kubernetes connection is unknown until apply; skipping the namespace check and the PodSecurity violation preview",
			map[string]any{"namespace": plan.Namespace.ValueString()})
		return
	}
	name := plan.Namespace.ValueString()
	ctx, cancel := r.timeouts.planBound(ctx, plan.Timeouts, req.State.Raw.IsNull(), &resp.Diagnostics)
	defer cancel()
	c := r.kube(ctx, nsOp("get", name), &resp.Diagnostics)
	if c == nil {
		return
	}
	ns, err := r.data.Namespaces.Get(ctx, c, name)
	if apierrors.IsNotFound(err) {
		// Not an error: another resource of this run may create it (a
		// kubernetes_namespace's name is known at plan time), and the plan
		// cannot see that. The apply fails clearly if it still is missing.
		resp.Diagnostics.AddAttributeWarning(path.Root("namespace"), "Namespace Does Not Exist Yet",
			fmt.Sprintf("namespace: the namespace %q does not exist in the cluster now. This resource labels an existing namespace "+
				"and never creates one, so the apply fails unless a resource applied before it creates the namespace "+
				"(reference that resource, or use depends_on, so that Terraform orders the two). If the namespace should "+
				"already exist, check the name. No preview of pods the enforce level would reject: the namespace has none yet.", name))
		return
	}
	if err != nil {
		r.kubeError(&resp.Diagnostics, nsOp("get", name), err)
		return
	}

	if info, err := c.ServerVersion(ctx); err == nil {
		r.warnVersionCap(&plan, info.Minor, &resp.Diagnostics)
	}
	if req.State.Raw.IsNull() {
		warnReplaced(name, ns.Labels, labels, &resp.Diagnostics)
	}

	var state *namespacePodSecurityModel
	if !req.State.Raw.IsNull() {
		state = &namespacePodSecurityModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	enforceKeys := []string{podsecurity.LevelLabel("enforce"), podsecurity.VersionLabel("enforce")}
	changed := false
	for _, k := range enforceKeys {
		live := ns.Labels[k]
		if k == podsecurity.VersionLabel("enforce") && live == "" && ns.Labels[enforceKeys[0]] != "" {
			live = "latest"
		}
		if labels[k] != live {
			changed = true
		}
	}
	if _, set := labels[enforceKeys[0]]; !set || !changed {
		return
	}
	onViolation := plan.OnViolation.ValueString()
	if onViolation == "ignore" {
		tflog.Debug(ctx, "on_violation is ignore; skipping the PodSecurity violation preview")
		return
	}
	opts := metav1.ApplyOptions{FieldManager: podSecurityFieldManager, Force: plan.Force.ValueBool(), DryRun: []string{metav1.DryRunAll}}
	wctx, rec := kube.WithWarningRecorder(ctx)
	err = kube.Retry(wctx, kube.Op{Verb: "patch", Resource: "namespaces", Name: name}, func(ctx context.Context) error {
		rec.Reset()
		_, err := c.Clientset.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(name).WithLabels(labels), opts)
		return err
	})
	if err != nil {
		if apierrors.IsConflict(err) {
			resp.Diagnostics.AddError("Pod Security Labels Owned By Another Manager",
				fmt.Sprintf("The dry run of the label change on namespace %q conflicts with another field manager: %v\n\n"+
					"Set force = true to take the labels over, or remove them from the other tool's configuration.", name, err))
			return
		}
		r.kubeError(&resp.Diagnostics, kube.Op{Verb: "patch", Resource: "namespaces", Name: name}, err)
		return
	}
	preview := podsecurity.ParseWarnings(rec.Messages())
	tflog.Debug(ctx, "PodSecurity preview", map[string]any{"namespace": name, "warnings": rec.Messages()})
	if preview.Empty() {
		return
	}
	lv := labels[enforceKeys[0]] + ":" + labels[enforceKeys[1]]
	detail := preview.Describe(name, lv)
	summary := "Pods Would Violate The New Enforce Level"
	if len(preview.Violations) == 0 {
		summary = "PodSecurity Preview Warning"
	}
	if onViolation == "error" && len(preview.Violations) > 0 {
		resp.Diagnostics.AddAttributeError(path.Root("enforce"), summary, detail)
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("enforce"), summary, detail)
}

// warnVersionCap warns about versions newer than the cluster, which PSA
// evaluates as the cluster's own version.
func (r *NamespacePodSecurityResource) warnVersionCap(plan *namespacePodSecurityModel, serverMinor string, diags *diag.Diagnostics) {
	var minor int
	if _, err := fmt.Sscanf(strings.TrimSuffix(serverMinor, "+"), "%d", &minor); err != nil {
		return
	}
	for _, mode := range podsecurity.Modes {
		o := *plan.mode(mode)
		if o.IsNull() || o.IsUnknown() {
			continue
		}
		v, ok := o.Attributes()["version"].(types.String)
		if !ok || v.IsUnknown() {
			continue
		}
		if n := podsecurity.VersionMinor(v.ValueString()); n > minor {
			diags.AddAttributeWarning(path.Root(mode).AtName("version"), "Pod Security Version Newer Than The Cluster",
				fmt.Sprintf("%s.version is %q but the cluster runs Kubernetes 1.%d: PodSecurity admission caps the version at v1.%d, "+
					"so the policy is evaluated as \"v1.%d\" until the cluster is upgraded.", mode, v.ValueString(), minor, minor, minor))
		}
	}
}

func (r *NamespacePodSecurityResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan namespacePodSecurityModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, plan.Timeouts, opCreate, &resp.Diagnostics)
	defer cancel()
	r.write(ctx, &plan, nil, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *NamespacePodSecurityResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state namespacePodSecurityModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, plan.Timeouts, opUpdate, &resp.Diagnostics)
	defer cancel()
	r.write(ctx, &plan, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// write applies the planned labels and sets the modes of plan from what the
// API server answered. It never creates a namespace, although server-side
// apply would: every apply names the UID of the namespace it means, which
// the API server checks, so a namespace deleted meanwhile is refused rather
// than created, and one replaced meanwhile (read from an old snapshot, or
// deleted and created again by other resources of the same run) is read
// again and labelled.
func (r *NamespacePodSecurityResource) write(ctx context.Context, plan, _ *namespacePodSecurityModel, diags *diag.Diagnostics) {
	name := plan.Namespace.ValueString()
	op := kube.Op{Verb: "patch", Resource: "namespaces", Name: name}
	c := r.kube(ctx, op, diags)
	if c == nil {
		return
	}
	notFound := func() {
		diags.AddAttributeError(path.Root("namespace"), "Namespace Not Found",
			fmt.Sprintf("namespace: the namespace %q does not exist, and this resource never creates one; nothing was written. "+
				"Create it first (reference the resource that creates it, or use depends_on, so that Terraform orders the two), or fix the name.", name))
	}
	before, err := r.data.Namespaces.Get(ctx, c, name)
	if apierrors.IsNotFound(err) {
		notFound()
		return
	}
	if err != nil {
		r.kubeError(diags, nsOp("get", name), err)
		return
	}
	labels, _ := plan.labels()
	// From here on this process must not serve the namespace from the snapshot.
	r.data.Namespaces.MarkWritten(name)
	wctx, rec := kube.WithWarningRecorder(ctx)
	var got *corev1.Namespace
	for attempt := 1; ; attempt++ {
		uid := before.UID
		err = kube.Retry(wctx, op, func(ctx context.Context) error {
			rec.Reset()
			var err error
			got, err = c.Clientset.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(name).WithUID(uid).WithLabels(labels),
				metav1.ApplyOptions{FieldManager: podSecurityFieldManager, Force: plan.Force.ValueBool()})
			return err
		})
		if !uidRefused(err) || attempt == 3 {
			break
		}
		tflog.Info(ctx, "The namespace is not the one read before (deleted, or replaced); reading it again", map[string]any{"namespace": name, "uid": string(uid), "error": err.Error()})
		if before, err = kube.GetNamespace(ctx, c, name); err != nil {
			break
		}
	}
	if apierrors.IsNotFound(err) || uidRefused(err) {
		notFound()
		return
	}
	if err != nil {
		if apierrors.IsConflict(err) {
			diags.AddError("Pod Security Labels Owned By Another Manager",
				fmt.Sprintf("Applying the labels of namespace %q conflicts with another field manager: %v\n\nSet force = true to take the labels over.", name, err))
			return
		}
		r.kubeError(diags, op, err)
		return
	}
	for _, w := range rec.Messages() {
		tflog.Warn(ctx, "Kubernetes API warning while applying Pod Security labels", map[string]any{"namespace": name, "warning": w})
	}
	// Labels of unset modes that another manager also owns survive the
	// apply; remove them explicitly, since an unset mode means "no label".
	if stray := strayPSALabels(got.Labels, labels); len(stray) > 0 {
		if got, err = removeLabels(ctx, c, name, stray); err != nil {
			r.kubeError(diags, op, err)
			return
		}
	}
	r.data.Namespaces.RecordSetLabels(name, slices.Collect(maps.Keys(labels)))
	plan.ID = types.StringValue(name)
	plan.setFromLabels(got.Labels)
}

// uidRefused reports whether the API server refused an apply for naming a
// UID the namespace does not have: a 409 "uid mismatch" when no namespace
// of that name exists (the apply would otherwise have created one), or a
// 422 on metadata.uid (immutable) when it is another namespace of the name.
func uidRefused(err error) bool {
	if apierrors.IsConflict(err) {
		return strings.Contains(err.Error(), "uid mismatch")
	}
	var se apierrors.APIStatus
	if apierrors.IsInvalid(err) && errors.As(err, &se) && se.Status().Details != nil {
		for _, cause := range se.Status().Details.Causes {
			if cause.Field == "metadata.uid" {
				return true
			}
		}
	}
	return false
}

// warnReplaced warns, for a new resource, about the namespace's live PSA
// labels that the apply will change or remove. A create's plan shows only
// the new values, so without this a namespace that someone else enforced
// could lose its enforcement unseen.
func warnReplaced(name string, live, planned map[string]string, diags *diag.Diagnostics) {
	lines, weaker := podsecurity.ReplacedLabels(live, planned)
	if len(lines) == 0 {
		return
	}
	summary := "Existing Pod Security Labels Replaced"
	if weaker {
		summary = "Pod Security Would Be Weakened"
	}
	diags.AddAttributeWarning(path.Root("namespace"), summary, fmt.Sprintf(
		"Namespace %q already has Pod Security labels that this new resource changes. The resource owns all six "+
			"pod-security.kubernetes.io labels, and a mode left unset loses its labels:\n\n  %s\n\n"+
			"If these labels should stay, put them in the configuration, or import the namespace (id = %q) to start from what it has.",
		name, strings.Join(lines, "\n  "), name))
}

func strayPSALabels(live, want map[string]string) []string {
	var out []string
	for _, k := range podsecurity.AllLabels() {
		if _, ok := live[k]; !ok {
			continue
		}
		if _, ok := want[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// removeLabels deletes label keys with a JSON merge patch.
func removeLabels(ctx context.Context, c *kube.Client, name string, keys []string) (*corev1.Namespace, error) {
	null := map[string]any{}
	for _, k := range keys {
		null[k] = nil
	}
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": null}})
	if err != nil {
		return nil, err
	}
	// Removing keys is idempotent, so the patch may be retried.
	var ns *corev1.Namespace
	err = kube.Retry(ctx, kube.Op{Verb: "patch", Resource: "namespaces", Name: name}, func(ctx context.Context) error {
		var err error
		ns, err = c.Clientset.CoreV1().Namespaces().Patch(ctx, name, k8stypes.MergePatchType, body, metav1.PatchOptions{FieldManager: podSecurityFieldManager})
		return err
	})
	return ns, err
}

func (r *NamespacePodSecurityResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state namespacePodSecurityModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, state.Timeouts, opRead, &resp.Diagnostics)
	defer cancel()
	name := state.Namespace.ValueString()
	c := r.kube(ctx, nsOp("get", name), &resp.Diagnostics)
	if c == nil {
		return
	}
	ns, err := r.data.Namespaces.Get(ctx, c, name)
	if apierrors.IsNotFound(err) {
		tflog.Info(ctx, "Namespace is gone; removing the resource from state", map[string]any{"namespace": name})
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.kubeError(&resp.Diagnostics, nsOp("get", name), err)
		return
	}
	state.ID = types.StringValue(name)
	state.setFromLabels(ns.Labels)
	if state.OnViolation.IsNull() {
		state.OnViolation = types.StringValue("warn")
	}
	if state.Force.IsNull() {
		state.Force = types.BoolValue(true)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Delete removes the labels of the modes this resource set, and leaves the
// namespace and every other label alone.
func (r *NamespacePodSecurityResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state namespacePodSecurityModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := r.timeouts.bound(ctx, state.Timeouts, opDelete, &resp.Diagnostics)
	defer cancel()
	name := state.Namespace.ValueString()
	op := kube.Op{Verb: "patch", Resource: "namespaces", Name: name}
	c := r.kube(ctx, op, &resp.Diagnostics)
	if c == nil {
		return
	}
	labels, _ := state.labels()
	keys := make([]string, 0, len(labels))
	for k := range labels {
		// Another resource set it earlier in this apply (this one moved to
		// a new address, or is replaced create_before_destroy): it is that
		// resource's label now.
		if r.data.Namespaces.LabelsSet(name, k) {
			tflog.Info(ctx, "Keeping a label another resource set in this apply", map[string]any{"namespace": name, "label": k})
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return
	}
	r.data.Namespaces.MarkWritten(name)
	if _, err := removeLabels(ctx, c, name, keys); err != nil && !apierrors.IsNotFound(err) {
		r.kubeError(&resp.Diagnostics, op, err)
	}
}

func (r *NamespacePodSecurityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("on_violation"), "warn")...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force"), true)...)
}
