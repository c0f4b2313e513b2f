package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeharden/terraform-provider-kubeharden/internal/acctest"
)

// rotationEnv is a KMS v2 key rotation on a real kube-apiserver, for the
// action's tests: two KMS plugins, an encryption configuration file that
// kubeharden_encryption_config writes, and a control plane of its own
// started once the file exists, with Secrets created then (so stored with
// kms-a). After the rotation (kms-b first), only a rewrite stores them with
// kms-b, which etcd shows.
type rotationEnv struct {
	t                *testing.T
	pluginA, pluginB *acctest.KMSPlugin
	cfgPath, cpDir   string
	cp               *acctest.ControlPlane
	secrets          []testSecret
}

func newRotationEnv(t *testing.T) *rotationEnv {
	t.Helper()
	ctx := context.Background()
	e := &rotationEnv{t: t}
	var err error
	if e.pluginA, err = acctest.StartKMSPlugin(ctx, "key-a-1"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.pluginA.Stop)
	if e.pluginB, err = acctest.StartKMSPlugin(ctx, "key-b-1"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.pluginB.Stop)
	// A short folder: the KMS plugins' unix sockets have a 108-byte limit.
	work, err := acctest.TempDir("kubeharden-act-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	e.cfgPath = filepath.Join(work, "enc", "encryption-config.yaml")
	e.cpDir = filepath.Join(work, "cp")
	if err := os.MkdirAll(e.cpDir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if e.cp != nil {
			if t.Failed() {
				t.Logf("kube-apiserver log:\n%s", e.cp.LogTail(40))
			}
			e.cp.Stop()
		}
	})
	random := make([]byte, 12)
	_, _ = rand.Read(random)
	for i, s := range []struct{ ns, name string }{{"act-one", "db-password"}, {"act-one", "api-token"}, {"act-two", "tls"}} {
		e.secrets = append(e.secrets, testSecret{s.ns, s.name, fmt.Sprintf("plaintext-%s-%d", hex.EncodeToString(random), i)})
	}
	return e
}

// provider is the provider block, for the control plane started later.
func (e *rotationEnv) provider() string {
	return fmt.Sprintf("provider \"kubeharden\" {\n  kubernetes {\n    config_path = %q\n  }\n}\n", filepath.Join(e.cpDir, "kubeconfig"))
}

// before is the configuration before the rotation: kms-a only.
func (e *rotationEnv) before() string {
	return e.provider() + fmt.Sprintf(`
resource "kubeharden_encryption_config" "this" {
  path = %q
  kms  = [{ name = "kms-a", endpoint = %q }]
}
`, e.cfgPath, e.pluginA.Endpoint)
}

// rotated is the configuration after the rotation, kms-b first; lifecycle
// goes into the resource's body.
func (e *rotationEnv) rotated(lifecycle string) string {
	return e.provider() + fmt.Sprintf(`
resource "kubeharden_encryption_config" "this" {
  path = %q
  kms  = [
    { name = "kms-b", endpoint = %q },
    { name = "kms-a", endpoint = %q },
  ]
%s}
`, e.cfgPath, e.pluginB.Endpoint, e.pluginA.Endpoint, lifecycle)
}

