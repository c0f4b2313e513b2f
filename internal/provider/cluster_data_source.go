package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

var _ datasource.DataSourceWithConfigure = &ClusterDataSource{}

// ClusterDataSource reads the version and the container runtimes of a
// cluster from the Kubernetes API.
type ClusterDataSource struct{ dataSourceBase }

// NewClusterDataSource returns the kubeharden_cluster data source.
func NewClusterDataSource() datasource.DataSource {
	// A few small calls, retried on transient errors.
	return &ClusterDataSource{dataSourceBase{base{name: "cluster", timeouts: timeoutDefaults{Read: 2 * time.Minute}}}}
}

type clusterDataSourceModel struct {
	ID       types.String `tfsdk:"id"`
	Version  types.String `tfsdk:"version"`
	Major    types.String `tfsdk:"major"`
	Minor    types.String `tfsdk:"minor"`
	Platform types.String `tfsdk:"platform"`
	Nodes    types.List   `tfsdk:"nodes"`
	clusterCoreModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (m clusterDataSourceModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// clusterNodeModel is one of `nodes`.
type clusterNodeModel struct {
	Name                    types.String `tfsdk:"name"`
	KubeletVersion          types.String `tfsdk:"kubelet_version"`
	ContainerRuntime        types.String `tfsdk:"container_runtime"`
	ContainerRuntimeVersion types.String `tfsdk:"container_runtime_version"`
	OSImage                 types.String `tfsdk:"os_image"`
	ContainerRuntimeMajor   types.Int64  `tfsdk:"container_runtime_major"`
	CgroupVersion           types.Int64  `tfsdk:"cgroup_version"`
	UserNamespaces          types.Bool   `tfsdk:"user_namespaces"`
	KubeletSkew             types.Int64  `tfsdk:"kubelet_skew"`
}

// Node proxy reads of the kubelets' metrics: at most nodeProxyParallel at a
// time, each bounded by nodeProxyTimeout, so that one slow node costs a few
// seconds of the read, not its whole timeout.
const (
	nodeProxyParallel = 8
	nodeProxyTimeout  = 5 * time.Second
)

func (d *ClusterDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "What a cluster really runs, read from the Kubernetes API: the API server's version and each node's " +
			"kubelet and container runtime (from `status.nodeInfo`), its cgroup version, user-namespace support and version skew, " +
			"and the upgrade `readiness` they add up to. Works on any cluster with read access to nodes; the cgroup version also needs " +
			"`get` on `nodes/proxy` (the kubelets' metrics are read through the API server's node proxy), without which it is null " +
			"and the missing rule is logged. See the Permissions guide." + sameRunDescription,
		Attributes: runtimeSchema(map[string]schema.Attribute{
			"id":       schema.StringAttribute{Computed: true, MarkdownDescription: "The API server's host."},
			"version":  schema.StringAttribute{Computed: true, MarkdownDescription: "The API server's `gitVersion`, e.g. `v1.36.3` or `v1.30.4-eks-a737599`."},
			"major":    schema.StringAttribute{Computed: true, MarkdownDescription: "Major version, e.g. `1`."},
			"minor":    schema.StringAttribute{Computed: true, MarkdownDescription: "Minor version, e.g. `36` (a trailing `+` some distributions add is removed)."},
			"platform": schema.StringAttribute{Computed: true, MarkdownDescription: "`eks`, `gke`, `aks` or `other`: from the version string's suffix, else from the nodes' `spec.providerID`."},
			"nodes": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The nodes, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":                      schema.StringAttribute{Computed: true, MarkdownDescription: "Node name."},
					"kubelet_version":           schema.StringAttribute{Computed: true, MarkdownDescription: "`status.nodeInfo.kubeletVersion`."},
					"container_runtime":         schema.StringAttribute{Computed: true, MarkdownDescription: "`containerd`, `cri-o`, `docker`, another name the node reports, or `unknown` when `containerRuntimeVersion` is missing or malformed."},
					"container_runtime_version": schema.StringAttribute{Computed: true, MarkdownDescription: "The runtime's version, e.g. `1.7.27`; empty when unknown."},
					"os_image":                  schema.StringAttribute{Computed: true, MarkdownDescription: "`status.nodeInfo.osImage`."},
					"container_runtime_major": schema.Int64Attribute{Computed: true, MarkdownDescription: "The major version of " +
						"`container_runtime_version`, e.g. `2` for containerd 2.0.4; null when it is unknown."},
					"cgroup_version": schema.Int64Attribute{Computed: true, MarkdownDescription: "`1` or `2`: the kubelet's `" +
						kube.CgroupVersionMetric + "` gauge, read from its `/metrics` through the API server's node proxy " +
						"(`GET /api/v1/nodes/<name>/proxy/metrics`). Null when the provider's identity lacks `get` on `nodes/proxy` " +
						"(the rule to add is logged at WARN: `TF_LOG=WARN`), when the kubelet does not answer within " +
						fmt.Sprintf("%d seconds", int(nodeProxyTimeout.Seconds())) + " or does not report the gauge."},
					"user_namespaces": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the node's default runtime " +
						"handler supports user namespaces (`hostUsers: false` pods), from `status.runtimeHandlers[].features.userNamespaces` " +
						"of the handler named `\"\"`. Null when the node does not report it (older kubelets and runtimes do not)."},
					"kubelet_skew": schema.Int64Attribute{Computed: true, MarkdownDescription: "The API server's minor version minus the " +
						"kubelet's, e.g. `2` for a 1.34 kubelet under a 1.36 API server; negative when the kubelet is newer. A kubelet may be " +
						"up to three minor versions older than the API server (two before 1.28) and never newer " +
						"([version skew policy](" + containerruntime.SkewPolicyURL + ")): beyond that, `readiness.blockers` names the node. " +
						"Null when either version cannot be parsed."},
				}},
			},
		}, "node", "the cluster has no nodes", "Here `containerd_2` comes from each node's `containerRuntimeVersion`: a node "+
			"on another runtime (CRI-O, Docker) fails it, and a node whose runtime is `unknown` makes it null. `cgroup_v2` comes "+
			"from each node's `cgroup_version`, so it is null while any node's is unknown (see `nodes`). `supported_images` is "+
			"always null: the Kubernetes API does not say whether a node's image is past its end of support; the cloud data "+
			"sources (`kubeharden_eks_cluster`, `kubeharden_gke_cluster`, `kubeharden_aks_cluster`) can tell. `blockers` also names "+
			"every node whose `kubelet_skew` is beyond the supported skew."),
		Blocks: map[string]schema.Block{"timeouts": d.timeouts.dataSourceBlock(ctx)},
	}
}

