package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
func TestAccPodSecurityViolationsDataSource_basic(t *testing.T) {
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

// TestAccPodSecurityViolationsDataSource_terminatedPods shows what
// checked_pods counts: every pod of the namespace, including the succeeded
// and failed pods a Job or CronJob leaves behind (their next pods come from
// the same template, so their violations matter).
func TestAccPodSecurityViolationsDataSource_terminatedPods(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ctx := context.Background()
	ns := acctest.UniqueName("psa-done")
	if err := cp.CreateNamespace(ctx, ns, nil); err != nil {
		t.Fatal(err)
	}
	for name, phase := range map[string]corev1.PodPhase{"pending": corev1.PodPending, "succeeded": corev1.PodSucceeded, "failed": corev1.PodFailed} {
		pod, err := cp.Clientset.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{HostNetwork: true, RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if phase == corev1.PodPending {
			continue
		}
		pod.Status.Phase = phase
		if _, err := cp.Clientset.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	addr := "data.kubeharden_pod_security_violations.baseline"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_pod_security_violations" "baseline" {
  namespace = %q
  level     = "baseline"
}`, ns),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("checked_pods"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("violations"), knownvalue.ListExact([]knownvalue.Check{
					violation("failed", "host namespaces"),
					violation("pending", "host namespaces"),
					violation("succeeded", "host namespaces"),
				})),
			},
		}},
	})
}

// TestAccKubernetesDataSources_badInputs is the table of invalid arguments
// of kubeharden_pod_security_violations and kubeharden_cluster: each fails
// at plan time, naming the attribute, before any call (the provider points
// at an address where nothing listens, so a call would fail differently).
func TestAccKubernetesDataSources_badInputs(t *testing.T) {
	acctest.PreCheck(t)
	violations := func(args string) string {
		return "data \"kubeharden_pod_security_violations\" \"this\" {\n" + args + "\n}\n"
	}
	cases := []struct{ name, config, want string }{
		{"namespace not DNS-1123", violations(`namespace = "Team_A"
  level = "baseline"`), `namespace: "Team_A" is not a valid name`},
		{"namespace empty", violations(`namespace = ""
  level = "baseline"`), `namespace: "" is not a valid name`},
		{"namespace too long", violations(fmt.Sprintf(`namespace = %q
  level = "baseline"`, strings.Repeat("a", 64))), `is not a valid name`},
		{"level unknown", violations(`namespace = "a"
  level = "strict"`), `level: "strict" is not a Pod Security level`},
		{"level capitalised", violations(`namespace = "a"
  level = "Baseline"`), `level: "Baseline" is not a Pod Security level`},
		{"level empty", violations(`namespace = "a"
  level = ""`), `level: "" is not a Pod Security level`},
		{"version without v", violations(`namespace = "a"
  level = "baseline"
  version = "1.30"`), `version: "1.30" is not a Pod Security version`},
		{"version leading zero", violations(`namespace = "a"
  level = "baseline"
  version = "v1.030"`), `version: "v1.030" is not a Pod Security version`},
		{"version with patch", violations(`namespace = "a"
  level = "baseline"
  version = "v1.30.1"`), `version: "v1.30.1" is not a Pod Security version`},
		{"read timeout", violations(`namespace = "a"
  level = "baseline"
  timeouts {
    read = "soon"
  }`), `"soon" must be a string containing a sequence of decimal numbers`},
		{"cluster read timeout", "data \"kubeharden_cluster\" \"this\" {\n  timeouts {\n    read = \"1 minute\"\n  }\n}\n",
			`"1 minute" must be a string containing a sequence of decimal numbers`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      fmt.Sprintf("# %s\nprovider \"kubeharden\" {\n  kubernetes { host = \"https://127.0.0.1:1\" }\n}\n%s", c.name, c.config),
			PlanOnly:    true,
			ExpectError: acctest.ErrorText(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}
