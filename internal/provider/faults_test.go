package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	authv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// TestAccFaults_namespacePodSecurity drives the resource through a proxy
// that injects throttling, server errors, connection resets and a hang, and
// checks that apply converges to the truth, and a hang ends at the timeout.
func TestAccFaults_namespacePodSecurity(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	proxy, err := acctest.NewFaultProxy(cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	ns := acctest.UniqueName("psa-faults")
	if err := cp.CreateNamespace(context.Background(), ns, map[string]string{"team": "faults"}); err != nil {
		t.Fatal(err)
	}
	nsPath := "^/api/v1/namespaces/" + regexp.QuoteMeta(ns) + "$"
	config := func(extra string) string {
		return proxy.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "test" {
  namespace = %q
  enforce   = { level = "baseline" }
  warn      = { level = "restricted" }
%s
}
`, ns, extra)
	}
	want := map[string]string{
		"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
		"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
	}
	keep := map[string]string{"team": "faults"}
	var rules []*acctest.Rule
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				// A hang ends at the resource's timeout, with an error that
				// names the call; nothing is written, nothing is in state.
				PreConfig: func() {
					proxy.Add("PATCH", nsPath, acctest.Fault{Kind: acctest.Hang})
				},
				Config:      config("on_violation = \"ignore\"\ntimeouts {\n  create = \"3s\"\n}"),
				ExpectError: acctest.ErrorText(fmt.Sprintf(`patch namespaces %q timed out`, ns)),
			},
			{
				// Transient faults on every call the resource makes are
				// retried with backoff, and apply converges.
				PreConfig: func() {
					proxy.Clear()
					rules = []*acctest.Rule{
						proxy.Add("GET", "^/api/v1/namespaces$", acctest.Fault{Kind: acctest.Status, Status: 503, Times: 2}),
						proxy.Add("GET", "^/api/v1/namespaces$", acctest.Fault{Kind: acctest.Reset, Times: 1}),
						proxy.Add("PATCH", nsPath, acctest.Fault{Kind: acctest.Status, Status: 429, RetryAfter: "1", Times: 2}),
						proxy.Add("PATCH", nsPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 2}),
						proxy.Add("PATCH", nsPath, acctest.Fault{Kind: acctest.Status, Status: 500, Times: 1}),
						proxy.Add("PATCH", nsPath, acctest.Fault{Kind: acctest.Reset, Times: 2}),
						proxy.Add("", "", acctest.Fault{Kind: acctest.Latency, Delay: 20_000_000, Times: 20}),
					}
				},
				Config: config(""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: tfresource.ComposeTestCheckFunc(
					expectLabels(cp, ns, want, keep),
					func(*terraform.State) error {
						for i, r := range rules {
							if r.Hits() == 0 {
								return fmt.Errorf("fault rule %d never fired", i)
							}
						}
						t.Logf("faults injected and survived: %d", sumHits(rules))
						return nil
					},
				),
			},
		},
	})
}

func sumHits(rules []*acctest.Rule) int {
	n := 0
	for _, r := range rules {
		n += r.Hits()
	}
	return n
}

// TestAccAuthErrors uses a real limited identity: a ServiceAccount token
// bound to a ClusterRole that may read namespaces but not patch them.
func TestAccAuthErrors(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ctx := context.Background()
	ns := acctest.UniqueName("auth")
	if err := cp.CreateNamespace(ctx, ns, nil); err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-read-namespaces"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list"}}},
	}
	if _, err := cp.Clientset.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: ns}},
	}
	if _, err := cp.Clientset.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cp.Clientset.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
		_ = cp.Clientset.RbacV1().ClusterRoles().Delete(context.Background(), role.Name, metav1.DeleteOptions{})
	})
	tok, err := cp.Clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	provider := func(extra string) string {
		return fmt.Sprintf(`
provider "kubeharden" {
  kubernetes {
    host = %q
%s
  }
}
`, cp.Host, extra)
	}
	withCA := fmt.Sprintf("    cluster_ca_certificate = %q\n", string(cp.PKI.CACertPEM))
	psa := fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "test" {
  namespace    = %q
  enforce      = { level = "baseline" }
  on_violation = "ignore"
}
`, ns)
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				// 403: the message names the verb, the resource, and the rule to add.
				Config:      provider(withCA+fmt.Sprintf("    token = %q\n", tok.Status.Token)) + psa,
				ExpectError: acctest.ErrorText(`lacks the verb "patch" on "namespaces" (cluster-scoped)`),
			},
			{
				Config:      provider(withCA+fmt.Sprintf("    token = %q\n", tok.Status.Token)) + psa,
				ExpectError: acctest.ErrorText(`resources: ["namespaces"] verbs: ["patch"]`),
			},
			{
				// A token the cluster does not accept.
				Config:      provider(withCA+"    token = \"not-a-valid-token\"\n") + `data "kubeharden_cluster" "this" {}`,
				ExpectError: acctest.ErrorText(`The API server rejected the provider's credentials (HTTP 401)`),
			},
			{
				// A CA that did not sign the server's certificate (none: the
				// system roots) fails verification, and says what to set.
				Config:      provider(fmt.Sprintf("    token = %q\n", tok.Status.Token)) + `data "kubeharden_cluster" "this" {}`,
				ExpectError: acctest.ErrorText(`Kubernetes TLS Verification Failed`),
			},
			{
				Config:      provider(fmt.Sprintf("    token = %q\n", tok.Status.Token)) + `data "kubeharden_cluster" "this" {}`,
				ExpectError: acctest.ErrorText(`Set kubernetes.cluster_ca_certificate to the PEM of the CA that signed it`),
			},
		},
	})
}
