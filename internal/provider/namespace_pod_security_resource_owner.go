package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

// One owner per namespace. Two kubeharden_namespace_pod_security resources
// that label the same namespace would undo each other on every apply, so:
//
//   - in one run, the second resource planned for a namespace is a plan
//     error (psaClaims, a registry of the provider process: one process, or
//     with reattached providers one ConfigureProvider, serves one plan);
//   - across configurations and states, each resource instance writes an
//     ownership marker on its namespace, the annotation psaOwnerAnnotation
//     holding an ID generated at its first write and kept in its private
//     state. The owner_id attribute is the marker the namespace carries, so
//     a removed or changed marker shows as drift, and the plan names the
//     other owner.
//
// The ID never depends on the resource address, so moved blocks keep it.

// psaOwnerAnnotation is the ownership marker on a namespace.
const psaOwnerAnnotation = "kubeharden.io/pod-security-owner"

// Private state keys: the instance's own owner ID, and the claim of a plan
// in progress, which carries one instance's identity from the first to the
// second PlanResourceChange call of a replacement (Terraform passes the
// first call's private data to the second).
const (
	psaPrivateOwner = "owner_id"
	psaPrivateClaim = "plan_claim"
)

// psaClaims records which resource instance plans to label each namespace
// in this run, and which owners are destroyed in it.
type psaClaims struct {
	mu       sync.Mutex
	owners   map[string]psaClaim
	released map[string]map[string]bool
}

// psaClaim is one instance's claim on a namespace: key identifies the
// instance within the run, what describes it in a diagnostic.
type psaClaim struct{ key, what string }

func newPSAClaims() *psaClaims {
	return &psaClaims{owners: map[string]psaClaim{}, released: map[string]map[string]bool{}}
}

// claim records that the instance key plans to label ns, and returns the
// claim of another instance that did so first in this run.
func (c *psaClaims) claim(ns string, mine psaClaim) (other psaClaim, clash bool) {
	if c == nil {
		return psaClaim{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.owners[ns]; ok && prev.key != mine.key {
		return prev, true
	}
	c.owners[ns] = mine
	return psaClaim{}, false
}

// release records that the owner id of ns is destroyed in this run.
func (c *psaClaims) release(ns, id string) {
	if c == nil || id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.released[ns] == nil {
		c.released[ns] = map[string]bool{}
	}
	c.released[ns][id] = true
}

// isReleased reports whether the owner id of ns is destroyed in this run.
func (c *psaClaims) isReleased(ns, id string) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.released[ns][id]
}

// privateString reads a string kept in private state ("" when absent).
func privateString(ctx context.Context, get func(context.Context, string) ([]byte, diag.Diagnostics), key string) string {
	raw, _ := get(ctx, key)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		tflog.Warn(ctx, "Ignoring a private state value that is not a JSON string", map[string]any{"key": key})
		return ""
	}
	return s
}

// setPrivateString keeps s in private state under key; "" removes the key.
func setPrivateString(ctx context.Context, set func(context.Context, string, []byte) diag.Diagnostics, key, s string, diags *diag.Diagnostics) {
	var raw []byte
	if s != "" {
		raw, _ = json.Marshal(s)
	}
	diags.Append(set(ctx, key, raw)...)
}

// newOwnerID returns a random owner ID.
func newOwnerID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// psaOwnerPlan is what the ownership steps of ModifyPlan know about the
// instance being planned.
type psaOwnerPlan struct {
	ownerID string // the instance's own ID ("" before its first write, or after an import)
	claim   string // the instance's key in this run's claims
	// creating is true when the plan writes a new instance: a create, or
	// the create half of a replacement.
	creating bool
}

