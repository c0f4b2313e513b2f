package kube

import (
	"errors"
	"strings"
	"testing"

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
