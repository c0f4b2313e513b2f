package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

// ModifyPlan checks, before anything is written, that no other resource of
// this run labels the namespace, that the namespace exists and whom its
// ownership marker names, that no version is newer than the cluster, warns
// a new resource about the live labels it replaces, and previews which
// running pods a new enforce level would reject. Besides diagnostics it
// only plans owner_id (see namespace_pod_security_resource_owner.go).
func (r *NamespacePodSecurityResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	own, ok := r.planOwner(ctx, req, resp)
	if !ok {
		return
	}
	in, ok := r.planInputs(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	ctx, cancel := r.timeouts.planBound(ctx, in.plan.Timeouts, in.creating, &resp.Diagnostics)
	defer cancel()
	c, ns := r.checkNamespace(ctx, in.name, &resp.Diagnostics)
	if ns == nil {
		return
	}
	if r.checkOwnerMarker(in.name, ns.Annotations, own, &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	if info, err := c.ServerVersion(ctx); err == nil {
		r.warnVersionCap(ctx, &in.plan, info.Minor, &resp.Diagnostics)
	}
	if in.creating {
		warnReplaced(in.name, ns.Labels, in.labels, &resp.Diagnostics)
	}
	if enforceChanged(ns.Labels, in.labels) {
		r.previewEnforce(ctx, c, &in, &resp.Diagnostics)
	}
}

// psaPlanInputs is what the plan-time checks read from a plan.
type psaPlanInputs struct {
	plan     namespacePodSecurityModel
	name     string            // the namespace
	labels   map[string]string // the labels the plan asks for
	creating bool              // a new resource: there is no prior state
}

// planInputs reads the plan; ok is false when there is nothing to check: a
// destroy, a provider not configured yet, or a namespace, label or
// connection that is unknown until apply.
func (r *NamespacePodSecurityResource) planInputs(ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) (in psaPlanInputs, ok bool) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return in, false
	}
	diags.Append(getPlan(req.Plan)(ctx, &in.plan)...)
	if diags.HasError() {
		return in, false
	}
	labels, unknown := in.plan.labels(ctx, diags)
	if in.plan.Namespace.IsUnknown() || unknown {
		tflog.Info(ctx, "Namespace or labels unknown until apply; skipping the plan-time checks")
		return in, false
	}
	if !r.data.Kube.Known() {
		tflog.Info(ctx, "The Kubernetes connection is unknown until apply; skipping the namespace check and the PodSecurity violation preview",
			map[string]any{"namespace": in.plan.Namespace.ValueString()})
		return in, false
	}
	in.name, in.labels, in.creating = in.plan.Namespace.ValueString(), labels, req.State.Raw.IsNull()
	return in, true
}

// checkNamespace returns the client and the namespace name, or a nil
// namespace when it cannot be read. A namespace that does not exist is a
// warning, not an error: another resource of this run may create it (a
// kubernetes_namespace's name is known at plan time), and the plan cannot
// see that. The apply fails clearly if it still is missing.
func (r *NamespacePodSecurityResource) checkNamespace(ctx context.Context, name string, diags *diag.Diagnostics) (*kube.Client, *corev1.Namespace) {
	c := r.kube(ctx, nsOp("get", name), diags)
	if c == nil {
		return nil, nil
	}
	ns, err := r.data.Namespaces.Get(ctx, c, name)
	if apierrors.IsNotFound(err) {
		diags.AddAttributeWarning(path.Root("namespace"), "Namespace Does Not Exist Yet",
			fmt.Sprintf("namespace: the namespace %q does not exist in the cluster now. This resource labels an existing namespace "+
				"and never creates one, so the apply fails unless a resource applied before it creates the namespace "+
				"(reference that resource, or use depends_on, so that Terraform orders the two). If the namespace should "+
				"already exist, check the name. No preview of pods the enforce level would reject: the namespace has none yet.", name))
		return c, nil
	}
	if err != nil {
		r.kubeError(diags, nsOp("get", name), err)
		return c, nil
	}
	return c, ns
}