// planOwner runs first in ModifyPlan: it records a destroy's release, sets
// the planned owner_id (the instance's ID, or unknown until its first
// write), and claims the namespace for this run, with an error when another
// instance of this run already did. ok is false when the plan must stop.
func (r *NamespacePodSecurityResource) planOwner(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (own psaOwnerPlan, ok bool) {
	var claims *psaClaims
	if r.data != nil {
		claims = r.data.PodSecurityClaims
	}
	own.ownerID = privateString(ctx, req.Private.GetKey, psaPrivateOwner)
	if req.Plan.Raw.IsNull() {
		// A destroy: a new resource of this run may take the namespace over
		// without being told about a foreign owner.
		var state namespacePodSecurityModel
		if resp.Diagnostics.Append(getState(req.State)(ctx, &state)...); !resp.Diagnostics.HasError() && !state.Namespace.IsNull() {
			claims.release(state.Namespace.ValueString(), own.ownerID)
		}
		return own, false
	}
	var plan, state namespacePodSecurityModel
	if resp.Diagnostics.Append(getPlan(req.Plan)(ctx, &plan)...); resp.Diagnostics.HasError() {
		return own, false
	}
	own.creating = req.State.Raw.IsNull()
	if !own.creating {
		if resp.Diagnostics.Append(getState(req.State)(ctx, &state)...); resp.Diagnostics.HasError() {
			return own, false
		}
		own.creating = !state.Namespace.Equal(plan.Namespace)
	}
	own.claim = privateString(ctx, req.Private.GetKey, psaPrivateClaim)
	if own.claim == "" {
		own.claim = own.ownerID
	}
	if own.claim == "" {
		own.claim = "new-" + newOwnerID()
	}
	// resp.Private is nil only when ModifyPlan is called directly, in tests.
	if resp.Private != nil {
		setPrivateString(ctx, resp.Private.SetKey, psaPrivateClaim, own.claim, &resp.Diagnostics)
	}
	if req.State.Raw.IsNull() {
		// A new instance, or the create half of a replacement: it gets an
		// ID of its own at its first write, so that the instance it
		// replaces can tell its marker from theirs.
		if resp.Private != nil {
			setPrivateString(ctx, resp.Private.SetKey, psaPrivateOwner, "", &resp.Diagnostics)
		}
		own.ownerID = ""
	}
	planned := types.StringUnknown()
	switch {
	case own.ownerID != "":
		planned = types.StringValue(own.ownerID)
	case !own.creating:
		// Imported, or last written by a provider version without
		// ownership markers: nothing is planned just to write the marker,
		// so that an import, or a provider upgrade, leaves the namespace
		// as it is and `plan -detailed-exitcode` exits 0. The instance
		// gets its ID, and the namespace its marker, with the next apply
		// that changes the namespace (owner_id unknown then).
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("owner_id"), state.OwnerID)...)
		if resp.Plan.Raw.Equal(req.State.Raw) {
			planned = state.OwnerID
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("owner_id"), planned)...)
	if plan.Namespace.IsUnknown() || resp.Diagnostics.HasError() {
		return own, !resp.Diagnostics.HasError()
	}
	ns := plan.Namespace.ValueString()
	mine := psaClaim{key: own.claim, what: describePSAInstance(ctx, &plan, own.ownerID)}
	if other, clash := claims.claim(ns, mine); clash {
		resp.Diagnostics.AddAttributeError(path.Root("namespace"), "Namespace Labelled By Two Resources",
			fmt.Sprintf("namespace: two kubeharden_namespace_pod_security resources of this run label the namespace %q:\n\n"+
				"  this one:    %s\n  another one: %s\n\n"+
				"Each would undo the other's labels on every apply, so nothing is written. Keep one resource per namespace: "+
				"remove one of them, or merge their settings into one (a module that labels every namespace can leave this one out, "+
				"for example through its list of excluded namespaces). Terraform shows this resource's address with this error; "+
				"search the configuration for namespace = %q (or the for_each set that yields it) to find the other.",
				ns, mine.what, other.what, ns))
		return own, false
	}
	return own, true
}

// describePSAInstance describes a planned instance for a diagnostic: its
// owner ID if it has one, and its levels.
func describePSAInstance(ctx context.Context, plan *namespacePodSecurityModel, ownerID string) string {
	var diags diag.Diagnostics
	labels, unknown := plan.labels(ctx, &diags)
	var modes []string
	if unknown {
		modes = []string{"levels known after apply"}
	} else {
		for _, m := range podsecurity.Modes {
			if l, ok := labels[podsecurity.LevelLabel(m)]; ok {
				modes = append(modes, fmt.Sprintf("%s = %s:%s", m, l, labels[podsecurity.VersionLabel(m)]))
			}
		}
		if len(modes) == 0 {
			modes = []string{"no mode set"}
		}
	}
	who := "a new resource"
	if ownerID != "" {
		who = fmt.Sprintf("the resource with owner_id %q", ownerID)
	}
	return fmt.Sprintf("%s (%s)", who, strings.Join(modes, ", "))
}

