package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// liveMarker is the namespace's ownership marker ("" when it has none) and
// its PSA labels.
func liveMarker(t *testing.T, cp *acctest.ControlPlane, ns string) (string, map[string]string) {
	t.Helper()
	got, err := cp.Clientset.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	psa := map[string]string{}
	for k, v := range got.Labels {
		if strings.HasPrefix(k, "pod-security.kubernetes.io/") {
			psa[k] = v
		}
	}
	return got.Annotations[psaOwnerAnnotation], psa
}

// expectMarkerIsOwnerID checks that the namespace's marker is the owner_id
// of res in state, and that the namespace has the PSA labels want.
func expectMarkerIsOwnerID(t *testing.T, cp *acctest.ControlPlane, ns, res string, want map[string]string) tfresource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[res]
		if !ok {
			return fmt.Errorf("%s is not in state", res)
		}
		id := rs.Primary.Attributes["owner_id"]
		marker, psa := liveMarker(t, cp, ns)
		if id == "" || marker != id {
			return fmt.Errorf("namespace marker %q, owner_id in state %q: want the same, non-empty", marker, id)
		}
		if !maps.Equal(psa, want) {
			return fmt.Errorf("PSA labels are %v, want %v", psa, want)
		}
		return nil
	}
}

// setMarker sets (or with "" removes) the namespace's ownership marker, as
// kubectl annotate would.
func setMarker(t *testing.T, cp *acctest.ControlPlane, ns, value string) {
	t.Helper()
	var v any
	if value != "" {
		v = value
	}
	body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{psaOwnerAnnotation: v}}})
	if _, err := cp.Clientset.CoreV1().Namespaces().Patch(context.Background(), ns, k8stypes.MergePatchType, body,
		metav1.PatchOptions{FieldManager: "kubectl-annotate"}); err != nil {
		t.Fatal(err)
	}
}

var (
	baselineLabels = map[string]string{
		"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
	}
	restrictedWarnLabels = map[string]string{
		"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
	}
)

// TestAccNamespacePodSecurity_twoOwnersSameRun: two resources of one
// configuration name the same namespace. The plan fails before anything is
// written, naming the namespace and both resources' settings, whether both
// are new or one is added beside an applied one (a module labels every
// namespace and the root labels one of them again).
func TestAccNamespacePodSecurity_twoOwnersSameRun(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := acctest.UniqueName("psa-twice")
	if err := cp.CreateNamespace(context.Background(), ns, map[string]string{"team": "a"}); err != nil {
		t.Fatal(err)
	}
	one := cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "a" {
  namespace = %q
  enforce   = { level = "baseline" }
}
`, ns)
	two := one + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "b" {
  for_each  = toset([%q])
  namespace = each.key
  warn      = { level = "restricted" }
}
`, ns)
	// The two resources are planned concurrently: either may be "this one".
	clash := regexp.MustCompile(errorWith("Error: Namespace Labelled By Two Resources", ns, "enforce = baseline:latest", "warn = restricted:latest", "nothing is written").String() +
		"|" + errorWith("Error: Namespace Labelled By Two Resources", ns, "warn = restricted:latest", "enforce = baseline:latest", "nothing is written").String())
	unchanged := func(marker string, labels map[string]string) func() {
		return func() {
			gotMarker, gotLabels := liveMarker(t, cp, ns)
			if (marker == "") != (gotMarker == "") || !maps.Equal(gotLabels, labels) {
				t.Errorf("the failed plan changed the namespace: marker %q, PSA labels %v; want marker set %v, labels %v", gotMarker, gotLabels, marker != "", labels)
			}
		}
	}
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if marker, psa := liveMarker(t, cp, ns); marker != "" || len(psa) > 0 {
				return fmt.Errorf("destroy left marker %q and labels %v", marker, psa)
			}
			return nil
		},
		Steps: []tfresource.TestStep{
			{Config: two, ExpectError: clash},
			{
				PreConfig: unchanged("", map[string]string{}),
				Config:    one,
				Check:     expectMarkerIsOwnerID(t, cp, ns, "kubeharden_namespace_pod_security.a", baselineLabels),
			},
			{Config: two, ExpectError: clash},
			{
				PreConfig: unchanged("set", baselineLabels),
				Config:    one,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
		},
	})
}

