package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// eksFixture is a cluster to create in moto through the SDK.
type eksFixture struct {
	version     string
	keyARN      string                // Secrets encryption at creation; none when empty
	supportType ekstypes.SupportType  // upgrade policy; none when empty
	autoMode    bool                  // EKS Auto Mode (computeConfig.enabled)
	nodegroups  []eksNodegroupFixture // created in this order
}

type eksNodegroupFixture struct {
	name, version, release string
	ami                    ekstypes.AMITypes
	capacity               ekstypes.CapacityTypes
}

// createEKSCluster creates the cluster name in moto, and deletes it (with its
// node groups) when the test ends.
func createEKSCluster(t *testing.T, m *acctest.Moto, name string, f eksFixture) {
	t.Helper()
	ctx := context.Background()
	if _, err := m.EKS.CreateCluster(ctx, createClusterInput(name, f)); err != nil {
		t.Fatalf("creating EKS cluster %s in moto: %v", name, err)
	}
	t.Cleanup(func() { deleteEKSCluster(t, m, name) })
	for _, ng := range f.nodegroups {
		if _, err := m.EKS.CreateNodegroup(ctx, &awseks.CreateNodegroupInput{
			ClusterName:    aws.String(name),
			NodegroupName:  aws.String(ng.name),
			NodeRole:       aws.String("arn:aws:iam::" + acctest.MotoAccountID + ":role/eks-node"),
			Subnets:        []string{"subnet-a"},
			AmiType:        ng.ami,
			CapacityType:   ng.capacity,
			Version:        aws.String(ng.version),
			ReleaseVersion: aws.String(ng.release),
		}); err != nil {
			t.Fatalf("creating node group %s of %s in moto: %v", ng.name, name, err)
		}
	}
}

