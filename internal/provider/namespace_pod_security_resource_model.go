package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

type namespacePodSecurityModel struct {
	ID          types.String   `tfsdk:"id"`
	Namespace   types.String   `tfsdk:"namespace"`
	Enforce     types.Object   `tfsdk:"enforce"`
	Audit       types.Object   `tfsdk:"audit"`
	Warn        types.Object   `tfsdk:"warn"`
	OnViolation types.String   `tfsdk:"on_violation"`
	Force       types.Bool     `tfsdk:"force"`
	OwnerID     types.String   `tfsdk:"owner_id"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (m namespacePodSecurityModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// psaModeModel is one mode: `enforce`, `audit` or `warn`.
type psaModeModel struct {
	Level   types.String `tfsdk:"level"`
	Version types.String `tfsdk:"version"`
}

// psaModeAttrTypes are the attribute types of a mode, derived from
// psaModeModel, for the tests that build a model by hand.
var psaModeAttrTypes = attrTypesOf[psaModeModel]()

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
func (m *namespacePodSecurityModel) labels(ctx context.Context, diags *diag.Diagnostics) (map[string]string, bool) {
	out := map[string]string{}
	for _, mode := range podsecurity.Modes {
		o := *m.mode(mode)
		if o.IsUnknown() {
			return nil, true
		}
		p, d := objectAs[psaModeModel](ctx, o)
		diags.Append(d...)
		if p == nil {
			continue
		}
		if p.Level.IsUnknown() || p.Version.IsUnknown() {
			return nil, true
		}
		out[podsecurity.LevelLabel(mode)] = p.Level.ValueString()
		v := p.Version.ValueString()
		if p.Version.IsNull() || v == "" {
			v = "latest"
		}
		out[podsecurity.VersionLabel(mode)] = v
	}
	return out, false
}

// fromNamespace is what Read makes of a live namespace: the ID, the modes
// from its labels, and the defaults of the attributes that an import leaves
// null. The list resource maps each namespace it finds with it too.
func (m *namespacePodSecurityModel) fromNamespace(ctx context.Context, ns *corev1.Namespace, diags *diag.Diagnostics) {
	m.ID = types.StringValue(ns.Name)
	m.Namespace = types.StringValue(ns.Name)
	m.setFromLabels(ctx, ns.Labels, diags)
	m.OwnerID = ownerMarker(ns)
	if m.OnViolation.IsNull() {
		m.OnViolation = types.StringValue("warn")
	}
	if m.Force.IsNull() {
		m.Force = types.BoolValue(true)
	}
}

// setFromLabels sets the three modes from a namespace's live labels. A mode
// without either label is null; an absent version label means "latest", as
// PSA reads it. A version label without its level label (which PSA ignores)
// reads as level "" with that version, so that it shows as drift against a
// configuration where the mode is unset, and the next apply removes it.
func (m *namespacePodSecurityModel) setFromLabels(ctx context.Context, labels map[string]string, diags *diag.Diagnostics) {
	for _, mode := range podsecurity.Modes {
		level, ok := labels[podsecurity.LevelLabel(mode)]
		if !ok {
			if v, stray := labels[podsecurity.VersionLabel(mode)]; stray {
				*m.mode(mode) = psaModeObject(ctx, "", v, diags)
				continue
			}
			*m.mode(mode) = objectNullOf[psaModeModel]()
			continue
		}
		version := labels[podsecurity.VersionLabel(mode)]
		if version == "" {
			version = "latest"
		}
		*m.mode(mode) = psaModeObject(ctx, level, version, diags)
	}
}

// psaModeObject is a mode's object of a level and a version.
func psaModeObject(ctx context.Context, level, version string, diags *diag.Diagnostics) types.Object {
	o, d := objectValueOf(ctx, psaModeModel{Level: types.StringValue(level), Version: types.StringValue(version)})
	diags.Append(d...)
	return o
}
