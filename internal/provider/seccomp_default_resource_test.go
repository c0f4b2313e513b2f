package provider

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	admv1 "k8s.io/api/admissionregistration/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/seccomp"
)

// seccompTestLabel scopes every policy of these tests to namespaces carrying
// a value unique to the test, so that no other test's pods on the shared
// control plane are ever mutated.
const seccompTestLabel = "kubeharden-test"

const seccompAddr = "kubeharden_seccomp_default.test"

// seccompActivation bounds the wait for a policy change to reach the
// admission plugin (it watches policies through an informer).
const seccompActivation = 60 * time.Second

func seccompPod(mutate func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "pod-"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.invalid/app:1", // no kubelet runs: pods stay Pending
		}}},
	}
	if mutate != nil {
		mutate(p)
	}
	return p
}

// seccompRestrictedPod sets every field PSA restricted checks except the seccomp profile.
func seccompRestrictedPod(p *corev1.Pod) {
	p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: seccompPtr(true)}
	p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
		AllowPrivilegeEscalation: seccompPtr(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

func seccompPtr[T any](v T) *T { return &v }

func seccompPodProfile(p *corev1.Pod) *corev1.SeccompProfile {
	if p.Spec.SecurityContext == nil {
		return nil
	}
	return p.Spec.SecurityContext.SeccompProfile
}

func seccompProfileString(p *corev1.SeccompProfile) string {
	if p == nil {
		return "<none>"
	}
	if p.LocalhostProfile != nil {
		return string(p.Type) + ":" + *p.LocalhostProfile
	}
	return string(p.Type)
}

// seccompWaitForDefault creates dry-run probe pods in ns until their pod-level
// profile is want ("<none>" for unmutated), within seccompActivation.
func seccompWaitForDefault(cs kubernetes.Interface, ns, want string) error {
	ctx, cancel := context.WithTimeout(context.Background(), seccompActivation)
	defer cancel()
	var got string
	for {
		p, err := cs.CoreV1().Pods(ns).Create(ctx, seccompPod(nil), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil {
			if got = seccompProfileString(seccompPodProfile(p)); got == want {
				return nil
			}
		} else {
			got = "error: " + err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("new pods in namespace %q did not get pod-level profile %s within %s; last got %s", ns, want, seccompActivation, got)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func seccompCreatePod(cs kubernetes.Interface, ns string, mutate func(*corev1.Pod)) (*corev1.Pod, error) {
	return cs.CoreV1().Pods(ns).Create(context.Background(), seccompPod(mutate), metav1.CreateOptions{})
}

// seccompLive checks the live policy and binding of the resource called name.
func seccompLive(cs kubernetes.Interface, name string, check func(*admv1.MutatingAdmissionPolicy, *admv1.MutatingAdmissionPolicyBinding) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		obj := seccomp.ObjectName(name)
		p, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicies().Get(ctx, obj, metav1.GetOptions{})
		if err != nil {
			return err
		}
		b, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Get(ctx, obj, metav1.GetOptions{})
		if err != nil {
			return err
		}
		return check(p, b)
	}
}

func seccompGone(cs kubernetes.Interface, name string) error {
	ctx := context.Background()
	obj := seccomp.ObjectName(name)
	if _, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicies().Get(ctx, obj, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		return fmt.Errorf("MutatingAdmissionPolicy %s still exists after destroy (err=%w)", obj, err)
	}
	if _, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Get(ctx, obj, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		return fmt.Errorf("MutatingAdmissionPolicyBinding %s still exists after destroy (err=%w)", obj, err)
	}
	return nil
}

func seccompNamespace(t *testing.T, cp *acctest.ControlPlane, name string, labels map[string]string) {
	t.Helper()
	if err := cp.CreateNamespace(context.Background(), name, labels); err != nil {
		t.Fatal(err)
	}
}

// TestAccSeccompDefault_basic covers the RuntimeDefault default end to end: what
// new pods get, what is left alone, PSA restricted, import, drift on each
// object and its repair, an in-place update, and destroy.
func TestAccSeccompDefault_basic(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	cs := cp.Clientset
	id := acctest.UniqueName("seccomp")
	nsSel, nsPSA, nsExcl, nsOther := id+"-sel", id+"-psa", id+"-excl", id+"-other"
	seccompNamespace(t, cp, nsSel, map[string]string{seccompTestLabel: id})
	seccompNamespace(t, cp, nsPSA, map[string]string{seccompTestLabel: id, "pod-security.kubernetes.io/enforce": "restricted"})
	seccompNamespace(t, cp, nsExcl, map[string]string{seccompTestLabel: id})
	seccompNamespace(t, cp, nsOther, map[string]string{seccompTestLabel: id + "-not"})

	// Before the default exists, PSA restricted rejects a pod that only lacks a profile.
	if _, err := seccompCreatePod(cs, nsPSA, seccompRestrictedPod); err == nil || !strings.Contains(err.Error(), "seccompProfile") {
		t.Fatalf("before apply, a restricted pod without a seccomp profile should be rejected by PSA; got %v", err)
	}

	config := func(extra string) string {
		return cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_seccomp_default" "test" {
  name    = %q
  profile = { type = "RuntimeDefault" }
  namespace_selector = {
    match_labels = { %q = %q }
  }
  exclude_namespaces = ["kube-system", %q]
%s}
`, id, seccompTestLabel, id, nsExcl, extra)
	}
	obj := seccomp.ObjectName(id)

	admission := func(*terraform.State) error {
		if err := seccompWaitForDefault(cs, nsSel, "RuntimeDefault"); err != nil {
			return err
		}
		cases := []struct {
			name, ns string
			mutate   func(*corev1.Pod)
			pod      string // pod-level profile after admission
			ctr      string // the container's profile after admission
		}{
			{"no profile", nsSel, nil, "RuntimeDefault", "<none>"},
			{"pod-level Unconfined", nsSel, func(p *corev1.Pod) {
				p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}
			}, "Unconfined", "<none>"},
			// The pod-level default is added; the container's own profile
			// keeps precedence over it at run time.
			{"container-level Localhost", nsSel, func(p *corev1.Pod) {
				p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{
					Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: seccompPtr("profiles/app.json")}}
			}, "RuntimeDefault", "Localhost:profiles/app.json"},
			{"windows", nsSel, func(p *corev1.Pod) { p.Spec.OS = &corev1.PodOS{Name: corev1.Windows} }, "<none>", "<none>"},
			{"excluded namespace", nsExcl, nil, "<none>", "<none>"},
			{"namespace not selected", nsOther, nil, "<none>", "<none>"},
			{"PSA restricted", nsPSA, seccompRestrictedPod, "RuntimeDefault", "<none>"},
		}
		var errs []error
		for _, c := range cases {
			p, err := seccompCreatePod(cs, c.ns, c.mutate)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: pod rejected: %w", c.name, err))
				continue
			}
			var ctr *corev1.SeccompProfile
			if sc := p.Spec.Containers[0].SecurityContext; sc != nil {
				ctr = sc.SeccompProfile
			}
			if got := seccompProfileString(seccompPodProfile(p)); got != c.pod {
				errs = append(errs, fmt.Errorf("%s: pod-level profile %s, want %s", c.name, got, c.pod))
			}
			if got := seccompProfileString(ctr); got != c.ctr {
				errs = append(errs, fmt.Errorf("%s: container profile %s, want %s", c.name, got, c.ctr))
			}
		}
		return errors.Join(errs...)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if err := seccompGone(cs, id); err != nil {
				return err
			}
			return seccompWaitForDefault(cs, nsSel, "<none>")
		},
		Steps: []resource.TestStep{
			{
				Config: config(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("policy_name"), knownvalue.StringExact(obj)),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("binding_name"), knownvalue.StringExact(obj)),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("api_version"), knownvalue.StringExact("admissionregistration.k8s.io/v1")),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("failure_policy"), knownvalue.StringExact("Ignore")),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("profile"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"type": knownvalue.StringExact("RuntimeDefault"), "localhost_profile": knownvalue.Null(),
					})),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("exclude_namespaces"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("kube-system"), knownvalue.StringExact(nsExcl),
					})),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeTestCheckFunc(
					seccompLive(cs, id, func(p *admv1.MutatingAdmissionPolicy, b *admv1.MutatingAdmissionPolicyBinding) error {
						if p.Spec.ReinvocationPolicy != admv1.IfNeededReinvocationPolicy || *p.Spec.FailurePolicy != admv1.Ignore {
							return fmt.Errorf("policy spec: reinvocation %q, failure policy %q", p.Spec.ReinvocationPolicy, *p.Spec.FailurePolicy)
						}
						for _, mf := range append(p.ManagedFields, b.ManagedFields...) {
							if mf.Manager != seccomp.FieldManager || mf.Operation != metav1.ManagedFieldsOperationApply {
								return fmt.Errorf("unexpected field manager %q (%s)", mf.Manager, mf.Operation)
							}
						}
						return nil
					}),
					admission,
				),
			},
			{
				ResourceName:      seccompAddr,
				ImportState:       true,
				ImportStateId:     id,
				ImportStateVerify: true,
			},
			{
				// The binding deleted behind Terraform's back.
				PreConfig: func() {
					if err := cs.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Delete(context.Background(), obj, metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: seccompLive(cs, id, func(_ *admv1.MutatingAdmissionPolicy, b *admv1.MutatingAdmissionPolicyBinding) error {
					if b.Spec.PolicyName != obj {
						return fmt.Errorf("restored binding points at %q", b.Spec.PolicyName)
					}
					return nil
				}),
			},
			{
				// The failure policy edited by hand, as kubectl edit does.
				PreConfig: func() {
					seccompEditPolicy(t, cs, obj, func(p *admv1.MutatingAdmissionPolicy) { p.Spec.FailurePolicy = seccompPtr(admv1.Fail) })
				},
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: seccompLive(cs, id, func(p *admv1.MutatingAdmissionPolicy, _ *admv1.MutatingAdmissionPolicyBinding) error {
					if *p.Spec.FailurePolicy != admv1.Ignore {
						return fmt.Errorf("failurePolicy not repaired: %s", *p.Spec.FailurePolicy)
					}
					return nil
				}),
			},
			{
				// The mutation rewritten by hand to disable confinement.
				PreConfig: func() {
					seccompEditPolicy(t, cs, obj, func(p *admv1.MutatingAdmissionPolicy) {
						p.Spec.Mutations[0].ApplyConfiguration.Expression = seccomp.Expression(seccomp.Profile{Type: "Unconfined"})
					})
					if err := seccompWaitForDefault(cs, nsSel, "Unconfined"); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error { return seccompWaitForDefault(cs, nsSel, "RuntimeDefault") },
			},
			{
				// The binding's selector widened by hand.
				PreConfig: func() {
					ctx := context.Background()
					b, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Get(ctx, obj, metav1.GetOptions{})
					if err != nil {
						t.Fatal(err)
					}
					b.Spec.MatchResources.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{seccompTestLabel: id}}
					if _, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Update(ctx, b, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("exclude_namespaces"), knownvalue.SetSizeExact(2)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: seccompLive(cs, id, func(_ *admv1.MutatingAdmissionPolicy, b *admv1.MutatingAdmissionPolicyBinding) error {
					if n := len(b.Spec.MatchResources.NamespaceSelector.MatchExpressions); n != 1 {
						return fmt.Errorf("exclusion not restored: %+v", b.Spec.MatchResources.NamespaceSelector)
					}
					return nil
				}),
			},
			{
				// Both objects deleted: the resource is gone and is created again.
				PreConfig: func() {
					ctx := context.Background()
					if err := cs.AdmissionregistrationV1().MutatingAdmissionPolicyBindings().Delete(ctx, obj, metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
					if err := cs.AdmissionregistrationV1().MutatingAdmissionPolicies().Delete(ctx, obj, metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error { return seccompWaitForDefault(cs, nsSel, "RuntimeDefault") },
			},
			{
				// In place: Fail, a match expression instead of labels, the default exclusion.
				Config: cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_seccomp_default" "test" {
  name           = %q
  profile        = { type = "RuntimeDefault" }
  failure_policy = "Fail"
  namespace_selector = {
    match_expressions = [{ key = %q, operator = "In", values = [%q] }]
  }
  timeouts {
    create = "1m"
    update = "1m"
  }
}
`, id, seccompTestLabel, id),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("exclude_namespaces"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("kube-system")})),
				},
				Check: resource.ComposeTestCheckFunc(
					seccompLive(cs, id, func(p *admv1.MutatingAdmissionPolicy, b *admv1.MutatingAdmissionPolicyBinding) error {
						want := seccomp.NamespaceSelector(metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
							{Key: seccompTestLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{id}},
						}}, []string{"kube-system"})
						if *p.Spec.FailurePolicy != admv1.Fail || !seccomp.SameSelector(b.Spec.MatchResources.NamespaceSelector, want) {
							return fmt.Errorf("update not applied: failurePolicy %s, selector %+v", *p.Spec.FailurePolicy, b.Spec.MatchResources.NamespaceSelector)
						}
						return nil
					}),
					// The excluded namespace of the first config is selected now.
					func(*terraform.State) error { return seccompWaitForDefault(cs, nsExcl, "RuntimeDefault") },
				),
			},
		},
	})
}

