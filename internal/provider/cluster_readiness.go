package provider

import (
	"context"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
)

// clusterCoreModel is what every cluster data source reports, whatever its
// API: the runtimes, dockershim_free and the upgrade readiness. The four
// models embed it, so that the attributes are declared (runtimeSchema) and
// filled (clusterCore) in one place.
type clusterCoreModel struct {
	ContainerRuntimes types.Set    `tfsdk:"container_runtimes"`
	DockershimFree    types.Bool   `tfsdk:"dockershim_free"`
	Readiness         types.Object `tfsdk:"readiness"`
}

// readinessModel is `readiness`, the same shape on every cluster data source.
type readinessModel struct {
	Containerd2     types.Bool `tfsdk:"containerd_2"`
	CgroupV2        types.Bool `tfsdk:"cgroup_v2"`
	SupportedImages types.Bool `tfsdk:"supported_images"`
	Blockers        types.List `tfsdk:"blockers" elem:"string"`
}

// clusterCore computes the core from the runtime of each node or node pool
// and, when the data source can tell anything about readiness, its
// summary; a nil readiness is a null object.
func clusterCore(ctx context.Context, runtimes []string, readiness *containerruntime.Readiness) (clusterCoreModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	distinct := append([]string{}, runtimes...)
	slices.Sort(distinct)
	set, d := types.SetValueFrom(ctx, types.StringType, slices.Compact(distinct))
	diags.Append(d...)
	core := clusterCoreModel{
		ContainerRuntimes: set,
		DockershimFree:    types.BoolPointerValue(containerruntime.DockershimFree(runtimes)),
		Readiness:         objectNullOf[readinessModel](),
	}
	if readiness != nil {
		blockers, d := types.ListValueFrom(ctx, types.StringType, append([]string{}, readiness.Blockers...))
		diags.Append(d...)
		core.Readiness, d = objectValueOf(ctx, readinessModel{
			Containerd2:     types.BoolPointerValue(readiness.Containerd2),
			CgroupV2:        types.BoolPointerValue(readiness.CgroupV2),
			SupportedImages: types.BoolPointerValue(readiness.SupportedImages),
			Blockers:        blockers,
		})
		diags.Append(d...)
	}
	return core, diags
}

// runtimeSchema adds to attrs the core every cluster data source reports:
// container_runtimes, dockershim_free and readiness. unit names what has a
// runtime ("node", "node pool", "node group"), none says when there is none,
// and sources says where this data source's readiness facts come from.
func runtimeSchema(attrs map[string]schema.Attribute, unit, none, sources string) map[string]schema.Attribute {
	attrs["container_runtimes"] = schema.SetAttribute{Computed: true, ElementType: types.StringType,
		MarkdownDescription: "The distinct `container_runtime` values of the " + unit + "s."}
	attrs["dockershim_free"] = schema.BoolAttribute{Computed: true, MarkdownDescription: "True when no " + unit + " runs Docker. " +
		"Null when it cannot be told: " + none + ", or a " + unit + "'s runtime is `unknown`."}
	attrs["readiness"] = schema.SingleNestedAttribute{
		Computed: true,
		MarkdownDescription: "What blocks the next upgrade today, the same shape on every cluster data source. " +
			"Each check is `false` when any " + unit + " fails it, `true` when every " + unit + " passes, and null when " +
			"this API cannot tell for some " + unit + " (or there are none): a guess never passes a `check` block. " + sources,
		Attributes: map[string]schema.Attribute{
			"containerd_2": schema.BoolAttribute{Computed: true, MarkdownDescription: "Every " + unit + " runs containerd 2 or later."},
			"cgroup_v2":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Every " + unit + " runs cgroup v2 (kubelets refuse cgroup v1 by default from Kubernetes 1.35)."},
			"supported_images": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "No " + unit + " runs an image past its end of support."},
			"blockers": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "One line per " + unit + " and failing check, naming it and why, e.g. `" + unit + " legacy: ...`. Empty when nothing is known to block."},
		},
	}
	return attrs
}
