package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	authv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// secretAttributeNames are the provider attributes that hold credentials.
var secretAttributeNames = map[string]bool{"token": true, "client_key": true, "credentials": true, "access_token": true, "client_secret": true}

// TestProviderSchema_secretsSensitive checks that every credential attribute
// of the provider block, at any depth, is marked Sensitive, so Terraform
// redacts it in plans and output.
func TestProviderSchema_secretsSensitive(t *testing.T) {
	var resp fwprovider.SchemaResponse
	New("test")().Schema(context.Background(), fwprovider.SchemaRequest{}, &resp)
	found := 0
	var walk func(prefix string, attrs map[string]schema.Attribute, blocks map[string]schema.Block)
	walk = func(prefix string, attrs map[string]schema.Attribute, blocks map[string]schema.Block) {
		for name, a := range attrs {
			if secretAttributeNames[name] {
				found++
				if !a.IsSensitive() {
					t.Errorf("provider attribute %s%s holds a credential but is not Sensitive", prefix, name)
				}
			}
		}
		for name, b := range blocks {
			nb, ok := b.(schema.SingleNestedBlock)
			if !ok {
				t.Fatalf("provider block %s%s is a %T, which this test does not walk", prefix, name, b)
			}
			walk(prefix+name+".", nb.Attributes, nb.Blocks)
		}
	}
	walk("", resp.Schema.Attributes, resp.Schema.Blocks)
	// kubernetes.token, kubernetes.client_key, google.credentials, google.access_token, azure.client_secret.
	if found != 5 {
		t.Errorf("found %d credential attributes, want 5: update secretAttributeNames or this count", found)
	}
}

