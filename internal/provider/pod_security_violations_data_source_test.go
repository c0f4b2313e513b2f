package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

func violation(pod string, reasons ...string) knownvalue.Check {
	rs := make([]knownvalue.Check, len(reasons))
	for i, r := range reasons {
		rs[i] = knownvalue.StringExact(r)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{"pod": knownvalue.StringExact(pod), "reasons": knownvalue.ListExact(rs)})
}

// The data source reports the same pods and reasons as the API server's
// dry run (see TestAccNamespacePodSecurity_violationPreview).
func TestAccPodSecurityViolationsDataSource(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := violatingPods(t, cp, "psa-ds")
	restricted := []string{"allowPrivilegeEscalation != false", "unrestricted capabilities", "runAsNonRoot != true", "seccompProfile"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_pod_security_violations" "baseline" {
  namespace = %[1]q
  level     = "baseline"
}
data "kubeharden_pod_security_violations" "restricted" {
  namespace = %[1]q
  level     = "restricted"
  version   = "v1.30"
}
data "kubeharden_pod_security_violations" "privileged" {
  namespace = %[1]q
  level     = "privileged"
}`, ns),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.baseline", tfjsonpath.New("violations"), knownvalue.ListExact([]knownvalue.Check{
					violation("hostnet", "host namespaces"),
					violation("priv", "privileged"),
				})),
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.baseline", tfjsonpath.New("version"), knownvalue.StringExact("latest")),
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.baseline", tfjsonpath.New("compliant"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.baseline", tfjsonpath.New("checked_pods"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.baseline", tfjsonpath.New("total_pods"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.restricted", tfjsonpath.New("violations"), knownvalue.ListExact([]knownvalue.Check{
					violation("hostnet", append([]string{"host namespaces"}, restricted...)...),
					violation("plain", restricted...),
					violation("priv", append([]string{"privileged"}, restricted...)...),
				})),
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.privileged", tfjsonpath.New("violations"), knownvalue.ListExact(nil)),
				statecheck.ExpectKnownValue("data.kubeharden_pod_security_violations.privileged", tfjsonpath.New("compliant"), knownvalue.Bool(true)),
			},
		}},
	})
}
