package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

const psaListAddr = "kubeharden_namespace_pod_security"

// psaListBlock is a list block of the namespace list resource; config is
// the body of its config block.
func psaListBlock(name string, includeResource bool, config string) string {
	return fmt.Sprintf(`
list "kubeharden_namespace_pod_security" %q {
  provider         = kubeharden
  include_resource = %v
  limit            = 1000
  config {
%s
  }
}
`, name, includeResource, config)
}

// TestAccNamespacePodSecurityList_filters runs `terraform query` through
// terraform-plugin-testing: each filter keeps exactly the namespaces it
// should, and each result carries the identity and the resource that an
// import reads.
func TestAccNamespacePodSecurityList_filters(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ctx := context.Background()
	id := acctest.UniqueName("psa-list")
	sel := "kh-list=" + id
	nss := map[string]map[string]string{
		id + "-plain":  {},
		id + "-base":   {"pod-security.kubernetes.io/enforce": "baseline"},
		id + "-strict": {"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.30", "pod-security.kubernetes.io/warn": "restricted"},
		id + "-skip":   {},
	}
	for ns, labels := range nss {
		l := maps.Clone(labels)
		l["kh-list"] = id
		if err := cp.CreateNamespace(ctx, ns, l); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cp.Clientset.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		})
	}
	ident := func(ns string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"namespace": knownvalue.StringExact(ns)}
	}
	mode := func(level, version string) knownvalue.Check {
		if level == "" {
			return knownvalue.Null()
		}
		return modeValue(level, version)
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Query: true,
				Config: cp.ProviderConfig() +
					psaListBlock("selected", true, fmt.Sprintf("    label_selector = %q\n    exclude = [%q]", sel, id+"-skip")) +
					psaListBlock("unlabelled", false, fmt.Sprintf("    label_selector = %q\n    unlabelled_only = true", sel)) +
					psaListBlock("none", false, fmt.Sprintf("    label_selector = %q", sel+",no-such-label")),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(psaListAddr+".selected", 3),
					querycheck.ExpectIdentity(psaListAddr+".selected", ident(id+"-plain")),
					querycheck.ExpectIdentity(psaListAddr+".selected", ident(id+"-base")),
					querycheck.ExpectIdentity(psaListAddr+".selected", ident(id+"-strict")),
					querycheck.ExpectResourceDisplayName(psaListAddr+".selected", queryfilter.ByResourceIdentity(ident(id+"-strict")), knownvalue.StringExact(id+"-strict")),
					querycheck.ExpectResourceKnownValues(psaListAddr+".selected", queryfilter.ByResourceIdentity(ident(id+"-strict")), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("namespace"), KnownValue: knownvalue.StringExact(id + "-strict")},
						{Path: tfjsonpath.New("enforce"), KnownValue: mode("restricted", "v1.30")},
						{Path: tfjsonpath.New("audit"), KnownValue: mode("", "")},
						{Path: tfjsonpath.New("warn"), KnownValue: mode("restricted", "latest")},
						{Path: tfjsonpath.New("on_violation"), KnownValue: knownvalue.StringExact("warn")},
						{Path: tfjsonpath.New("force"), KnownValue: knownvalue.Bool(true)},
					}),
					querycheck.ExpectResourceKnownValues(psaListAddr+".selected", queryfilter.ByResourceIdentity(ident(id+"-plain")), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("enforce"), KnownValue: mode("", "")},
						{Path: tfjsonpath.New("audit"), KnownValue: mode("", "")},
						{Path: tfjsonpath.New("warn"), KnownValue: mode("", "")},
					}),
					querycheck.ExpectLength(psaListAddr+".unlabelled", 2),
					querycheck.ExpectIdentity(psaListAddr+".unlabelled", ident(id+"-plain")),
					querycheck.ExpectIdentity(psaListAddr+".unlabelled", ident(id+"-skip")),
					querycheck.ExpectLength(psaListAddr+".none", 0),
				},
			},
		},
	})
}

// TestAccNamespacePodSecurityList_badInputs: bad filters fail when the
// query is validated, naming the attribute and the problem.
func TestAccNamespacePodSecurityList_badInputs(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	cases := []struct {
		config string
		want   *regexp.Regexp
	}{
		{`    label_selector = "team in (a"`, errorWith("Invalid Label Selector", `label_selector: "team in (a" is not a label selector`)},
		{`    label_selector = "Bad Key=x"`, errorWith("Invalid Label Selector", `label_selector: "Bad Key=x" is not a label selector`)},
		{`    exclude = ["Not_A_Name"]`, errorWith("Invalid Name", `"Not_A_Name" is not a valid name`)},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Query:       true,
					Config:      cp.ProviderConfig() + psaListBlock("bad", false, c.config),
					ExpectError: c.want,
				}},
			})
		})
	}
}

