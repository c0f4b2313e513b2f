package kube

import (
	"errors"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestDescribeForbiddenVerb(t *testing.T) {
	err := apierrors.NewForbidden(schema.GroupResource{Group: "admissionregistration.k8s.io", Resource: "mutatingadmissionpolicies"}, "x",
		errors.New(`User "u" cannot create resource "mutatingadmissionpolicies" in API group "admissionregistration.k8s.io" at the cluster scope`))
	summary, detail := Describe(Op{Verb: "patch", Group: "admissionregistration.k8s.io", Resource: "mutatingadmissionpolicies", Name: "x"}, err)
	if summary != "Kubernetes Permission Denied" || !strings.Contains(detail, `lacks the verb "create"`) || !strings.Contains(detail, `verbs: ["create"]`) {
		t.Fatalf("got %q: %s", summary, detail)
	}
}

func TestRulesYAML(t *testing.T) {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"a", "b"}, Verbs: []string{"patch"}},
	}
	want := `- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list"]
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["a", "b"]
  verbs: ["patch"]
`
	if got := RulesYAML(rules, ""); got != want {
		t.Errorf("RulesYAML without indent:\n%s\nwant\n%s", got, want)
	}
	if got, want := RulesYAML(rules[:1], "    "), "    - apiGroups: [\"\"]\n      resources: [\"namespaces\"]\n      verbs: [\"get\", \"list\"]\n"; got != want {
		t.Errorf("RulesYAML indented:\n%s\nwant\n%s", got, want)
	}
	if got := RulesYAML(nil, ""); got != "" {
		t.Errorf("RulesYAML(nil) = %q", got)
	}
}

func TestRBACRule(t *testing.T) {
	for _, c := range []struct {
		op   Op
		want string
	}{
		{Op{Verb: "list", Resource: "pods", Namespace: "team-a"},
			"  # in a Role (namespace \"team-a\")\n  - apiGroups: [\"\"]\n    resources: [\"pods\"]\n    verbs: [\"list\"]"},
		{Op{Verb: "patch", Group: "admissionregistration.k8s.io", Resource: "mutatingadmissionpolicies", Name: "x"},
			"  # in a ClusterRole\n  - apiGroups: [\"admissionregistration.k8s.io\"]\n    resources: [\"mutatingadmissionpolicies\"]\n    verbs: [\"patch\"]"},
	} {
		if got := RBACRule(c.op); got != c.want {
			t.Errorf("RBACRule(%v):\n%s\nwant\n%s", c.op, got, c.want)
		}
	}
}