// TestAccProvider_secretsHygiene runs the real Terraform CLI against a provider
// binary built from this tree, authenticating with a bearer token and a
// client key, and searches everything Terraform writes (the TRACE log, the
// plan JSON, the state) for those two secrets. They are given once as
// literals in the provider block and once through the environment.
func TestAccProvider_secretsHygiene(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	token := secretsHygieneAdminToken(t, cp)
	needles := map[string]string{"token": token}
	for i, line := range pemBodyLines(t, cp.PKI.AdminKey) {
		needles[fmt.Sprintf("client key line %d", i+1)] = line
	}
	needles["client key body"] = strings.Join(pemBodyLines(t, cp.PKI.AdminKey), "")

	// config: literals in the provider block; env: KUBE_TOKEN and
	// KUBE_CLIENT_KEY_DATA; variable: sensitive root variables set through
	// TF_VAR_*, the other common way, reported for the guide.
	for _, via := range []string{"config", "env", "variable"} {
		t.Run(via, func(t *testing.T) {
			ns := acctest.UniqueName("hygiene-" + via)
			if err := cp.CreateNamespace(context.Background(), ns, nil); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cp.DeleteNamespace(context.Background(), ns) })
			creds, vars := "", ""
			env := []string{}
			switch via {
			case "config":
				creds = fmt.Sprintf("    token              = %q\n    client_certificate = %q\n    client_key         = %q\n",
					token, cp.PKI.AdminCert, cp.PKI.AdminKey)
			case "env":
				env = append(env, "KUBE_TOKEN="+token, "KUBE_CLIENT_CERT_DATA="+string(cp.PKI.AdminCert), "KUBE_CLIENT_KEY_DATA="+string(cp.PKI.AdminKey))
			case "variable":
				vars = "variable \"kube_token\" {\n  sensitive = true\n}\nvariable \"kube_client_key\" {\n  sensitive = true\n}\n"
				creds = fmt.Sprintf("    token              = var.kube_token\n    client_certificate = %q\n    client_key         = var.kube_client_key\n", cp.PKI.AdminCert)
				env = append(env, "TF_VAR_kube_token="+token, "TF_VAR_kube_client_key="+string(cp.PKI.AdminKey))
			}
			cli := newTerraformCLI(t)
			cli.WriteConfig(fmt.Sprintf(`%sprovider "kubeharden" {
  kubernetes {
    host                   = %q
    cluster_ca_certificate = %q
%s  }
}
resource "kubeharden_namespace_pod_security" "this" {
  namespace = %q
  enforce   = { level = "baseline" }
  warn      = { level = "restricted" }
}
data "kubeharden_cluster" "this" {}
output "version" { value = data.kubeharden_cluster.this.version }
`, vars, cp.Host, cp.PKI.CACertPEM, creds, ns))
			work := cli.Dir
			cli.Env = append(env, "TF_LOG=TRACE", "TF_LOG_PATH="+filepath.Join(work, "trace.log"))
			tf := func(args ...string) []byte { return []byte(cli.MustRun(args...)) }
			tf("plan", "-no-color", "-out=tfplan")
			planJSON := tf("show", "-json", "tfplan")
			if err := os.WriteFile(filepath.Join(work, "plan.json"), planJSON, 0o600); err != nil {
				t.Fatal(err)
			}
			stdout := tf("apply", "-no-color", "tfplan")
			if !bytes.Contains(stdout, []byte("Apply complete!")) {
				t.Fatalf("apply did not complete:\n%s", stdout)
			}
			live, err := cp.Clientset.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := live.Labels["pod-security.kubernetes.io/enforce"]; got != "baseline" {
				t.Fatalf("the apply did not reach the cluster: enforce label is %q", got)
			}

			artifacts := map[string][]byte{}
			for _, name := range []string{"terraform.tfstate", "plan.json", "trace.log"} {
				b, err := os.ReadFile(filepath.Join(work, name))
				if err != nil {
					t.Fatal(err)
				}
				artifacts[name] = b
			}
			if len(artifacts["trace.log"]) < 100_000 || !bytes.Contains(artifacts["trace.log"], []byte("[TRACE]")) {
				t.Fatalf("the TRACE log is suspiciously small (%d bytes): TF_LOG did not take effect", len(artifacts["trace.log"]))
			}
			// The provider's own logs reach it too (it switches them off
			// only when no TF_LOG* variable is set).
			if !bytes.Contains(artifacts["trace.log"], []byte("provider.terraform-provider-kubeharden")) ||
				!bytes.Contains(artifacts["trace.log"], []byte("Kubernetes client configured")) {
				t.Fatal("the TRACE log holds no log line of the provider")
			}
			total := 0
			for _, name := range []string{"terraform.tfstate", "trace.log"} {
				n := countNeedles(t, name, artifacts[name], needles)
				t.Logf("%s (%d bytes): %d occurrence(s) of the token or the client key", name, len(artifacts[name]), n)
				total += n
			}
			// Terraform, not the provider, copies literal expressions of
			// the configuration into the plan JSON's "configuration"
			// section (constant_value), Sensitive or not, and the values of
			// root variables into "variables". Those places are counted
			// apart; anywhere else in the plan JSON is a leak.
			n := countNeedles(t, "plan.json", artifacts["plan.json"], needles)
			rest, known := planJSONWithoutConfigCopies(t, artifacts["plan.json"], needles)
			elsewhere := countNeedles(t, "plan.json outside those places", rest, needles)
			t.Logf("plan.json (%d bytes): %d occurrence(s): %d in Terraform's copy of the configuration or variables [%s], %d elsewhere",
				len(artifacts["plan.json"]), n, n-elsewhere, strings.Join(known, ", "), elsewhere)
			total += elsewhere
			if via == "env" && n != 0 {
				t.Errorf("with credentials from the environment, the plan JSON must hold none; it holds %d", n)
			}
			// The binary plan file is not in the list: it embeds a
			// snapshot of the configuration and the variables' values by
			// Terraform's design. Report, do not assert (except for env).
			planFileHits := countInPlanFile(t, filepath.Join(work, "tfplan"), needles)
			t.Logf("binary plan file tfplan: %d occurrence(s) (Terraform's configuration snapshot and variable values)", planFileHits)
			if via == "env" && planFileHits != 0 {
				t.Errorf("with credentials from the environment, the plan file must hold none; it holds %d", planFileHits)
			}
			if total != 0 {
				t.Errorf("secrets found in state, plan JSON (outside Terraform's configuration copy) or TRACE log: %d occurrence(s) in all (want 0)", total)
			}
		})
	}
}