func (d *ClusterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	config, ctx, cancel, ok := beginRead[clusterDataSourceModel](ctx, d.timeouts, getConfig(req.Config), &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	c := d.kube(ctx, kube.Op{Verb: "get", Resource: "version"}, &resp.Diagnostics)
	if c == nil {
		return
	}
	info, err := c.ServerVersion(ctx)
	if err != nil {
		d.kubeError(&resp.Diagnostics, kube.Op{Verb: "get", Resource: "version"}, err)
		return
	}
	var nodes []corev1.Node
	listOp := kube.Op{Verb: "list", Resource: "nodes"}
	// An expired continue token (410) is not retried.
	if err := kube.ListAll(ctx, listOp, kube.PageOptions{}, c.Clientset.CoreV1().Nodes().List, func(list *corev1.NodeList) error {
		nodes = append(nodes, list.Items...)
		return nil
	}); err != nil {
		d.kubeError(&resp.Diagnostics, listOp, err)
		return
	}
	slices.SortFunc(nodes, func(a, b corev1.Node) int { return strings.Compare(a.Name, b.Name) })

	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	cgroups := kube.NodeCgroupVersions(ctx, c.Clientset, names, nodeProxyParallel, nodeProxyTimeout)
	logNodeProxy(ctx, names, cgroups)

	var providerIDs, runtimes []string
	nodeModels := make([]clusterNodeModel, 0, len(nodes))
	facts := make([]containerruntime.Facts, 0, len(nodes))
	for i, n := range nodes {
		name, ver := containerruntime.Parse(n.Status.NodeInfo.ContainerRuntimeVersion)
		runtimes = append(runtimes, name)
		providerIDs = append(providerIDs, n.Spec.ProviderID)
		m, f := nodeReadiness(n, name, ver, cgroups[i].Version, info.GitVersion)
		nodeModels = append(nodeModels, m)
		facts = append(facts, f)
	}
	readiness := containerruntime.Summarize(facts)
	nodeList, diags := listOf(ctx, nodeModels)
	resp.Diagnostics.Append(diags...)
	core, diags := clusterCore(ctx, runtimes, &readiness)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state := clusterDataSourceModel{
		Timeouts:         config.Timeouts,
		ID:               types.StringValue(c.REST.Host),
		Version:          types.StringValue(info.GitVersion),
		Major:            types.StringValue(info.Major),
		Minor:            types.StringValue(strings.TrimSuffix(info.Minor, "+")),
		Platform:         types.StringValue(containerruntime.Platform(info.GitVersion, providerIDs)),
		Nodes:            nodeList,
		clusterCoreModel: core,
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}

// nodeReadiness returns a node's model and readiness facts from its
// runtime (parsed from nodeInfo), its kubelet's cgroup version (0 when
// unknown) and the API server's version.
func nodeReadiness(n corev1.Node, runtime, runtimeVersion string, cgroup int, apiServerVersion string) (clusterNodeModel, containerruntime.Facts) {
	m := clusterNodeModel{
		Name:                    types.StringValue(n.Name),
		KubeletVersion:          types.StringValue(n.Status.NodeInfo.KubeletVersion),
		ContainerRuntime:        types.StringValue(runtime),
		ContainerRuntimeVersion: types.StringValue(runtimeVersion),
		OSImage:                 types.StringValue(n.Status.NodeInfo.OSImage),
		ContainerRuntimeMajor:   types.Int64Null(),
		CgroupVersion:           types.Int64Null(),
		UserNamespaces:          types.BoolPointerValue(userNamespaces(n.Status.RuntimeHandlers)),
		KubeletSkew:             types.Int64Null(),
	}
	f := containerruntime.Facts{Kind: "node", Name: n.Name}
	major, majorOK := containerruntime.Major(runtimeVersion)
	if runtime != containerruntime.Unknown && majorOK {
		m.ContainerRuntimeMajor = types.Int64Value(int64(major))
	}
	// A node on another runtime does not run containerd 2; an unknown
	// runtime, or a containerd version that does not parse, cannot tell.
	switch {
	case runtime == containerruntime.Containerd && majorOK:
		f.Containerd2 = containerruntime.Bool(major >= 2)
		if major < 2 {
			f.Blockers = append(f.Blockers, "containerd "+runtimeVersion+", not containerd 2 or later")
		}
	case runtime != containerruntime.Containerd && runtime != containerruntime.Unknown:
		f.Containerd2 = containerruntime.Bool(false)
		f.Blockers = append(f.Blockers, runtime+" "+runtimeVersion+", not containerd 2 or later")
	}
	if cgroup == 1 || cgroup == 2 {
		m.CgroupVersion = types.Int64Value(int64(cgroup))
		f.CgroupV2 = containerruntime.Bool(cgroup == 2)
		if cgroup == 1 {
			f.Blockers = append(f.Blockers, "cgroup v1 (kubelets refuse cgroup v1 by default from Kubernetes 1.35)")
		}
	}
	if skew, blocker, ok := containerruntime.KubeletSkew(apiServerVersion, n.Status.NodeInfo.KubeletVersion); ok {
		m.KubeletSkew = types.Int64Value(int64(skew))
		if blocker != "" {
			f.Blockers = append(f.Blockers, blocker)
		}
	}
	return m, f
}

// userNamespaces reads whether the default runtime handler (named "")
// supports user namespaces; nil when the node does not say.
func userNamespaces(handlers []corev1.NodeRuntimeHandler) *bool {
	for _, h := range handlers {
		if h.Name == "" && h.Features != nil {
			return h.Features.UserNamespaces
		}
	}
	return nil
}

// logNodeProxy logs why cgroup versions are unknown: once, at WARN, the
// rule to add when nodes/proxy is forbidden, and each other node's reason
// at DEBUG.
func logNodeProxy(ctx context.Context, names []string, results []kube.NodeCgroup) {
	var forbidden []string
	for i, r := range results {
		switch {
		case r.Forbidden:
			forbidden = append(forbidden, names[i])
		case r.Err != nil:
			tflog.Debug(ctx, "The cgroup version of a node is unknown", map[string]any{"node": names[i], "error": r.Err.Error()})
		}
	}
	if len(forbidden) > 0 {
		tflog.Warn(ctx, fmt.Sprintf("kubeharden_cluster: the cgroup version of %d node(s) is unknown (null) because the API server "+
			"refused get on nodes/proxy, through which the kubelets' metrics are read. To report it, grant the provider's identity:\n%s",
			len(forbidden), kube.RBACRule(kube.NodeProxyOp)), map[string]any{"nodes": forbidden})
	}
}
