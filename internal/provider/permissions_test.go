package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	authv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

const permissionsGuide = "../../templates/guides/permissions.md.tmpl"

// guideSection returns the part of the guide under the heading that names
// typeName, up to the next heading of the same or a higher level.
func guideSection(t *testing.T, guide, typeName string) string {
	t.Helper()
	return guideHeading(t, guide, "### `"+typeName+"`")
}

func guideHeading(t *testing.T, guide, heading string) string {
	t.Helper()
	i := strings.Index(guide, heading)
	if i < 0 {
		t.Fatalf("the Permissions guide has no heading %q", heading)
	}
	rest := guide[i+len(heading):]
	if j := strings.Index(rest, "\n##"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// fields normalizes whitespace, so YAML indentation does not matter.
func fields(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestPermissionsGuide checks that the guide lists exactly the rules and
// IAM permissions of kubernetesPermissions and cloudPermissions, each under
// the heading of its resource or data source.
func TestPermissionsGuide(t *testing.T) {
	b, err := os.ReadFile(permissionsGuide)
	if err != nil {
		t.Fatal(err)
	}
	guide := string(b)
	for typeName, p := range kubernetesPermissions {
		sec := guideSection(t, guide, typeName)
		if len(p.ClusterRole) == 0 {
			if strings.Contains(sec, "apiGroups") {
				t.Errorf("%s needs no Kubernetes permission, but its section shows rules", typeName)
			}
			continue
		}
		if got, want := fieldsAfterRules(sec, "ClusterRole"), fields(kube.RulesYAML(p.ClusterRole, "")); got != want {
			t.Errorf("%s: the guide's ClusterRole rules are\n%s\nwant\n%s", typeName, got, want)
		}
		if len(p.Optional) > 0 && !strings.Contains(fields(sec), fields(kube.RulesYAML(p.Optional, ""))) {
			t.Errorf("%s: the guide does not show its optional rules\n%s", typeName, kube.RulesYAML(p.Optional, ""))
		}
		if p.Role != nil {
			if got, want := fieldsAfterRules(sec, "Role"), fields(kube.RulesYAML(p.Role, "")); got != want {
				t.Errorf("%s: the guide's Role rules are\n%s\nwant\n%s", typeName, got, want)
			}
		} else if strings.Contains(sec, "kind: Role\n") {
			t.Errorf("%s cannot work with a namespaced Role, but its section shows one", typeName)
		}
	}
	all := fieldsAfterRules(guideHeading(t, guide, "### All Kubernetes resources and data sources"), "ClusterRole")
	if want := fields(kube.RulesYAML(mergedRules(), "")); all != want {
		t.Errorf("the guide's ClusterRole for everything is\n%s\nwant\n%s", all, want)
	}
	for typeName, perms := range cloudPermissions {
		sec := guideSection(t, guide, typeName)
		for _, p := range perms {
			if !strings.Contains(sec, p) {
				t.Errorf("%s: the guide does not list %s", typeName, p)
			}
		}
	}
}

// TestPermissionsInDescriptions checks that the description of each EKS and
// GKE type names every IAM permission cloudPermissions lists for it.
func TestPermissionsInDescriptions(t *testing.T) {
	descs := typeDescriptions(t)
	for typeName, perms := range cloudPermissions {
		desc, ok := descs[typeName]
		if !ok {
			t.Errorf("cloudPermissions names %s, which the provider does not have", typeName)
			continue
		}
		for _, p := range perms {
			if !strings.Contains(desc, "`"+p+"`") {
				t.Errorf("%s: the description does not name %s:\n%s", typeName, p, desc)
			}
		}
	}
}

const driftGuide = "../../templates/guides/drift-detection-in-ci.md.tmpl"

var (
	guideTypeName      = regexp.MustCompile("`(kubeharden_[a-z0-9_]+)`")
	guideIAMPermission = regexp.MustCompile("`((?:eks|kms):[A-Za-z]+|container\\.[a-z.]+)`")
)

// TestPermissionsDriftGuide checks that each IAM permission the Drift
// detection guide's table gives a row of types is one that cloudPermissions
// lists for one of those types.
func TestPermissionsDriftGuide(t *testing.T) {
	b, err := os.ReadFile(driftGuide)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(b), "\n") {
		perms := guideIAMPermission.FindAllStringSubmatch(line, -1)
		if !strings.HasPrefix(line, "|") || len(perms) == 0 {
			continue
		}
		rows++
		var known []string
		for _, m := range guideTypeName.FindAllStringSubmatch(line, -1) {
			known = append(known, cloudPermissions[m[1]]...)
		}
		for _, p := range perms {
			if !slices.Contains(known, p[1]) {
				t.Errorf("the Drift detection guide gives %s to a row whose types do not need it (see cloudPermissions): %s", p[1], line)
			}
		}
	}
	if rows == 0 {
		t.Error("the Drift detection guide's table has no row with IAM permissions")
	}
}

// fieldsAfterRules returns the normalized rules of the first YAML document
// of the given kind in sec: the lines after "rules:" up to the end of the
// YAML document or of the code block.
func fieldsAfterRules(sec, kind string) string {
	i := strings.Index(sec, "kind: "+kind+"\n")
	if i < 0 {
		return ""
	}
	doc := sec[i:]
	for _, end := range []string{"```", "\n---"} {
		if j := strings.Index(doc, end); j >= 0 {
			doc = doc[:j]
		}
	}
	_, rules, ok := strings.Cut(doc, "rules:\n")
	if !ok {
		return ""
	}
	return fields(rules)
}

// mergedRules is the union of every Kubernetes rule, one rule per API
// group and resources, verbs in first-seen order, types in name order.
func mergedRules() []rbacv1.PolicyRule {
	names := make([]string, 0, len(kubernetesPermissions))
	for n := range kubernetesPermissions {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []rbacv1.PolicyRule
	for _, n := range names {
		for _, r := range kubernetesPermissions[n].ClusterRole {
			i := slices.IndexFunc(out, func(o rbacv1.PolicyRule) bool {
				return slices.Equal(o.APIGroups, r.APIGroups) && slices.Equal(o.Resources, r.Resources)
			})
			if i < 0 {
				out = append(out, *r.DeepCopy())
				continue
			}
			for _, v := range r.Verbs {
				if !slices.Contains(out[i].Verbs, v) {
					out[i].Verbs = append(out[i].Verbs, v)
				}
			}
		}
	}
	return out
}

// permissionsIdentity returns the token of a new ServiceAccount that holds
// only clusterRules (through a ClusterRole) and roleRules (through a Role in
// each namespace of the map), once the authorizer sees them.
func permissionsIdentity(t *testing.T, cp *acctest.ControlPlane, clusterRules []rbacv1.PolicyRule, roleRules map[string][]rbacv1.PolicyRule) string {
	t.Helper()
	ctx := context.Background()
	cs := cp.Clientset
	saNS := acctest.UniqueName("perm-sa")
	if err := cp.CreateNamespace(ctx, saNS, nil); err != nil {
		t.Fatal(err)
	}
	user := "system:serviceaccount:" + saNS + ":default"
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: saNS}}
	var waits []authorizationv1.ResourceAttributes
	if len(clusterRules) > 0 {
		role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: saNS}, Rules: clusterRules}
		if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: saNS},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: saNS},
			Subjects:   subject,
		}
		if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cs.RbacV1().ClusterRoleBindings().Delete(context.Background(), saNS, metav1.DeleteOptions{})
			_ = cs.RbacV1().ClusterRoles().Delete(context.Background(), saNS, metav1.DeleteOptions{})
		})
		r := clusterRules[len(clusterRules)-1]
		waits = append(waits, authorizationv1.ResourceAttributes{Verb: r.Verbs[0], Group: r.APIGroups[0], Resource: r.Resources[0]})
	}
	for ns, rules := range roleRules {
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: saNS, Namespace: ns}, Rules: rules}
		if _, err := cs.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: saNS, Namespace: ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: saNS},
			Subjects:   subject,
		}
		if _, err := cs.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r := rules[len(rules)-1]
		waits = append(waits, authorizationv1.ResourceAttributes{Namespace: ns, Verb: r.Verbs[0], Group: r.APIGroups[0], Resource: r.Resources[0]})
	}
	t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), saNS) })
	tok, err := cs.CoreV1().ServiceAccounts(saNS).CreateToken(ctx, "default", &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range waits {
		if err := waitAllowed(cp, authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + saNS, "system:authenticated"},
			ResourceAttributes: &w,
		}); err != nil {
			t.Fatal(err)
		}
	}
	return tok.Status.Token
}

