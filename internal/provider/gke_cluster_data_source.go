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
	container "google.golang.org/api/container/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
)

// gkeReadinessSources is where the GKE readiness facts come from, for the
// readiness attribute's description.
const gkeReadinessSources = "Here the facts come from each node pool (see the table in the guide \"Upgrade readiness checks in CI\"): " +
	"`cgroup_v2` from `config.effectiveCgroupMode`, else the requested `config.linuxNodeConfig.cgroupMode` (null when both are unspecified; " +
	"Windows pools are left out); `containerd_2` from the node version and image type, as GKE documents it: Linux containerd images " +
	"run containerd 2 from 1.33, Windows ones from 1.35 ([GKE](https://cloud.google.com/kubernetes-engine/docs/deprecations/migrate-containerd-2)); " +
	"`supported_images` is false for the legacy Docker image types (`COS`, `UBUNTU`, `WINDOWS_LTSC`, `WINDOWS_SAC`), true for " +
	"`COS_CONTAINERD`, `UBUNTU_CONTAINERD` and `WINDOWS_LTSC_CONTAINERD`, null for any other."

var _ datasource.DataSourceWithConfigure = &GKEClusterDataSource{}

// GKEClusterDataSource reads what a GKE cluster runs from the Kubernetes
// Engine API: versions, Secrets encryption, and each node pool's container
// runtime as its image type implies.
type GKEClusterDataSource struct{ dataSourceBase }

// NewGKEClusterDataSource returns the kubeharden_gke_cluster data source.
func NewGKEClusterDataSource() datasource.DataSource {
	return &GKEClusterDataSource{dataSourceBase{base{name: "gke_cluster", timeouts: timeoutDefaults{Read: 5 * time.Minute}}}}
}

type gkeClusterDataSourceModel struct {
	ID                types.String `tfsdk:"id"`
	Project           types.String `tfsdk:"project"`
	Location          types.String `tfsdk:"location"`
	Name              types.String `tfsdk:"name"`
	Version           types.String `tfsdk:"version"`
	ReleaseChannel    types.String `tfsdk:"release_channel"`
	Status            types.String `tfsdk:"status"`
	Endpoint          types.String `tfsdk:"endpoint"`
	Autopilot         types.Bool   `tfsdk:"autopilot"`
	SecretsEncryption types.Object `tfsdk:"secrets_encryption"`
	NodePools         types.List   `tfsdk:"node_pools"`
	clusterCoreModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (m gkeClusterDataSourceModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// gkeClusterEncryptionModel is `secrets_encryption`.
type gkeClusterEncryptionModel struct {
	State        types.String `tfsdk:"state"`
	KeyName      types.String `tfsdk:"key_name"`
	CurrentState types.String `tfsdk:"current_state"`
}

// gkeNodePoolModel is one of `node_pools`.
type gkeNodePoolModel struct {
	Name             types.String `tfsdk:"name"`
	Version          types.String `tfsdk:"version"`
	ImageType        types.String `tfsdk:"image_type"`
	ContainerRuntime types.String `tfsdk:"container_runtime"`
}

func (d *GKEClusterDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "What a GKE cluster runs, read from the Kubernetes Engine API (`clusters.get`): the control plane's version, " +
			"release channel, Secrets encryption, and each node pool's container runtime as its image type implies. " +
			"`*_CONTAINERD` image types run containerd; the legacy `COS`, `UBUNTU`, `WINDOWS_LTSC` and `WINDOWS_SAC` ran Docker " +
			"through the dockershim, removed in Kubernetes 1.24.\n\n" +
			"IAM permissions: " + iamPermissions(d.typeName(), "container.") + "." + sameRunDescription,
		Attributes: runtimeSchema(map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`project/location/name`."},
			"project": schema.StringAttribute{
				Optional: true, Computed: true, Validators: gkeProjectValidators,
				MarkdownDescription: "The cluster's project ID. Defaults to the provider's `google.project`; one of them must be set.",
			},
			"location": schema.StringAttribute{
				Required: true, Validators: gkeLocationValidators,
				MarkdownDescription: "The cluster's location: a region (`europe-west1`) for a regional cluster, a zone (`europe-west1-b`) for a zonal one.",
			},
			"name":            schema.StringAttribute{Required: true, Validators: gkeClusterNameValidators, MarkdownDescription: "The cluster's name."},
			"version":         schema.StringAttribute{Computed: true, MarkdownDescription: "The control plane's version (`currentMasterVersion`), e.g. `1.36.3-gke.1200000`."},
			"release_channel": schema.StringAttribute{Computed: true, MarkdownDescription: "`RAPID`, `REGULAR`, `STABLE`, `EXTENDED`, or `UNSPECIFIED` when the cluster is not enrolled in a channel."},
			"status":          schema.StringAttribute{Computed: true, MarkdownDescription: "The cluster's status, e.g. `RUNNING` or `RECONCILING`."},
			"endpoint":        schema.StringAttribute{Computed: true, MarkdownDescription: "The IP address of the control plane's endpoint."},
			"autopilot": schema.BoolAttribute{Computed: true, MarkdownDescription: "True for an Autopilot cluster (`autopilot.enabled`), " +
				"whose nodes GKE manages. Autopilot already applies the `RuntimeDefault` seccomp profile to every Pod."},
			"secrets_encryption": schema.SingleNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Application-layer Secrets encryption (`databaseEncryption`).",
				Attributes: map[string]schema.Attribute{
					"state":         schema.StringAttribute{Computed: true, MarkdownDescription: "The desired state: `ENCRYPTED`, `ALL_OBJECTS_ENCRYPTION_ENABLED` (both mean Secrets are encrypted with `key_name`), `DECRYPTED` or `UNKNOWN`."},
					"key_name":      schema.StringAttribute{Computed: true, MarkdownDescription: "The Cloud KMS key, `" + gke.KeyNameFormat + "`; null when none."},
					"current_state": schema.StringAttribute{Computed: true, MarkdownDescription: "Where the cluster stands, e.g. `CURRENT_STATE_ENCRYPTED`, `CURRENT_STATE_ENCRYPTION_PENDING` or `CURRENT_STATE_ENCRYPTION_ERROR`; null when not reported."},
				},
			},
			"node_pools": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The node pools, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":              schema.StringAttribute{Computed: true, MarkdownDescription: "Node pool name."},
					"version":           schema.StringAttribute{Computed: true, MarkdownDescription: "The nodes' Kubernetes version."},
					"image_type":        schema.StringAttribute{Computed: true, MarkdownDescription: "The node image type (`config.imageType`), e.g. `COS_CONTAINERD`."},
					"container_runtime": schema.StringAttribute{Computed: true, MarkdownDescription: "`containerd`, `docker`, or `unknown` for an image type the provider does not know."},
				}},
			},
		}, "node pool", "the cluster has no node pools", gkeReadinessSources),
		Blocks: map[string]schema.Block{"timeouts": d.timeouts.dataSourceBlock(ctx)},
	}
}

