package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	container "google.golang.org/api/container/v1"
	admv1 "k8s.io/api/admissionregistration/v1"
	authv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

// TestAccNamespacePodSecurity_faults drives the resource through a proxy
// that injects throttling, server errors, connection resets and a hang, and
// checks that apply converges to the truth, and a hang ends at the timeout.
func TestAccNamespacePodSecurity_faults(t *testing.T) {
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
	var hang *acctest.Rule
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				// A hang ends at the resource's timeout, with an error that
				// names the call; nothing is written, nothing is in state.
				PreConfig: func() {
					hang = proxy.Add("PATCH", nsPath, acctest.Fault{Kind: acctest.Hang})
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
						if err := faultReport(t, "kubeharden_namespace_pod_security hangs", []*acctest.Rule{hang}); err != nil {
							return err
						}
						return faultReport(t, "kubeharden_namespace_pod_security transient", rules)
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

// TestAccProvider_authErrors uses a real limited identity: a ServiceAccount token
// bound to a ClusterRole that may read namespaces but not patch them.
func TestAccProvider_authErrors(t *testing.T) {
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

// faultReport checks that every rule fired, and logs the faults injected per
// kind, for the figures of the reliability report.
func faultReport(t *testing.T, name string, rules []*acctest.Rule) error {
	t.Helper()
	for i, r := range rules {
		if r.Hits() == 0 {
			return fmt.Errorf("fault rule %d (%s) never fired", i, r.Kind())
		}
	}
	byKind := acctest.HitsByKind(rules)
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s=%d", k, byKind[k])
	}
	t.Logf("%s: faults injected and survived: %d (%s)", name, sumHits(rules), strings.Join(parts, " "))
	return nil
}

// TestAccSeccompDefault_faults drives kubeharden_seccomp_default through
// the fault proxy: a hang on the policy's write ends at the create timeout
// with nothing written; a hang on the binding's write leaves a state that
// says only the policy exists (so the next plan replaces it); then, with
// throttling, server errors and resets on every call it makes, apply
// converges, the cluster holds what the state says, and the plan is empty.
func TestAccSeccompDefault_faults(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	cs := cp.Clientset
	proxy, err := acctest.NewFaultProxy(cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	id := acctest.UniqueName("seccomp-faults")
	obj := seccomp.ObjectName(id)
	seccompNamespace(t, cp, id, map[string]string{seccompTestLabel: id})
	const base = "^/apis/admissionregistration.k8s.io/v1/"
	discoveryPath := "^/apis/admissionregistration.k8s.io/v1$"
	policyPath := base + seccomp.PolicyResource + "/" + regexp.QuoteMeta(obj) + "$"
	bindingPath := base + seccomp.BindingResource + "/" + regexp.QuoteMeta(obj) + "$"
	config := func(extra string) string {
		return proxy.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_seccomp_default" "test" {
  name               = %q
  profile            = { type = "RuntimeDefault" }
  namespace_selector = { match_labels = { %q = %q } }
%s
}
`, id, seccompTestLabel, id, extra)
	}
	short := "timeouts {\n  create = \"3s\"\n}"
	exists := func(get func() error) (bool, error) {
		err := get()
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}
	policyExists := func() (bool, error) {
		return exists(func() error {
			_, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicies().Get(context.Background(), obj, metav1.GetOptions{})
			return err
		})
	}
	bindingExists := func() (bool, error) {
		return exists(func() error {
			_, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Get(context.Background(), obj, metav1.GetOptions{})
			return err
		})
	}
	expectObjects := func(policy, binding bool) {
		t.Helper()
		p, err1 := policyExists()
		b, err2 := bindingExists()
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if p != policy || b != binding {
			t.Fatalf("after the failed apply: policy exists=%v binding exists=%v, want %v and %v", p, b, policy, binding)
		}
	}
	var hangs, transient []*acctest.Rule
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return seccompGone(cs, id) },
		Steps: []tfresource.TestStep{
			{
				PreConfig:   func() { hangs = append(hangs, proxy.Add("PATCH", policyPath, acctest.Fault{Kind: acctest.Hang})) },
				Config:      config(short),
				ExpectError: acctest.ErrorText(fmt.Sprintf(`patch mutatingadmissionpolicies.admissionregistration.k8s.io %q timed out`, obj)),
			},
			{
				// Nothing was written, so the plan is still a create; this
				// time the binding's write hangs, after the policy's.
				PreConfig: func() {
					proxy.Clear()
					expectObjects(false, false)
					hangs = append(hangs, proxy.Add("PATCH", bindingPath, acctest.Fault{Kind: acctest.Hang}))
				},
				Config: config(short),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionCreate),
				}},
				ExpectError: acctest.ErrorText(fmt.Sprintf(`patch mutatingadmissionpolicybindings.admissionregistration.k8s.io %q timed out`, obj)),
			},
			{
				// The state recorded the policy (tainted, binding_name
				// null), so this plan replaces it, through transient
				// faults on every call: discovery, GET, PATCH and DELETE.
				PreConfig: func() {
					proxy.Clear()
					expectObjects(true, false)
					transient = []*acctest.Rule{
						proxy.Add("GET", discoveryPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 2}),
						proxy.Add("GET", discoveryPath, acctest.Fault{Kind: acctest.Reset, Times: 1}),
						proxy.Add("GET", policyPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 1}),
						proxy.Add("GET", policyPath, acctest.Fault{Kind: acctest.Reset, Times: 1}),
						proxy.Add("GET", bindingPath, acctest.Fault{Kind: acctest.Status, Status: 500, Times: 1}),
						proxy.Add("DELETE", policyPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 1}),
						proxy.Add("DELETE", bindingPath, acctest.Fault{Kind: acctest.Reset, Times: 1}),
						proxy.Add("PATCH", policyPath, acctest.Fault{Kind: acctest.Status, Status: 429, RetryAfter: "1", Times: 2}),
						proxy.Add("PATCH", policyPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 1}),
						proxy.Add("PATCH", policyPath, acctest.Fault{Kind: acctest.Status, Status: 500, Times: 1}),
						proxy.Add("PATCH", policyPath, acctest.Fault{Kind: acctest.Reset, Times: 1}),
						proxy.Add("PATCH", bindingPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 1}),
						proxy.Add("PATCH", bindingPath, acctest.Fault{Kind: acctest.Reset, Times: 2}),
						proxy.Add("", "", acctest.Fault{Kind: acctest.Latency, Delay: 20 * time.Millisecond, Times: 20}),
					}
				},
				Config: config(""),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("policy_name"), knownvalue.StringExact(obj)),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("binding_name"), knownvalue.StringExact(obj)),
				},
				Check: tfresource.ComposeTestCheckFunc(
					seccompLive(cs, id, func(p *admv1.MutatingAdmissionPolicy, b *admv1.MutatingAdmissionPolicyBinding) error {
						if b.Spec.PolicyName != obj {
							return fmt.Errorf("the binding points at %q, want %q", b.Spec.PolicyName, obj)
						}
						if b.Spec.MatchResources == nil || b.Spec.MatchResources.NamespaceSelector == nil ||
							b.Spec.MatchResources.NamespaceSelector.MatchLabels[seccompTestLabel] != id {
							return fmt.Errorf("the binding does not select the test's namespaces: %+v", b.Spec.MatchResources)
						}
						return nil
					}),
					func(*terraform.State) error {
						if err := faultReport(t, "kubeharden_seccomp_default hangs", hangs); err != nil {
							return err
						}
						return faultReport(t, "kubeharden_seccomp_default transient", transient)
					},
				),
			},
		},
	})
}

// TestAccClusterDataSource_faults reads data "kubeharden_cluster" while
// LIST nodes and GET /version fail with 503s and resets.
func TestAccClusterDataSource_faults(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	proxy, err := acctest.NewFaultProxy(cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	var rules []*acctest.Rule
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				PreConfig: func() {
					rules = []*acctest.Rule{
						proxy.Add("GET", "^/api/v1/nodes$", acctest.Fault{Kind: acctest.Status, Status: 503, Times: 2}),
						proxy.Add("GET", "^/api/v1/nodes$", acctest.Fault{Kind: acctest.Reset, Times: 2}),
						proxy.Add("GET", "^/version$", acctest.Fault{Kind: acctest.Status, Status: 503, Times: 1}),
						proxy.Add("GET", "^/version$", acctest.Fault{Kind: acctest.Reset, Times: 1}),
					}
				},
				Config: proxy.ProviderConfig() + `data "kubeharden_cluster" "this" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kubeharden_cluster.this", tfjsonpath.New("version"), knownvalue.StringRegexp(regexp.MustCompile(`^v1\.\d+\.\d+`))),
				},
				Check: func(*terraform.State) error { return faultReport(t, "data.kubeharden_cluster", rules) },
			},
		},
	})
}

