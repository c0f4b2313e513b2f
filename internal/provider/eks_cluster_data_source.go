package provider

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
)

// eksReadinessSources is where the EKS readiness facts come from, for the
// readiness attribute's description.
const eksReadinessSources = "Here every fact comes from the node group's AMI type, Kubernetes version and release version " +
	"(see the table in the guide \"Upgrade readiness checks in CI\"): `AL2_*` AMIs run cgroup v1 and containerd 1.x and reached " +
	"end of support on 2025-11-26 ([EKS](https://docs.aws.amazon.com/eks/latest/userguide/al2023.html)); `AL2023_*` AMIs run cgroup v2; " +
	"Bottlerocket runs cgroup v2 from its Kubernetes 1.26 variants and containerd 2 from its 1.34 variants or Bottlerocket 1.69.0; " +
	"Windows node groups are left out of `cgroup_v2`. A `CUSTOM` AMI, an AMI type the table does not know, and whatever the " +
	"documentation does not state (such as AL2023's containerd major) are null. On an EKS Auto Mode cluster the nodes are in no " +
	"node group: no check is `true`, and a blocker line says to read them through `kubeharden_cluster`."

var _ datasource.DataSourceWithConfigure = &EKSClusterDataSource{}

// EKSClusterDataSource reads what an EKS cluster runs from the EKS API: its
// version, its Secrets encryption, and the container runtime of each managed
// node group.
type EKSClusterDataSource struct{ dataSourceBase }

// NewEKSClusterDataSource returns the kubeharden_eks_cluster data source.
func NewEKSClusterDataSource() datasource.DataSource {
	return &EKSClusterDataSource{dataSourceBase{base{name: "eks_cluster", timeouts: timeoutDefaults{Read: 5 * time.Minute}}}}
}

