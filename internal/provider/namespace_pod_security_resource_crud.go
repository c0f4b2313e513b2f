package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
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

func (r *NamespacePodSecurityResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.apply(ctx, getPlan(req.Plan), opCreate, &resp.State, resp.Private.SetKey, &resp.Diagnostics)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *NamespacePodSecurityResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.apply(ctx, getPlan(req.Plan), opUpdate, &resp.State, resp.Private.SetKey, &resp.Diagnostics)
	r.setIdentity(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// apply is Create and Update: write the planned labels and the ownership
// marker under op's limit, save what the API server answered, and keep the
// instance's owner ID in private state. The planned owner_id is the
// instance's ID, or unknown before its first write (a create, an import, a
// state written before ownership markers), which then gets a new one.
func (r *NamespacePodSecurityResource) apply(ctx context.Context, get func(context.Context, any) diag.Diagnostics, op string, state *tfsdk.State, setPrivate func(context.Context, string, []byte) diag.Diagnostics, diags *diag.Diagnostics) {
	plan, ctx, cancel, ok := begin[namespacePodSecurityModel](ctx, r.timeouts, get, op, diags)
	defer cancel()
	if !ok {
		return
	}
	hadID := !plan.OwnerID.IsUnknown() && plan.OwnerID.ValueString() != ""
	if !hadID {
		plan.OwnerID = types.StringValue(newOwnerID())
	}
	id := plan.OwnerID.ValueString()
	// An instance that had an ID never takes the namespace back from
	// another; one without (imported, or from an older state) adopts it, as
	// its plan warned.
	if hadID {
		if r.refuseTakenOver(ctx, plan.Namespace.ValueString(), id, diags); diags.HasError() {
			return
		}
	}
	if r.write(ctx, &plan, diags); diags.HasError() {
		return
	}
	setPrivateString(ctx, setPrivate, psaPrivateOwner, id, diags)
	setPrivateString(ctx, setPrivate, psaPrivateClaim, "", diags)
	diags.Append(setState(ctx, state, &plan)...)
}

func (r *NamespacePodSecurityResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer r.readIdentity(ctx, req, resp)
	state, ctx, cancel, ok := begin[namespacePodSecurityModel](ctx, r.timeouts, getState(req.State), opRead, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
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
	state.fromNamespace(ctx, ns, &resp.Diagnostics)
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}

// Delete removes the labels of the modes this resource set and its
// ownership marker, and leaves the namespace and every other label alone.
// When the namespace carries another instance's marker it leaves them all:
// they are that instance's now (set earlier in this apply by a resource
// that replaces this one, or by another configuration that took the
// namespace over).
func (r *NamespacePodSecurityResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ctx, cancel, ok := begin[namespacePodSecurityModel](ctx, r.timeouts, getState(req.State), opDelete, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := state.Namespace.ValueString()
	op := kube.Op{Verb: "patch", Resource: "namespaces", Name: name}
	c := r.kube(ctx, op, &resp.Diagnostics)
	if c == nil {
		return
	}
	ownerID := privateString(ctx, req.Private.GetKey, psaPrivateOwner)
	live, err := r.data.Namespaces.Get(ctx, c, name)
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		r.kubeError(&resp.Diagnostics, nsOp("get", name), err)
		return
	}
	var annotations []string
	switch marker := live.Annotations[psaOwnerAnnotation]; {
	case marker == "":
	case marker == ownerID:
		annotations = []string{psaOwnerAnnotation}
	case r.data.Namespaces.LabelsSet(name, psaOwnerRecord):
		tflog.Info(ctx, "Another resource took the namespace over in this apply; leaving its labels and marker", map[string]any{"namespace": name, "marker": marker})
		return
	default:
		resp.Diagnostics.AddWarning("Namespace Left To Its Other Owner",
			fmt.Sprintf("The namespace %q carries the ownership marker of another kubeharden_namespace_pod_security (annotation %s = %q; "+
				"this resource's owner_id was %q), which took it over. Destroying this resource removed it from the state only: "+
				"the namespace's labels and marker are the other resource's, and were left as they are.", name, psaOwnerAnnotation, marker, ownerID))
		return
	}
	labels, _ := state.labels(ctx, &resp.Diagnostics)
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
	if len(keys) == 0 && len(annotations) == 0 {
		return
	}
	r.data.Namespaces.MarkWritten(name)
	if _, err := removeMetadata(ctx, c, name, keys, annotations); err != nil && !apierrors.IsNotFound(err) {
		r.kubeError(&resp.Diagnostics, op, err)
	}
}

// ownerMarker is the ownership marker of ns, null when it has none.
func ownerMarker(ns *corev1.Namespace) types.String {
	if m, ok := ns.Annotations[psaOwnerAnnotation]; ok {
		return types.StringValue(m)
	}
	return types.StringNull()
}

func (r *NamespacePodSecurityResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := r.importID(ctx, req, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("on_violation"), "warn")...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force"), true)...)
}

// nsOp names a call on namespace ns, for its error.
func nsOp(verb, ns string) kube.Op { return kube.Op{Verb: verb, Resource: "namespaces", Name: ns} }

// write applies the planned labels and sets the modes of plan from what the
// API server answered. It never creates a namespace, although server-side
// apply would: every apply names the UID of the namespace it means, which
// the API server checks, so a namespace deleted meanwhile is refused rather
// than created, and one replaced meanwhile (read from an old snapshot, or
// deleted and created again by other resources of the same run) is read
// again and labelled.
//
// It needs no prior state: the apply sets all six labels, and whatever PSA
// label the plan leaves unset is removed from the live namespace (see
// strayPSALabels), whoever set it, so the prior state has nothing to add.
func (r *NamespacePodSecurityResource) write(ctx context.Context, plan *namespacePodSecurityModel, diags *diag.Diagnostics) {
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
	labels, _ := plan.labels(ctx, diags)
	marker := plan.OwnerID.ValueString()
	if plan.OwnerID.IsUnknown() || marker == "" {
		marker = newOwnerID()
	}
	// From here on this process must not serve the namespace from the snapshot.
	r.data.Namespaces.MarkWritten(name)
	wctx, rec := kube.WithWarningRecorder(ctx)
	var got *corev1.Namespace
	for attempt := 1; ; attempt++ {
		uid := before.UID
		err = kube.Retry(wctx, op, func(ctx context.Context) error {
			rec.Reset()
			var err error
			got, err = c.Clientset.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(name).WithUID(uid).WithLabels(labels).WithAnnotations(map[string]string{psaOwnerAnnotation: marker}),
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
	r.data.Namespaces.RecordSetLabels(name, append(slices.Collect(maps.Keys(labels)), psaOwnerRecord))
	plan.ID = types.StringValue(name)
	plan.setFromLabels(ctx, got.Labels, diags)
	plan.OwnerID = ownerMarker(got)
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

// strayPSALabels are the PSA labels of live that want does not set.
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
	return removeMetadata(ctx, c, name, keys, nil)
}

// removeMetadata deletes label and annotation keys with a JSON merge patch.
func removeMetadata(ctx context.Context, c *kube.Client, name string, labels, annotations []string) (*corev1.Namespace, error) {
	nulls := func(keys []string) map[string]any {
		m := map[string]any{}
		for _, k := range keys {
			m[k] = nil
		}
		return m
	}
	meta := map[string]any{"labels": nulls(labels)}
	if len(annotations) > 0 {
		meta["annotations"] = nulls(annotations)
	}
	body, err := json.Marshal(map[string]any{"metadata": meta})
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