// checkOwnerMarker compares the namespace's live ownership marker with the
// instance. A marker of another owner is a warning either way: a new
// instance takes the namespace over, and an existing one that was taken
// over will fail to apply (refuseTakenOver). Not a plan error, because
// `terraform destroy` first runs a normal plan, which must not fail for a
// resource whose destroy leaves the namespace alone anyway.
func (r *NamespacePodSecurityResource) checkOwnerMarker(name string, annotations map[string]string, own psaOwnerPlan, diags *diag.Diagnostics) {
	marker := annotations[psaOwnerAnnotation]
	if marker == "" || marker == own.ownerID || marker == own.claim {
		return
	}
	if own.creating || own.ownerID == "" {
		if r.data != nil && r.data.PodSecurityClaims.isReleased(name, marker) {
			return
		}
		what := "This new resource"
		if !own.creating {
			what = "This resource (imported, or last written by a provider version without ownership markers)"
		}
		diags.AddAttributeWarning(path.Root("namespace"), "Namespace Owned By Another Resource",
			fmt.Sprintf("namespace: the namespace %q carries the ownership marker of another kubeharden_namespace_pod_security: "+
				"annotation %s = %q, the owner_id in that resource's state, in another configuration or state.\n\n"+
				"%s takes the namespace over when applied: its labels and marker replace the other's, and the other resource's "+
				"next plan warns, naming this one's owner_id, and its apply fails without writing, rather than both undoing each other's labels on every apply.\n\n"+
				"If the other resource should keep the namespace, remove this one. If that owner no longer exists (its state was lost, "+
				"or it was removed with terraform state rm or a removed block), applying adopts the namespace. "+
				"If it is this resource's earlier address, destroyed in this run, use a moved block instead.",
				name, psaOwnerAnnotation, marker, what))
		return
	}
	diags.AddAttributeWarning(path.Root("namespace"), "Namespace Taken Over By Another Resource",
		takenOverDetail(name, marker, own.ownerID)+"\n\nApplying this plan fails for this resource, without writing anything.")
}

// takenOverDetail explains that another instance took the namespace over
// from the instance ownerID, and how to settle it.
func takenOverDetail(name, marker, ownerID string) string {
	return fmt.Sprintf("namespace: the namespace %q now carries the ownership marker of another kubeharden_namespace_pod_security "+
		"(annotation %s = %q; this resource's owner_id is %q). Another configuration created or imported a resource for it "+
		"since this one was applied, and its labels replaced this one's. Writing this resource's labels again would undo them, "+
		"and the other would undo this one in turn on every apply, so this resource no longer writes to the namespace.\n\n"+
		"To leave the namespace to the other owner, remove this resource from this configuration without touching the "+
		"namespace: a removed block with lifecycle { destroy = false }, or terraform state rm (destroying it also leaves the "+
		"namespace as it is). To keep it here, remove the other resource from its configuration the same way, then remove the "+
		"marker (kubectl annotate namespace %s %s-): the next apply writes this resource's labels and marker again.",
		name, psaOwnerAnnotation, marker, ownerID, name, psaOwnerAnnotation)
}

// refuseTakenOver fails an update, before it writes, when the namespace
// carries the marker of an instance other than ownerID: the plan warned,
// and writing would start the tug of war. A marker this process wrote
// earlier in the apply does not count.
func (r *NamespacePodSecurityResource) refuseTakenOver(ctx context.Context, name, ownerID string, diags *diag.Diagnostics) {
	c := r.kube(ctx, nsOp("get", name), diags)
	if c == nil {
		return
	}
	ns, err := r.data.Namespaces.Get(ctx, c, name)
	if err != nil {
		// write reports it.
		return
	}
	marker := ns.Annotations[psaOwnerAnnotation]
	if marker == "" || marker == ownerID || r.data.Namespaces.LabelsSet(name, psaOwnerRecord) {
		return
	}
	diags.AddAttributeError(path.Root("namespace"), "Namespace Taken Over By Another Resource",
		takenOverDetail(name, marker, ownerID)+"\n\nNothing was written.")
}

// psaOwnerRecord is the key under which the namespace snapshot records
// that a write of this process set the ownership marker (beside the label
// keys it records), so that an instance destroyed later in the same apply
// leaves it alone.
const psaOwnerRecord = "annotation:" + psaOwnerAnnotation