type eksClusterDataSourceModel struct {
	Name              types.String `tfsdk:"name"`
	Version           types.String `tfsdk:"version"`
	PlatformVersion   types.String `tfsdk:"platform_version"`
	Status            types.String `tfsdk:"status"`
	ARN               types.String `tfsdk:"arn"`
	Endpoint          types.String `tfsdk:"endpoint"`
	SupportType       types.String `tfsdk:"support_type"`
	SecretsEncryption types.Object `tfsdk:"secrets_encryption"`
	NodeGroups        types.List   `tfsdk:"node_groups"`
	clusterCoreModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (m eksClusterDataSourceModel) timeoutsValue() timeouts.Value { return m.Timeouts }

// eksClusterEncryptionModel is `secrets_encryption`.
type eksClusterEncryptionModel struct {
	KeyARN   types.String `tfsdk:"key_arn"`
	KeyOwner types.String `tfsdk:"key_owner"`
}

// eksNodeGroupModel is one of `node_groups`.
type eksNodeGroupModel struct {
	Name             types.String `tfsdk:"name"`
	Version          types.String `tfsdk:"version"`
	ReleaseVersion   types.String `tfsdk:"release_version"`
	AMIType          types.String `tfsdk:"ami_type"`
	CapacityType     types.String `tfsdk:"capacity_type"`
	ContainerRuntime types.String `tfsdk:"container_runtime"`
}

// eksClusterNameValidators enforce EKS's own rule for cluster names, so a
// typo fails at plan time rather than as a "not found" from the API.
var eksClusterNameValidators = []validator.String{
	stringvalidator.LengthBetween(1, 100),
	stringvalidator.RegexMatches(regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]*$`),
		"must start with a letter or digit and contain only letters, digits, hyphens and underscores"),
}

func (d *EKSClusterDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "What an EKS cluster runs, read from the EKS API (`DescribeCluster`, `ListNodegroups`, " +
			"`DescribeNodegroup`): its Kubernetes version, its Secrets encryption, and the container runtime of each managed " +
			"node group, derived from the node group's AMI type and version. Needs no access to the Kubernetes API. " +
			"Self-managed nodes and Fargate are not node groups and are not reported; use `kubeharden_cluster` to see every node.\n\n" +
			"IAM permissions: " + iamPermissions(d.typeName(), "eks:") + "." + sameRunDescription,
		Attributes: runtimeSchema(map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:            true,
				Validators:          eksClusterNameValidators,
				MarkdownDescription: "Name of the cluster, in the provider's region (`aws.region`).",
			},
			"version":          schema.StringAttribute{Computed: true, MarkdownDescription: "Kubernetes version of the control plane, e.g. `1.30`."},
			"platform_version": schema.StringAttribute{Computed: true, MarkdownDescription: "EKS platform version, e.g. `eks.12`."},
			"status": schema.StringAttribute{Computed: true, MarkdownDescription: "Cluster status: one of " +
				codeList(ekstypes.ClusterStatus("").Values(), "") + "."},
			"arn":      schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the cluster."},
			"endpoint": schema.StringAttribute{Computed: true, MarkdownDescription: "URL of the cluster's Kubernetes API server."},
			"support_type": schema.StringAttribute{Computed: true, MarkdownDescription: "The cluster's upgrade policy: " +
				codeList(ekstypes.SupportType("").Values(), "") + ". Null when EKS reports no upgrade policy."},
			"secrets_encryption": schema.SingleNestedAttribute{
				Computed: true,
				MarkdownDescription: "KMS envelope encryption of the cluster's Secrets. EKS encrypts all Kubernetes API data, Secrets " +
					"included, with KMS v2 envelope encryption under an AWS-owned key on every cluster running Kubernetes 1.28 or later " +
					"([EKS documentation](https://docs.aws.amazon.com/eks/latest/userguide/envelope-encryption.html)), or under the " +
					"customer's key when one is set. Null for a cluster before 1.28 without a customer key, whose Secrets are not " +
					"envelope-encrypted, and when the version cannot be read.",
				Attributes: map[string]schema.Attribute{
					"key_arn": schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the customer's KMS key that encrypts the Secrets; null under the AWS-owned key."},
					"key_owner": schema.StringAttribute{Computed: true, MarkdownDescription: "`customer` when a customer's KMS key (`key_arn`) encrypts the Secrets, " +
						"`aws` for EKS's default envelope encryption under an AWS-owned key (Kubernetes 1.28 and later). A compliance rule that asks for the " +
						"customer's own key checks `key_owner == \"customer\"`."},
				},
			},
			"node_groups": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The managed node groups, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":            schema.StringAttribute{Computed: true, MarkdownDescription: "Node group name."},
					"version":         schema.StringAttribute{Computed: true, MarkdownDescription: "Kubernetes version of the node group, e.g. `1.30`."},
					"release_version": schema.StringAttribute{Computed: true, MarkdownDescription: "AMI release version, e.g. `1.30.4-20240917`."},
					"ami_type": schema.StringAttribute{Computed: true, MarkdownDescription: "AMI type, one of " +
						codeList(ekstypes.AMITypes("").Values(), "") + " (or a newer one)."},
					"capacity_type": schema.StringAttribute{Computed: true, MarkdownDescription: "Capacity type: " +
						codeList(ekstypes.CapacityTypes("").Values(), "") + "."},
					"container_runtime": schema.StringAttribute{Computed: true, MarkdownDescription: "`containerd`, `docker` or `unknown`, " +
						"from the AMI type and version: `AL2_*`, `AL2023_*`, `BOTTLEROCKET_*` and `WINDOWS_*` images run containerd from " +
						"Kubernetes 1.24; before 1.24, `AL2_*` and `WINDOWS_*` images ran Docker. A `CUSTOM` AMI (from a launch template), " +
						"an AMI type this provider does not know, or an unreadable version is `unknown`."},
				}},
			},
		}, "node group", "the cluster has no managed node groups", eksReadinessSources),
		Blocks: map[string]schema.Block{"timeouts": d.timeouts.dataSourceBlock(ctx)},
	}
}