func seccompEditPolicy(t *testing.T, cs kubernetes.Interface, name string, edit func(*admv1.MutatingAdmissionPolicy)) {
	t.Helper()
	ctx := context.Background()
	p, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicies().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	edit(p)
	if _, err := cs.AdmissionregistrationV1().MutatingAdmissionPolicies().Update(ctx, p, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
}

// TestAccSeccompDefault_localhost sets a Localhost profile whose path needs
// quoting in the policy's CEL expression, then switches to RuntimeDefault in
// place.
func TestAccSeccompDefault_localhost(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	cs := cp.Clientset
	id := acctest.UniqueName("seccomp-lh")
	ns := id + "-ns"
	seccompNamespace(t, cp, ns, map[string]string{seccompTestLabel: id})
	const profilePath = `profiles/it's "quoted"\ok.json`

	config := func(profile string) string {
		return cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_seccomp_default" "test" {
  name               = %q
  profile            = %s
  namespace_selector = { match_labels = { %q = %q } }
}
`, id, profile, seccompTestLabel, id)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return seccompGone(cs, id) },
		Steps: []resource.TestStep{
			{
				Config: config(fmt.Sprintf(`{ type = "Localhost", localhost_profile = %q }`, profilePath)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("profile"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"type": knownvalue.StringExact("Localhost"), "localhost_profile": knownvalue.StringExact(profilePath),
					})),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("exclude_namespaces"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("kube-system")})),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            func(*terraform.State) error { return seccompWaitForDefault(cs, ns, "Localhost:"+profilePath) },
			},
			{
				ResourceName:      seccompAddr,
				ImportState:       true,
				ImportStateId:     id,
				ImportStateVerify: true,
			},
			{
				Config: config(`{ type = "RuntimeDefault" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("profile").AtMapKey("localhost_profile"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error { return seccompWaitForDefault(cs, ns, "RuntimeDefault") },
			},
		},
	})
}

