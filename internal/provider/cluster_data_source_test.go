package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest/fakekubelet"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/containerruntime"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/eks"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/gke"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

// TestAccClusterDataSource_basic is the only test of the package that creates Node
// objects on the shared control plane (TestAccExamples makes one on its
// own): the control plane runs no kubelet, so the nodes are made through
// the API with the nodeInfo a kubelet would report.
func TestAccClusterDataSource_basic(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ctx := context.Background()
	nodes := []struct{ name, runtime, os string }{
		{"node-a", "containerd://1.7.27", "Ubuntu 24.04.1 LTS"},
		{"node-b", "cri-o://1.30.1", "Red Hat Enterprise Linux CoreOS"},
		{"node-c", "docker://24.0.7", "Amazon Linux 2"},
		{"node-d", "containerd://2.0.4", "Bottlerocket OS 1.30.0"},
	}
	for _, n := range nodes {
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name}}
		created, err := cp.Clientset.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.36.3", ContainerRuntimeVersion: n.runtime, OSImage: n.os}
		if _, err := cp.Clientset.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			_ = cp.Clientset.CoreV1().Nodes().Delete(context.Background(), n.name, metav1.DeleteOptions{})
		}
	})

	node := func(name, rt, rtv, osImage string, major knownvalue.Check) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name":                      knownvalue.StringExact(name),
			"kubelet_version":           knownvalue.StringExact("v1.36.3"),
			"container_runtime":         knownvalue.StringExact(rt),
			"container_runtime_version": knownvalue.StringExact(rtv),
			"os_image":                  knownvalue.StringExact(osImage),
			"container_runtime_major":   major,
			// No kubelet answers for these nodes: they have no address.
			"cgroup_version":  knownvalue.Null(),
			"user_namespaces": knownvalue.Null(),
			"kubelet_skew":    knownvalue.Int64Exact(0),
		})
	}
	ds := "data.kubeharden_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderConfig() + `data "kubeharden_cluster" "this" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("version"), knownvalue.StringRegexp(regexp.MustCompile(`^v1\.36\.\d+$`))),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("major"), knownvalue.StringExact("1")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("minor"), knownvalue.StringExact("36")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("platform"), knownvalue.StringExact("other")),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("id"), knownvalue.StringExact(cp.Host)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes"), knownvalue.ListExact([]knownvalue.Check{
					node("node-a", "containerd", "1.7.27", "Ubuntu 24.04.1 LTS", knownvalue.Int64Exact(1)),
					node("node-b", "cri-o", "1.30.1", "Red Hat Enterprise Linux CoreOS", knownvalue.Int64Exact(1)),
					node("node-c", "docker", "24.0.7", "Amazon Linux 2", knownvalue.Int64Exact(24)),
					node("node-d", "containerd", "2.0.4", "Bottlerocket OS 1.30.0", knownvalue.Int64Exact(2)),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"containerd_2":     knownvalue.Bool(false),
					"cgroup_v2":        knownvalue.Null(),
					"supported_images": knownvalue.Null(),
					"blockers": knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("node node-a: containerd 1.7.27, not containerd 2 or later"),
						knownvalue.StringExact("node node-b: cri-o 1.30.1, not containerd 2 or later"),
						knownvalue.StringExact("node node-c: docker 24.0.7, not containerd 2 or later"),
					}),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("container_runtimes"), knownvalue.SetExact([]knownvalue.Check{
					knownvalue.StringExact("containerd"), knownvalue.StringExact("cri-o"), knownvalue.StringExact("docker"),
				})),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("dockershim_free"), knownvalue.Bool(false)),
			},
		}},
	})
}