// createClusterInput is the CreateCluster request for the fixture, without
// its node groups.
func createClusterInput(name string, f eksFixture) *awseks.CreateClusterInput {
	in := &awseks.CreateClusterInput{
		Name:               aws.String(name),
		Version:            aws.String(f.version),
		RoleArn:            aws.String("arn:aws:iam::" + acctest.MotoAccountID + ":role/eks-cluster"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-a", "subnet-b"}},
	}
	if f.keyARN != "" {
		in.EncryptionConfig = []ekstypes.EncryptionConfig{{Resources: []string{"secrets"}, Provider: &ekstypes.Provider{KeyArn: aws.String(f.keyARN)}}}
	}
	if f.supportType != "" {
		in.UpgradePolicy = &ekstypes.UpgradePolicyRequest{SupportType: f.supportType}
	}
	if f.autoMode {
		in.ComputeConfig = &ekstypes.ComputeConfigRequest{
			Enabled:     aws.Bool(true),
			NodePools:   []string{"general-purpose", "system"},
			NodeRoleArn: aws.String("arn:aws:iam::" + acctest.MotoAccountID + ":role/eks-auto-node"),
		}
	}
	return in
}

// deleteEKSCluster deletes a cluster and its node groups, as someone would
// behind Terraform's back. A cluster already gone is fine.
func deleteEKSCluster(t *testing.T, m *acctest.Moto, name string) {
	t.Helper()
	ctx := context.Background()
	var names []string
	p := awseks.NewListNodegroupsPaginator(m.EKS, &awseks.ListNodegroupsInput{ClusterName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return // moto answers a missing cluster with an error here
		}
		names = append(names, page.Nodegroups...)
	}
	for _, ng := range names {
		if _, err := m.EKS.DeleteNodegroup(ctx, &awseks.DeleteNodegroupInput{ClusterName: aws.String(name), NodegroupName: aws.String(ng)}); err != nil {
			t.Errorf("deleting node group %s of %s: %v", ng, name, err)
		}
	}
	if _, err := m.EKS.DeleteCluster(ctx, &awseks.DeleteClusterInput{Name: aws.String(name)}); err != nil {
		t.Errorf("deleting EKS cluster %s: %v", name, err)
	}
}

func eksDataSourceConfig(m *acctest.Moto, name string) string {
	return m.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_eks_cluster" "this" {
  name = %q
}
`, name)
}

func eksNodeGroupCheck(name, version, release, ami, capacity, runtime string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"name":              knownvalue.StringExact(name),
		"version":           knownvalue.StringExact(version),
		"release_version":   knownvalue.StringExact(release),
		"ami_type":          knownvalue.StringExact(ami),
		"capacity_type":     knownvalue.StringExact(capacity),
		"container_runtime": knownvalue.StringExact(runtime),
	})
}

// TestAccEKSClusterDataSource_basic reads a cluster with node groups of
// every AMI family, before and after Kubernetes 1.24, and a CUSTOM one.
func TestAccEKSClusterDataSource_basic(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-mixed")
	key := m.KeyARN("1234abcd-12ab-34cd-56ef-1234567890ab")
	createEKSCluster(t, m, name, eksFixture{
		version: "1.30", keyARN: key, supportType: ekstypes.SupportTypeExtended,
		// Created out of order: the data source sorts by name.
		nodegroups: []eksNodegroupFixture{
			{"windows-2022", "1.24", "1.24.17-20240514", ekstypes.AMITypesWindowsCore2022X8664, ekstypes.CapacityTypesOnDemand},
			{"al2-legacy", "1.23", "1.23.17-20240514", ekstypes.AMITypesAl2X8664, ekstypes.CapacityTypesOnDemand},
			{"custom-ami", "1.30", "1.30.4-20240917", ekstypes.AMITypesCustom, ekstypes.CapacityTypesOnDemand},
			{"bottlerocket", "1.30", "1.24.0-fcf45a6b", ekstypes.AMITypesBottlerocketArm64, ekstypes.CapacityTypesSpot},
			{"al2023", "1.30", "1.30.4-20240917", ekstypes.AMITypesAl2023X8664Standard, ekstypes.CapacityTypesSpot},
			{"al2-arm", "1.29", "1.29.8-20240917", ekstypes.AMITypesAl2Arm64, ekstypes.CapacityTypesOnDemand},
		},
	})
	ds := "data.kubeharden_eks_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: eksDataSourceConfig(m, name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("name"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("version"), knownvalue.StringExact("1.30")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("platform_version"), knownvalue.StringExact("eks.4")), // moto's
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("arn"), knownvalue.StringExact("arn:aws:eks:us-east-1:"+acctest.MotoAccountID+":cluster/"+name)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("endpoint"), knownvalue.StringRegexp(eksEndpointRE)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("support_type"), knownvalue.StringExact("EXTENDED")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("secrets_encryption"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"key_arn":   knownvalue.StringExact(key),
					"key_owner": knownvalue.StringExact("customer"),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("node_groups"), knownvalue.ListExact([]knownvalue.Check{
					eksNodeGroupCheck("al2-arm", "1.29", "1.29.8-20240917", "AL2_ARM_64", "ON_DEMAND", "containerd"),
					eksNodeGroupCheck("al2-legacy", "1.23", "1.23.17-20240514", "AL2_x86_64", "ON_DEMAND", "docker"),
					eksNodeGroupCheck("al2023", "1.30", "1.30.4-20240917", "AL2023_x86_64_STANDARD", "SPOT", "containerd"),
					eksNodeGroupCheck("bottlerocket", "1.30", "1.24.0-fcf45a6b", "BOTTLEROCKET_ARM_64", "SPOT", "containerd"),
					eksNodeGroupCheck("custom-ami", "1.30", "1.30.4-20240917", "CUSTOM", "ON_DEMAND", "unknown"),
					eksNodeGroupCheck("windows-2022", "1.24", "1.24.17-20240514", "WINDOWS_CORE_2022_x86_64", "ON_DEMAND", "containerd"),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("containerd"), knownvalue.StringExact("docker"), knownvalue.StringExact("unknown"),
				})),
				// A CUSTOM AMI may run anything: no guess.
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("dockershim_free"), knownvalue.Null()),
			},
		}},
	})
}

// TestAccEKSClusterDataSource_dockerOnly checks dockershim_free = false when
// every runtime is known and one is Docker.
func TestAccEKSClusterDataSource_dockerOnly(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-docker")
	createEKSCluster(t, m, name, eksFixture{
		version: "1.23",
		nodegroups: []eksNodegroupFixture{
			{"linux", "1.23", "1.23.17-20240514", ekstypes.AMITypesAl2X8664Gpu, ekstypes.CapacityTypesOnDemand},
			{"windows", "1.23", "1.23.17-20240514", ekstypes.AMITypesWindowsFull2019X8664, ekstypes.CapacityTypesOnDemand},
			{"bottlerocket", "1.23", "1.13.0-f1bb3b87", ekstypes.AMITypesBottlerocketX8664, ekstypes.CapacityTypesOnDemand},
		},
	})
	ds := "data.kubeharden_eks_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: eksDataSourceConfig(m, name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("node_groups"), knownvalue.ListExact([]knownvalue.Check{
					eksNodeGroupCheck("bottlerocket", "1.23", "1.13.0-f1bb3b87", "BOTTLEROCKET_x86_64", "ON_DEMAND", "containerd"),
					eksNodeGroupCheck("linux", "1.23", "1.23.17-20240514", "AL2_x86_64_GPU", "ON_DEMAND", "docker"),
					eksNodeGroupCheck("windows", "1.23", "1.23.17-20240514", "WINDOWS_FULL_2019_x86_64", "ON_DEMAND", "docker"),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("containerd"), knownvalue.StringExact("docker"),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("dockershim_free"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("support_type"), knownvalue.Null()),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("secrets_encryption"), knownvalue.Null()),
			},
		}},
	})
}

// TestAccEKSClusterDataSource_manyNodeGroups reads more node groups than
// one ListNodegroups page (moto honours maxResults, 100 by default), which
// also exercises the bounded DescribeNodegroup fan-out.
func TestAccEKSClusterDataSource_manyNodeGroups(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-many")
	const n = 105
	f := eksFixture{version: "1.31", supportType: ekstypes.SupportTypeStandard}
	for i := n - 1; i >= 0; i-- {
		ami := ekstypes.AMITypesAl2023Arm64Standard
		if i%2 == 1 {
			ami = ekstypes.AMITypesBottlerocketX8664
		}
		f.nodegroups = append(f.nodegroups, eksNodegroupFixture{fmt.Sprintf("ng-%03d", i), "1.31", "1.31.0-20241011", ami, ekstypes.CapacityTypesOnDemand})
	}
	createEKSCluster(t, m, name, f)
	ds := "data.kubeharden_eks_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: eksDataSourceConfig(m, name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("node_groups"), knownvalue.ListSizeExact(n)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("node_groups").AtSliceIndex(0),
					eksNodeGroupCheck("ng-000", "1.31", "1.31.0-20241011", "AL2023_ARM_64_STANDARD", "ON_DEMAND", "containerd")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("node_groups").AtSliceIndex(99),
					eksNodeGroupCheck("ng-099", "1.31", "1.31.0-20241011", "BOTTLEROCKET_x86_64", "ON_DEMAND", "containerd")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("node_groups").AtSliceIndex(n-1),
					eksNodeGroupCheck(fmt.Sprintf("ng-%03d", n-1), "1.31", "1.31.0-20241011", "AL2023_ARM_64_STANDARD", "ON_DEMAND", "containerd")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("containerd")})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("support_type"), knownvalue.StringExact("STANDARD")),
			},
		}},
	})
}

// TestAccEKSClusterDataSource_noNodeGroups reads a cluster without managed
// node groups: nothing to tell about Docker, so dockershim_free is null.
func TestAccEKSClusterDataSource_noNodeGroups(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-empty")
	createEKSCluster(t, m, name, eksFixture{version: "1.29"})
	ds := "data.kubeharden_eks_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: eksDataSourceConfig(m, name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("version"), knownvalue.StringExact("1.29")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("node_groups"), knownvalue.ListExact([]knownvalue.Check{})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("dockershim_free"), knownvalue.Null()),
				// 1.28 and later: EKS's default envelope encryption under an AWS-owned key.
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("secrets_encryption"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"key_arn":   knownvalue.Null(),
					"key_owner": knownvalue.StringExact("aws"),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("support_type"), knownvalue.Null()),
				// Nothing to tell about: every check null, no blockers.
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), cloudReadinessCheck("null", "null", "null")),
			},
		}},
	})
}

// TestAccEKSClusterDataSource_deleted covers a cluster that does not exist,
// and one deleted behind Terraform's back: the error names it and the region.
func TestAccEKSClusterDataSource_deleted(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-gone")
	createEKSCluster(t, m, name, eksFixture{version: "1.30"})
	notFound := func(n string) string {
		return fmt.Sprintf(`No EKS cluster named %q exists in region us-east-1`, n)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      eksDataSourceConfig(m, "never-created"),
				ExpectError: regexp.MustCompile(`EKS Cluster Not Found(?s:.*)` + acctest.ErrorText(notFound("never-created")).String()),
			},
			{
				Config: eksDataSourceConfig(m, name),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kubeharden_eks_cluster.this", tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
				},
			},
			{
				PreConfig:   func() { deleteEKSCluster(t, m, name) },
				Config:      eksDataSourceConfig(m, name),
				ExpectError: acctest.ErrorText(notFound(name)),
			},
		},
	})
}

// TestAccEKSClusterDataSource_throttled makes moto answer the first calls on
// the cluster with ThrottlingException: the SDK's retryer rides them out.
func TestAccEKSClusterDataSource_throttled(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-throttled")
	createEKSCluster(t, m, name, eksFixture{version: "1.30", nodegroups: []eksNodegroupFixture{
		{"ng", "1.30", "1.30.4-20240917", ekstypes.AMITypesAl2023X8664Standard, ekstypes.CapacityTypesOnDemand},
	}})
	const throttles = 4 // more than the SDK's default of 3 attempts per call
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if err := m.Throttle(context.Background(), name, throttles); err != nil {
					t.Fatal(err)
				}
			},
			Config: eksDataSourceConfig(m, name),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.kubeharden_eks_cluster.this", tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),
			},
			Check: func(*terraform.State) error { return expectThrottlesSent(m, name, throttles) },
		}},
	})
}

// expectThrottlesSent checks that moto really answered n ThrottlingExceptions.
func expectThrottlesSent(m *acctest.Moto, cluster string, n int) error {
	st, err := m.Throttled(context.Background(), cluster)
	if err != nil {
		return err
	}
	if st.Sent != n || st.Remaining != 0 {
		return fmt.Errorf("moto sent %d ThrottlingExceptions with %d left, want %d sent and none left", st.Sent, st.Remaining, n)
	}
	return nil
}

// eksEndpointRE matches the API server URLs moto makes up.
var eksEndpointRE = regexp.MustCompile(`^https://[^/]+\.us-east-1\.eks\.amazonaws\.com/?$`)

// TestAccEKSClusterDataSource_example runs the documented example, with its
// check block, against a moto cluster that passes every assertion, then one
// that fails each of them. A failed assertion is only a warning, which
// terraform-plugin-testing ignores: expectChecks reads each check block's
// status from the plan, so the first step fails if an assertion does, and
// the second proves that a failure is seen, with the example's messages.
func TestAccEKSClusterDataSource_example(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	example := readExample(t, "data-sources", "kubeharden_eks_cluster", "data-source.tf")
	good, bad := acctest.UniqueName("eks-example"), acctest.UniqueName("eks-example-bad")
	createEKSCluster(t, m, good, eksExampleCluster(m))
	// Older than the baseline, Docker on its node group, Secrets not encrypted.
	createEKSCluster(t, m, bad, eksFixture{version: "1.23", nodegroups: []eksNodegroupFixture{
		{"al2", "1.23", "1.23.17-20240514", ekstypes.AMITypesAl2X8664, ekstypes.CapacityTypesOnDemand},
	}})
	config := func(name string) string {
		return m.ProviderConfig() + applySubs(t, "the EKS data source example", example, []sub{lit(`name = "prod"`, fmt.Sprintf("name = %q", name))})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           config(good),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectChecks{}}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("prod_runtimes", knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("containerd")})),
					statecheck.ExpectKnownOutputValue("prod_node_groups_on_docker", knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
			{
				Config: config(bad),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectChecks{
					status: map[string]string{"check.prod_baseline": "fail", "check.prod_upgrade_readiness": "fail"},
					messages: []string{
						"EKS cluster prod runs Kubernetes 1.23; the baseline is 1.30 or newer.",
						"EKS cluster prod still runs Docker, or runs node groups whose runtime is unknown: docker.",
						"EKS cluster prod does not encrypt its Secrets with a KMS key of its own",
						"EKS cluster prod is not ready to upgrade: node group al2: AL2_x86_64 AMIs reached end of support on 2025-11-26",
					},
				}}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("prod_node_groups_on_docker", knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("al2")})),
				},
			},
		},
	})
}

