package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/podsecurity"
)

// psaLabelsOf returns the Pod Security labels a namespace has now.
func psaLabelsOf(ctx context.Context, cp *acctest.ControlPlane, name string) (map[string]string, error) {
	ns, err := cp.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range podsecurity.AllLabels() {
		if v, ok := ns.Labels[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

// psaLabels builds the labels of enforce, audit and warn, each "level:version"
// or "" for none.
func psaLabels(enforce, audit, warn string) map[string]string {
	out := map[string]string{}
	for i, lv := range []string{enforce, audit, warn} {
		if lv == "" {
			continue
		}
		level, version, _ := strings.Cut(lv, ":")
		out[podsecurity.LevelLabel(podsecurity.Modes[i])] = level
		out[podsecurity.VersionLabel(podsecurity.Modes[i])] = version
	}
	return out
}

// checkLiveLabels compares the live Pod Security labels of each namespace
// with want.
func checkLiveLabels(cp *acctest.ControlPlane, want map[string]map[string]string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, name := range slices.Sorted(maps.Keys(want)) {
			got, err := psaLabelsOf(context.Background(), cp, name)
			if err != nil {
				return err
			}
			if !maps.Equal(got, want[name]) {
				return fmt.Errorf("namespace %s has the labels %v, want %v", name, got, want[name])
			}
		}
		return nil
	}
}

// onlyChanges checks a plan: the resources of want change as said (create
// or no-op), and every other resource of the plan is left as it is.
func onlyChanges(plan *tfjson.Plan, want map[string]tfjson.Action) error {
	var problems []string
	seen := map[string]bool{}
	for _, rc := range plan.ResourceChanges {
		if rc.Mode != tfjson.ManagedResourceMode {
			continue
		}
		w, ok := want[rc.Address]
		seen[rc.Address] = ok
		switch {
		case ok && w == tfjson.ActionCreate && !rc.Change.Actions.Create():
			problems = append(problems, fmt.Sprintf("%s: %v, want create", rc.Address, rc.Change.Actions))
		case (!ok || w == tfjson.ActionNoop) && !rc.Change.Actions.NoOp():
			problems = append(problems, fmt.Sprintf("%s: %v, want no change", rc.Address, rc.Change.Actions))
		}
	}
	for addr := range want {
		if !seen[addr] {
			problems = append(problems, addr+" is not in the plan")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("unexpected plan: %s", strings.Join(problems, "; "))
	}
	return nil
}

// moduleSource is the absolute path of examples/modules/<name>, for a
// `module` block's source.
func moduleSource(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(examplesDir, "modules", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// baselineFixture runs examples/modules/pod-security-baseline with the
// real Terraform CLI and the provider binary built from this tree
// (terraform-plugin-testing cannot read the state of a child module), on
// three namespaces of the shared control plane, marked with a label of
// their own so that the module selects them only: clean (a restricted
// pod), plain (a pod that breaks restricted only) and hostnet (a pod that
// breaks baseline).
type baselineFixture struct {
	t                     *testing.T
	cp                    *acctest.ControlPlane
	cli                   *terraformCLI
	clean, plain, hostnet string
	markKey               string
}

func newBaselineFixture(t *testing.T, prefix string) *baselineFixture {
	t.Helper()
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	run := acctest.UniqueName(prefix)
	f := &baselineFixture{t: t, cp: cp, cli: newTerraformCLI(t), clean: run + "-clean", plain: run + "-plain", hostnet: run + "-hostnet", markKey: "kubeharden-test-" + run}
	for _, n := range []string{f.clean, f.plain, f.hostnet} {
		f.create(n)
	}
	createPods(t, cp, f.clean, restrictedPod("api"))
	createPods(t, cp, f.plain, plainPod("web"), restrictedPod("api"))
	hostnet := plainPod("agent")
	hostnet.Spec.HostNetwork = true
	createPods(t, cp, f.hostnet, hostnet)
	return f
}

// create makes a namespace the module selects.
func (f *baselineFixture) create(name string) {
	f.t.Helper()
	if err := f.cp.CreateNamespace(context.Background(), name, map[string]string{f.markKey: "yes"}); err != nil {
		f.t.Fatal(err)
	}
}

// configure writes a configuration calling the module with the fixture's
// selector and args, and installs the module.
func (f *baselineFixture) configure(args string) {
	f.t.Helper()
	f.cli.WriteConfig(f.cp.ProviderConfig() + fmt.Sprintf(`
module "baseline" {
  source         = %q
  label_selector = %q
%s
}

output "namespaces" {
  value = module.baseline.namespaces
}

output "below_target" {
  value = module.baseline.below_target
}
`, moduleSource(f.t, "pod-security-baseline"), f.markKey, args))
	f.cli.MustRun("get", "-no-color")
}

// plan plans into a file and returns the plan.
func (f *baselineFixture) plan() *tfjson.Plan {
	f.t.Helper()
	f.cli.MustRun("plan", "-no-color", "-out=tfplan")
	var p tfjson.Plan
	if err := json.Unmarshal([]byte(f.cli.MustRun("show", "-json", "tfplan")), &p); err != nil {
		f.t.Fatal(err)
	}
	return &p
}

// apply applies the plan file, then checks that the next plan is empty.
func (f *baselineFixture) apply() {
	f.t.Helper()
	f.cli.MustRun("apply", "-no-color", "tfplan")
	if out, errOut, code := f.cli.Run("plan", "-no-color", "-detailed-exitcode"); code != 0 {
		f.t.Fatalf("the plan after apply is not empty (exit %d):\n%s%s", code, out, errOut)
	}
}

// output returns a root output, decoded from JSON.
func (f *baselineFixture) output(name string) any {
	f.t.Helper()
	var v any
	if err := json.Unmarshal([]byte(f.cli.MustRun("output", "-json", name)), &v); err != nil {
		f.t.Fatal(err)
	}
	return v
}

// destroy destroys everything and checks that no label is left on names.
func (f *baselineFixture) destroy(names ...string) {
	f.t.Helper()
	f.cli.MustRun("destroy", "-auto-approve", "-no-color")
	want := map[string]map[string]string{}
	for _, n := range names {
		want[n] = map[string]string{}
	}
	if err := checkLiveLabels(f.cp, want)(nil); err != nil {
		f.t.Errorf("after destroy: %v", err)
	}
}

func (f *baselineFixture) expectLabels(want map[string]map[string]string) {
	f.t.Helper()
	if err := checkLiveLabels(f.cp, want)(nil); err != nil {
		f.t.Error(err)
	}
}

func (f *baselineFixture) expectOutput(name string, want any) {
	f.t.Helper()
	if got := f.output(name); !reflect.DeepEqual(got, want) {
		f.t.Errorf("output %s = %#v, want %#v", name, got, want)
	}
}

func baselineAddr(ns string) string {
	return fmt.Sprintf("module.baseline.kubeharden_namespace_pod_security.this[%q]", ns)
}

// below is an entry of the output below_target as JSON decodes it.
func below(target string, enforced any, violations, pods float64) map[string]any {
	return map[string]any{"target": target, "enforced": enforced, "violations": violations, "pods": pods}
}

// TestAccModulePodSecurityBaseline_defaults calls the module with its
// defaults: baseline enforced where no pod breaks it, audit and warn
// restricted everywhere, the namespaces of Kubernetes left alone (even
// when the selector matches one), and the namespace that breaks baseline
// reported below its target. Destroy removes every label it wrote.
func TestAccModulePodSecurityBaseline_defaults(t *testing.T) {
	acctest.PreCheck(t)
	f := newBaselineFixture(t, "mod-def")
	// kube-node-lease matches the selector too: excluded by default.
	labelNamespace(t, f.cp, "kube-node-lease", map[string]string{f.markKey: "yes"})
	t.Cleanup(func() {
		ns, err := f.cp.Clientset.CoreV1().Namespaces().Get(context.Background(), "kube-node-lease", metav1.GetOptions{})
		if err == nil {
			delete(ns.Labels, f.markKey)
			_, _ = f.cp.Clientset.CoreV1().Namespaces().Update(context.Background(), ns, metav1.UpdateOptions{})
		}
	})
	f.configure("")
	if err := onlyChanges(f.plan(), map[string]tfjson.Action{
		baselineAddr(f.clean): tfjson.ActionCreate, baselineAddr(f.plain): tfjson.ActionCreate, baselineAddr(f.hostnet): tfjson.ActionCreate,
	}); err != nil {
		t.Fatal(err)
	}
	f.apply()
	r := "restricted:latest"
	f.expectLabels(map[string]map[string]string{
		f.clean:           psaLabels("baseline:latest", r, r),
		f.plain:           psaLabels("baseline:latest", r, r),
		f.hostnet:         psaLabels("", r, r),
		"kube-node-lease": {},
	})
	f.expectOutput("below_target", map[string]any{f.hostnet: below("baseline", nil, 1, 1)})
	f.destroy(f.clean, f.plain, f.hostnet)
}

// TestAccModulePodSecurityBaseline_overrides: a stricter default with a
// version, falling back to baseline where restricted is broken; overrides
// per namespace and per mode; then enforce_only_where_clean = false
// enforcing even where pods break the level (the plan warns, the apply
// succeeds).
func TestAccModulePodSecurityBaseline_overrides(t *testing.T) {
	acctest.PreCheck(t)
	f := newBaselineFixture(t, "mod-ovr")
	f.configure(fmt.Sprintf(`
  enforce = { level = "restricted", version = "v1.33" }
  warn    = null
  overrides = {
    %q = { audit = { level = "baseline" } }
    %q = { enforce = { level = "privileged" }, warn = { level = "baseline", version = "v1.30" } }
  }`, f.plain, f.hostnet))
	f.plan()
	f.apply()
	f.expectLabels(map[string]map[string]string{
		f.clean:   psaLabels("restricted:v1.33", "restricted:latest", ""),
		f.plain:   psaLabels("baseline:v1.33", "baseline:latest", ""),
		f.hostnet: psaLabels("privileged:latest", "restricted:latest", "baseline:v1.30"),
	})
	f.expectOutput("below_target", map[string]any{f.plain: below("restricted", "baseline", 1, 2)})

	// Enforce everywhere: the namespace that breaks baseline gets it too.
	f.configure(`
  enforce_only_where_clean = false`)
	f.plan()
	f.apply()
	r := "restricted:latest"
	f.expectLabels(map[string]map[string]string{
		f.clean:   psaLabels("baseline:latest", r, r),
		f.plain:   psaLabels("baseline:latest", r, r),
		f.hostnet: psaLabels("baseline:latest", r, r),
	})
	f.expectOutput("below_target", map[string]any{})
	f.destroy(f.clean, f.plain, f.hostnet)
}

// TestAccModulePodSecurityBaseline_namespaceLifecycle: a namespace created
// later is exactly one new resource and nothing else changes; a namespace
// deleted outside Terraform leaves the state without anything to destroy,
// and the other namespaces keep their labels.
func TestAccModulePodSecurityBaseline_namespaceLifecycle(t *testing.T) {
	acctest.PreCheck(t)
	f := newBaselineFixture(t, "mod-life")
	r := "restricted:latest"
	f.configure("")
	f.plan()
	f.apply()

	added := f.clean + "-later"
	f.create(added)
	createPods(t, f.cp, added, restrictedPod("api"))
	if err := onlyChanges(f.plan(), map[string]tfjson.Action{
		baselineAddr(added):     tfjson.ActionCreate,
		baselineAddr(f.clean):   tfjson.ActionNoop,
		baselineAddr(f.plain):   tfjson.ActionNoop,
		baselineAddr(f.hostnet): tfjson.ActionNoop,
	}); err != nil {
		t.Fatal(err)
	}
	f.apply()
	f.expectLabels(map[string]map[string]string{added: psaLabels("baseline:latest", r, r)})

	if err := f.cp.DeleteNamespace(context.Background(), f.plain); err != nil {
		t.Fatal(err)
	}
	// Nothing to destroy or change: the refresh has dropped it.
	if err := onlyChanges(f.plan(), map[string]tfjson.Action{
		baselineAddr(added): tfjson.ActionNoop, baselineAddr(f.clean): tfjson.ActionNoop, baselineAddr(f.hostnet): tfjson.ActionNoop,
	}); err != nil {
		t.Fatal(err)
	}
	f.apply()
	if list := f.cli.MustRun("state", "list"); strings.Contains(list, f.plain) {
		t.Errorf("the deleted namespace is still in state:\n%s", list)
	}
	f.expectLabels(map[string]map[string]string{
		added: psaLabels("baseline:latest", r, r), f.clean: psaLabels("baseline:latest", r, r), f.hostnet: psaLabels("", r, r),
	})
	f.destroy(added, f.clean, f.hostnet)
}

// TestAccModulePodSecurityBaseline_badInputs: each bad input is refused by
// the module's validation, with its message, before anything is read or
// written.
func TestAccModulePodSecurityBaseline_badInputs(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	cli := newTerraformCLI(t)
	source := moduleSource(t, "pod-security-baseline")
	cases := []struct{ name, args, want string }{
		{"level", `enforce = { level = "strict" }`, `enforce.level must be "privileged", "baseline" or "restricted"`},
		{"level capitalised", `audit = { level = "Baseline" }`, `audit.level must be "privileged", "baseline" or "restricted"`},
		{"version without v", `warn = { level = "restricted", version = "1.30" }`, `warn.version must be "latest" or "v1.N" with no leading zero`},
		{"version leading zero", `enforce = { level = "baseline", version = "v1.030" }`, `enforce.version must be "latest" or "v1.N"`},
		{"override level", `overrides = { web = { warn = { level = "none" } } }`, `overrides: every level must be`},
		{"override version", `overrides = { web = { audit = { level = "baseline", version = "v2.0" } } }`, `overrides: every version must be`},
		{"override key", `overrides = { Web_App = { enforce = { level = "baseline" } } }`, `overrides: every key must be a namespace name`},
	}
	for i, c := range cases {
		cli.WriteConfig(fmt.Sprintf("provider \"kubeharden\" {\n  kubernetes { host = \"https://127.0.0.1:1\" }\n}\n"+
			"module \"baseline\" {\n  source = %q\n  %s\n}\n", source, c.args))
		if i == 0 {
			cli.MustRun("get", "-no-color")
		}
		stdout, stderr, code := cli.Run("validate", "-no-color")
		if code == 0 || !acctest.ErrorText(c.want).MatchString(stdout+stderr) {
			t.Errorf("%s: terraform validate exited %d, want an error saying %q:\n%s%s", c.name, code, c.want, stdout, stderr)
		}
	}
}

// TestAccModulePodSecurityBaseline_sameRun: the cluster's connection is not
// known at plan time (a terraform_data stands for the resource that creates
// the cluster and yields its kubeconfig). With `namespaces` the for_each
// keys are known, and depends_on defers the data source to apply: one
// apply converges, and the next plan, which reads the cluster, is empty.
func TestAccModulePodSecurityBaseline_sameRun(t *testing.T) {
	acctest.PreCheck(t)
	f := newBaselineFixture(t, "mod-same")
	f.cli.WriteConfig(fmt.Sprintf(`
resource "terraform_data" "cluster" {
  input = %q
}

provider "kubeharden" {
  kubernetes {
    config_path = terraform_data.cluster.output
  }
}

module "baseline" {
  source         = %q
  label_selector = %q
  namespaces     = [%q, %q, %q]
  depends_on     = [terraform_data.cluster]
}

output "below_target" {
  value = module.baseline.below_target
}
`, f.cp.KubeconfigPath, moduleSource(t, "pod-security-baseline"), f.markKey, f.clean, f.plain, f.hostnet))
	f.cli.MustRun("get", "-no-color")
	if err := onlyChanges(f.plan(), map[string]tfjson.Action{
		"terraform_data.cluster": tfjson.ActionCreate,
		baselineAddr(f.clean):    tfjson.ActionCreate, baselineAddr(f.plain): tfjson.ActionCreate, baselineAddr(f.hostnet): tfjson.ActionCreate,
	}); err != nil {
		t.Fatal(err)
	}
	f.apply()
	r := "restricted:latest"
	f.expectLabels(map[string]map[string]string{
		f.clean:   psaLabels("baseline:latest", r, r),
		f.plain:   psaLabels("baseline:latest", r, r),
		f.hostnet: psaLabels("", r, r),
	})
	f.expectOutput("below_target", map[string]any{f.hostnet: below("baseline", nil, 1, 1)})
	f.destroy(f.clean, f.plain, f.hostnet)
}
