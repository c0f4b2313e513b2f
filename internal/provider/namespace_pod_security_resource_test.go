package provider

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/kube"
)

const psaRes = "kubeharden_namespace_pod_security.test"

func psaConfig(cp *acctest.ControlPlane, ns, body string) string {
	return cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "test" {
  namespace = %q
%s
}
`, ns, body)
}

func modeValue(level, version string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"level": knownvalue.StringExact(level), "version": knownvalue.StringExact(version),
	})
}

// expectLabels checks the namespace's live labels: want holds the PSA labels
// that must be there (all others must be absent), keep the other labels
// that must survive.
func expectLabels(cp *acctest.ControlPlane, ns string, want, keep map[string]string) tfresource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := cp.Clientset.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for k, v := range keep {
			if got.Labels[k] != v {
				return fmt.Errorf("label %s=%q was lost or changed: labels are %v", k, v, got.Labels)
			}
		}
		psa := map[string]string{}
		for k, v := range got.Labels {
			if strings.HasPrefix(k, "pod-security.kubernetes.io/") {
				psa[k] = v
			}
		}
		if !maps.Equal(psa, want) {
			return fmt.Errorf("PSA labels are %v, want %v", psa, want)
		}
		return nil
	}
}

// newLabelledNamespace creates a namespace with a plain label and a label
// owned by another field manager, both of which must survive every step.
func newLabelledNamespace(t *testing.T, cp *acctest.ControlPlane, prefix string) (string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	ns := acctest.UniqueName(prefix)
	if err := cp.CreateNamespace(ctx, ns, map[string]string{"team": "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cp.Clientset.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(ns).WithLabels(map[string]string{"owner": "other-tool"}),
		metav1.ApplyOptions{FieldManager: "other-tool"}); err != nil {
		t.Fatal(err)
	}
	return ns, map[string]string{"team": "a", "owner": "other-tool", "kubernetes.io/metadata.name": ns}
}

func TestAccNamespacePodSecurity_lifecycle(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns, keep := newLabelledNamespace(t, cp, "psa-life")
	const (
		enf  = "pod-security.kubernetes.io/enforce"
		enfV = "pod-security.kubernetes.io/enforce-version"
		aud  = "pod-security.kubernetes.io/audit"
		audV = "pod-security.kubernetes.io/audit-version"
		wrn  = "pod-security.kubernetes.io/warn"
		wrnV = "pod-security.kubernetes.io/warn-version"
	)
	emptyAfterApply := tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// The namespace and its other labels stay; the PSA labels go.
			return expectLabels(cp, ns, map[string]string{}, keep)(nil)
		},
		Steps: []tfresource.TestStep{
			{
				Config: psaConfig(cp, ns, `
  enforce = { level = "baseline" }
  audit   = { level = "restricted" }
  warn    = { level = "restricted", version = "v1.30" }`),
				ConfigPlanChecks: emptyAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("id"), knownvalue.StringExact(ns)),
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("enforce"), modeValue("baseline", "latest")),
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("audit"), modeValue("restricted", "latest")),
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("warn"), modeValue("restricted", "v1.30")),
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("on_violation"), knownvalue.StringExact("warn")),
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("force"), knownvalue.Bool(true)),
				},
				Check: expectLabels(cp, ns, map[string]string{enf: "baseline", enfV: "latest", aud: "restricted", audV: "latest", wrn: "restricted", wrnV: "v1.30"}, keep),
			},
			{ // update the enforce level
				Config: psaConfig(cp, ns, `
  enforce = { level = "restricted" }
  audit   = { level = "restricted" }
  warn    = { level = "restricted", version = "v1.30" }`),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("enforce"), modeValue("restricted", "latest")),
				},
				Check: expectLabels(cp, ns, map[string]string{enf: "restricted", enfV: "latest", aud: "restricted", audV: "latest", wrn: "restricted", wrnV: "v1.30"}, keep),
			},
			{ // update the enforce version
				Config: psaConfig(cp, ns, `
  enforce = { level = "restricted", version = "v1.31" }
  audit   = { level = "restricted" }
  warn    = { level = "restricted", version = "v1.30" }`),
				ConfigPlanChecks: emptyAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("enforce"), modeValue("restricted", "v1.31")),
				},
				Check: expectLabels(cp, ns, map[string]string{enf: "restricted", enfV: "v1.31", aud: "restricted", audV: "latest", wrn: "restricted", wrnV: "v1.30"}, keep),
			},
			{ // remove a mode: its two labels go
				Config: psaConfig(cp, ns, `
  enforce = { level = "restricted", version = "v1.31" }
  warn    = { level = "restricted", version = "v1.30" }`),
				ConfigPlanChecks: emptyAfterApply,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("audit"), knownvalue.Null()),
				},
				Check: expectLabels(cp, ns, map[string]string{enf: "restricted", enfV: "v1.31", wrn: "restricted", wrnV: "v1.30"}, keep),
			},
			{
				ResourceName:            psaRes,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

func TestAccNamespacePodSecurity_drift(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns, keep := newLabelledNamespace(t, cp, "psa-drift")
	ctx := context.Background()
	config := psaConfig(cp, ns, `
  enforce = { level = "baseline" }
  warn    = { level = "restricted" }`)
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{Config: config},
			{
				// Someone relaxes enforce with a plain update (another field
				// manager); the plan shows it and apply puts it back.
				PreConfig: func() {
					got, err := cp.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
					if err != nil {
						t.Fatal(err)
					}
					got.Labels["pod-security.kubernetes.io/enforce"] = "privileged"
					if _, err := cp.Clientset.CoreV1().Namespaces().Update(ctx, got, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(psaRes, tfjsonpath.New("enforce"), modeValue("baseline", "latest")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectLabels(cp, ns, map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
					"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
				}, keep),
			},
			{
				// A label of an unset mode added by hand is drift too.
				PreConfig: func() {
					if _, err := cp.Clientset.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(ns).WithLabels(map[string]string{"pod-security.kubernetes.io/audit": "baseline"}),
						metav1.ApplyOptions{FieldManager: "someone-else"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectLabels(cp, ns, map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
					"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
				}, keep),
			},
			{
				// A version label of an unset mode, without its level label,
				// is drift as well: PSA ignores it, but it contradicts the
				// configuration, which owns all six labels.
				PreConfig: func() {
					if _, err := cp.Clientset.CoreV1().Namespaces().Apply(ctx, corev1ac.Namespace(ns).WithLabels(map[string]string{"pod-security.kubernetes.io/audit-version": "v1.30"}),
						metav1.ApplyOptions{FieldManager: "someone-else"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(psaRes, tfjsonpath.New("audit"), knownvalue.Null()),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectLabels(cp, ns, map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
					"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
				}, keep),
			},
			{
				// The namespace is deleted outside Terraform: the refresh
				// drops the resource from state, so with the resource gone
				// from the configuration there is nothing to destroy.
				PreConfig: func() {
					if err := cp.DeleteNamespace(ctx, ns); err != nil {
						t.Fatal(err)
					}
				},
				Config: cp.ProviderConfig(),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Planning it again plans a create (with a warning that the
				// namespace does not exist yet: something in the same run
				// could create it), which CI's -detailed-exitcode reports.
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// And the apply refuses without creating the namespace.
				Config:      config,
				ExpectError: acctest.ErrorText(fmt.Sprintf(`the namespace %q does not exist, and this resource never creates one`, ns)),
				Check: func(*terraform.State) error {
					if _, err := cp.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
						return fmt.Errorf("the apply created namespace %s: %w", ns, err)
					}
					return nil
				},
			},
		},
	})
}

func TestAccNamespacePodSecurity_importExisting(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ctx := context.Background()
	ns := acctest.UniqueName("psa-import")
	if err := cp.CreateNamespace(ctx, ns, map[string]string{
		"pod-security.kubernetes.io/enforce":         "baseline",
		"pod-security.kubernetes.io/enforce-version": "v1.29",
		"pod-security.kubernetes.io/warn":            "restricted",
	}); err != nil {
		t.Fatal(err)
	}
	config := psaConfig(cp, ns, `
  enforce = { level = "baseline", version = "v1.29" }
  warn    = { level = "restricted" }`)
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:             config,
				ResourceName:       psaRes,
				ImportState:        true,
				ImportStateId:      ns,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances", len(states))
					}
					a := states[0].Attributes
					want := map[string]string{"namespace": ns, "enforce.level": "baseline", "enforce.version": "v1.29", "warn.level": "restricted", "warn.version": "latest", "on_violation": "warn", "force": "true"}
					for k, v := range want {
						if a[k] != v {
							return fmt.Errorf("imported %s = %q, want %q", k, a[k], v)
						}
					}
					if _, ok := a["audit.level"]; ok {
						return fmt.Errorf("audit imported although the namespace has no audit label")
					}
					return nil
				},
			},
			{
				// An import writes nothing: the namespace has no ownership
				// marker yet, and none is planned just to write one.
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// The first apply that changes the namespace writes the
				// marker with a new owner_id.
				Config: strings.Replace(config, `warn    = { level = "restricted" }`, `warn    = { level = "baseline" }`, 1),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(psaRes, tfjsonpath.New("owner_id")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{notNull(psaRes, "owner_id")},
			},
		},
	})
}

// violatingPods makes a namespace with pods that break baseline (host
// network, privileged) and one that breaks only restricted.
func violatingPods(t *testing.T, cp *acctest.ControlPlane, prefix string) string {
	t.Helper()
	ctx := context.Background()
	ns := acctest.UniqueName(prefix)
	if err := cp.CreateNamespace(ctx, ns, nil); err != nil {
		t.Fatal(err)
	}
	yes := true
	pods := []*corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "hostnet"}, Spec: corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "priv"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10", SecurityContext: &corev1.SecurityContext{Privileged: &yes}}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}}},
	}
	for _, p := range pods {
		if _, err := cp.Clientset.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

func TestAccNamespacePodSecurity_violationPreview(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := violatingPods(t, cp, "psa-preview")
	restrictedReasons := "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
	tfresource.ParallelTest(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				// on_violation = "error" fails the plan, listing every pod and why.
				Config: psaConfig(cp, ns, `
  enforce      = { level = "baseline" }
  on_violation = "error"`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorText(fmt.Sprintf(`Existing pods in namespace %q violate the new PodSecurity enforce level "baseline:latest"`, ns)),
			},
			{
				Config: psaConfig(cp, ns, `
  enforce      = { level = "baseline" }
  on_violation = "error"`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorText(`- hostnet: host namespaces - priv: privileged`),
			},
			{
				Config: psaConfig(cp, ns, `
  enforce      = { level = "restricted" }
  on_violation = "error"`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorText(`- plain: ` + restrictedReasons),
			},
			{
				// ignore: no preview, the plan goes through and apply works.
				Config: psaConfig(cp, ns, `
  enforce      = { level = "baseline" }
  on_violation = "ignore"`),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(psaRes, tfjsonpath.New("enforce"), modeValue("baseline", "latest")),
				},
			},
		},
	})
}

// TestAccNamespacePodSecurity_previewDiagnostics calls ModifyPlan directly
// to see the warning (the testing framework has no check for warnings), and
// that "ignore" is silent.
func TestAccNamespacePodSecurity_previewDiagnostics(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ns := violatingPods(t, cp, "psa-warn")
	r := psaResource(cp)
	for _, tc := range []struct {
		onViolation, level string
		want               []string
	}{
		{"warn", "baseline", []string{"hostnet: host namespaces", "priv: privileged"}},
		{"warn", "restricted", []string{"hostnet: host namespaces, allowPrivilegeEscalation != false", "plain: allowPrivilegeEscalation != false"}},
		{"ignore", "restricted", nil},
	} {
		resp := modifyPlan(t, r, map[string]tftypes.Value{
			"namespace":    tftypes.NewValue(tftypes.String, ns),
			"enforce":      modeTF(tc.level),
			"on_violation": tftypes.NewValue(tftypes.String, tc.onViolation),
		})
		if resp.Diagnostics.HasError() {
			t.Fatalf("%s/%s: unexpected errors: %v", tc.onViolation, tc.level, resp.Diagnostics)
		}
		if tc.want == nil {
			if len(resp.Diagnostics) != 0 {
				t.Fatalf("ignore must be silent, got %v", resp.Diagnostics)
			}
			continue
		}
		if resp.Diagnostics.WarningsCount() != 1 {
			t.Fatalf("%s/%s: want one warning, got %v", tc.onViolation, tc.level, resp.Diagnostics)
		}
		detail := resp.Diagnostics.Warnings()[0].Detail()
		for _, w := range tc.want {
			if !strings.Contains(detail, w) {
				t.Errorf("%s/%s: warning lacks %q:\n%s", tc.onViolation, tc.level, w, detail)
			}
		}
	}
}

// psaResource is the resource as a new provider process has it: connected
// to cp, with a namespace snapshot not taken yet.
func psaResource(cp *acctest.ControlPlane) *NamespacePodSecurityResource {
	r := NewNamespacePodSecurityResource().(*NamespacePodSecurityResource)
	r.data = &ProviderData{
		Kube:       kube.NewLazy(kube.Config{ConfigPath: cp.KubeconfigPath}, false),
		Namespaces: kube.NewNamespaceSnapshot(),

		PodSecurityClaims: newPSAClaims(),
	}
	return r
}

func modeTF(level string) tftypes.Value {
	return tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"level": tftypes.String, "version": tftypes.String}},
		map[string]tftypes.Value{"level": tftypes.NewValue(tftypes.String, level), "version": tftypes.NewValue(tftypes.String, "latest")})
}

// modifyPlan runs the resource's ModifyPlan for a create with the given
// attributes (the others null) and returns the response.
func modifyPlan(t *testing.T, r *NamespacePodSecurityResource, attrs map[string]tftypes.Value) *resource.ModifyPlanResponse {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := attrs[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	vals["force"] = tftypes.NewValue(tftypes.Bool, true)
	raw := tftypes.NewValue(typ, vals)
	plan := tfsdk.Plan{Schema: sresp.Schema, Raw: raw}
	req := resource.ModifyPlanRequest{Plan: plan, Config: tfsdk.Config{Schema: sresp.Schema, Raw: raw}, State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	resp := &resource.ModifyPlanResponse{Plan: plan}
	// Each call is a plan of its own.
	r.data.PodSecurityClaims = newPSAClaims()
	r.ModifyPlan(ctx, req, resp)
	return resp
}

func TestAccNamespacePodSecurity_badInputs(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	ns := acctest.UniqueName("psa-bad")
	if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, body, want string }{
		{"bad level", `enforce = { level = "strict" }`, `enforce.level: "strict" is not a Pod Security level`},
		{"capital level", `audit = { level = "Restricted" }`, `audit.level: "Restricted" is not a Pod Security level`},
		{"version without v", `warn = { level = "baseline", version = "1.25" }`, `warn.version: "1.25" is not a Pod Security version`},
		{"version leading zero", `enforce = { level = "baseline", version = "v1.025" }`, `enforce.version: "v1.025" is not a Pod Security version`},
		{"version patch", `enforce = { level = "baseline", version = "v1.25.0" }`, `enforce.version: "v1.25.0" is not a Pod Security version`},
		{"version major 2", `audit = { level = "baseline", version = "v2.0" }`, `audit.version: "v2.0" is not a Pod Security version`},
		{"version without level", `enforce = { version = "v1.30" }`, `attribute "level" is required`},
		{"empty level", `warn = { level = "" }`, `warn.level: "" is not a Pod Security level`},
		{"on_violation", `on_violation = "maybe"`, `Attribute on_violation value must be one of`},
		{"bad timeout", "timeouts {\n  create = \"soon\"\n}", `"soon" must be a string containing a sequence of decimal numbers`},
	}
	steps := make([]tfresource.TestStep, 0, len(cases)+2)
	for _, c := range cases {
		steps = append(steps, tfresource.TestStep{Config: psaConfig(cp, ns, c.body), PlanOnly: true, ExpectError: acctest.ErrorText(c.want)})
	}
	steps = append(steps,
		tfresource.TestStep{
			Config: cp.ProviderConfig() + `
resource "kubeharden_namespace_pod_security" "test" {
  namespace = "Not_A_Name"
  enforce   = { level = "baseline" }
}`,
			PlanOnly: true, ExpectError: acctest.ErrorText(`namespace: "Not_A_Name" is not a valid name`),
		},
		tfresource.TestStep{
			// A namespace that does not exist plans with a warning (another
			// resource of the run could create it) and fails at apply.
			Config:      psaConfig(cp, "kubeharden-no-such-namespace", `enforce = { level = "baseline" }`),
			ExpectError: acctest.ErrorText(`the namespace "kubeharden-no-such-namespace" does not exist, and this resource never creates one`),
		},
		tfresource.TestStep{
			// A version newer than the cluster plans fine (PSA caps it), with a warning.
			Config:             psaConfig(cp, ns, `enforce = { level = "baseline", version = "v1.99" }`),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		},
	)
	tfresource.ParallelTest(t, tfresource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
	// Nothing was written by any of those plans.
	got, err := cp.Clientset.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k := range got.Labels {
		if strings.HasPrefix(k, "pod-security.kubernetes.io/") {
			t.Fatalf("a plan wrote %s", k)
		}
	}
	if _, err := cp.Clientset.CoreV1().Namespaces().Get(context.Background(), "kubeharden-no-such-namespace", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the plan created the missing namespace: %v", err)
	}
}

// TestAccNamespacePodSecurity_namespaceChangesDuringApply calls write, the
// apply of the labels, after the process's namespace snapshot was taken and
// the namespace then changed, as happens when other resources of the same
// apply create or replace it. A namespace created since is labelled; one
// replaced since (a new UID) is labelled and kept; one deleted since is
// reported and never created again.
func TestAccNamespacePodSecurity_namespaceChangesDuringApply(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ctx := context.Background()
	created, replaced, deleted := acctest.UniqueName("psa-new"), acctest.UniqueName("psa-repl"), acctest.UniqueName("psa-gone")
	for _, ns := range []string{replaced, deleted} {
		if err := cp.CreateNamespace(ctx, ns, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{created, replaced, deleted} {
		t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), ns) })
	}
	r := psaResource(cp)
	c, err := r.data.Kube.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old, err := r.data.Namespaces.Get(ctx, c, replaced) // takes the snapshot
	if err != nil {
		t.Fatal(err)
	}
	if err := cp.CreateNamespace(ctx, created, nil); err != nil {
		t.Fatal(err)
	}
	if err := cp.DeleteNamespace(ctx, replaced); err != nil {
		t.Fatal(err)
	}
	if err := cp.CreateNamespace(ctx, replaced, map[string]string{"team": "b"}); err != nil {
		t.Fatal(err)
	}
	if err := cp.DeleteNamespace(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	plan := func(ns string) *namespacePodSecurityModel {
		return &namespacePodSecurityModel{
			Namespace:   types.StringValue(ns),
			Enforce:     types.ObjectValueMust(psaModeAttrTypes, map[string]attr.Value{"level": types.StringValue("baseline"), "version": types.StringValue("latest")}),
			Audit:       types.ObjectNull(psaModeAttrTypes),
			Warn:        types.ObjectNull(psaModeAttrTypes),
			OnViolation: types.StringValue("warn"),
			Force:       types.BoolValue(true),
		}
	}
	for _, ns := range []string{created, replaced} {
		var diags diag.Diagnostics
		r.write(ctx, plan(ns), &diags)
		if diags.HasError() {
			t.Fatalf("%s: %v", ns, diags)
		}
		got, err := cp.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s: the write lost the namespace: %v", ns, err)
		}
		if got.Labels["pod-security.kubernetes.io/enforce"] != "baseline" {
			t.Errorf("%s: labels %v, want enforce=baseline", ns, got.Labels)
		}
		if ns == replaced && (got.UID == old.UID || got.Labels["team"] != "b") {
			t.Errorf("%s: not the namespace that replaced the old one: uid %s (old %s), labels %v", ns, got.UID, old.UID, got.Labels)
		}
	}
	// The deleted one: the plan warns that it does not exist yet; the
	// write fails naming it, and makes no namespace, not even for an
	// instant (server-side apply would create one).
	// (A plan runs in a process of its own, with a snapshot of its own.)
	resp := modifyPlan(t, psaResource(cp), map[string]tftypes.Value{
		"namespace": tftypes.NewValue(tftypes.String, deleted),
		"enforce":   modeTF("baseline"),
	})
	if resp.Diagnostics.HasError() || resp.Diagnostics.WarningsCount() != 1 ||
		!strings.Contains(resp.Diagnostics.Warnings()[0].Detail(), fmt.Sprintf("the namespace %q does not exist in the cluster now", deleted)) {
		t.Errorf("plan of a missing namespace: want one warning that it does not exist yet, got %v", resp.Diagnostics)
	}
	w, err := cp.Clientset.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + deleted})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var diags diag.Diagnostics
	r.write(ctx, plan(deleted), &diags)
	if !diags.HasError() || !strings.Contains(fmt.Sprint(diags), fmt.Sprintf("the namespace %q does not exist", deleted)) {
		t.Errorf("writing the labels of a deleted namespace: want a Namespace Not Found error, got %v", diags)
	}
	if _, err := cp.Clientset.CoreV1().Namespaces().Get(ctx, deleted, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the write left a namespace %s behind: %v", deleted, err)
	}
	select {
	case ev := <-w.ResultChan():
		t.Errorf("the write made the deleted namespace exist again for a while (%s event)", ev.Type)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestAccNamespacePodSecurity_namespaceCreatedInSameRun labels a namespace
// that another resource of the same configuration creates, whose name is
// known at plan time (as kubernetes_namespace's metadata[0].name is; here a
// literal and depends_on): the plan warns instead of failing, and the apply labels it, although the
// namespace snapshot of the apply was taken (by the first resource) before
// the namespace existed.
func TestAccNamespacePodSecurity_namespaceCreatedInSameRun(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ctx := context.Background()
	existing, fresh := acctest.UniqueName("psa-first"), acctest.UniqueName("psa-later")
	if err := cp.CreateNamespace(ctx, existing, nil); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{existing, fresh} {
		t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), ns) })
	}
	config := cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "first" {
  namespace = %[1]q
  warn      = { level = "restricted" }
}

resource "terraform_data" "namespace" {
  input = %[2]q
  provisioner "local-exec" {
    command     = "kubectl create namespace %[2]s"
    environment = { KUBECONFIG = %[3]q }
  }
  depends_on = [kubeharden_namespace_pod_security.first]
}

resource "kubeharden_namespace_pod_security" "test" {
  namespace  = %[2]q
  enforce    = { level = "baseline" }
  depends_on = [terraform_data.namespace]
}
`, existing, fresh, cp.KubeconfigPath)
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(psaRes, tfjsonpath.New("namespace"), knownvalue.StringExact(fresh)),
						plancheck.ExpectResourceAction(psaRes, plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectLabels(cp, fresh, map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
				}, nil),
			},
		},
	})
}