// cloudReadinessCheck matches a readiness object: each check "true",
// "false" or "null", and exactly these blockers, in order.
func cloudReadinessCheck(containerd2, cgroupV2, supported string, blockers ...string) knownvalue.Check {
	b := func(s string) knownvalue.Check {
		if s == "null" {
			return knownvalue.Null()
		}
		return knownvalue.Bool(s == "true")
	}
	lines := make([]knownvalue.Check, 0, len(blockers))
	for _, l := range blockers {
		lines = append(lines, knownvalue.StringExact(l))
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"containerd_2":     b(containerd2),
		"cgroup_v2":        b(cgroupV2),
		"supported_images": b(supported),
		"blockers":         knownvalue.ListExact(lines),
	})
}

// TestAccEKSClusterDataSource_readiness reads node groups of every row of
// the EKS table: a legacy AL2 group fails every check, the other groups'
// facts (and nulls) fold into the summary.
func TestAccEKSClusterDataSource_readiness(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	legacy, modern := acctest.UniqueName("eks-ready-legacy"), acctest.UniqueName("eks-ready-modern")
	createEKSCluster(t, m, legacy, eksFixture{version: "1.32", nodegroups: []eksNodegroupFixture{
		{"al2-legacy", "1.32", "1.32.9-20251120", ekstypes.AMITypesAl2X8664, ekstypes.CapacityTypesOnDemand},
		{"al2023", "1.32", "1.32.9-20251120", ekstypes.AMITypesAl2023X8664Standard, ekstypes.CapacityTypesOnDemand},
		{"bottlerocket-125", "1.25", "1.20.0-fcf45a6b", ekstypes.AMITypesBottlerocketX8664, ekstypes.CapacityTypesOnDemand},
		{"windows", "1.32", "1.32.9-20251120", ekstypes.AMITypesWindowsCore2022X8664, ekstypes.CapacityTypesOnDemand},
	}})
	// Bottlerocket only: containerd 2 from its 1.34 variants, or from
	// Bottlerocket 1.69.0 in every variant; cgroup v2 from 1.26.
	createEKSCluster(t, m, modern, eksFixture{version: "1.34", nodegroups: []eksNodegroupFixture{
		{"br-134", "1.34", "1.47.0-bd2ee1b8", ekstypes.AMITypesBottlerocketArm64, ekstypes.CapacityTypesOnDemand},
		{"br-130-new", "1.30", "1.69.0-be6a1e8", ekstypes.AMITypesBottlerocketX8664, ekstypes.CapacityTypesSpot},
	}})
	ds := "data.kubeharden_eks_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: eksDataSourceConfig(m, legacy),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), cloudReadinessCheck("false", "false", "false",
						"node group al2-legacy: AL2_x86_64 AMIs reached end of support on 2025-11-26 (move to AL2023 or Bottlerocket)",
						"node group al2-legacy: AL2_x86_64 AMIs run cgroup v1, which kubelets refuse by default from Kubernetes 1.35",
						"node group al2-legacy: AL2_x86_64 AMIs never shipped containerd 2; Kubernetes 1.35 is the last EKS release that supports containerd 1.x",
						"node group bottlerocket-125: Bottlerocket variants for Kubernetes 1.25 run cgroup v1; those for 1.26 and later run cgroup v2",
					)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("secrets_encryption"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"key_arn": knownvalue.Null(), "key_owner": knownvalue.StringExact("aws"),
					})),
				},
			},
			{
				Config: eksDataSourceConfig(m, modern),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), cloudReadinessCheck("true", "true", "true")),
				},
			},
		},
	})
}