// planJSONWithoutConfigCopies removes from a plan JSON the places where
// Terraform itself copies configuration: the provider block's literal
// expressions and the root variables' values. It returns the rest, and the
// JSON paths it found secrets at.
func planJSONWithoutConfigCopies(t *testing.T, b []byte, needles map[string]string) ([]byte, []string) {
	t.Helper()
	var plan map[string]any
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatalf("parsing the plan JSON: %v", err)
	}
	var found []string
	hasSecret := func(v any) bool {
		s, _ := json.Marshal(v)
		for _, n := range needles {
			if bytes.Contains(s, []byte(n)) {
				return true
			}
		}
		return false
	}
	if vars, ok := plan["variables"].(map[string]any); ok {
		for name, v := range vars {
			if hasSecret(v) {
				found = append(found, "variables."+name+".value")
				delete(vars, name)
			}
		}
	}
	cfg, _ := plan["configuration"].(map[string]any)
	pc, _ := cfg["provider_config"].(map[string]any)
	kh, _ := pc["kubeharden"].(map[string]any)
	exprs, _ := kh["expressions"].(map[string]any)
	// A single nested block is rendered as an object.
	if m, ok := exprs["kubernetes"].(map[string]any); ok {
		for attr, v := range m {
			if hasSecret(v) {
				found = append(found, "configuration.provider_config.kubeharden.expressions.kubernetes."+attr+".constant_value")
				delete(m, attr)
			}
		}
	}
	rest, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(found)
	return rest, found
}

// countNeedles counts the occurrences of every needle in b, and logs where.
func countNeedles(t *testing.T, artifact string, b []byte, needles map[string]string) int {
	t.Helper()
	n := 0
	for what, needle := range needles {
		if c := bytes.Count(b, []byte(needle)); c > 0 {
			t.Logf("  %s contains the %s %d time(s), e.g. at byte %d: ...%s...", artifact, what, c, bytes.Index(b, []byte(needle)),
				around(b, bytes.Index(b, []byte(needle)), 80))
			n += c
		}
	}
	return n
}

func around(b []byte, i, width int) string {
	lo, hi := max(0, i-width), min(len(b), i+width)
	return strings.ReplaceAll(string(b[lo:hi]), "\n", `\n`)
}

// countInPlanFile counts needles in every member of the plan file (a zip).
func countInPlanFile(t *testing.T, path string, needles map[string]string) int {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("opening the plan file: %v", err)
	}
	defer zr.Close()
	n := 0
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		n += countNeedles(t, "tfplan:"+f.Name, b, needles)
	}
	return n
}

// pemBodyLines returns the base64 lines of a PEM block's body.
func pemBodyLines(t *testing.T, p []byte) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(p)), "\n") {
		if line == "" || strings.HasPrefix(line, "-----") || strings.Contains(line, ":") {
			continue
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		t.Fatal("the PEM has no body")
	}
	return out
}

// secretsHygieneAdminToken returns a ServiceAccount token (TokenRequest API)
// of an identity bound to cluster-admin, once the authorizer sees the binding.
func secretsHygieneAdminToken(t *testing.T, cp *acctest.ControlPlane) string {
	t.Helper()
	ctx := context.Background()
	ns := acctest.UniqueName("hygiene-sa")
	if err := cp.CreateNamespace(ctx, ns, nil); err != nil {
		t.Fatal(err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-cluster-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}},
	}
	if _, err := cp.Clientset.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cp.Clientset.RbacV1().ClusterRoleBindings().Delete(context.Background(), crb.Name, metav1.DeleteOptions{})
		_ = cp.DeleteNamespace(context.Background(), ns)
	})
	tok, err := cp.Clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := waitAllowed(cp, authorizationv1.SubjectAccessReviewSpec{
		User: "system:serviceaccount:" + ns + ":default", Groups: []string{"system:serviceaccounts", "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "patch", Resource: "namespaces"},
	}); err != nil {
		t.Fatal(err)
	}
	return tok.Status.Token
}