// TestAccProvider_configErrors covers bad provider configuration: each error
// names the attribute and the file or context at fault.
func TestAccProvider_configErrors(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	cases := []struct {
		name, block string
		want        *regexp.Regexp
	}{
		{"missing kubeconfig", `config_path = "/nonexistent/kubeconfig"`,
			acctest.ErrorText(`kubernetes.config_path: the kubeconfig file "/nonexistent/kubeconfig" does not exist`)},
		{"unknown context", fmt.Sprintf(`config_path = %q
    config_context = "prod"`, cp.KubeconfigPath),
			acctest.ErrorText(fmt.Sprintf(`kubernetes.config_context: context "prod" is not in the kubeconfig file %q`, cp.KubeconfigPath))},
		{"malformed CA", `host = "https://127.0.0.1:1"
    cluster_ca_certificate = "not a pem"`,
			acctest.ErrorText(`kubernetes.cluster_ca_certificate: the value is not PEM-encoded`)},
		{"nothing configured", ``,
			acctest.ErrorText(`no Kubernetes connection is configured`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      fmt.Sprintf("provider \"kubeharden\" {\n  kubernetes {\n    %s\n  }\n}\ndata \"kubeharden_cluster\" \"this\" {}\n", tc.block),
					ExpectError: tc.want,
				}},
			})
		})
	}
}

// TestAccClusterDataSource_connectionFromSameRun: the kubernetes block takes
// its kubeconfig path from a resource of the same run, a terraform_data whose
// output is known only after apply (as a new cluster's endpoint would be).
// Without depends_on, Terraform reads the data source during the plan, which
// fails, and says what to do; with depends_on on that resource the read
// waits for apply, the apply succeeds and the next plan is empty.
func TestAccClusterDataSource_connectionFromSameRun(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	config := func(dependsOn string) string {
		return fmt.Sprintf(`
resource "terraform_data" "cluster" {
  input = %q
}
provider "kubeharden" {
  kubernetes {
    config_path = terraform_data.cluster.output
  }
}
data "kubeharden_cluster" "this" {
  %s
}
`, cp.KubeconfigPath, dependsOn)
	}
	ds := "data.kubeharden_cluster.this"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(""),
				ExpectError: errorWith("Error: Kubernetes Connection Not Yet Known",
					"the call get version cannot be made during this plan",
					"to this data source's depends_on", "Terraform then reads the data source during apply",
					`"Cluster created in the same run"`),
			},
			{
				Config: config("depends_on = [terraform_data.cluster]"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(ds, plancheck.ResourceActionRead)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("id"), knownvalue.StringExact(cp.Host)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("version"), knownvalue.StringRegexp(regexp.MustCompile(`^v1\.36\.\d+$`))),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("major"), knownvalue.StringExact("1")),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("minor"), knownvalue.StringExact("36")),
				},
			},
		},
	})
}