// TestAccEKSClusterDataSource_readinessUnknown covers what the EKS API
// cannot tell: a CUSTOM AMI and an unknown AMI type (null throughout),
// AL2023's containerd major (null), a Windows group alone (no cgroups), and an EKS Auto Mode cluster,
// whose nodes are in no node group: no check may pass, and a blocker says
// where to look instead.
func TestAccEKSClusterDataSource_readinessUnknown(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	custom, auto := acctest.UniqueName("eks-ready-custom"), acctest.UniqueName("eks-ready-auto")
	createEKSCluster(t, m, custom, eksFixture{version: "1.27", nodegroups: []eksNodegroupFixture{
		{"custom", "1.27", "1.27.16-20240917", ekstypes.AMITypesCustom, ekstypes.CapacityTypesOnDemand},
		{"al2023", "1.27", "1.27.16-20240917", ekstypes.AMITypesAl2023X8664Standard, ekstypes.CapacityTypesOnDemand},
		{"windows", "1.27", "1.27.16-20240917", ekstypes.AMITypesWindowsFull2022X8664, ekstypes.CapacityTypesOnDemand},
		// An AMI family newer than this provider's table.
		{"future", "1.27", "1.27.16-20240917", ekstypes.AMITypes("FUTURE_OS_x86_64"), ekstypes.CapacityTypesOnDemand},
	}})
	createEKSCluster(t, m, auto, eksFixture{version: "1.33", autoMode: true, nodegroups: []eksNodegroupFixture{
		{"bottlerocket", "1.34", "1.47.0-bd2ee1b8", ekstypes.AMITypesBottlerocketX8664, ekstypes.CapacityTypesOnDemand},
	}})
	ds := "data.kubeharden_eks_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: eksDataSourceConfig(m, custom),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), cloudReadinessCheck("null", "null", "null")),
					// 1.27 without a key: no envelope encryption.
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("secrets_encryption"), knownvalue.Null()),
				},
			},
			{
				Config: eksDataSourceConfig(m, auto),
				ConfigStateChecks: []statecheck.StateCheck{
					// The node group alone would pass every check.
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), cloudReadinessCheck("null", "null", "null",
						"cluster "+auto+": EKS Auto Mode nodes are in no node group, so their readiness needs the Kubernetes API (data source kubeharden_cluster)",
					)),
				},
			},
		},
	})
}

