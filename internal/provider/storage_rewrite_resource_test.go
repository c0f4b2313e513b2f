package provider

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
	"github.com/kubeharden/terraform-provider-kubeharden/internal/rewrite"
)

const rewriteAddr = "kubeharden_storage_rewrite.this"

// widgetKind is a custom resource of its own per test, so that counts on the
// shared control plane are exact whatever other tests do.
type widgetKind struct {
	group string
	gvr   schema.GroupVersionResource
	dyn   dynamic.Interface
}

func (w widgetKind) name() string { return "widgets." + w.group }

// newWidgetKind creates a namespaced CRD "widgets.<group>" and n objects in
// two namespaces, and waits until the API serves them.
func newWidgetKind(t *testing.T, cp *acctest.ControlPlane, n int) widgetKind {
	t.Helper()
	ctx := context.Background()
	group := acctest.UniqueName("rw") + ".kubeharden.test"
	dyn, err := dynamic.NewForConfig(cp.REST)
	if err != nil {
		t.Fatal(err)
	}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets." + group},
		"spec": map[string]any{
			"group": group, "scope": "Namespaced",
			"names": map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true, "schema": map[string]any{
				"openAPIV3Schema": map[string]any{"type": "object", "properties": map[string]any{
					"spec": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true},
				}},
			}}},
		},
	}}
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = dyn.Resource(crdGVR).Delete(context.Background(), "widgets."+group, metav1.DeleteOptions{})
	})
	w := widgetKind{group: group, gvr: schema.GroupVersionResource{Group: group, Version: "v1", Resource: "widgets"}, dyn: dyn}
	namespaces := []string{acctest.UniqueName("rw-a"), acctest.UniqueName("rw-b")}
	for _, ns := range namespaces {
		if err := cp.CreateNamespace(ctx, ns, nil); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cp.Clientset.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
		})
	}
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; i < n; i++ {
		ns := namespaces[i%2]
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": group + "/v1", "kind": "Widget",
			"metadata": map[string]any{"name": fmt.Sprintf("w-%04d", i), "namespace": ns},
			"spec":     map[string]any{"value": fmt.Sprintf("payload-%d", i)},
		}}
		for {
			_, err := dyn.Resource(w.gvr).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
			if err == nil {
				break
			}
			// The CRD is served a moment after it is created.
			if !apierrors.IsNotFound(err) || time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return w
}

// snapshot returns each object's spec and resourceVersion by namespace/name.
func (w widgetKind) snapshot(t *testing.T) (specs, versions map[string]string) {
	t.Helper()
	specs, versions = map[string]string{}, map[string]string{}
	list, err := w.dyn.Resource(w.gvr).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Items {
		k := o.GetNamespace() + "/" + o.GetName()
		specs[k] = fmt.Sprint(o.Object["spec"])
		versions[k] = o.GetResourceVersion()
	}
	return specs, versions
}

func fastProvider(cp *acctest.ControlPlane) string {
	return fmt.Sprintf(`
provider "kubeharden" {
  kubernetes {
    config_path = %q
    qps         = 500
    burst       = 1000
  }
}
`, cp.KubeconfigPath)
}

