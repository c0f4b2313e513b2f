package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// kubeharden_namespace_pod_security, one file per concern:
//
//	namespace_pod_security_resource.go         the type and its constructor
//	namespace_pod_security_resource_schema.go  the schema
//	namespace_pod_security_resource_model.go   the models and their conversion to and from labels
//	namespace_pod_security_resource_plan.go    ModifyPlan and its steps
//	namespace_pod_security_resource_crud.go    Create, Read, Update, Delete, ImportState

var (
	_ resource.ResourceWithConfigure   = &NamespacePodSecurityResource{}
	_ resource.ResourceWithModifyPlan  = &NamespacePodSecurityResource{}
	_ resource.ResourceWithImportState = &NamespacePodSecurityResource{}
	_ resource.ResourceWithIdentity    = &NamespacePodSecurityResource{}
)

// podSecurityFieldManager is this resource's own field manager: no other
// resource type shares it, so resources never undo each other's fields.
const podSecurityFieldManager = "kubeharden-pod-security"

// NamespacePodSecurityResource owns the Pod Security Admission labels of one
// existing namespace.
type NamespacePodSecurityResource struct{ resourceBase }

// NewNamespacePodSecurityResource returns the kubeharden_namespace_pod_security resource.
func NewNamespacePodSecurityResource() resource.Resource {
	// Each operation is one or two small calls per namespace.
	const d = 2 * time.Minute
	return &NamespacePodSecurityResource{resourceBase{base{
		name:     "namespace_pod_security",
		timeouts: timeoutDefaults{Create: d, Read: d, Update: d, Delete: d, PlanCalls: true},
		identity: identityOf(identityAttr{name: "namespace", description: "The namespace name."}),
	}}}
}