// eksReadinessCheckConfig is what a CI job runs before an upgrade: a check
// block on the readiness of cluster name.
func eksReadinessCheckConfig(m *acctest.Moto, name string) string {
	return eksDataSourceConfig(m, name) + `
check "upgrade_readiness" {
  assert {
    condition     = data.kubeharden_eks_cluster.this.readiness.cgroup_v2 == true && data.kubeharden_eks_cluster.this.readiness.supported_images == true
    error_message = "not ready: ${join("; ", data.kubeharden_eks_cluster.this.readiness.blockers)}"
  }
}
`
}

// TestAccEKSClusterDataSource_readinessCheckFailsCI runs the CI check on a
// cluster that passes it, then on the same cluster after a legacy AL2 node
// group is added behind Terraform's back: the check's result in the plan
// is "fail", with the blocker in its message.
func TestAccEKSClusterDataSource_readinessCheckFailsCI(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-ready-ci")
	createEKSCluster(t, m, name, eksFixture{version: "1.33", nodegroups: []eksNodegroupFixture{
		{"al2023", "1.33", "1.33.0-20250704", ekstypes.AMITypesAl2023X8664Standard, ekstypes.CapacityTypesOnDemand},
	}})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           eksReadinessCheckConfig(m, name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectChecks{}}},
			},
			{
				PreConfig: func() {
					if _, err := m.EKS.CreateNodegroup(context.Background(), &awseks.CreateNodegroupInput{
						ClusterName: aws.String(name), NodegroupName: aws.String("legacy"),
						NodeRole: aws.String("arn:aws:iam::" + acctest.MotoAccountID + ":role/eks-node"), Subnets: []string{"subnet-a"},
						AmiType: ekstypes.AMITypesAl2Arm64, Version: aws.String("1.32"), ReleaseVersion: aws.String("1.32.9-20251120"),
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: eksReadinessCheckConfig(m, name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectChecks{
					status:   map[string]string{"check.upgrade_readiness": "fail"},
					messages: []string{"not ready: node group legacy: AL2_ARM_64 AMIs reached end of support on 2025-11-26"},
				}}},
			},
		},
	})
}
