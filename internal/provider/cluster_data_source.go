package provider

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
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
}

func (d *ClusterDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "What a cluster really runs, read from the Kubernetes API: the API server's version and each node's " +
			"kubelet and container runtime (from `status.nodeInfo`). Works on any cluster with read access to nodes." + sameRunDescription,
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
				}},
			},
		}, "node", "the cluster has no nodes", ""),
		Blocks: map[string]schema.Block{"timeouts": d.timeouts.dataSourceBlock(ctx)},
	}
}

func (d *ClusterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	config, ctx, cancel, ok := beginRead[clusterDataSourceModel](ctx, d.timeouts, req.Config.Get, &resp.Diagnostics)
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

	var providerIDs, runtimes []string
	nodeModels := make([]clusterNodeModel, 0, len(nodes))
	for _, n := range nodes {
		name, ver := containerruntime.Parse(n.Status.NodeInfo.ContainerRuntimeVersion)
		runtimes = append(runtimes, name)
		providerIDs = append(providerIDs, n.Spec.ProviderID)
		nodeModels = append(nodeModels, clusterNodeModel{
			Name:                    types.StringValue(n.Name),
			KubeletVersion:          types.StringValue(n.Status.NodeInfo.KubeletVersion),
			ContainerRuntime:        types.StringValue(name),
			ContainerRuntimeVersion: types.StringValue(ver),
			OSImage:                 types.StringValue(n.Status.NodeInfo.OSImage),
		})
	}
	nodeList, diags := listOf(ctx, nodeModels)
	resp.Diagnostics.Append(diags...)
	core, diags := clusterCore(ctx, runtimes, nil)
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
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