// TestAccStorageRewrite_basic rewrites more objects than fit in one list page,
// runs again when triggers change, leaves every object's content as it
// was, and does nothing on destroy.
func TestAccStorageRewrite_basic(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	const n = 520 // two pages of 500
	w := newWidgetKind(t, cp, n)
	before, _ := w.snapshot(t)
	cfg := func(trigger string) string {
		return fastProvider(cp) + fmt.Sprintf(`
resource "kubeharden_storage_rewrite" "this" {
  resources = [%q]
  triggers  = { rotation = %q }
}
`, w.name(), trigger)
	}
	unchanged := func(*terraform.State) error {
		after, _ := w.snapshot(t)
		if len(after) != n {
			return fmt.Errorf("%d objects after the rewrite, want %d", len(after), n)
		}
		for k, v := range before {
			if after[k] != v {
				return fmt.Errorf("%s: spec %s became %s", k, v, after[k])
			}
		}
		return nil
	}
	counts := func(rewritten int64) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("rewritten"), knownvalue.Int64Exact(rewritten)),
			statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("skipped"), knownvalue.Int64Exact(0)),
			statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("failed"), knownvalue.Int64Exact(0)),
			statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("resources"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(w.name())})),
			statecheck.ExpectKnownValue(rewriteAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             unchanged,
		Steps: []resource.TestStep{
			{
				Config:            cfg("one"),
				ConfigStateChecks: counts(n),
				Check:             unchanged,
			},
			{
				Config: cfg("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rewriteAddr, plancheck.ResourceActionReplace),
				}},
				ConfigStateChecks: counts(n),
				Check:             unchanged,
			},
			{
				// Read keeps the state: nothing to do.
				Config:           cfg("two"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccStorageRewrite_badInputs: each bad value fails at plan time with
// its attribute path, before anything is written.
func TestAccStorageRewrite_badInputs(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	cfg := func(body string) string {
		return cp.ProviderConfig() + "resource \"kubeharden_storage_rewrite\" \"this\" {\n" + body + "\n}\n"
	}
	cases := []struct {
		body string
		want *regexp.Regexp
	}{
		{`resources = []`, errorWith("Attribute resources list must contain at least 1 elements")},
		{`resources = ["Secrets"]`, errorWith("Attribute resources[0] must be a lower-case plural resource name")},
		{`resources = ["*"]`, errorWith("Attribute resources[0] must be a lower-case plural resource name")},
		{`resources = ["*.apps"]`, errorWith("Attribute resources[0] must be a lower-case plural resource name")},
		{`resources = ["pods/status"]`, errorWith("Attribute resources[0] must be a lower-case plural resource name")},
		{`resources = [""]`, errorWith("Attribute resources[0] must be a lower-case plural resource name")},
		{`resources = ["secrets", "secrets"]`, errorWith("Duplicate List Value", "This attribute contains duplicate values of: \"secrets\"")},
		{`encryption_config_sha256 = "abc"`, errorWith("Attribute encryption_config_sha256 must be a hex SHA-256")},
		{`encryption_config_sha256 = "` + strings.Repeat("A", 64) + `"`, errorWith("Attribute encryption_config_sha256 must be a hex SHA-256")},
		// Checked against the cluster's discovery at plan time.
		{`resources = ["secrets", "nosuchthings"]`, errorWith(`resources[1] "nosuchthings": the API server serves no such resource`)},
		{`resources = ["componentstatuses"]`, errorWith(`resources[0] "componentstatuses": componentstatuses does not support [update]`)},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: cfg(tc.body), PlanOnly: true, ExpectError: tc.want})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccStorageRewrite_waitTimesOut: a configuration the API server never
// loads ends at the create timeout with an error that says what it reports.
func TestAccStorageRewrite_waitTimesOut(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: cp.ProviderConfig() + `
resource "kubeharden_storage_rewrite" "this" {
  encryption_config_sha256 = "` + strings.Repeat("0", 64) + `"
  timeouts { create = "3s" }
}`,
			ExpectError: errorWith("Encryption Configuration Not Loaded", "kube-apiserver did not load the encryption configuration with sha256 "+strings.Repeat("0", 64),
				"no encryption configuration at all", "--encryption-provider-config-automatic-reload=true"),
		}},
	})
}

// TestAccStorageRewrite_preconditions runs the rewrite engine against the
// real API server: an object changed after the list is never reverted to
// the listed (older) content, and a rewrite interrupted midway and run
// again completes with every object's content byte-identical.
func TestAccStorageRewrite_preconditions(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ctx := context.Background()
	const n = 60
	w := newWidgetKind(t, cp, n)
	target := rewrite.Target{Name: w.name(), GVR: w.gvr, Namespaced: true}

	// Sequential updates of pages of 20: after the first object, change the
	// tenth behind the rewrite's back. Its update then carries a stale
	// resourceVersion, is refused, read again, and written fresh.
	list, err := w.dyn.Resource(w.gvr).List(ctx, metav1.ListOptions{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	victim := list.Items[9]
	var once sync.Once
	var res rewrite.Result
	err = rewrite.Run(ctx, w.dyn, target, rewrite.Options{PageSize: 20, Workers: 1, AfterUpdate: func() {
		once.Do(func() {
			fresh, err := w.dyn.Resource(w.gvr).Namespace(victim.GetNamespace()).Get(ctx, victim.GetName(), metav1.GetOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			fresh.Object["spec"] = map[string]any{"value": "changed-meanwhile"}
			if _, err := w.dyn.Resource(w.gvr).Namespace(victim.GetNamespace()).Update(ctx, fresh, metav1.UpdateOptions{}); err != nil {
				t.Error(err)
			}
		})
	}}, &res)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rewritten != n || res.Failed != 0 || res.Skipped != 0 {
		t.Errorf("result %+v, want %d rewritten", res, n)
	}
	got, err := w.dyn.Resource(w.gvr).Namespace(victim.GetNamespace()).Get(ctx, victim.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := fmt.Sprint(got.Object["spec"]); v != "map[value:changed-meanwhile]" {
		t.Errorf("%s holds %s: the rewrite wrote an older version over a newer one", victim.GetName(), v)
	}

	// Interrupt after 25 objects, as a killed apply would, then run again.
	before, _ := w.snapshot(t)
	cctx, cancel := context.WithCancel(ctx)
	var mu sync.Mutex
	done := 0
	var partial rewrite.Result
	err = rewrite.Run(cctx, w.dyn, target, rewrite.Options{PageSize: 20, AfterUpdate: func() {
		mu.Lock()
		defer mu.Unlock()
		if done++; done == 25 {
			cancel()
		}
	}}, &partial)
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted rewrite: %v", err)
	}
	if partial.Rewritten >= n {
		t.Errorf("the interrupted rewrite did everything: %+v", partial)
	}
	var again rewrite.Result
	if err := rewrite.Run(ctx, w.dyn, target, rewrite.Options{}, &again); err != nil {
		t.Fatal(err)
	}
	if again.Rewritten != n || again.Failed != 0 {
		t.Errorf("second run %+v", again)
	}
	after, _ := w.snapshot(t)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %s became %s", k, v, after[k])
		}
	}
}

// storedSecret is what a test remembers of a Secret to compare it later.
type storedSecret struct {
	data            map[string][]byte
	resourceVersion string
}

// createSecrets creates n Secrets of random bytes spread over namespaces,
// eight at a time, and returns them by "namespace/name".
func createSecrets(t *testing.T, cp *acctest.ControlPlane, namespaces []string, n int) map[string]storedSecret {
	t.Helper()
	ctx := context.Background()
	out := make(map[string]storedSecret, n)
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		ns := namespaces[i%len(namespaces)]
		data := map[string][]byte{"bytes": make([]byte, 48), "text": []byte(fmt.Sprintf("secret number %d\n", i))}
		_, _ = rand.Read(data["bytes"])
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("s-%04d", i), Namespace: ns}, Data: data}
			got, err := cp.Clientset.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			out[ns+"/"+got.Name] = storedSecret{data: got.Data, resourceVersion: got.ResourceVersion}
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return out
}