// priorState is a plan check on the state the plan starts from: the
// resource at addr must hold want for each attribute, and be tainted or not.
type priorState struct {
	addr    string
	tainted bool
	want    map[string]any
}

func (c priorState) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil {
		resp.Error = fmt.Errorf("the plan has no prior state")
		return
	}
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Address != c.addr {
			continue
		}
		if r.Tainted != c.tainted {
			resp.Error = fmt.Errorf("%s: tainted=%v in the prior state, want %v", c.addr, r.Tainted, c.tainted)
			return
		}
		for k, v := range c.want {
			if got := r.AttributeValues[k]; fmt.Sprint(got) != fmt.Sprint(v) {
				resp.Error = fmt.Errorf("%s.%s is %v in the prior state, want %v", c.addr, k, got, v)
				return
			}
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the prior state", c.addr)
}

// TestAccStorageRewrite_faults drives kubeharden_storage_rewrite through
// the fault proxy, on a custom resource of its own (exact counts): a hang
// on the list ends at the create timeout naming the list, with nothing in
// state; a hang on one object's update ends naming that object, and the
// state holds the true counts, tainted, so the next apply runs it again;
// then, with throttling, server errors, resets on lists and updates and a
// concurrent writer (a real 409), apply converges: every object rewritten
// once, the newer write kept, the others unchanged, and the plan empty.
func TestAccStorageRewrite_faults(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ctx := context.Background()
	const n = 60
	w := newWidgetKind(t, cp, n)
	before, _ := w.snapshot(t)
	proxy, err := acctest.NewFaultProxy(cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	listPath := "^/apis/" + regexp.QuoteMeta(w.group) + "/v1/widgets$"
	updatePath := "^/apis/" + regexp.QuoteMeta(w.group) + "/v1/namespaces/[^/]+/widgets/[^/]+$"
	list, err := w.dyn.Resource(w.gvr).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hung, victim := list.Items[7], list.Items[11]
	objectPath := func(o metav1.Object) string {
		return "^/apis/" + regexp.QuoteMeta(w.group) + "/v1/namespaces/" + o.GetNamespace() + "/widgets/" + o.GetName() + "$"
	}
	config := func(timeout string) string {
		return proxy.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_storage_rewrite" "this" {
  resources = [%q]
  timeouts { create = %q }
}
`, w.name(), timeout)
	}
	var hangs, transient []*acctest.Rule
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				PreConfig:   func() { hangs = append(hangs, proxy.Add("GET", listPath, acctest.Fault{Kind: acctest.Hang})) },
				Config:      config("3s"),
				ExpectError: acctest.ErrorText(fmt.Sprintf("The call list widgets.%s did not finish in time", w.group)),
			},
			{
				// Nothing was rewritten, so nothing is in state: a create again.
				PreConfig: func() {
					proxy.Clear()
					hangs = append(hangs, proxy.Add("PUT", objectPath(&hung), acctest.Fault{Kind: acctest.Hang}))
				},
				Config: config("4s"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rewriteAddr, plancheck.ResourceActionCreate),
				}},
				ExpectError: errorWith(fmt.Sprintf("The call update widgets.%s %q in namespace %q did not finish in time", w.group, hung.GetName(), hung.GetNamespace()),
					fmt.Sprintf("so far %d objects were rewritten, 0 skipped and 0 failed", n-1)),
			},
			{
				// The failed run's state is true (n-1 rewritten) and tainted,
				// so this apply runs the rewrite again, through transient
				// faults on every call it makes.
				PreConfig: func() {
					proxy.Clear()
					transient = []*acctest.Rule{
						proxy.Add("GET", listPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 2}),
						proxy.Add("GET", listPath, acctest.Fault{Kind: acctest.Reset, Times: 1}),
						proxy.Add("PUT", updatePath, acctest.Fault{Kind: acctest.Status, Status: 429, RetryAfter: "1", Times: 2}),
						proxy.Add("PUT", updatePath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 2}),
						proxy.Add("PUT", updatePath, acctest.Fault{Kind: acctest.Status, Status: 500, Times: 1}),
						proxy.Add("PUT", updatePath, acctest.Fault{Kind: acctest.Reset, Times: 2}),
						// Another writer changes the victim after the list: the
						// update carries a stale resourceVersion and gets a 409.
						proxy.Add("PUT", objectPath(&victim), acctest.Fault{Kind: acctest.Before, Times: 1, Before: func(*http.Request) {
							fresh, err := w.dyn.Resource(w.gvr).Namespace(victim.GetNamespace()).Get(ctx, victim.GetName(), metav1.GetOptions{})
							if err == nil {
								fresh.Object["spec"] = map[string]any{"value": "changed-meanwhile"}
								_, err = w.dyn.Resource(w.gvr).Namespace(victim.GetNamespace()).Update(ctx, fresh, metav1.UpdateOptions{FieldManager: "another-controller"})
							}
							if err != nil {
								t.Errorf("the concurrent writer failed: %v", err)
							}
						}}),
						proxy.Add("", "", acctest.Fault{Kind: acctest.Latency, Delay: 20 * time.Millisecond, Times: 20}),
					}
				},
				Config: config("5m"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						priorState{addr: rewriteAddr, tainted: true, want: map[string]any{"rewritten": n - 1, "skipped": 0, "failed": 0}},
						plancheck.ExpectResourceAction(rewriteAddr, plancheck.ResourceActionReplace),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("rewritten"), knownvalue.Int64Exact(n)),
					statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("skipped"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("failed"), knownvalue.Int64Exact(0)),
				},
				Check: func(*terraform.State) error {
					after, _ := w.snapshot(t)
					key := victim.GetNamespace() + "/" + victim.GetName()
					for k, v := range before {
						want := v
						if k == key {
							want = "map[value:changed-meanwhile]"
						}
						if after[k] != want {
							return fmt.Errorf("%s holds %s, want %s", k, after[k], want)
						}
					}
					if err := faultReport(t, "kubeharden_storage_rewrite hangs", hangs); err != nil {
						return err
					}
					return faultReport(t, "kubeharden_storage_rewrite transient", transient)
				},
			},
		},
	})
}

// TestAccPodSecurityViolationsDataSource_faults reads the data source through the
// fault proxy: a hang on the pod list ends at timeouts.read naming the
// list; throttling, server errors and resets on the namespace read and the
// pod list are retried, and the result is the one without faults.
func TestAccPodSecurityViolationsDataSource_faults(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := violatingPods(t, cp, "psa-faults-ds")
	proxy, err := acctest.NewFaultProxy(cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	nsPath := "^/api/v1/namespaces/" + regexp.QuoteMeta(ns) + "$"
	podsPath := "^/api/v1/namespaces/" + regexp.QuoteMeta(ns) + "/pods$"
	config := func(timeout string) string {
		return proxy.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_pod_security_violations" "this" {
  namespace = %q
  level     = "baseline"
  timeouts { read = %q }
}`, ns, timeout)
	}
	var hang *acctest.Rule
	var rules []*acctest.Rule
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				PreConfig:   func() { hang = proxy.Add("GET", podsPath, acctest.Fault{Kind: acctest.Hang}) },
				Config:      config("3s"),
				ExpectError: acctest.ErrorText(fmt.Sprintf("list pods in namespace %q timed out", ns)),
			},
			{
				PreConfig: func() {
					proxy.Clear()
					rules = []*acctest.Rule{
						proxy.Add("GET", nsPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 1}),
						proxy.Add("GET", nsPath, acctest.Fault{Kind: acctest.Reset, Times: 1}),
						proxy.Add("GET", podsPath, acctest.Fault{Kind: acctest.Status, Status: 429, RetryAfter: "1", Times: 1}),
						proxy.Add("GET", podsPath, acctest.Fault{Kind: acctest.Status, Status: 503, Times: 2}),
						proxy.Add("GET", podsPath, acctest.Fault{Kind: acctest.Status, Status: 500, Times: 1}),
						proxy.Add("GET", podsPath, acctest.Fault{Kind: acctest.Reset, Times: 1}),
					}
				},
				Config: config("2m"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.this", tfjsonpath.New("violations"), knownvalue.ListExact([]knownvalue.Check{
						violation("hostnet", "host namespaces"),
						violation("priv", "privileged"),
					})),
					statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.this", tfjsonpath.New("checked_pods"), knownvalue.Int64Exact(3)),
				},
				Check: func(*terraform.State) error {
					if err := faultReport(t, "data.kubeharden_pod_security_violations hangs", []*acctest.Rule{hang}); err != nil {
						return err
					}
					return faultReport(t, "data.kubeharden_pod_security_violations transient", rules)
				},
			},
		},
	})
}