// TestAccSeccompDefault_unknownAtPlan feeds values unknown until apply: they
// must pass validation, and the computed names stay unknown in the plan.
func TestAccSeccompDefault_unknownAtPlan(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	id := acctest.UniqueName("seccomp-unk")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderConfig() + fmt.Sprintf(`
resource "terraform_data" "later" {
  input = { name = %q, type = "Localhost", path = "profiles/x.json", op = "In", ns = "team-a" }
}
resource "kubeharden_seccomp_default" "test" {
  name    = terraform_data.later.output.name
  profile = { type = terraform_data.later.output.type, localhost_profile = terraform_data.later.output.path }
  namespace_selector = {
    match_labels      = { %q = terraform_data.later.output.name }
    match_expressions = [{ key = %q, operator = terraform_data.later.output.op, values = [terraform_data.later.output.name] }]
  }
  exclude_namespaces = [terraform_data.later.output.ns]
}
`, id, seccompTestLabel, seccompTestLabel),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(seccompAddr, tfjsonpath.New("policy_name")),
				plancheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("api_version"), knownvalue.StringExact(seccomp.APIVersionV1)),
			}},
		}},
	})
}

// TestAccSeccompDefault_badInputs checks that each invalid value fails at
// plan time, naming the attribute, before any call to the cluster.
func TestAccSeccompDefault_badInputs(t *testing.T) {
	acctest.PreCheck(t)
	cases := []struct {
		name, body, want string
	}{
		{"name not a label", `name = "Bad_Name"
  profile = { type = "RuntimeDefault" }`, `Invalid Name|name: "Bad_Name" a lowercase RFC 1123 label must consist of`},
		{"name too long", `name = "` + strings.Repeat("a", 64) + `"
  profile = { type = "RuntimeDefault" }`, `Invalid Name|must be no more than 63 characters`},
		{"profile type", `name = "x"
  profile = { type = "Unconfined" }`, `Invalid Attribute Value Match|Attribute profile.type value must be one of: ["RuntimeDefault" "Localhost"], got: "Unconfined"`},
		{"localhost without path", `name = "x"
  profile = { type = "Localhost" }`, `Missing Localhost Profile|profile.type is "Localhost", which needs profile.localhost_profile`},
		{"path without localhost", `name = "x"
  profile = { type = "RuntimeDefault", localhost_profile = "p.json" }`, `Localhost Profile Not Allowed|profile.localhost_profile is only allowed when profile.type is "Localhost"`},
		{"absolute path", `name = "x"
  profile = { type = "Localhost", localhost_profile = "/etc/p.json" }`, `Invalid Localhost Profile|profile.localhost_profile: "/etc/p.json" must be a relative path`},
		{"path with ..", `name = "x"
  profile = { type = "Localhost", localhost_profile = "a/../../p.json" }`, `Invalid Localhost Profile|profile.localhost_profile: "a/../../p.json" must not contain '..'`},
		{"failure policy", `name = "x"
  profile = { type = "RuntimeDefault" }
  failure_policy = "Never"`, `Invalid Attribute Value Match|Attribute failure_policy value must be one of: ["Ignore" "Fail"], got: "Never"`},
		{"excluded namespace", `name = "x"
  profile = { type = "RuntimeDefault" }
  exclude_namespaces = ["Kube_System"]`, `Invalid Namespace Name|exclude_namespaces[Value("Kube_System")]: "Kube_System"`},
		{"label key", `name = "x"
  profile = { type = "RuntimeDefault" }
  namespace_selector = { match_labels = { "bad key!" = "a" } }`, `Invalid Label Key|namespace_selector.match_labels["bad key!"]: "bad key!" name part must consist of`},
		{"label value", `name = "x"
  profile = { type = "RuntimeDefault" }
  namespace_selector = { match_labels = { team = "not ok!" } }`, `Invalid Label Value|namespace_selector.match_labels["team"]: "not ok!" a valid label must be`},
		{"operator", `name = "x"
  profile = { type = "RuntimeDefault" }
  namespace_selector = { match_expressions = [{ key = "team", operator = "Equals", values = ["a"] }] }`, `Invalid Attribute Value Match|Attribute namespace_selector.match_expressions[0].operator value must be one of: ["In" "NotIn" "Exists" "DoesNotExist"], got: "Equals"`},
		{"In without values", `name = "x"
  profile = { type = "RuntimeDefault" }
  namespace_selector = { match_expressions = [{ key = "team", operator = "In" }] }`, "Invalid Namespace Selector|namespace_selector.match_expressions[0]: operator \"In\": values must be specified when `operator` is 'In' or 'NotIn'"},
		{"Exists with values", `name = "x"
  profile = { type = "RuntimeDefault" }
  namespace_selector = { match_expressions = [{ key = "team", operator = "Exists", values = ["a"] }] }`, "Invalid Namespace Selector|namespace_selector.match_expressions[0]: operator \"Exists\": values may not be specified when `operator` is 'Exists' or 'DoesNotExist'"},
		{"expression key", `name = "x"
  profile = { type = "RuntimeDefault" }
  namespace_selector = { match_expressions = [{ key = "-team", operator = "Exists" }] }`, `Invalid Label Key|namespace_selector.match_expressions[0].key: "-team"`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		summary, detail, _ := strings.Cut(c.want, "|")
		steps = append(steps, resource.TestStep{
			// No cluster is reachable at this address: validation must fail first.
			Config: fmt.Sprintf(`
provider "kubeharden" {
  kubernetes { host = "https://127.0.0.1:1" }
}
# %s
resource "kubeharden_seccomp_default" "test" {
  %s
}
`, c.name, c.body),
			PlanOnly:    true,
			ExpectError: errorWith("Error: "+summary, detail),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccSeccompDefault_v1beta1 runs against a control plane that serves
// MutatingAdmissionPolicy only as v1beta1, as 1.34 and 1.35 do when enabled.
// The admission plugin is off there (in 1.36 it only reads v1), so this test
// covers the API version choice and the objects, not the mutation.
func TestAccSeccompDefault_v1beta1(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	cp := seccompPrivateControlPlane(t,
		"--runtime-config=admissionregistration.k8s.io/v1/mutatingadmissionpolicies=false,admissionregistration.k8s.io/v1/mutatingadmissionpolicybindings=false,admissionregistration.k8s.io/v1beta1=true",
		"--disable-admission-plugins=MutatingAdmissionPolicy")
	cs := cp.Clientset
	id := acctest.UniqueName("seccomp-beta")
	obj := seccomp.ObjectName(id)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if _, err := cs.AdmissionregistrationV1beta1().MutatingAdmissionPolicies().Get(context.Background(), obj, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("v1beta1 policy still there after destroy (err=%w)", err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_seccomp_default" "test" {
  name           = %q
  profile        = { type = "RuntimeDefault" }
  failure_policy = "Fail"
}
`, id),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("api_version"), knownvalue.StringExact(seccomp.APIVersionV1beta1)),
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("namespace_selector"), knownvalue.Null()),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(*terraform.State) error {
					ctx := context.Background()
					p, err := cs.AdmissionregistrationV1beta1().MutatingAdmissionPolicies().Get(ctx, obj, metav1.GetOptions{})
					if err != nil {
						return err
					}
					if _, ok := seccomp.ParseExpression(p.Spec.Mutations[0].ApplyConfiguration.Expression); !ok || string(*p.Spec.FailurePolicy) != "Fail" {
						return fmt.Errorf("v1beta1 policy not as written: %+v", p.Spec)
					}
					_, err = cs.AdmissionregistrationV1beta1().MutatingAdmissionPolicyBindings().Get(ctx, obj, metav1.GetOptions{})
					return err
				},
			},
			{
				ResourceName:      seccompAddr,
				ImportState:       true,
				ImportStateId:     id,
				ImportStateVerify: true,
			},
			{
				PreConfig: func() {
					if err := cs.AdmissionregistrationV1beta1().MutatingAdmissionPolicyBindings().Delete(context.Background(), obj, metav1.DeleteOptions{}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_seccomp_default" "test" {
  name           = %q
  profile        = { type = "RuntimeDefault" }
  failure_policy = "Fail"
}
`, id),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// TestAccSeccompDefault_notServed runs against a control plane with no
// MutatingAdmissionPolicy API: the plan fails, naming the version and what
// the cluster needs.
func TestAccSeccompDefault_notServed(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	cp := seccompPrivateControlPlane(t,
		"--runtime-config=admissionregistration.k8s.io/v1/mutatingadmissionpolicies=false,admissionregistration.k8s.io/v1/mutatingadmissionpolicybindings=false",
		"--disable-admission-plugins=MutatingAdmissionPolicy")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderConfig() + `
resource "kubeharden_seccomp_default" "test" {
  name    = "not-served"
  profile = { type = "RuntimeDefault" }
}
`,
			PlanOnly:    true,
			ExpectError: errorWith("Error: MutatingAdmissionPolicy API Not Served", `kubeharden_seccomp_default cannot work on this cluster: the cluster (Kubernetes v1.36.3) serves neither admissionregistration.k8s.io/v1 nor admissionregistration.k8s.io/v1beta1 MutatingAdmissionPolicy and MutatingAdmissionPolicyBinding. kubeharden_seccomp_default needs Kubernetes 1.36 or later`),
		}},
	})
}

// TestAccSeccompDefault_rbac runs the resource's whole life as a user that
// holds only seccomp.RBACRules, the permissions the docs list, after showing
// that without "create" the first apply is refused with a message that lists
// them all.
func TestAccSeccompDefault_rbac(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	cs := cp.Clientset
	ctx := context.Background()
	id := acctest.UniqueName("seccomp-rbac")
	certPEM, keyPEM, err := cp.PKI.Issue(id, nil, nil, nil, x509.ExtKeyUsageClientAuth)
	if err != nil {
		t.Fatal(err)
	}
	noCreate := []rbacv1.PolicyRule{*seccomp.RBACRules[0].DeepCopy()}
	noCreate[0].Verbs = slices.DeleteFunc(noCreate[0].Verbs, func(v string) bool { return v == "create" })
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: id}, Rules: noCreate}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: id},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: id},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: id}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.RbacV1().ClusterRoleBindings().Delete(context.Background(), id, metav1.DeleteOptions{})
		_ = cs.RbacV1().ClusterRoles().Delete(context.Background(), id, metav1.DeleteOptions{})
	})
	// The RBAC authorizer sees roles through an informer: wait until it does.
	if err := waitAllowed(cp, seccompAccess(id, "patch", seccomp.PolicyResource)); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`
provider "kubeharden" {
  kubernetes {
    host                   = %q
    cluster_ca_certificate = %q
    client_certificate     = %q
    client_key             = %q
  }
}
resource "kubeharden_seccomp_default" "test" {
  name               = %q
  profile            = { type = "RuntimeDefault" }
  namespace_selector = { match_labels = { %q = %q } }
}
`, cp.Host, cp.PKI.CACertPEM, certPEM, keyPEM, id, seccompTestLabel, id)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return seccompGone(cs, id) },
		Steps: []resource.TestStep{
			{
				Config: config,
				// The error names the call as made (a PATCH), then the
				// verb the authorizer refused (create) and every rule.
				ExpectError: errorWith("Error: Kubernetes Permission Denied", `The API server refused to patch `+
					`mutatingadmissionpolicies.admissionregistration.k8s.io "`+seccomp.ObjectName(id)+`"`,
					`verbs: ["get", "create", "patch", "delete"]`),
			},
			{
				PreConfig: func() {
					role.Rules = seccomp.RBACRules
					if _, err := cs.RbacV1().ClusterRoles().Update(ctx, role, metav1.UpdateOptions{}); err != nil {
						t.Fatal(err)
					}
					if err := waitAllowed(cp, seccompAccess(id, "create", seccomp.BindingResource)); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(seccompAddr, tfjsonpath.New("binding_name"), knownvalue.StringExact(seccomp.ObjectName(id))),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{ResourceName: seccompAddr, ImportState: true, ImportStateId: id, ImportStateVerify: true},
		},
	})
}