// TestConnectionNotYetKnown: the error of a data source whose provider block
// is not known during the plan says how to defer its read to apply; a
// resource's does not (depends_on would not help it), and every data
// source's description says it too.
func TestConnectionNotYetKnown(t *testing.T) {
	ctx := context.Background()
	pd := &ProviderData{Kube: kube.NewLazy(kube.Config{}, true), AWS: eks.NewLazy(eks.Config{}, true), Google: gke.NewLazy(gke.Config{}, true), Azure: aks.NewLazy(aks.Config{}, true)}
	hint := []string{"fails on every plan until those values are known", "to this data source's depends_on",
		"Terraform then reads the data source during apply", `"Cluster created in the same run"`}

	d := &dataSourceBase{base{name: "cluster"}}
	var cr datasource.ConfigureResponse
	d.Configure(ctx, datasource.ConfigureRequest{ProviderData: pd}, &cr)
	var diags diag.Diagnostics
	d.kube(ctx, kube.Op{Verb: "get", Resource: "version"}, &diags)
	expectOneDiag(t, diags, diag.SeverityError, "Kubernetes Connection Not Yet Known",
		append([]string{"the call get version cannot be made during this plan."}, hint...)...)
	diags = nil
	d.eks(ctx, eks.Op{Action: "DescribeCluster", Cluster: "prod"}, &diags)
	expectOneDiag(t, diags, diag.SeverityError, "AWS Configuration Not Yet Known", hint...)
	diags = nil
	d.gke(ctx, gke.GetClusterCall("projects/p/locations/l/clusters/c"), &diags)
	expectOneDiag(t, diags, diag.SeverityError, "Google Connection Not Yet Known", hint...)
	diags = nil
	d.aks(ctx, aks.GetClusterCall(aks.ClusterRef{SubscriptionID: "s", ResourceGroup: "rg", Name: "c"}), &diags)
	expectOneDiag(t, diags, diag.SeverityError, "Azure Connection Not Yet Known", append([]string{`managedClusters.get "s/rg/c"`}, hint...)...)

	r := &resourceBase{base{name: "seccomp_default"}}
	var rr fwresource.ConfigureResponse
	r.Configure(ctx, fwresource.ConfigureRequest{ProviderData: pd}, &rr)
	diags = nil
	r.kube(ctx, kube.Op{Verb: "get", Resource: "version"}, &diags)
	expectOneDiag(t, diags, diag.SeverityError, "Kubernetes Connection Not Yet Known", "the call get version cannot be made during this plan.")
	if strings.Contains(diags[0].Detail(), "depends_on") {
		t.Errorf("a resource's error suggests depends_on: %s", diags[0].Detail())
	}

	descs := typeDescriptions(t)
	for _, newDataSource := range New("test")().DataSources(ctx) {
		var md datasource.MetadataResponse
		newDataSource().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: providerTypeName}, &md)
		if !strings.Contains(descs[md.TypeName], sameRunDescription) {
			t.Errorf("%s: the description does not say what to do when the cluster is created in the same run", md.TypeName)
		}
	}
}

// clusterTestNode is a Node object with a fake kubelet (acctest.FakeNode)
// behind the API server's node proxy.
type clusterTestNode struct {
	name, kubelet, runtime string
	// userNamespaces is the default handler's feature; nil with handlers
	// set reports the handler without features, and no handlers at all
	// is what a kubelet before 1.30 reports.
	userNamespaces *bool
	handlers       bool
	kubeletDoes    fakekubelet.Behaviour
}

func (n clusterTestNode) create(t *testing.T, cp *acctest.ControlPlane) *fakekubelet.Kubelet {
	t.Helper()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name}, Status: corev1.NodeStatus{
		NodeInfo: corev1.NodeSystemInfo{KubeletVersion: n.kubelet, ContainerRuntimeVersion: n.runtime, OSImage: "Ubuntu 24.04.3 LTS"},
	}}
	if n.handlers {
		def := corev1.NodeRuntimeHandler{Name: ""}
		if n.userNamespaces != nil {
			def.Features = &corev1.NodeRuntimeHandlerFeatures{RecursiveReadOnlyMounts: ptr(true), UserNamespaces: n.userNamespaces}
		}
		node.Status.RuntimeHandlers = []corev1.NodeRuntimeHandler{def,
			{Name: "runc", Features: &corev1.NodeRuntimeHandlerFeatures{RecursiveReadOnlyMounts: ptr(true), UserNamespaces: ptr(true)}}}
	}
	return cp.FakeNode(t, node, n.kubeletDoes)
}

func ptr[T any](v T) *T { return &v }

// clusterNodeCheck is the expected object of one of `nodes`.
func clusterNodeCheck(name, kubelet, runtime, version string, major int64, cgroup, userNS, skew knownvalue.Check) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"name":                      knownvalue.StringExact(name),
		"kubelet_version":           knownvalue.StringExact(kubelet),
		"container_runtime":         knownvalue.StringExact(runtime),
		"container_runtime_version": knownvalue.StringExact(version),
		"os_image":                  knownvalue.StringExact("Ubuntu 24.04.3 LTS"),
		"container_runtime_major":   knownvalue.Int64Exact(major),
		"cgroup_version":            cgroup,
		"user_namespaces":           userNS,
		"kubelet_skew":              skew,
	})
}