// startCluster starts the control plane on the file, and creates the Secrets.
func (e *rotationEnv) startCluster() {
	e.t.Helper()
	ctx := context.Background()
	var err error
	e.cp, err = acctest.StartControlPlane(ctx, acctest.Options{Dir: e.cpDir, Logf: e.t.Logf, ExtraAPIServerArgs: []string{
		"--encryption-provider-config=" + e.cfgPath,
		"--encryption-provider-config-automatic-reload=true",
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, s := range e.secrets {
		if err := e.cp.CreateNamespace(ctx, s.ns, nil); err != nil {
			e.t.Fatal(err)
		}
		sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.ns}, Data: map[string][]byte{"value": []byte(s.value)}}
		if _, err := e.cp.Clientset.CoreV1().Secrets(s.ns).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// checkStored checks every Secret as etcd holds it: encrypted by provider,
// no plaintext, and read back through the API with its original data.
func (e *rotationEnv) checkStored(provider string) error {
	ctx := context.Background()
	prefix := []byte("k8s:enc:kms:v2:" + provider + ":")
	for _, s := range e.secrets {
		raw, err := etcdRaw(ctx, e.cp.EtcdEndpoint, "/registry/secrets/"+s.ns+"/"+s.name)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(raw, prefix) {
			return fmt.Errorf("secret %s/%s is stored as %q..., want the prefix %q", s.ns, s.name, raw[:min(len(raw), 40)], prefix)
		}
		if bytes.Contains(raw, []byte(s.value)) {
			return fmt.Errorf("secret %s/%s: the plaintext is in etcd", s.ns, s.name)
		}
		got, err := e.cp.Clientset.CoreV1().Secrets(s.ns).Get(ctx, s.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if string(got.Data["value"]) != s.value {
			return fmt.Errorf("secret %s/%s reads back as %q, want %q", s.ns, s.name, got.Data["value"], s.value)
		}
	}
	return nil
}

// rewriteAction is the action block; config is its config body.
func rewriteAction(config string) string {
	return fmt.Sprintf("\naction \"kubeharden_storage_rewrite\" \"this\" {\n  config {\n%s\n  }\n}\n", config)
}

// TestAccStorageRewriteAction_trigger runs the action from an
// action_trigger in the encryption configuration's lifecycle: the rotation
// updates the file, the action waits until kube-apiserver has loaded it
// (caller.sha256, the triggering resource's new checksum), and rewrites
// the Secrets, which etcd then holds encrypted by the new first provider.
func TestAccStorageRewriteAction_trigger(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	e := newRotationEnv(t)
	trigger := `
  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.kubeharden_storage_rewrite.this]
    }
  }
`
	action := rewriteAction(`    resources                = ["secrets"]
    encryption_config_sha256 = caller.sha256`)
	resource.Test(t, resource.TestCase{
		// caller, the triggering resource in the action's configuration, is
		// Terraform 1.16's.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(version.Must(version.NewVersion("1.16.0")))},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The file, before any API server reads it. (An action block
				// that uses caller can only be triggered, so it comes with
				// its trigger.)
				Config: e.before(),
			},
			{
				PreConfig: func() {
					e.startCluster()
					if err := e.checkStored("kms-a"); err != nil {
						t.Fatalf("before the rotation: %v", err)
					}
				},
				Config: e.rotated(trigger) + action,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(encAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if err := e.checkStored("kms-b"); err != nil {
						return fmt.Errorf("after the rotation and its action: %w", err)
					}
					if e.pluginB.Encrypts() == 0 {
						return fmt.Errorf("kms-b's plugin was never asked to encrypt")
					}
					return nil
				},
			},
		},
	})
}

// TestAccStorageRewriteAction_invoke runs the action with the real CLI's
// `terraform apply -invoke`: after a rotation applied without it, the
// Secrets stay encrypted by the old provider until the action is invoked;
// then etcd holds them encrypted by the new one, and the CLI shows the
// progress and counts the action sent.
func TestAccStorageRewriteAction_invoke(t *testing.T) {
	acctest.PreCheck(t)
	skipCLIBelow(t, terraformBin(t), "1.14.0")
	tf := newTerraformCLI(t)
	t.Parallel()
	e := newRotationEnv(t)
	action := rewriteAction(`    resources                = ["secrets"]
    encryption_config_sha256 = kubeharden_encryption_config.this.sha256`)

	tf.WriteConfig(e.before() + action)
	tf.MustRun("apply", "-no-color", "-auto-approve")
	e.startCluster()
	tf.WriteConfig(e.rotated("") + action)
	tf.MustRun("apply", "-no-color", "-auto-approve")
	// Applying the rotation alone leaves the Secrets with the old key.
	if err := e.checkStored("kms-a"); err != nil {
		t.Fatalf("after the rotation, before the action: %v", err)
	}

	out := tf.MustRun("apply", "-no-color", "-auto-approve", "-invoke=action.kubeharden_storage_rewrite.this")
	if err := e.checkStored("kms-b"); err != nil {
		t.Fatalf("after terraform apply -invoke: %v", err)
	}
	for _, want := range []string{
		"Waiting for kube-apiserver to load the encryption configuration",
		"Rewriting secrets",
		fmt.Sprintf("Rewrote secrets: %d rewritten, 0 skipped, 0 failed", len(e.secrets)),
		fmt.Sprintf("Storage rewrite done: %d rewritten, 0 skipped, 0 failed", len(e.secrets)),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output of apply -invoke lacks %q:\n%s", want, out)
		}
	}
	// An action keeps nothing in state.
	if state := tf.MustRun("state", "list"); strings.Contains(state, "storage_rewrite") {
		t.Errorf("the state lists the action:\n%s", state)
	}
}

// TestAccStorageRewriteAction_badInputs: each bad value fails at plan
// time with its attribute, before anything is rewritten.
func TestAccStorageRewriteAction_badInputs(t *testing.T) {
	cp := acctest.SharedControlPlane(t)
	cases := []struct {
		config string
		want   *regexp.Regexp
	}{
		{`    resources = ["Secrets"]`, regexp.MustCompile(`must be a lower-case plural resource name`)},
		{`    resources = ["nosuchthings.example.com"]`, errorWith("Resource Cannot Be Rewritten", "nosuchthings.example.com")},
		{`    encryption_config_sha256 = "abc"`, regexp.MustCompile(`must be a hex SHA-256`)},
		{`    timeout = "soon"`, errorWith("Invalid Timeout", `"soon" is not a Go duration`)},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					// A trigger on a terraform_data's creation plans the action.
					Config: cp.ProviderConfig() + rewriteAction(c.config) + `
resource "terraform_data" "trigger" {
  input = "x"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.kubeharden_storage_rewrite.this]
    }
  }
}
`,
					PlanOnly:    true,
					ExpectError: c.want,
				}},
			})
		})
	}
}
