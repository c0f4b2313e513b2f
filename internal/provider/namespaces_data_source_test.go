package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// labelNamespace adds labels to an existing namespace.
func labelNamespace(t *testing.T, cp *acctest.ControlPlane, name string, labels map[string]string) {
	t.Helper()
	ctx := context.Background()
	ns, err := cp.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	for k, v := range labels {
		ns.Labels[k] = v
	}
	if _, err := cp.Clientset.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// plainPod is a pod that passes baseline and breaks restricted.
func plainPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}}}
}

// restrictedPod passes every level.
func restrictedPod(name string) *corev1.Pod {
	no, yes := false, true
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: &yes, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10", SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: &no, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}}},
	}}
}

func createPods(t *testing.T, cp *acctest.ControlPlane, ns string, pods ...*corev1.Pod) {
	t.Helper()
	for _, p := range pods {
		if _, err := cp.Clientset.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func psaMode(level, version string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{"level": knownvalue.StringExact(level), "version": knownvalue.StringExact(version)})
}

func nsCounts(pods, baseline, restricted int64) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"pods": knownvalue.Int64Exact(pods),
		"violations": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"privileged": knownvalue.Int64Exact(0), "baseline": knownvalue.Int64Exact(baseline), "restricted": knownvalue.Int64Exact(restricted),
		}),
	}
}

func withModes(m map[string]knownvalue.Check, enforce, audit, warn knownvalue.Check) knownvalue.Check {
	m["enforce"], m["audit"], m["warn"] = enforce, audit, warn
	return knownvalue.ObjectExact(m)
}

// TestAccNamespacesDataSource_basic reads namespaces labelled every way:
// the live levels whoever wrote them (a missing version label reads as
// latest), the pods breaking each level, the selector and exclude filters,
// and no pod read at all without evaluate.
func TestAccNamespacesDataSource_basic(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ctx := context.Background()
	run := acctest.UniqueName("nsds")
	mark := map[string]string{"kubeharden-test": run}
	names := [4]string{run + "-a", run + "-b", run + "-c", run + "-d"}
	for _, n := range names {
		if err := cp.CreateNamespace(ctx, n, mark); err != nil {
			t.Fatal(err)
		}
	}
	// a: enforce baseline (no version label), audit restricted v1.30; a
	// host-network pod (breaks baseline), a plain pod (breaks restricted),
	// a restricted one.
	// The pods first: enforce would refuse the host-network one.
	hostnet := plainPod("hostnet")
	hostnet.Spec.HostNetwork = true
	createPods(t, cp, names[0], hostnet, plainPod("plain"), restrictedPod("tight"))
	labelNamespace(t, cp, names[0], map[string]string{
		"pod-security.kubernetes.io/enforce": "baseline",
		"pod-security.kubernetes.io/audit":   "restricted", "pod-security.kubernetes.io/audit-version": "v1.30",
	})
	// b: nothing. c: warn restricted latest, and only a version label for
	// enforce (PSA ignores it: enforce reads as null); restricted pods only.
	labelNamespace(t, cp, names[2], map[string]string{
		"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
		"pod-security.kubernetes.io/enforce-version": "v1.31",
	})
	createPods(t, cp, names[2], restrictedPod("one"), restrictedPod("two"))
	// d: excluded by name; its pods are not counted anywhere.
	createPods(t, cp, names[3], plainPod("ignored"))

	null := knownvalue.Null()
	addr := "data.kubeharden_namespaces.this"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cp.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_namespaces" "this" {
  label_selector = "kubeharden-test=%s"
  exclude        = [%q, "no-such-namespace"]
  evaluate       = true
}