// readinessCheckConfig is what a CI job runs before an upgrade: a check
// block on the cluster's readiness.
const readinessCheckConfig = `
data "kubeharden_cluster" "this" {}

check "upgrade_readiness" {
  assert {
    condition     = data.kubeharden_cluster.this.readiness.containerd_2 == true
    error_message = "Not every node runs containerd 2: ${join("; ", data.kubeharden_cluster.this.readiness.blockers)}"
  }
  assert {
    condition     = data.kubeharden_cluster.this.readiness.cgroup_v2 == true
    error_message = "Not every node is known to run cgroup v2."
  }
}
`

// TestAccClusterDataSource_readiness reads nodes whose fake kubelets serve
// kubelet_cgroup_version through the API server's real node proxy. First a
// cluster that is ready (containerd 2, cgroup v2, the kubelet skew at the
// policy's limit of three minors and below) passes the check block; then
// a node on containerd 1.7 with cgroup v1 and a kubelet four minors behind,
// and a CRI-O node with a kubelet newer than the API server, fail it: the
// check's status is read from the plan, not only a warning.
//
// Like TestAccClusterDataSource_basic it is not parallel: the data source
// reads every node of the shared control plane.
func TestAccClusterDataSource_readiness(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	acctest.SharedNetNS(t)
	for _, n := range []clusterTestNode{
		{name: "ready-a", kubelet: "v1.36.3", runtime: "containerd://2.1.4", handlers: true, userNamespaces: ptr(true), kubeletDoes: fakekubelet.Behaviour{CgroupVersion: 2}},
		{name: "ready-b", kubelet: "v1.33.5", runtime: "containerd://2.0.4", handlers: true, userNamespaces: ptr(false), kubeletDoes: fakekubelet.Behaviour{CgroupVersion: 2}},
		{name: "ready-c", kubelet: "v1.35.0", runtime: "containerd://2.0.0", handlers: true, kubeletDoes: fakekubelet.Behaviour{CgroupVersion: 2}},
	} {
		n.create(t, cp)
	}
	ready := []knownvalue.Check{
		clusterNodeCheck("ready-a", "v1.36.3", "containerd", "2.1.4", 2, knownvalue.Int64Exact(2), knownvalue.Bool(true), knownvalue.Int64Exact(0)),
		clusterNodeCheck("ready-b", "v1.33.5", "containerd", "2.0.4", 2, knownvalue.Int64Exact(2), knownvalue.Bool(false), knownvalue.Int64Exact(3)),
		clusterNodeCheck("ready-c", "v1.35.0", "containerd", "2.0.0", 2, knownvalue.Int64Exact(2), knownvalue.Null(), knownvalue.Int64Exact(1)),
	}
	legacyBlockers := []string{
		"node crio-1: cri-o 1.34.1, not containerd 2 or later",
		"node crio-1: kubelet v1.37.0 is newer than the API server (1.36); the version skew policy never allows that (https://kubernetes.io/releases/version-skew-policy/)",
		"node legacy-1: containerd 1.7.27, not containerd 2 or later",
		"node legacy-1: cgroup v1 (kubelets refuse cgroup v1 by default from Kubernetes 1.35)",
		"node legacy-1: kubelet v1.32.9 is 4 minor versions older than the API server (1.36); the version skew policy allows 3 (https://kubernetes.io/releases/version-skew-policy/)",
	}
	var blockerChecks []knownvalue.Check
	for _, b := range legacyBlockers {
		blockerChecks = append(blockerChecks, knownvalue.StringExact(b))
	}
	ds := "data.kubeharden_cluster.this"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:           cp.ProviderConfig() + readinessCheckConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectChecks{}}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes"), knownvalue.ListExact(ready)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"containerd_2":     knownvalue.Bool(true),
						"cgroup_v2":        knownvalue.Bool(true),
						"supported_images": knownvalue.Null(),
						"blockers":         knownvalue.ListExact([]knownvalue.Check{}),
					})),
				},
			},
			{
				PreConfig: func() {
					for _, n := range []clusterTestNode{
						{name: "legacy-1", kubelet: "v1.32.9", runtime: "containerd://1.7.27", kubeletDoes: fakekubelet.Behaviour{CgroupVersion: 1}},
						{name: "crio-1", kubelet: "v1.37.0", runtime: "cri-o://1.34.1", handlers: true, userNamespaces: ptr(true), kubeletDoes: fakekubelet.Behaviour{CgroupVersion: 2}},
					} {
						n.create(t, cp)
					}
				},
				Config: cp.ProviderConfig() + readinessCheckConfig,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectChecks{
					status:   map[string]string{"check.upgrade_readiness": "fail"},
					messages: []string{"Not every node runs containerd 2: " + strings.Join(legacyBlockers, "; "), "Not every node is known to run cgroup v2."},
				}}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes"), knownvalue.ListExact([]knownvalue.Check{
						clusterNodeCheck("crio-1", "v1.37.0", "cri-o", "1.34.1", 1, knownvalue.Int64Exact(2), knownvalue.Bool(true), knownvalue.Int64Exact(-1)),
						clusterNodeCheck("legacy-1", "v1.32.9", "containerd", "1.7.27", 1, knownvalue.Int64Exact(1), knownvalue.Null(), knownvalue.Int64Exact(4)),
						ready[0], ready[1], ready[2],
					})),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"containerd_2":     knownvalue.Bool(false),
						"cgroup_v2":        knownvalue.Bool(false),
						"supported_images": knownvalue.Null(),
						"blockers":         knownvalue.ListExact(blockerChecks),
					})),
				},
			},
		},
	})
}

