package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// kubeharden_seccomp_default, one file per concern:
//
//	seccomp_default_resource.go         the type and its constructor
//	seccomp_default_resource_schema.go  the schema and its validators
//	seccomp_default_resource_model.go   the models and their conversion to and from seccomp.Spec
//	seccomp_default_resource_plan.go    ValidateConfig, ModifyPlan and API version discovery
//	seccomp_default_resource_crud.go    Create, Read, Update, Delete, ImportState

var (
	_ resource.ResourceWithConfigure      = &SeccompDefaultResource{}
	_ resource.ResourceWithImportState    = &SeccompDefaultResource{}
	_ resource.ResourceWithModifyPlan     = &SeccompDefaultResource{}
	_ resource.ResourceWithValidateConfig = &SeccompDefaultResource{}
	_ resource.ResourceWithIdentity       = &SeccompDefaultResource{}
)

// SeccompDefaultResource makes a seccomp profile the default for pods through
// a MutatingAdmissionPolicy and its binding.
type SeccompDefaultResource struct{ resourceBase }

// NewSeccompDefaultResource returns the kubeharden_seccomp_default resource.
func NewSeccompDefaultResource() resource.Resource {
	// Each operation is a handful of small API calls.
	const d = 2 * time.Minute
	return &SeccompDefaultResource{resourceBase{base{
		name: "seccomp_default",
		timeouts: timeoutDefaults{Create: d, Read: d, Update: d, Delete: d, PlanCalls: true,
			Notes: map[string]string{opRead: "It also bounds the API discovery that picks the API version."}},
		identity: identityOf(identityAttr{name: "name", description: "The resource's name (the policy's and binding's names without their prefix)."}),
	}}}
}