// TestAccNamespacePodSecurity_otherOwner: two configurations, each with its
// own state, label one namespace, through the real CLI. The second one's
// plan warns, naming the first one's owner_id; once it has taken the
// namespace over, the first one's plan warns naming the second's, its apply
// fails without writing, and its destroy leaves the second's labels alone.
func TestAccNamespacePodSecurity_otherOwner(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ns := acctest.UniqueName("psa-other")
	if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), ns) })
	config := func(mode string) string {
		return cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "this" {
  namespace = %q
  %s = { level = "restricted" }
}

output "owner_id" {
  value = kubeharden_namespace_pod_security.this.owner_id
}
`, ns, mode)
	}
	a, b := newTerraformCLI(t), newTerraformCLI(t)
	a.WriteConfig(config("enforce"))
	b.WriteConfig(config("warn"))
	// dev_overrides: no terraform init.

	a.MustRun("apply", "-auto-approve", "-no-color")
	idA := strings.TrimSpace(a.MustRun("output", "-raw", "owner_id"))
	if marker, _ := liveMarker(t, cp, ns); idA == "" || marker != idA {
		t.Fatalf("after the first apply: marker %q, owner_id %q", marker, idA)
	}

	out := b.MustRun("plan", "-no-color")
	if !errorWith("Warning: Namespace Owned By Another Resource", ns, idA, "takes the namespace over").MatchString(out) {
		t.Fatalf("the second configuration's plan does not warn about the first owner:\n%s", out)
	}
	b.MustRun("apply", "-auto-approve", "-no-color")
	idB := strings.TrimSpace(b.MustRun("output", "-raw", "owner_id"))
	marker, psa := liveMarker(t, cp, ns)
	if idB == "" || idB == idA || marker != idB || !maps.Equal(psa, map[string]string{
		"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
	}) {
		t.Fatalf("after the takeover: marker %q, owner_ids %q and %q, labels %v", marker, idA, idB, psa)
	}

	out = a.MustRun("plan", "-no-color")
	if !errorWith("Warning: Namespace Taken Over By Another Resource", ns, idB, idA, "removed block", "Applying this plan fails").MatchString(out) {
		t.Fatalf("the first configuration's plan after the takeover does not warn:\n%s", out)
	}
	stdout, stderr, code := a.Run("apply", "-auto-approve", "-no-color")
	if code != 1 || !errorWith("Error: Namespace Taken Over By Another Resource", ns, idB, idA, "Nothing was written").MatchString(stdout+stderr) {
		t.Fatalf("the first configuration's apply after the takeover exited %d:\n%s%s", code, stdout, stderr)
	}
	if m, p := liveMarker(t, cp, ns); m != idB || !maps.Equal(p, psa) {
		t.Fatalf("the refused apply changed the namespace: marker %q, labels %v", m, p)
	}

	out = a.MustRun("destroy", "-auto-approve", "-no-color")
	if !errorWith("Warning: Namespace Left To Its Other Owner", ns, idB).MatchString(out) {
		t.Errorf("the first configuration's destroy does not say it left the namespace to its other owner:\n%s", out)
	}
	if m, p := liveMarker(t, cp, ns); m != idB || !maps.Equal(p, psa) {
		t.Fatalf("destroying the first configuration changed the second's namespace: marker %q, labels %v", m, p)
	}
	b.MustRun("destroy", "-auto-approve", "-no-color")
	if m, p := liveMarker(t, cp, ns); m != "" || len(p) > 0 {
		t.Fatalf("the second configuration's destroy left marker %q and labels %v", m, p)
	}
}

// TestAccNamespacePodSecurity_movedBlock: a moved block renames the
// resource; it keeps its owner ID, and nothing is written.
func TestAccNamespacePodSecurity_movedBlock(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := acctest.UniqueName("psa-movedblk")
	if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
		t.Fatal(err)
	}
	body := `
  namespace = %q
  enforce   = { level = "baseline" }
}
`
	before := cp.ProviderConfig() + `