func (d *EKSClusterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	state, ctx, cancel, ok := beginRead[eksClusterDataSourceModel](ctx, d.timeouts, getConfig(req.Config), &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := state.Name.ValueString()
	c, cluster, ok := d.describeEKSCluster(ctx, name, false, &resp.Diagnostics)
	if !ok {
		return
	}
	// 0: EKS's own page size (100); the paginator follows every page.
	names, err := eks.NodegroupNames(ctx, c.EKS, name, 0)
	if err != nil {
		d.eksError(&resp.Diagnostics, eks.Op{Action: "ListNodegroups", Cluster: name, Region: c.Region}, err)
		return
	}
	groups, err := eks.DescribeNodegroups(ctx, c.EKS, name, names)
	if err != nil {
		op := eks.Op{Action: "DescribeNodegroup", Cluster: name, Region: c.Region}
		var nge *eks.NodegroupError
		if errors.As(err, &nge) {
			op.Nodegroup = nge.Name
		}
		d.eksError(&resp.Diagnostics, op, err)
		return
	}
	tflog.Debug(ctx, "Read EKS cluster", map[string]any{"cluster": name, "region": c.Region, "node_groups": len(groups)})

	clusterVersion := aws.ToString(cluster.Version)
	runtimes := make([]string, 0, len(groups))
	facts := make([]containerruntime.Facts, 0, len(groups)+1)
	groupModels := make([]eksNodeGroupModel, 0, len(groups))
	for _, ng := range groups {
		version := aws.ToString(ng.Version)
		if version == "" {
			// A node group without a version runs the control plane's.
			version = clusterVersion
		}
		rt := eks.ContainerRuntime(ng.AmiType, version)
		runtimes = append(runtimes, rt)
		facts = append(facts, containerruntime.ForEKSNodeGroup(aws.ToString(ng.NodegroupName), string(ng.AmiType), version, aws.ToString(ng.ReleaseVersion)))
		groupModels = append(groupModels, eksNodeGroupModel{
			Name:             types.StringValue(aws.ToString(ng.NodegroupName)),
			Version:          types.StringValue(aws.ToString(ng.Version)),
			ReleaseVersion:   types.StringValue(aws.ToString(ng.ReleaseVersion)),
			AMIType:          types.StringValue(string(ng.AmiType)),
			CapacityType:     types.StringValue(string(ng.CapacityType)),
			ContainerRuntime: types.StringValue(rt),
		})
	}
	groupList, diags := listOf(ctx, groupModels)
	resp.Diagnostics.Append(diags...)
	var extra []string
	if cluster.ComputeConfig != nil && aws.ToBool(cluster.ComputeConfig.Enabled) {
		// EKS Auto Mode: its nodes are in no node group, so nothing here
		// can tell that they pass; a unit that cannot tell keeps every
		// check from being true.
		facts = append(facts, containerruntime.Facts{Kind: "compute", Name: "EKS Auto Mode"})
		extra = append(extra, "cluster "+name+": EKS Auto Mode nodes are in no node group, so their readiness needs the Kubernetes API (data source kubeharden_cluster)")
	}
	readiness := containerruntime.Summarize(facts, extra...)
	core, diags := clusterCore(ctx, runtimes, &readiness)
	resp.Diagnostics.Append(diags...)

	encryption := objectNullOf[eksClusterEncryptionModel]()
	key := eks.SecretsKeyARN(cluster)
	if owner := containerruntime.EKSKeyOwner(key, clusterVersion); owner != "" {
		encryption, diags = objectValueOf(ctx, eksClusterEncryptionModel{KeyARN: stringOrNull(key), KeyOwner: types.StringValue(owner)})
		resp.Diagnostics.Append(diags...)
	}
	supportType := types.StringNull()
	if cluster.UpgradePolicy != nil && cluster.UpgradePolicy.SupportType != "" {
		supportType = types.StringValue(string(cluster.UpgradePolicy.SupportType))
	}
	if resp.Diagnostics.HasError() {
		return
	}
	state.Version = types.StringValue(clusterVersion)
	state.PlatformVersion = types.StringValue(aws.ToString(cluster.PlatformVersion))
	state.Status = types.StringValue(string(cluster.Status))
	state.ARN = types.StringValue(aws.ToString(cluster.Arn))
	state.Endpoint = types.StringValue(aws.ToString(cluster.Endpoint))
	state.SupportType = supportType
	state.SecretsEncryption = encryption
	state.NodeGroups = groupList
	state.clusterCoreModel = core
	resp.Diagnostics.Append(setState(ctx, &resp.State, &state)...)
}