// TestAccNamespacePodSecurityList_generateConfig is the adoption of a live
// cluster with the real CLI: on a control plane of its own with 50
// namespaces, some already labelled at different levels, `terraform query
// -generate-config-out` writes one import block and one resource per
// namespace the filters keep, from one paginated LIST; applying that
// configuration changes no label, and the next plan is empty.
func TestAccNamespacePodSecurityList_generateConfig(t *testing.T) {
	acctest.PreCheck(t)
	skipCLIBelow(t, terraformBin(t), "1.14.0")
	tf := newTerraformCLI(t)
	t.Parallel()
	ctx := context.Background()
	cp, err := acctest.StartControlPlane(ctx, acctest.Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)

	// 50 namespaces: a fifth unlabelled, the others at various levels and
	// versions, in all three modes; two are excluded by name.
	levels := []map[string]string{
		{},
		{"pod-security.kubernetes.io/enforce": "baseline"},
		{"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.30", "pod-security.kubernetes.io/audit": "restricted"},
		{"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest"},
		{"pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/audit": "baseline", "pod-security.kubernetes.io/warn": "restricted"},
	}
	excluded := []string{"adopt-07", "adopt-31"}
	var want []string
	for i := range 50 {
		ns := fmt.Sprintf("adopt-%02d", i)
		labels := maps.Clone(levels[i%len(levels)])
		labels["adopt"] = "yes"
		labels["team"] = []string{"a", "b"}[i%2]
		if err := cp.CreateNamespace(ctx, ns, labels); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(excluded, ns) {
			want = append(want, ns)
		}
	}
	before := namespaceLabels(t, cp)

	tf.WriteConfig(cp.ProviderConfig())
	tf.WriteFile("adopt.tfquery.hcl", psaListBlock("adopt", true, fmt.Sprintf(
		"    label_selector = \"adopt=yes\"\n    exclude = [%q, %q]", excluded[0], excluded[1])))
	counts, err := cp.RequestCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tf.MustRun("query", "-no-color", "-generate-config-out=generated.tf")
	after, err := cp.RequestCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The list is one paginated LIST (50 namespaces fit one page of 500),
	// and nothing else touches namespaces.
	if d := filterNamespaces(acctest.Delta(counts, after)); len(d) != 1 || d["LIST namespaces"] != 1 {
		t.Errorf("namespace requests of the query: %v, want exactly one LIST", d)
	}

	generated := tf.ReadFile("generated.tf")
	t.Logf("generated.tf begins:\n%s", generated[:min(len(generated), 700)])
	if n := strings.Count(generated, "import {"); n != len(want) {
		t.Errorf("generated.tf has %d import blocks, want %d:\n%s", n, len(want), generated)
	}
	if n := regexp.MustCompile(`(?m)^resource "kubeharden_namespace_pod_security" `).FindAllStringIndex(generated, -1); len(n) != len(want) {
		t.Errorf("generated.tf has %d resources, want %d", len(n), len(want))
	}
	for _, ns := range want {
		if !strings.Contains(generated, fmt.Sprintf("namespace = %q", ns)) {
			t.Errorf("generated.tf has no resource or identity for %s", ns)
		}
	}
	for _, ns := range append(excluded, "default", "kube-system") {
		if strings.Contains(generated, fmt.Sprintf("%q", ns)) {
			t.Errorf("generated.tf names %s, which the filters leave out", ns)
		}
	}

	tf.MustRun("apply", "-no-color", "-auto-approve")
	if got := namespaceLabels(t, cp); !maps.EqualFunc(before, got, maps.Equal) {
		for ns, l := range got {
			if !maps.Equal(before[ns], l) {
				t.Errorf("namespace %s: labels %v became %v", ns, before[ns], l)
			}
		}
	}
	state := tf.MustRun("state", "list")
	if n := strings.Count(state, "kubeharden_namespace_pod_security."); n != len(want) {
		t.Errorf("%d resources in state after the apply, want %d:\n%s", n, len(want), state)
	}
	if stdout, stderr, code := tf.Run("plan", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after adopting exits %d, want 0 (no changes):\n%s%s", code, stdout, stderr)
	}
	if t.Failed() {
		t.Logf("generated.tf:\n%s", generated)
	}
}

// namespaceLabels is every namespace's labels.
func namespaceLabels(t *testing.T, cp *acctest.ControlPlane) map[string]map[string]string {
	t.Helper()
	l, err := cp.Clientset.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, ns := range l.Items {
		out[ns.Name] = ns.Labels
	}
	return out
}

// TestHasPSALabel: any pod-security.kubernetes.io label counts, another
// prefix does not.
func TestHasPSALabel(t *testing.T) {
	for labels, want := range map[string]bool{
		"":                                false,
		"team":                            false,
		"pod-security.kubernetes.io/warn": true,
		"pod-security.kubernetes.io/audit-version": true,
		"example.com/pod-security.kubernetes.io":   false,
	} {
		l := map[string]string{}
		if labels != "" {
			l[labels] = "x"
		}
		if got := hasPSALabel(l); got != want {
			t.Errorf("hasPSALabel(%v) = %v, want %v", l, got, want)
		}
	}
}