// hangBound is how long a step whose call hangs may take, from its
// PreConfig to the next step's: the short timeouts of the hang tests plus
// Terraform's own runs, far below the 5m defaults, so a step that ended at
// the default rather than at the configured limit fails.
const hangBound = 45 * time.Second

// stopwatch times a step that is expected to fail: start it in the step's
// PreConfig, check it in the next one's.
type stopwatch struct{ start time.Time }

func (s *stopwatch) Start() { s.start = time.Now() }

func (s *stopwatch) Check(t *testing.T, what string) {
	t.Helper()
	if d := time.Since(s.start); d > hangBound {
		t.Fatalf("%s ended after %s, not at its short time limit (bound %s)", what, d.Round(time.Second), hangBound)
	} else {
		t.Logf("%s ended after %s", what, d.Round(100*time.Millisecond))
	}
}

// TestAccEKSClusterDataSource_hang puts the fault proxy between the
// provider and moto: a DescribeCluster, then a DescribeNodegroup, that
// never answers ends at timeouts.read with an error that names the call and
// says the time limit was reached; without the hang the read succeeds
// through the same proxy.
func TestAccEKSClusterDataSource_hang(t *testing.T) {
	m := acctest.SharedMoto(t)
	t.Parallel()
	name := acctest.UniqueName("eks-hang")
	createEKSCluster(t, m, name, eksFixture{version: "1.31", nodegroups: []eksNodegroupFixture{
		{"ng", "1.31", "1.31.0-20241011", ekstypes.AMITypesAl2023X8664Standard, ekstypes.CapacityTypesOnDemand},
	}})
	proxy, err := acctest.NewHTTPFaultProxy(m.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	config := fmt.Sprintf(`
provider "kubeharden" {
  aws {
    region = %q
    endpoints {
      eks = %q
    }
  }
}

data "kubeharden_eks_cluster" "this" {
  name = %q
  timeouts {
    read = "3s"
  }
}
`, m.Region, proxy.URL, name)
	clusterPath := "^/clusters/" + regexp.QuoteMeta(name)
	var hangs []*acctest.Rule
	var sw stopwatch
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				PreConfig: func() {
					sw.Start()
					hangs = append(hangs, proxy.Add("GET", clusterPath+"$", acctest.Fault{Kind: acctest.Hang}))
				},
				Config: config,
				ExpectError: errorWith("EKS API Call Timed Out",
					fmt.Sprintf(`The call DescribeCluster of cluster %q in %s did not finish in time: its time limit was reached`, name, m.Region)),
			},
			{
				PreConfig: func() {
					sw.Check(t, "the hung DescribeCluster")
					proxy.Clear()
					sw.Start()
					hangs = append(hangs, proxy.Add("GET", clusterPath+"/node-groups/ng$", acctest.Fault{Kind: acctest.Hang}))
				},
				Config: config,
				ExpectError: errorWith("EKS API Call Timed Out",
					fmt.Sprintf(`The call DescribeNodegroup of node group "ng" of cluster %q in %s did not finish in time: its time limit was reached`, name, m.Region)),
			},
			{
				PreConfig: func() {
					sw.Check(t, "the hung DescribeNodegroup")
					proxy.Clear()
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kubeharden_eks_cluster.this", tfjsonpath.New("version"), knownvalue.StringExact("1.31")),
					statecheck.ExpectKnownValue("data.kubeharden_eks_cluster.this", tfjsonpath.New("dockershim_free"), knownvalue.Bool(true)),
				},
				Check: func(*terraform.State) error {
					if proxy.Count("GET", "/clusters/"+name) == 0 {
						return fmt.Errorf("the read did not go through the proxy")
					}
					return faultReport(t, "data.kubeharden_eks_cluster hangs", hangs)
				},
			},
		},
	})
}