// TestAccClusterDataSource_nodeProxyForbidden reads as an identity with only
// the documented required rule (list nodes): the node proxy is forbidden,
// so the cgroup version is null, and so is readiness.cgroup_v2 (never a
// guess), without an error, and no request reached the kubelet. As an
// administrator the same kubelet answers.
func TestAccClusterDataSource_nodeProxyForbidden(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	acctest.SharedNetNS(t)
	k := clusterTestNode{name: "noproxy-a", kubelet: "v1.36.3", runtime: "containerd://2.1.4", kubeletDoes: fakekubelet.Behaviour{CgroupVersion: 2}}.create(t, cp)
	token := permissionsIdentity(t, cp, kubernetesPermissions["kubeharden_cluster"].ClusterRole, nil)
	ds := "data.kubeharden_cluster.this"
	readiness := func(cgroupV2 knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness"), knownvalue.ObjectExact(map[string]knownvalue.Check{
			"containerd_2": knownvalue.Bool(true), "cgroup_v2": cgroupV2, "supported_images": knownvalue.Null(),
			"blockers": knownvalue.ListExact([]knownvalue.Check{}),
		}))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: tokenProviderConfig(cp, token) + `data "kubeharden_cluster" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes").AtSliceIndex(0).AtMapKey("cgroup_version"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes").AtSliceIndex(0).AtMapKey("container_runtime_major"), knownvalue.Int64Exact(2)),
					readiness(knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if n := k.Requests(); n != 0 {
						return fmt.Errorf("the kubelet got %d requests through a forbidden node proxy", n)
					}
					return nil
				},
			},
			{
				Config: cp.ProviderConfig() + `data "kubeharden_cluster" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes").AtSliceIndex(0).AtMapKey("cgroup_version"), knownvalue.Int64Exact(2)),
					readiness(knownvalue.Bool(true)),
				},
			},
		},
	})
}