// warnVersionCap warns about versions newer than the cluster, which PSA
// evaluates as the cluster's own version.
func (r *NamespacePodSecurityResource) warnVersionCap(ctx context.Context, plan *namespacePodSecurityModel, serverMinor string, diags *diag.Diagnostics) {
	var minor int
	if _, err := fmt.Sscanf(strings.TrimSuffix(serverMinor, "+"), "%d", &minor); err != nil {
		return
	}
	for _, mode := range podsecurity.Modes {
		m, d := objectAs[psaModeModel](ctx, *plan.mode(mode))
		diags.Append(d...)
		if m == nil || m.Version.IsUnknown() {
			continue
		}
		v := m.Version.ValueString()
		if n := podsecurity.VersionMinor(v); n > minor {
			diags.AddAttributeWarning(path.Root(mode).AtName("version"), "Pod Security Version Newer Than The Cluster",
				fmt.Sprintf("%s.version is %q but the cluster runs Kubernetes 1.%d: PodSecurity admission caps the version at v1.%d, "+
					"so the policy is evaluated as \"v1.%d\" until the cluster is upgraded.", mode, v, minor, minor, minor))
		}
	}
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

// enforceChanged reports whether the plan sets an enforce level whose level
// or version differs from the namespace's live labels (an absent live
// version is "latest"): only then is there anything to preview.
func enforceChanged(live, planned map[string]string) bool {
	levelKey, versionKey := podsecurity.LevelLabel("enforce"), podsecurity.VersionLabel("enforce")
	level, set := planned[levelKey]
	if !set {
		return false
	}
	liveVersion := live[versionKey]
	if liveVersion == "" && live[levelKey] != "" {
		liveVersion = "latest"
	}
	return level != live[levelKey] || planned[versionKey] != liveVersion
}

// previewEnforce runs the planned labels through a server-side dry run and
// reports the running pods that the API server warns the new enforce level
// would reject: a warning, or with on_violation = "error" an error.
func (r *NamespacePodSecurityResource) previewEnforce(ctx context.Context, c *kube.Client, in *psaPlanInputs, diags *diag.Diagnostics) {
	onViolation := in.plan.OnViolation.ValueString()
	if onViolation == "ignore" {
		tflog.Debug(ctx, "on_violation is ignore; skipping the PodSecurity violation preview")
		return
	}
	warnings, ok := r.dryRunWarnings(ctx, c, in, diags)
	if !ok {
		return
	}
	preview := podsecurity.ParseWarnings(warnings)
	tflog.Debug(ctx, "PodSecurity preview", map[string]any{"namespace": in.name, "warnings": warnings})
	if preview.Empty() {
		return
	}
	lv := in.labels[podsecurity.LevelLabel("enforce")] + ":" + in.labels[podsecurity.VersionLabel("enforce")]
	detail := preview.Describe(in.name, lv)
	summary := "Pods Would Violate The New Enforce Level"
	if len(preview.Violations) == 0 {
		summary = "PodSecurity Preview Warning"
	}
	if onViolation == "error" && len(preview.Violations) > 0 {
		diags.AddAttributeError(path.Root("enforce"), summary, detail)
		return
	}
	diags.AddAttributeWarning(path.Root("enforce"), summary, detail)
}

// dryRunWarnings applies the planned labels with a server-side dry run and
// returns the API server's warnings; ok is false when the dry run failed.
func (r *NamespacePodSecurityResource) dryRunWarnings(ctx context.Context, c *kube.Client, in *psaPlanInputs, diags *diag.Diagnostics) (warnings []string, ok bool) {
	op := kube.Op{Verb: "patch", Resource: "namespaces", Name: in.name}
	opts := metav1.ApplyOptions{FieldManager: podSecurityFieldManager, Force: in.plan.Force.ValueBool(), DryRun: []string{metav1.DryRunAll}}
	wctx, rec := kube.WithWarningRecorder(ctx)
	err := kube.Retry(wctx, op, func(ctx context.Context) error {
		rec.Reset()
		_, err := c.Clientset.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(in.name).WithLabels(in.labels), opts)
		return err
	})
	if err != nil {
		if apierrors.IsConflict(err) {
			diags.AddError("Pod Security Labels Owned By Another Manager",
				fmt.Sprintf("The dry run of the label change on namespace %q conflicts with another field manager: %v\n\n"+
					"Set force = true to take the labels over, or remove them from the other tool's configuration.", in.name, err))
			return nil, false
		}
		r.kubeError(diags, op, err)
		return nil, false
	}
	return rec.Messages(), true
}