// TestAccGKEClusterDataSource_hang puts the fault proxy between the
// provider and the fake GKE: a clusters.get that never answers ends at
// timeouts.read with an error that names the call and the cluster and says
// the time limit was reached; without the hang the read succeeds.
func TestAccGKEClusterDataSource_hang(t *testing.T) {
	s := startFakeGKE(t)
	t.Parallel()
	s.AddCluster("my-project", "europe-west1", &container.Cluster{
		Name: "prod", CurrentMasterVersion: "1.36.3-gke.1200000",
		NodePools: []*container.NodePool{pool("default-pool", "1.36.3-gke.1200000", "COS_CONTAINERD")},
	})
	proxy, err := acctest.NewHTTPFaultProxy(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	config := fmt.Sprintf(`
provider "kubeharden" {
  google {
    access_token = "test"
    endpoints {
      container = "%s/"
    }
  }
}

data "kubeharden_gke_cluster" "this" {
  project  = "my-project"
  location = "europe-west1"
  name     = "prod"
  timeouts {
    read = "3s"
  }
}
`, proxy.URL)
	name := "projects/my-project/locations/europe-west1/clusters/prod"
	var hang *acctest.Rule
	var sw stopwatch
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				PreConfig: func() {
					sw.Start()
					hang = proxy.Add("GET", "^/v1/"+regexp.QuoteMeta(name)+"$", acctest.Fault{Kind: acctest.Hang})
				},
				Config: config,
				ExpectError: errorWith("GKE Call Timed Out",
					fmt.Sprintf(`The call clusters.get %q did not finish before its time limit was reached.`, name), "timeouts.read"),
			},
			{
				PreConfig: func() {
					sw.Check(t, "the hung clusters.get")
					proxy.Clear()
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.kubeharden_gke_cluster.this", tfjsonpath.New("version"), knownvalue.StringExact("1.36.3-gke.1200000")),
				},
				Check: func(*terraform.State) error {
					return faultReport(t, "data.kubeharden_gke_cluster hangs", []*acctest.Rule{hang})
				},
			},
		},
	})
}