// compareSecrets reads every Secret of want through the API and returns how
// each differs from it: data not byte-identical, or missing.
func compareSecrets(cp *acctest.ControlPlane, want map[string]storedSecret) []string {
	ctx := context.Background()
	var diffs []string
	for key, w := range want {
		ns, name, _ := strings.Cut(key, "/")
		got, err := cp.Clientset.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			diffs = append(diffs, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		if !reflect.DeepEqual(got.Data, w.data) {
			diffs = append(diffs, fmt.Sprintf("%s: data %q, want %q", key, got.Data, w.data))
		}
	}
	slices.Sort(diffs)
	return diffs
}

// TestAccStorageRewrite_providerKilled kills the provider process (SIGKILL)
// in the middle of a rewrite of 1200 Secrets, driven by the real Terraform
// CLI through the fault proxy. The failed apply leaves no claim in state
// and every Secret as it was; the next apply, during which another writer
// changes one Secret between the list and its update (a real 409),
// rewrites everything, keeps the newer data of that Secret, and leaves an
// empty plan. Secrets are compared byte for byte through the API.
// providerDied matches the errors Terraform gives when its provider
// process dies during a call (see TestAccStorageRewrite_providerKilled).
var providerDied = regexp.MustCompile(`Plugin did not respond|plugin exited|Request cancelled`)

func TestAccStorageRewrite_providerKilled(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	t.Parallel()
	ctx := context.Background()
	const n, killAt = 1200, 300
	namespaces := []string{acctest.UniqueName("kill-a"), acctest.UniqueName("kill-b"), acctest.UniqueName("kill-c")}
	for _, ns := range namespaces {
		if err := cp.CreateNamespace(ctx, ns, nil); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), ns) })
	}
	secrets := createSecrets(t, cp, namespaces, n)
	proxy, err := acctest.NewFaultProxy(cp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	ours := regexp.MustCompile("^/api/v1/namespaces/(" + strings.Join(namespaces, "|") + ")/secrets/[^/]+$")
	countOurs := func() int {
		total := 0
		for key := range secrets {
			ns, name, _ := strings.Cut(key, "/")
			total += proxy.Count("PUT", "/api/v1/namespaces/"+ns+"/secrets/"+name)
		}
		return total
	}

	cli := newTerraformCLI(t)
	cli.WriteConfig(proxy.ProviderConfig("qps = 200", "burst = 400") + `
resource "kubeharden_storage_rewrite" "this" {
  resources = ["secrets"]
}
`)

	// The killAt-th update of one of our Secrets kills the provider; that
	// request still reaches the API server, as one in flight would.
	var seen, killed atomic.Int32
	proxy.Add("PUT", ours.String(), acctest.Fault{Kind: acctest.Before, Times: killAt, Before: func(*http.Request) {
		if seen.Add(1) == killAt {
			killed.Store(int32(cli.KillProvider()))
		}
	}})
	stdout, stderr, code := cli.Run("apply", "-auto-approve", "-no-color")
	if killed.Load() == 0 {
		t.Fatalf("no provider process was found to kill (apply exited %d):\n%s%s", code, stdout, stderr)
	}
	if code == 0 {
		t.Fatalf("apply succeeded although its provider was killed:\n%s", stdout)
	}
	// Terraform reports a plugin that died mid-call in one of two ways,
	// depending on which its gRPC client notices first: the transport
	// breaking (Unavailable: "Plugin did not respond") or go-plugin closing
	// the connection after the process exited (Canceled: "Request
	// cancelled"; nothing here interrupts Terraform, so it can only come
	// from the death). Either must name the apply call.
	if !providerDied.MatchString(stderr) || !strings.Contains(stderr, "ApplyResourceChange") {
		t.Errorf("apply's error does not say the provider died during ApplyResourceChange:\n%s", stderr)
	}
	updated := countOurs()
	t.Logf("provider killed after %d of %d Secret updates; terraform exited %d (%q)", updated, n, code, providerDied.FindString(stderr))
	if updated >= n {
		t.Fatalf("the kill came too late: all %d Secrets were updated", n)
	}
	// Nothing in state claims a rewrite that did not finish.
	if list, _, _ := cli.Run("state", "list"); strings.Contains(list, "kubeharden_storage_rewrite.this") {
		t.Errorf("state claims the rewrite although the provider died mid-way:\n%s", list)
	}
	if diffs := compareSecrets(cp, secrets); len(diffs) > 0 {
		t.Fatalf("after the kill, %d Secret(s) differ, e.g.:\n%s", len(diffs), strings.Join(diffs[:min(5, len(diffs))], "\n"))
	}

	// Run again. Another writer changes one Secret just before the
	// provider's update of it reaches the API server: the update carries
	// the listed resourceVersion, is refused (409), and the fresh copy is
	// written; the newer data must survive.
	victim := namespaces[1] + "/s-1000"
	victimNS, victimName, _ := strings.Cut(victim, "/")
	victimPath := "/api/v1/namespaces/" + victimNS + "/secrets/" + victimName
	newer := map[string][]byte{"bytes": []byte("written by another controller meanwhile"), "text": []byte("newer\n")}
	conflict := proxy.Add("PUT", "^"+regexp.QuoteMeta(victimPath)+"$", acctest.Fault{Kind: acctest.Before, Times: 1, Before: func(*http.Request) {
		s, err := cp.Clientset.CoreV1().Secrets(victimNS).Get(ctx, victimName, metav1.GetOptions{})
		if err == nil {
			s.Data = newer
			_, err = cp.Clientset.CoreV1().Secrets(victimNS).Update(ctx, s, metav1.UpdateOptions{FieldManager: "another-controller"})
		}
		if err != nil {
			t.Errorf("the concurrent writer failed: %v", err)
		}
	}})
	victimPUTs := proxy.Count("PUT", victimPath)
	before := countOurs()
	cli.MustRun("apply", "-auto-approve", "-no-color")
	if conflict.Hits() != 1 {
		t.Fatalf("the concurrent writer ran %d times, want 1", conflict.Hits())
	}
	if got := proxy.Count("PUT", victimPath) - victimPUTs; got != 2 {
		t.Errorf("the victim was PUT %d times in the second apply, want 2 (a refused stale update, then the fresh copy)", got)
	}
	if got := countOurs() - before; got != n+1 {
		t.Errorf("the second apply sent %d updates of our Secrets, want %d (each once, the victim twice)", got, n+1)
	}
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(cli.MustRun("show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	if len(state.Values.RootModule.Resources) != 1 {
		t.Fatalf("state holds %d resources, want the rewrite", len(state.Values.RootModule.Resources))
	}
	vals := state.Values.RootModule.Resources[0].Values
	// Other tests' Secrets on the shared control plane are rewritten too,
	// and some are skipped: other tests delete theirs meanwhile, and a
	// namespace deleted by a test's cleanup leaves its Secrets listed but
	// not writable (no namespace controller runs here), so "skipped" is not
	// checked; that each of ours was written is, through the proxy counts.
	if rewritten, _ := vals["rewritten"].(float64); rewritten < n || vals["failed"] != float64(0) {
		t.Errorf("state after the second apply: rewritten=%v skipped=%v failed=%v, want at least %d rewritten and none failed",
			vals["rewritten"], vals["skipped"], vals["failed"], n)
	}
	if _, _, code := cli.Run("plan", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Errorf("plan after the second apply exited %d, want 0 (empty)", code)
	}
	want := maps.Clone(secrets)
	want[victim] = storedSecret{data: newer}
	if diffs := compareSecrets(cp, want); len(diffs) > 0 {
		t.Errorf("after the second apply, %d Secret(s) differ, e.g.:\n%s", len(diffs), strings.Join(diffs[:min(5, len(diffs))], "\n"))
	}
}