// tokenProviderConfig connects as the bearer of token, and nothing else.
func tokenProviderConfig(cp *acctest.ControlPlane, token string) string {
	return fmt.Sprintf(`
provider "kubeharden" {
  kubernetes {
    host                   = %q
    cluster_ca_certificate = %q
    token                  = %q
  }
}
`, cp.Host, cp.PKI.CACertPEM, token)
}

// TestAccNamespacePodSecurity_permissionsClusterRole runs the whole life of
// kubeharden_namespace_pod_security (plan-time preview, create, update that
// removes labels, refresh, import, destroy) and reads both Kubernetes data
// sources as an identity that holds exactly the ClusterRole rules the guide
// documents for them, and nothing else.
func TestAccNamespacePodSecurity_permissionsClusterRole(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	var rules []rbacv1.PolicyRule
	for _, n := range []string{"kubeharden_namespace_pod_security", "kubeharden_cluster", "kubeharden_pod_security_violations"} {
		rules = append(rules, kubernetesPermissions[n].ClusterRole...)
	}
	ns, keep := newLabelledNamespace(t, cp, "perm-cr")
	token := permissionsIdentity(t, cp, rules, nil)
	permissionsLifecycle(t, cp, ns, keep, tokenProviderConfig(cp, token), `
data "kubeharden_cluster" "this" {}
`)
}

