package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/aks"
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

	node := func(name, rt, rtv, osImage string) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"name":                      knownvalue.StringExact(name),
			"kubelet_version":           knownvalue.StringExact("v1.36.3"),
			"container_runtime":         knownvalue.StringExact(rt),
			"container_runtime_version": knownvalue.StringExact(rtv),
			"os_image":                  knownvalue.StringExact(osImage),
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
					node("node-a", "containerd", "1.7.27", "Ubuntu 24.04.1 LTS"),
					node("node-b", "cri-o", "1.30.1", "Red Hat Enterprise Linux CoreOS"),
					node("node-c", "docker", "24.0.7", "Amazon Linux 2"),
					node("node-d", "containerd", "2.0.4", "Bottlerocket OS 1.30.0"),
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