// seccompAccess is the access review of user's verb on res, a resource of
// the MutatingAdmissionPolicy API group.
func seccompAccess(user, verb, res string) authorizationv1.SubjectAccessReviewSpec {
	return authorizationv1.SubjectAccessReviewSpec{
		User:               user,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: seccomp.Group, Resource: res},
	}
}

func seccompPrivateControlPlane(t *testing.T, args ...string) *acctest.ControlPlane {
	t.Helper()
	cp, err := acctest.StartControlPlane(context.Background(), acctest.Options{ExtraAPIServerArgs: args, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)
	return cp
}

// TestAccSeccompDefault_alreadyExists: a new resource whose objects already
// exist (another configuration, or another resource of this one, with the
// same name) is refused at apply time, before it writes anything, instead
// of silently taking them over. An import block adopts them. (Replacing a
// tainted resource, whose objects exist at plan time, is covered by
// TestAccSeccompDefault_faults.)
func TestAccSeccompDefault_alreadyExists(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	cs := cp.Clientset
	ctx := context.Background()
	taken, twice := acctest.UniqueName("seccomp-taken"), acctest.UniqueName("seccomp-twice")
	// "Another configuration" made the objects of taken.
	other := seccomp.Spec{Name: taken, Profile: seccomp.Profile{Type: "RuntimeDefault"}, FailurePolicy: "Ignore",
		Selector: metav1.LabelSelector{MatchLabels: map[string]string{seccompTestLabel: taken}}, ExcludeNamespaces: []string{"kube-system"}}
	cl := seccomp.Client{Clientset: cs, APIVersion: seccomp.APIVersionV1}
	if err := cl.ApplyPolicy(ctx, seccomp.Policy(other)); err != nil {
		t.Fatal(err)
	}
	if err := cl.ApplyBinding(ctx, seccomp.Binding(other)); err != nil {
		t.Fatal(err)
	}
	versions := func() [2]string {
		p, err1 := cl.GetPolicy(ctx, seccomp.ObjectName(taken))
		b, err2 := cl.GetBinding(ctx, seccomp.ObjectName(taken))
		if p == nil || b == nil {
			t.Fatalf("the objects of the other configuration: %v, %v", err1, err2)
		}
		return [2]string{p.ResourceVersion, b.ResourceVersion}
	}
	before := versions()
	t.Cleanup(func() {
		for _, n := range []string{taken, twice} {
			_ = cl.DeleteBinding(context.Background(), seccomp.ObjectName(n))
			_ = cl.DeletePolicy(context.Background(), seccomp.ObjectName(n))
		}
	})
	resourceFor := func(addr, name, extra string) string {
		return fmt.Sprintf(`
resource "kubeharden_seccomp_default" %q {
  name               = %q
  profile            = { type = "RuntimeDefault" }
  namespace_selector = { match_labels = { %q = %q } }
%s
}
`, addr, name, seccompTestLabel, name, extra)
	}
	taken1 := cp.ProviderConfig() + resourceFor("test", taken, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return seccompGone(cs, taken) },
		Steps: []resource.TestStep{
			{
				Config:      taken1,
				ExpectError: regexp.MustCompile(`(?s)Seccomp Default Already Exists.*` + regexp.QuoteMeta(seccomp.ObjectName(taken)) + `.*import`),
			},
			{
				// Nothing was written over, and an import block adopts them:
				// nothing left to change.
				PreConfig: func() {
					if v := versions(); v != before {
						t.Errorf("the refused apply wrote the objects: resourceVersions %v, were %v", v, before)
					}
				},
				Config: taken1 + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", seccompAddr, taken),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(seccompAddr, plancheck.ResourceActionNoop)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
	// Two resources of one configuration with the same name: the second,
	// ordered after the first, finds the objects at apply time.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return seccompGone(cs, twice) },
		Steps: []resource.TestStep{{
			Config: cp.ProviderConfig() + resourceFor("test", twice, "") +
				resourceFor("again", twice, "  depends_on = [kubeharden_seccomp_default.test]"),
			ExpectError: regexp.MustCompile(`(?s)Seccomp Default Already Exists.*` + regexp.QuoteMeta(seccomp.ObjectName(twice))),
		}},
	})
}