output "for_each_keys" {
  value = keys(data.kubeharden_namespaces.this.namespaces)
}
`, run, names[3]),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("names"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact(names[0]), knownvalue.StringExact(names[1]), knownvalue.StringExact(names[2]),
					})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("namespaces"), knownvalue.MapExact(map[string]knownvalue.Check{
						names[0]: withModes(nsCounts(3, 1, 2), psaMode("baseline", "latest"), psaMode("restricted", "v1.30"), null),
						names[1]: withModes(nsCounts(0, 0, 0), null, null, null),
						names[2]: withModes(nsCounts(2, 0, 0), null, null, psaMode("restricted", "latest")),
					})),
					statecheck.ExpectKnownOutputValue("for_each_keys", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(names[0]), knownvalue.StringExact(names[1]), knownvalue.StringExact(names[2]),
					})),
				},
			},
			{
				// Without evaluate: the levels only; an old version changes
				// nothing for these pods.
				Config: cp.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_namespaces" "this" {
  label_selector = "kubeharden-test=%s,kubernetes.io/metadata.name in (%s,%s)"
}
`, run, names[0], names[3]),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("namespaces"), knownvalue.MapExact(map[string]knownvalue.Check{
						names[0]: withModes(map[string]knownvalue.Check{"pods": null, "violations": null}, psaMode("baseline", "latest"), psaMode("restricted", "v1.30"), null),
						names[3]: withModes(map[string]knownvalue.Check{"pods": null, "violations": null}, null, null, null),
					})),
				},
			},
			{
				// A version of its own: v1.22 predates nothing these pods do
				// differently, so the counts are those of latest.
				Config: cp.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_namespaces" "this" {
  label_selector   = "kubeharden-test=%s,kubernetes.io/metadata.name=%s"
  evaluate         = true
  evaluate_version = "v1.22"
}
`, run, names[0]),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("namespaces"), knownvalue.MapExact(map[string]knownvalue.Check{
						names[0]: withModes(nsCounts(3, 1, 2), psaMode("baseline", "latest"), psaMode("restricted", "v1.30"), null),
					})),
				},
			},
			{
				// Nothing matches: empty, not null, so for_each still works.
				Config: cp.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_namespaces" "this" {
  label_selector = "kubeharden-test=%s-none"
  evaluate       = true
}
`, run),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("namespaces"), knownvalue.MapExact(map[string]knownvalue.Check{})),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("names"), knownvalue.SetExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

// TestAccNamespacesDataSource_badInputs: each invalid argument fails at
// plan time, naming the attribute, before any call (nothing listens at the
// provider's address).
func TestAccNamespacesDataSource_badInputs(t *testing.T) {
	acctest.PreCheck(t)
	cases := []struct{ name, args, want string }{
		{"selector syntax", `label_selector = "team===a"`, `label_selector: "team===a" is not a label selector`},
		{"selector bad key", `label_selector = "-team=a"`, `label_selector: "-team=a" is not a label selector`},
		{"selector unclosed set", `label_selector = "tier in (web"`, `Write it as kubectl's -l takes it`},
		{"exclude not a name", `exclude = ["Kube_System"]`, `"Kube_System" is not a valid name`},
		{"version without evaluate", `evaluate_version = "v1.30"`, `evaluate_version: it only applies when pods are evaluated`},
		{"version bad", `evaluate = true
  evaluate_version = "1.30"`, `evaluate_version: "1.30" is not a Pod Security version`},
		{"selector two values", `label_selector = "team=a b"`, `label_selector: "team=a b" is not a label selector`},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config: fmt.Sprintf("# %s\nprovider \"kubeharden\" {\n  kubernetes { host = \"https://127.0.0.1:1\" }\n}\n"+
				"data \"kubeharden_namespaces\" \"this\" {\n  %s\n  timeouts {\n    read = \"5s\"\n  }\n}\n", c.name, c.args),
			PlanOnly:    true,
			ExpectError: acctest.ErrorText(c.want),
		})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccNamespacesDataSource_requestCount proves the read's cost on a