resource "kubeharden_namespace_pod_security" "old" {` + fmt.Sprintf(body, ns)
	// The new address has an instance key, as a refactoring into a
	// resource that labels several namespaces gives it (count rather than
	// for_each: the state shim of the test framework reads no string keys).
	newAddr := `kubeharden_namespace_pod_security.this[0]`
	after := cp.ProviderConfig() + `
moved {
  from = kubeharden_namespace_pod_security.old
  to   = kubeharden_namespace_pod_security.this[0]
}

resource "kubeharden_namespace_pod_security" "this" {
  count     = 1` + fmt.Sprintf(body, ns)
	sameOwner := statecheck.CompareValue(compare.ValuesSame())
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:            before,
				Check:             expectMarkerIsOwnerID(t, cp, ns, "kubeharden_namespace_pod_security.old", baselineLabels),
				ConfigStateChecks: []statecheck.StateCheck{sameOwner.AddStateValue("kubeharden_namespace_pod_security.old", tfjsonpath.New("owner_id"))},
			},
			{
				Config: after,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(newAddr, plancheck.ResourceActionNoop)},
				},
				// The state shim of Check functions writes the index as ".0".
				Check:             expectMarkerIsOwnerID(t, cp, ns, "kubeharden_namespace_pod_security.this.0", baselineLabels),
				ConfigStateChecks: []statecheck.StateCheck{sameOwner.AddStateValue(newAddr, tfjsonpath.New("owner_id"))},
			},
		},
	})
}

// TestAccNamespacePodSecurity_createBeforeDestroy: the resource is replaced
// with create_before_destroy (replace_triggered_by, then a taint), so the
// new instance writes the namespace before the old one is destroyed. The
// new one gets an owner ID of its own, and the old one's destroy leaves its
// labels and marker.
func TestAccNamespacePodSecurity_createBeforeDestroy(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := acctest.UniqueName("psa-cbd")
	if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
		t.Fatal(err)
	}
	config := func(rev, mode string) string {
		return cp.ProviderConfig() + fmt.Sprintf(`
resource "terraform_data" "rev" {
  input = %q
}

resource "kubeharden_namespace_pod_security" "test" {
  namespace = %q
  %s = { level = %q }
  lifecycle {
    create_before_destroy = true
    replace_triggered_by  = [terraform_data.rev]
  }
}
`, rev, ns, mode, map[string]string{"enforce": "baseline", "warn": "restricted"}[mode])
	}
	newOwner := statecheck.CompareValue(compare.ValuesDiffer())
	emptyAfter := []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if marker, psa := liveMarker(t, cp, ns); marker != "" || len(psa) > 0 {
				return fmt.Errorf("destroy left marker %q and labels %v", marker, psa)
			}
			return nil
		},
		Steps: []tfresource.TestStep{
			{
				Config:            config("1", "enforce"),
				Check:             expectMarkerIsOwnerID(t, cp, ns, psaRes, baselineLabels),
				ConfigStateChecks: []statecheck.StateCheck{newOwner.AddStateValue(psaRes, tfjsonpath.New("owner_id"))},
			},
			{
				// The replacement also moves the policy from enforce to warn.
				Config: config("2", "warn"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionCreateBeforeDestroy)},
					PostApplyPostRefresh: emptyAfter,
				},
				Check:             expectMarkerIsOwnerID(t, cp, ns, psaRes, restrictedWarnLabels),
				ConfigStateChecks: []statecheck.StateCheck{newOwner.AddStateValue(psaRes, tfjsonpath.New("owner_id"))},
			},
			{
				// A tainted instance is planned as a create that knows
				// nothing of the old one: it warns, and still works.
				Taint:  []string{psaRes},
				Config: config("2", "warn"),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionCreateBeforeDestroy)},
					PostApplyPostRefresh: emptyAfter,
				},
				Check:             expectMarkerIsOwnerID(t, cp, ns, psaRes, restrictedWarnLabels),
				ConfigStateChecks: []statecheck.StateCheck{newOwner.AddStateValue(psaRes, tfjsonpath.New("owner_id"))},
			},
		},
	})
}

// TestAccNamespacePodSecurity_markerDrift: a marker removed outside
// Terraform shows as drift and the apply writes it back; a marker changed to
// another owner's ID fails the apply, naming it, until it is removed.
func TestAccNamespacePodSecurity_markerDrift(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := acctest.UniqueName("psa-mdrift")
	if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
		t.Fatal(err)
	}
	config := psaConfig(cp, ns, `
  enforce = { level = "baseline" }`)
	sameOwner := statecheck.CompareValue(compare.ValuesSame())
	check := expectMarkerIsOwnerID(t, cp, ns, psaRes, baselineLabels)
	ownerID := tfjsonpath.New("owner_id")
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if marker, psa := liveMarker(t, cp, ns); marker != "" || len(psa) > 0 {
				return fmt.Errorf("destroy left marker %q and labels %v", marker, psa)
			}
			return nil
		},
		Steps: []tfresource.TestStep{
			{Config: config, Check: check, ConfigStateChecks: []statecheck.StateCheck{sameOwner.AddStateValue(psaRes, ownerID)}},
			{
				PreConfig: func() { setMarker(t, cp, ns, "") },
				Config:    config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(psaRes, ownerID, knownNonEmptyString{}),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check:             check,
				ConfigStateChecks: []statecheck.StateCheck{sameOwner.AddStateValue(psaRes, ownerID)},
			},
			{
				PreConfig:   func() { setMarker(t, cp, ns, "0123456789abcdef") },
				Config:      config,
				ExpectError: errorWith("Error: Namespace Taken Over By Another Resource", ns, `"0123456789abcdef"`),
			},
			{
				PreConfig: func() { setMarker(t, cp, ns, "") },
				Config:    config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check:             check,
				ConfigStateChecks: []statecheck.StateCheck{sameOwner.AddStateValue(psaRes, ownerID)},
			},
		},
	})
}

// knownNonEmptyString checks that a value is a non-empty string.
type knownNonEmptyString struct{}

func (knownNonEmptyString) CheckValue(v any) error {
	if s, ok := v.(string); !ok || s == "" {
		return fmt.Errorf("want a non-empty string, got %#v", v)
	}
	return nil
}

func (knownNonEmptyString) String() string { return "a non-empty string" }