// TestAccNamespacePodSecurity_movedWithoutMovedBlock renames the resource's
// address without a moved block: the apply creates the new one and
// destroys the old one, in no guaranteed order. Here the old one's destroy
// is held back (a destroy-time provisioner of a resource depending on it),
// so it runs after the create: it must not remove the labels the new
// resource has just set, and only the labels nobody sets any more go.
func TestAccNamespacePodSecurity_movedWithoutMovedBlock(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ns := acctest.UniqueName("psa-moved")
	if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), ns) })
	before := cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "old" {
  namespace = %q
  enforce   = { level = "baseline" }
  warn      = { level = "restricted" }
}

resource "terraform_data" "hold" {
  count      = var.hold
  depends_on = [kubeharden_namespace_pod_security.old]
  provisioner "local-exec" {
    when    = destroy
    command = "sleep 4"
  }
}

variable "hold" {
  type    = number
  default = 1
}
`, ns)
	after := cp.ProviderConfig() + fmt.Sprintf(`
resource "kubeharden_namespace_pod_security" "new" {
  namespace = %q
  enforce   = { level = "baseline" }
  audit     = { level = "restricted" }
}

resource "terraform_data" "hold" {
  count = 0
  provisioner "local-exec" {
    when    = destroy
    command = "sleep 4"
  }
}
`, ns)
	tfresource.Test(t, tfresource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: before,
				Check: expectLabels(cp, ns, map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
					"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
				}, nil),
			},
			{
				Config: after,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("kubeharden_namespace_pod_security.new", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction("kubeharden_namespace_pod_security.old", plancheck.ResourceActionDestroy),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: expectLabels(cp, ns, map[string]string{
					"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "latest",
					"pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
				}, nil),
			},
		},
	})
}

// TestAccNamespacePodSecurity_replacesExistingLabels: the plan of a new
// resource warns about live labels it will change or remove, and calls it
// a weakening when a level gets more permissive (here enforce, set by
// someone else, would be removed). A create's plan shows only new values.
func TestAccNamespacePodSecurity_replacesExistingLabels(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ns := acctest.UniqueName("psa-replaced")
	if err := cp.CreateNamespace(context.Background(), ns, map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "baseline",
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), ns) })
	r := psaResource(cp)
	resp := modifyPlan(t, r, map[string]tftypes.Value{
		"namespace": tftypes.NewValue(tftypes.String, ns),
		"warn":      modeTF("restricted"),
	})
	if resp.Diagnostics.HasError() || resp.Diagnostics.WarningsCount() != 1 {
		t.Fatalf("want one warning, got %v", resp.Diagnostics)
	}
	w := resp.Diagnostics.Warnings()[0]
	if w.Summary() != "Pod Security Would Be Weakened" {
		t.Errorf("summary %q, want Pod Security Would Be Weakened", w.Summary())
	}
	for _, want := range []string{"pod-security.kubernetes.io/enforce: restricted -> (removed), less strict", "pod-security.kubernetes.io/warn: baseline -> restricted", fmt.Sprintf("(id = %q)", ns)} {
		if !strings.Contains(w.Detail(), want) {
			t.Errorf("warning lacks %q:\n%s", want, w.Detail())
		}
	}
	// The same labels as live: nothing to say.
	resp = modifyPlan(t, r, map[string]tftypes.Value{
		"namespace": tftypes.NewValue(tftypes.String, ns),
		"enforce":   modeTF("restricted"),
		"warn":      modeTF("baseline"),
	})
	for _, d := range resp.Diagnostics {
		if strings.Contains(d.Summary(), "Replaced") || strings.Contains(d.Summary(), "Weakened") {
			t.Errorf("unexpected %q:\n%s", d.Summary(), d.Detail())
		}
	}
}