func (d *GKEClusterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	m, ctx, cancel, ok := beginRead[gkeClusterDataSourceModel](ctx, d.timeouts, getConfig(req.Config), &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	project, ok := d.gkeProject(m.Project, &resp.Diagnostics)
	if !ok {
		return
	}
	location, name := m.Location.ValueString(), m.Name.ValueString()
	clusterName := gke.ClusterName(project, location, name)
	call := gke.GetClusterCall(clusterName)
	c := d.gke(ctx, call, &resp.Diagnostics)
	if c == nil {
		return
	}
	cl, err := c.GetCluster(ctx, clusterName)
	if err != nil {
		d.gkeError(&resp.Diagnostics, call, err)
		return
	}

	m.ID = types.StringValue(gke.ClusterID(project, location, name))
	m.Project = types.StringValue(project)
	m.Version = types.StringValue(cl.CurrentMasterVersion)
	channel := "UNSPECIFIED"
	if cl.ReleaseChannel != nil && cl.ReleaseChannel.Channel != "" {
		channel = cl.ReleaseChannel.Channel
	}
	m.ReleaseChannel = types.StringValue(channel)
	m.Status = types.StringValue(cl.Status)
	m.Endpoint = types.StringValue(cl.Endpoint)
	m.Autopilot = types.BoolValue(cl.Autopilot != nil && cl.Autopilot.Enabled)

	de := gke.DatabaseEncryption(cl)
	state := de.State
	enc, diags := objectValueOf(ctx, gkeClusterEncryptionModel{
		State:        types.StringValue(state),
		KeyName:      stringOrNull(de.KeyName),
		CurrentState: stringOrNull(de.CurrentState),
	})
	resp.Diagnostics.Append(diags...)
	m.SecretsEncryption = enc

	pools := slices.Clone(cl.NodePools)
	slices.SortFunc(pools, func(a, b *container.NodePool) int { return strings.Compare(a.Name, b.Name) })
	var runtimes []string
	facts := make([]containerruntime.Facts, 0, len(pools))
	poolModels := make([]gkeNodePoolModel, 0, len(pools))
	for _, np := range pools {
		imageType, effective, requested := "", "", ""
		if np.Config != nil {
			imageType, effective = np.Config.ImageType, np.Config.EffectiveCgroupMode
			if np.Config.LinuxNodeConfig != nil {
				requested = np.Config.LinuxNodeConfig.CgroupMode
			}
		}
		rt := gke.ContainerRuntime(imageType)
		runtimes = append(runtimes, rt)
		facts = append(facts, containerruntime.ForGKENodePool(np.Name, imageType, np.Version, effective, requested))
		poolModels = append(poolModels, gkeNodePoolModel{
			Name:             types.StringValue(np.Name),
			Version:          types.StringValue(np.Version),
			ImageType:        types.StringValue(imageType),
			ContainerRuntime: types.StringValue(rt),
		})
	}
	m.NodePools, diags = listOf(ctx, poolModels)
	resp.Diagnostics.Append(diags...)
	readiness := containerruntime.Summarize(facts)
	m.clusterCoreModel, diags = clusterCore(ctx, runtimes, &readiness)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &m)...)
}

// stringOrNull is null for the empty string, which the API omits.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