// TestAccClusterDataSource_hangingKubelet: one kubelet never answers. Its
// node's cgroup version is null, the other node's is read, and the read
// ends well within timeouts.read: each node proxy read is bounded.
func TestAccClusterDataSource_hangingKubelet(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	acctest.SharedNetNS(t)
	hung := clusterTestNode{name: "slow-a", kubelet: "v1.36.3", runtime: "containerd://2.1.4", kubeletDoes: fakekubelet.Behaviour{Hang: true}}.create(t, cp)
	clusterTestNode{name: "slow-b", kubelet: "v1.36.3", runtime: "containerd://2.1.4", kubeletDoes: fakekubelet.Behaviour{CgroupVersion: 2}}.create(t, cp)
	ds := "data.kubeharden_cluster.this"
	var start time.Time
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() { start = time.Now() },
			Config: cp.ProviderConfig() + `
data "kubeharden_cluster" "this" {
  timeouts {
    read = "2m"
  }
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes").AtSliceIndex(0).AtMapKey("cgroup_version"), knownvalue.Null()),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("nodes").AtSliceIndex(1).AtMapKey("cgroup_version"), knownvalue.Int64Exact(2)),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("readiness").AtMapKey("cgroup_v2"), knownvalue.Null()),
			},
			Check: func(*terraform.State) error {
				// The plan and the apply read once each, a few seconds
				// for the hanging kubelet every time.
				if d := time.Since(start); d > 40*time.Second {
					return fmt.Errorf("plan and apply took %s with one hanging kubelet; each read should wait for it at most %s", d, nodeProxyTimeout)
				}
				if hung.Requests() == 0 {
					return errors.New("the hanging kubelet was never asked")
				}
				return nil
			},
		}},
	})
}

// TestNodeReadiness covers what no kubelet reports: an unknown runtime and
// a containerd version that does not parse make containerd_2 null, as does
// a kubelet version that does not parse for the skew.
func TestNodeReadiness(t *testing.T) {
	cases := []struct {
		runtimeVersion, kubelet string
		containerd2             *bool
		major                   types.Int64
		skew                    types.Int64
	}{
		{"containerd://2.0.0", "v1.36.0", ptr(true), types.Int64Value(2), types.Int64Value(0)},
		{"containerd://1.7.27", "v1.36.0", ptr(false), types.Int64Value(1), types.Int64Value(0)},
		{"Unknown", "v1.36.0", nil, types.Int64Null(), types.Int64Value(0)},
		{"containerd://main", "v1.36.0", nil, types.Int64Null(), types.Int64Value(0)},
		{"cri-o://1.34.1", "unknown", ptr(false), types.Int64Value(1), types.Int64Null()},
	}
	for _, tc := range cases {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion: tc.kubelet, ContainerRuntimeVersion: tc.runtimeVersion}}}
		rt, ver := containerruntime.Parse(tc.runtimeVersion)
		m, f := nodeReadiness(n, rt, ver, 0, "v1.36.3")
		if (f.Containerd2 == nil) != (tc.containerd2 == nil) || (f.Containerd2 != nil && *f.Containerd2 != *tc.containerd2) {
			t.Errorf("%s: containerd_2 %v, want %v", tc.runtimeVersion, f.Containerd2, tc.containerd2)
		}
		if !m.ContainerRuntimeMajor.Equal(tc.major) || !m.KubeletSkew.Equal(tc.skew) || !m.CgroupVersion.IsNull() || f.CgroupV2 != nil {
			t.Errorf("%s, kubelet %s: major %s, skew %s, cgroup %s %v; want %s, %s, null", tc.runtimeVersion, tc.kubelet,
				m.ContainerRuntimeMajor, m.KubeletSkew, m.CgroupVersion, f.CgroupV2, tc.major, tc.skew)
		}
	}
}

// TestLogNodeProxy: a forbidden node proxy is logged once, at WARN, with
// the rule to grant.
func TestLogNodeProxy(t *testing.T) {
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	logNodeProxy(ctx, []string{"a", "b", "c"}, []kube.NodeCgroup{
		{Forbidden: true, Err: errors.New("forbidden")}, {Version: 2}, {Forbidden: true, Err: errors.New("forbidden")},
	})
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0]["@level"] != "warn" {
		t.Fatalf("got log entries %v, want one warning", entries)
	}
	msg, _ := entries[0]["@message"].(string)
	for _, want := range []string{"the cgroup version of 2 node(s) is unknown", `resources: ["nodes/proxy"]`, `verbs: ["get"]`} {
		if !strings.Contains(msg, want) {
			t.Errorf("the warning %q does not say %q", msg, want)
		}
	}
}