// control plane of its own, counted by the API server: each read is one
// LIST of namespaces and, with evaluate, one LIST of pods across all
// namespaces, whatever the number of namespaces (never a GET or a LIST per
// namespace).
func TestAccNamespacesDataSource_requestCount(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	ctx := context.Background()
	cp, err := acctest.StartControlPlane(ctx, acctest.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)
	const n = 60
	for i := range n {
		name := fmt.Sprintf("count-%03d", i)
		if err := cp.CreateNamespace(ctx, name, nil); err != nil {
			t.Fatal(err)
		}
		createPods(t, cp, name, plainPod("web"), restrictedPod("api"))
	}
	var before map[string]float64
	mark := func() {
		var err error
		if before, err = cp.RequestCounts(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// perRead checks the requests since mark: as many pod LISTs as
	// namespace LISTs (one each per read; 0 pod LISTs without evaluate),
	// at most one read per Terraform command of the step, and nothing else
	// about namespaces or pods.
	perRead := func(evaluate bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			after, err := cp.RequestCounts(ctx)
			if err != nil {
				return err
			}
			d := acctest.Delta(before, after)
			t.Logf("requests: %v", d)
			reads := d["LIST namespaces"]
			if reads < 1 || reads > 3 {
				return fmt.Errorf("%v namespace LISTs for one step, want 1 to 3 (one per read): %v", reads, d)
			}
			wantPods := reads
			if !evaluate {
				wantPods = 0
			}
			if d["LIST pods"] != wantPods {
				return fmt.Errorf("%v pod LISTs for %v reads, want %v: %v", d["LIST pods"], reads, wantPods, d)
			}
			for _, k := range []string{"GET namespaces", "GET pods"} {
				if d[k] != 0 {
					return fmt.Errorf("%v %s requests, want none: %v", d[k], k, d)
				}
			}
			return nil
		}
	}
	config := func(evaluate bool) string {
		return cp.ProviderConfig() + fmt.Sprintf(`
data "kubeharden_namespaces" "this" {
  exclude  = ["default", "kube-system", "kube-public", "kube-node-lease"]
  evaluate = %t
}

output "breaking_restricted" {
  value = sum([for ns in data.kubeharden_namespaces.this.namespaces : coalesce(try(ns.violations.restricted, null), 0)])
}
`, evaluate)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:         mark,
				Config:            config(true),
				Check:             perRead(true),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownOutputValue("breaking_restricted", knownvalue.Int64Exact(n))},
			},
			{
				PreConfig:         mark,
				Config:            config(false),
				Check:             perRead(false),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownOutputValue("breaking_restricted", knownvalue.Int64Exact(0))},
			},
		},
	})
}

// TestNamespacesLiveMode reads modes as PSA does: no level label is no
// mode, whatever the version label says; no version label is latest.
func TestNamespacesLiveMode(t *testing.T) {
	ctx := context.Background()
	labels := map[string]string{
		"pod-security.kubernetes.io/enforce": "baseline",
		"pod-security.kubernetes.io/audit":   "restricted", "pod-security.kubernetes.io/audit-version": "v1.30",
		"pod-security.kubernetes.io/warn-version": "v1.31",
	}
	for mode, want := range map[string]string{"enforce": "baseline:latest", "audit": "restricted:v1.30", "warn": ""} {
		var diags diag.Diagnostics
		o := liveMode(ctx, labels, mode, &diags)
		m, d := objectAs[psaModeModel](ctx, o)
		diags.Append(d...)
		if diags.HasError() {
			t.Fatal(diags)
		}
		got := ""
		if m != nil {
			got = m.Level.ValueString() + ":" + m.Version.ValueString()
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", mode, got, want)
		}
	}
	for s, ok := range map[string]bool{"": true, "team": true, "team=a,env!=dev": true, "tier in (web,api)": true, "team===a": false, "a b": false} {
		if err := labelSelectorCheck(s); (err == nil) != ok {
			t.Errorf("labelSelectorCheck(%q) = %v", s, err)
		}
	}
}
