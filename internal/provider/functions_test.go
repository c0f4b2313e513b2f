package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// functionTest runs steps on a CLI that has provider functions (1.8+).
func functionTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// TestAccPodSecurityLabelsFunction_basic labels a namespace that a
// terraform_data stands for, as a kubernetes_namespace's metadata.labels
// would take them, and checks that a bad argument is a function error
// that names it.
func TestAccPodSecurityLabelsFunction_basic(t *testing.T) {
	t.Parallel()
	functionTest(t,

		badFunctionCall(`provider::kubeharden::pod_security_labels({ enforce = "strict" })`,
			`Invalid value for "modes" parameter: enforce: "strict" is not a Pod Security level`),
		badFunctionCall(`provider::kubeharden::pod_security_labels({ enforce = "baseline", enforce_version = "v1.036" })`,
			`Invalid value for "modes" parameter: enforce_version: "v1.036" is not a Pod Security version`),
		badFunctionCall(`provider::kubeharden::pod_security_labels({ warn_version = "v1.30" })`,
			`Invalid value for "modes" parameter: warn_version is set without warn`),
		badFunctionCall(`provider::kubeharden::pod_security_labels({ enforcement = "baseline" })`,
			`Invalid value for "modes" parameter: unknown key "enforcement"`),
		resource.TestStep{
			Config: `
resource "terraform_data" "namespace" {
  input = {
    name = "team-a"
    labels = merge({ team = "a" }, provider::kubeharden::pod_security_labels({
      enforce      = "baseline"
      warn         = "restricted"
      warn_version = "v1.36"
    }))
  }
}
output "labels" { value = terraform_data.namespace.output.labels }
output "none" { value = provider::kubeharden::pod_security_labels({}) }
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("labels", knownvalue.MapExact(map[string]knownvalue.Check{
					"team":                               knownvalue.StringExact("a"),
					"pod-security.kubernetes.io/enforce": knownvalue.StringExact("baseline"),
					"pod-security.kubernetes.io/enforce-version": knownvalue.StringExact("latest"),
					"pod-security.kubernetes.io/warn":            knownvalue.StringExact("restricted"),
					"pod-security.kubernetes.io/warn-version":    knownvalue.StringExact("v1.36"),
				})),
				statecheck.ExpectKnownOutputValue("none", knownvalue.MapExact(map[string]knownvalue.Check{})),
			},
		})
}

// TestAccContainerRuntimeFunction_basic parses runtimes as nodes report
// them, and refuses what is not <name>://<version>.
func TestAccContainerRuntimeFunction_basic(t *testing.T) {
	t.Parallel()
	functionTest(t,

		badFunctionCall(`provider::kubeharden::container_runtime("containerd 2.0.5")`,
			`Invalid value for "runtime_version" parameter: "containerd 2.0.5" is not a container runtime version`),
		badFunctionCall(`provider::kubeharden::container_runtime("docker://")`,
			`Invalid value for "runtime_version" parameter: "docker://" is not a container runtime version`),
		resource.TestStep{
			Config: `
resource "terraform_data" "node" {
  input = "containerd://2.0.5"
}
output "containerd" { value = provider::kubeharden::container_runtime(terraform_data.node.output) }
output "crio" { value = provider::kubeharden::container_runtime("cri-o://1.30.1") }
output "odd" { value = provider::kubeharden::container_runtime("containerd://main-abc") }
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("containerd", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name": knownvalue.StringExact("containerd"), "version": knownvalue.StringExact("2.0.5"), "major": knownvalue.Int64Exact(2),
				})),
				statecheck.ExpectKnownOutputValue("crio", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name": knownvalue.StringExact("cri-o"), "version": knownvalue.StringExact("1.30.1"), "major": knownvalue.Int64Exact(1),
				})),
				statecheck.ExpectKnownOutputValue("odd", knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name": knownvalue.StringExact("containerd"), "version": knownvalue.StringExact("main-abc"), "major": knownvalue.Null(),
				})),
			},
		})
}

// badFunctionCall is a step whose plan must fail with want. Bad steps come
// first: the last step's configuration is the one destroyed.
func badFunctionCall(call, want string) resource.TestStep {
	return resource.TestStep{
		Config:      "output \"bad\" { value = " + call + " }\n",
		ExpectError: errorWith("Error: Invalid function argument", want),
	}
}