// TestAccStorageRewrite_discoveryHangs hangs API discovery (GET /api and
// /apis...) behind the fault proxy: kubeharden_storage_rewrite resolves its
// resources through discovery at plan time (which only logs a failure and
// leaves the check to apply) and at apply, so the run must end at the short
// timeouts.create with an error that names discovery, not hang. A watchdog
// releases the hung requests after two minutes so that a discovery that
// ignores its context fails the test instead of hanging it.
func TestAccStorageRewrite_discoveryHangs(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	// A kind of its own, so that the recovery step's counts are exact.
	const n = 3
	w := newWidgetKind(t, cp, n)
	proxy, err := acctest.NewFaultProxy(cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	watchdog := time.AfterFunc(2*time.Minute, func() {
		t.Errorf("discovery was still hung after 2m: it does not honour the timeouts.create of 3s; the proxy is closed to end it")
		proxy.Close()
	})
	t.Cleanup(func() { watchdog.Stop() })
	config := proxy.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_storage_rewrite" "this" {
  resources = [%q]
  timeouts {
    create = "3s"
  }
}
`, w.name())
	var hangs []*acctest.Rule
	var sw stopwatch
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				PreConfig: func() {
					sw.Start()
					// One rule for /api, /apis and /apis/...: which of them
					// discovery asks first (and whether it asks the others
					// before its deadline) is client-go's business.
					hangs = []*acctest.Rule{proxy.Add("GET", "^/apis?(/.*)?$", acctest.Fault{Kind: acctest.Hang})}
				},
				Config:      config,
				ExpectError: regexp.MustCompile(`(?is)(timed out|did not finish in time).*discovery|discovery.*(timed out|did not finish in time)`),
			},
			{
				PreConfig: func() {
					sw.Check(t, "the run with hung discovery")
					proxy.Clear()
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("rewritten"), knownvalue.Int64Exact(n)),
					statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("failed"), knownvalue.Int64Exact(0)),
				},
				Check: func(*terraform.State) error {
					return faultReport(t, "kubeharden_storage_rewrite discovery hangs", hangs)
				},
			},
		},
	})
}
