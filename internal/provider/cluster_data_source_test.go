package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// TestAccClusterDataSource is the only test of the package that creates Node
// objects on the shared control plane (TestAccExamples makes one on its
// own): the control plane runs no kubelet, so the nodes are made through
// the API with the nodeInfo a kubelet would report.
func TestAccClusterDataSource(t *testing.T) {
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

// TestAccProviderConfigErrors covers bad provider configuration: each error
// names the attribute and the file or context at fault.
func TestAccProviderConfigErrors(t *testing.T) {
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