// TestAccNamespacePodSecurity_permissionsNamespaceRole does the same with no ClusterRole at
// all: a Role in the one namespace, with the rules the guide documents for
// kubeharden_namespace_pod_security and kubeharden_pod_security_violations.
// Listing namespaces is then forbidden, and reads fall back to GETs.
func TestAccNamespacePodSecurity_permissionsNamespaceRole(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns, keep := newLabelledNamespace(t, cp, "perm-role")
	var rules []rbacv1.PolicyRule
	for _, n := range []string{"kubeharden_namespace_pod_security", "kubeharden_pod_security_violations"} {
		rules = append(rules, kubernetesPermissions[n].Role...)
	}
	token := permissionsIdentity(t, cp, nil, map[string][]rbacv1.PolicyRule{ns: rules})
	permissionsLifecycle(t, cp, ns, keep, tokenProviderConfig(cp, token), "")
}

func permissionsLifecycle(t *testing.T, cp *acctest.ControlPlane, ns string, keep map[string]string, provider, extra string) {
	config := func(modes string) string {
		return provider + extra + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "test" {
  namespace = %q
%s
}
data "kubeharden_pod_security_violations" "this" {
  namespace = %q
  level     = "restricted"
}
`, ns, modes, ns)
	}
	both := "  enforce = { level = \"baseline\" }\n  warn = { level = \"restricted\" }"
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             expectLabels(cp, ns, map[string]string{}, keep),
		Steps: []tfresource.TestStep{
			{
				Config: config(both),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("enforce"), modeValue("baseline", "latest")),
					statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.this", tfjsonpath.New("compliant"), knownvalue.Bool(true)),
				},
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: expectLabels(cp, ns, map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
					"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
				}, keep),
			},
			{
				// A new enforce level (the plan-time dry run) and a mode
				// removed (the merge patch that deletes labels).
				Config:           config("  enforce = { level = \"restricted\" }"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: expectLabels(cp, ns, map[string]string{
					"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest",
				}, keep),
			},
			{RefreshState: true},
			{
				Config: config("  enforce = { level = \"restricted\" }"), ResourceName: psaRes,
				ImportState: true, ImportStateId: ns, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// TestAccPodSecurityViolationsDataSource_permissionsMissingVerb shows what a Role without one documented
// verb gets: an error naming the verb, the resource, the namespace, and the
// rule to add, followed by every rule the data source needs.
func TestAccPodSecurityViolationsDataSource_permissionsMissingVerb(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := acctest.UniqueName("perm-verb")
	if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
		t.Fatal(err)
	}
	token := permissionsIdentity(t, cp, nil, map[string][]rbacv1.PolicyRule{ns: {namespacesGet}})
	config := tokenProviderConfig(cp, token) + fmt.Sprintf(`
data "kubeharden_pod_security_violations" "this" {
  namespace = %q
  level     = "restricted"
}
`, ns)
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{Config: config, ExpectError: acctest.ErrorText(fmt.Sprintf(`lacks the verb "list" on "pods" in namespace %q`, ns))},
			{Config: config, ExpectError: acctest.ErrorText(fmt.Sprintf(`# in a Role (namespace %q) - apiGroups: [""] resources: ["pods"] verbs: ["list"]`, ns))},
			{Config: config, ExpectError: acctest.ErrorText(`Everything kubeharden_pod_security_violations needs, as the rules of a ClusterRole (see the Permissions guide): ` +
				fields(kube.RulesYAML(kubernetesPermissions["kubeharden_pod_security_violations"].ClusterRole, "")))},
		},
	})
}
